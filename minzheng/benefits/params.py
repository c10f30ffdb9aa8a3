"""How rules get policy parameters: the ``Params`` protocol, an in-memory provider, and typed readers.

Rules call ``params.get(key, division_code, urban_rural, on_date)`` and receive a
``policy.rules.ResolvedParameter`` (value plus id, version and status for the reasons). A missing value is
``policy.errors.ParameterMissing`` — never a default (ADR 0003). ``InMemoryParams`` resolves with the
policy app's own ``resolve`` (most specific jurisdiction, then urban/rural), so tests and the JSON
``assess`` command behave exactly like the database-backed provider (``providers.SelectorParams``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from minzheng.benefits.facts import HouseholdFacts
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.format import document_read
from minzheng.policy.rules import (
    Action,
    ParameterEntry,
    ParameterRow,
    ResolvedParameter,
    missing_message,
    parameter_key_get,
    plan_chain,
    resolve,
)

BUILTIN_FILE = Path(__file__).resolve().parent.parent / "policy" / "builtin" / "inner_mongolia.json"


class Params(Protocol):
    def get(self, key: str, division_code: str, urban_rural: str, on_date: dt.date) -> ResolvedParameter:
        """The value in force, or ``ParameterMissing``."""
        ...


class InMemoryParams:
    """Parameter versions held in memory (tests, what-if sketches, files). Same resolution as the store."""

    def __init__(self, rows: Iterable[ParameterRow]) -> None:
        self._rows: dict[str, list[ParameterRow]] = defaultdict(list)
        for row in rows:
            self._rows[row.key].append(row)

    @classmethod
    def from_entries(cls, entries: Iterable[ParameterEntry]) -> InMemoryParams:
        provider = cls(())
        for entry in entries:
            provider = provider.with_entry(entry)
        return provider

    @classmethod
    def from_document(cls, text: str) -> InMemoryParams:
        return cls.from_entries(numbered.entry for numbered in document_read(text))

    @classmethod
    def builtin(cls) -> InMemoryParams:
        """The built-in Inner Mongolia set (``minzheng/policy/builtin/inner_mongolia.json``)."""
        return cls.from_document(BUILTIN_FILE.read_text(encoding="utf-8"))

    def rows(self) -> list[ParameterRow]:
        return [row for rows in self._rows.values() for row in rows]

    def with_entry(self, entry: ParameterEntry) -> InMemoryParams:
        """A new provider with ``entry`` written as ``policy.services`` would: a later version closes the
        open one; a same-date version supersedes; overlaps raise ``ParameterConflict``."""
        chain = [r for r in self._rows[entry.key] if (r.division_code, r.urban_rural) == entry.chain[1:]]
        others = [r for r in self.rows() if r not in chain]
        next_id = max((r.id for r in self.rows()), default=0) + 1
        for change in plan_chain(chain, [entry]):
            if change.action is Action.CLOSE and change.row is not None:
                chain = [_close(r, change.close_on) if r == change.row else r for r in chain]
            elif change.action is Action.SUPERSEDE and change.row is not None:
                chain.remove(change.row)
            if change.action in (Action.CREATE, Action.SUPERSEDE):
                version = max((r.version for r in chain), default=0) + 1
                chain.append(_row(next_id, entry, version))
        return InMemoryParams([*others, *chain])

    def get(self, key: str, division_code: str, urban_rural: str, on_date: dt.date) -> ResolvedParameter:
        parameter_key_get(key)
        row = resolve(self._rows.get(key, ()), division_code, urban_rural, on_date)
        if row is None:
            raise ParameterMissing(missing_message(key, f"区划 {division_code}", urban_rural, on_date))
        return ResolvedParameter.from_row(row)


def _close(row: ParameterRow, on: dt.date | None) -> ParameterRow:
    return ParameterRow(
        row.id,
        row.key,
        row.division_code,
        row.urban_rural,
        row.valid_from,
        on,
        row.value,
        row.version,
        row.status,
        row.source,
        row.note,
    )


def _row(pk: int, entry: ParameterEntry, version: int) -> ParameterRow:
    return ParameterRow(
        pk,
        entry.key,
        entry.division_code,
        entry.urban_rural,
        entry.valid_from,
        entry.valid_to,
        entry.value,
        version,
        entry.status,
        entry.source,
        entry.note,
    )


# --- typed readers --------------------------------------------------------------------------------


def lookup(
    params: Params, facts: HouseholdFacts, key: str, urban_rural: str | None = None
) -> ResolvedParameter:
    """``key`` for the household's place and date; ``urban_rural`` overrides the household's type
    (特困 persons, 《特困人员认定办法》第 19 条)."""
    return params.get(key, facts.division_code, urban_rural or facts.urban_rural, facts.as_of)


def decimal_of(resolved: ResolvedParameter) -> Decimal:
    return Decimal(str(resolved.value))


def json_of(resolved: ResolvedParameter) -> Any:
    return resolved.value


# --- amounts --------------------------------------------------------------------------------------

CENT = Decimal("0.01")
_ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}


def fraction_to_yuan(value: Fraction) -> Decimal:
    """An exact amount rounded half-up to the fen (ADR 0005; ``common.money``'s rule)."""
    sign = -1 if value < 0 else 1
    fen = (abs(value) * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(sign * fen) / 100).quantize(CENT)


def apply_rounding(amount: Decimal, rule: dict[str, str]) -> Decimal:
    """Round a monthly amount by the ``rounding`` parameter: method half_up / up / down to a unit of
    0.01, 0.1, 1 or 10 yuan. The result keeps two decimals."""
    unit = Decimal(rule["unit"])
    units = (amount / unit).quantize(Decimal(1), rounding=_ROUNDING_MODES[rule["method"]])
    return (units * unit).quantize(CENT)
