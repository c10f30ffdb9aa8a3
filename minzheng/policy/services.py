"""Writes of policy parameters: set one version, import a file, load the built-in set (ADR 0003).

Every write runs in one transaction, locks the divisions it writes for (so concurrent writers of
one jurisdiction queue up), plans with ``rules.plan_chain`` against the rows as they are after the
lock, and records an audit event. Nothing is written when any entry is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.common.caching import POLICY, changed
from minzheng.common.errors import DomainError, PermissionDenied, ValidationFailed
from minzheng.divisions.models import Division
from minzheng.divisions.rules import normalise_code
from minzheng.policy.errors import ParameterConflict, PolicyFileInvalid
from minzheng.policy.format import NumberedEntry, document_read
from minzheng.policy.models import Parameter
from minzheng.policy.rules import (
    URBAN_RURAL_LABELS,
    Action,
    ParameterEntry,
    ParameterRow,
    PlannedChange,
    can_set_parameter,
    entry_problems,
    parameter_key_get,
    parameter_value_normalise,
    plan_chain,
)
from minzheng.policy.selectors import ROW_FIELDS

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN_FILE = BUILTIN_DIR / "inner_mongolia.json"
BUILTIN_REGION = "150000000000"
Chain = tuple[str, str, str]


@dataclass
class ImportResult:
    created: int = 0
    closed: int = 0
    superseded: int = 0
    unchanged: int = 0
    skipped_chains: int = 0
    dry_run: bool = False
    parameter_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.closed or self.superseded)

    def summary(self) -> str:
        text = (
            f"新增 {self.created} 个版本，截止 {self.closed} 个，"
            f"更正 {self.superseded} 个，未变 {self.unchanged} 个"
        )
        if self.skipped_chains:
            text += f"，跳过已有参数 {self.skipped_chains} 组"
        return ("试运行（未写入）：" if self.dry_run else "") + text


def _require_maintainer(actor: Any, division_code: str) -> None:
    role = getattr(actor, "role", "") if getattr(actor, "is_active", False) else ""
    decision = can_set_parameter(role, getattr(actor, "scope_prefix", None), division_code)
    if not decision.allowed:
        raise PermissionDenied(decision.reason, field="division_code")


def _lock_divisions(codes: set[str]) -> dict[str, Division]:
    """The divisions by code, locked in id order (serialises writers of the same jurisdictions)."""
    rows = Division.objects.select_for_update().filter(code__in=codes).order_by("id")
    return {d.code: d for d in rows}


def _current_rows(chains: set[Chain]) -> dict[Chain, list[ParameterRow]]:
    keys = {c[0] for c in chains}
    codes = {c[1] for c in chains}
    query = Parameter.objects.current().filter(key__in=keys, division__code__in=codes)
    result: dict[Chain, list[ParameterRow]] = defaultdict(list)
    for values in query.values_list(*ROW_FIELDS):
        row = ParameterRow(*values)
        chain = (row.key, row.division_code, row.urban_rural)
        if chain in chains:
            result[chain].append(row)
    return result


def _next_versions(chains: set[Chain], divisions: dict[str, Division]) -> dict[Chain, int]:
    ids = {divisions[c[1]].id: c[1] for c in chains}
    rows = (
        Parameter.objects.filter(key__in={c[0] for c in chains}, division_id__in=ids)
        .values_list("key", "division_id", "urban_rural")
        .annotate(last=Max("version"))
    )
    last = {(key, ids[division_id], urban_rural): n for key, division_id, urban_rural, n in rows}
    return {chain: last.get(chain, 0) + 1 for chain in chains}


def _apply(
    changes: list[PlannedChange], divisions: dict[str, Division], actor: Any, result: ImportResult
) -> list[Parameter]:
    """Write planned changes in order; returns the created rows. Closing and superseding come before
    the create that needs the range free (the exclusion constraint is checked per statement)."""
    now = timezone.now()
    if any(c.action is not Action.UNCHANGED for c in changes):
        changed(POLICY)  # the cached guides (common/caching.py); the .update() calls below send no signal
    versions = _next_versions({c.entry.chain for c in changes}, divisions)
    created: list[Parameter] = []
    for change in changes:
        entry = change.entry
        if change.action is Action.UNCHANGED:
            result.unchanged += 1
            continue
        assert change.row is not None or change.action is Action.CREATE
        if change.action is Action.CLOSE:
            Parameter.objects.filter(pk=change.row.id).update(valid_to=change.close_on)  # type: ignore[union-attr]
            result.closed += 1
            continue
        supersedes_id = None
        if change.action is Action.SUPERSEDE:
            Parameter.objects.filter(pk=change.row.id).update(superseded_at=now)  # type: ignore[union-attr]
            supersedes_id = change.row.id  # type: ignore[union-attr]
            result.superseded += 1
        else:
            result.created += 1
        row = Parameter.objects.create(
            key=entry.key,
            division=divisions[entry.division_code],
            urban_rural=entry.urban_rural,
            valid_from=entry.valid_from,
            valid_to=entry.valid_to,
            value=entry.value,
            status=entry.status,
            source=entry.source,
            note=entry.note,
            version=versions[entry.chain],
            supersedes_id=supersedes_id,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        versions[entry.chain] += 1
        created.append(row)
        result.parameter_ids.append(row.id)
    return created


def _entry_for(
    *,
    key: str,
    division_code: str,
    urban_rural: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    value: Any,
    source: str,
    status: str,
    note: str,
) -> ParameterEntry:
    parameter_key_get(key)
    try:
        code = normalise_code(division_code)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="division_code") from None
    return ParameterEntry(
        key=key,
        division_code=code,
        urban_rural=urban_rural,
        valid_from=valid_from,
        valid_to=valid_to,
        value=parameter_value_normalise(key, value),
        status=status,
        source=source.strip(),
        note=note.strip(),
    )


@transaction.atomic
def parameter_set(
    *,
    actor: Any,
    key: str,
    division_code: str,
    urban_rural: str,
    valid_from: dt.date,
    value: Any,
    source: str,
    status: str,
    note: str = "",
    valid_to: dt.date | None = None,
) -> Parameter:
    """A new version of ``key`` for a jurisdiction from ``valid_from`` (usually open-ended).

    The open version starting earlier is closed on ``valid_from``; a version with the same
    ``valid_from`` is superseded (a correction); an open version starting before the one in force
    (back-dating) and any overlap are refused. Only region and league/city supervisors and the system
    administrator, within their jurisdiction. Locks the division row. Returns the version now in force
    from ``valid_from`` (the existing one if nothing changed).
    """
    entry = _entry_for(
        key=key,
        division_code=division_code,
        urban_rural=urban_rural,
        valid_from=valid_from,
        valid_to=valid_to,
        value=value,
        source=source,
        status=status,
        note=note,
    )
    _require_maintainer(actor, entry.division_code)
    divisions = _lock_divisions({entry.division_code})
    division = divisions.get(entry.division_code)
    problems = entry_problems(entry, division.level if division else None)
    if problems:
        raise ValidationFailed(
            f"政策参数 {key}：{problems[0]}", field="division_code" if not division else None
        )
    changes = plan_chain(_current_rows({entry.chain})[entry.chain], [entry])
    result = ImportResult()
    created = _apply(changes, divisions, actor, result)
    if not result.changed:
        return Parameter.objects.get(pk=changes[0].row.id)  # type: ignore[union-attr]
    parameter = created[0] if created else Parameter.objects.get(pk=changes[-1].row.id)  # type: ignore[union-attr]
    event_record(
        actor=actor,
        verb="policy.parameter_set",
        object_type="policy.parameter",
        object_id=parameter.pk,
        division_code=entry.division_code,
        summary=f"设定政策参数 {key}（{division.name if division else ''} "
        f"{URBAN_RURAL_LABELS[entry.urban_rural]}）自 {valid_from.isoformat()} 起",
        data={
            "key": key,
            "version": parameter.version,
            "value": entry.value,
            "status": entry.status,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
            "changes": [
                {"action": c.action.value, "parameter_id": c.row.id if c.row else None} for c in changes
            ],
        },
    )
    return parameter


def _plan_file(
    entries: list[NumberedEntry], divisions: dict[str, Division], actor: Any, skip_existing_chains: bool
) -> tuple[list[PlannedChange], list[str], int]:
    """Plan every chain of the file; collect every problem (entry number and key) instead of stopping."""
    errors: list[str] = []
    by_chain: dict[Chain, list[NumberedEntry]] = defaultdict(list)
    for numbered in entries:
        division = divisions.get(numbered.entry.division_code)
        for problem in entry_problems(numbered.entry, division.level if division else None):
            errors.append(f"{numbered.label}：{problem}")
        by_chain[numbered.entry.chain].append(numbered)
    current = _current_rows(set(by_chain))
    changes: list[PlannedChange] = []
    skipped = 0
    for chain, numbered_entries in sorted(by_chain.items()):
        if skip_existing_chains and current.get(chain):
            skipped += 1
            continue
        try:
            planned = plan_chain(current.get(chain, []), [n.entry for n in numbered_entries])
        except ParameterConflict as exc:
            culprit = next((n for n in numbered_entries if n.entry.valid_from == exc.entry_valid_from), None)
            errors.append(f"{culprit.label if culprit else chain[0]}：{exc.message}")
            continue
        for change in planned:
            if change.action is not Action.UNCHANGED and actor is not None:
                numbered = next(n for n in numbered_entries if n.entry is change.entry)
                decision = can_set_parameter(
                    getattr(actor, "role", ""),
                    getattr(actor, "scope_prefix", None),
                    change.entry.division_code,
                )
                if not decision.allowed:
                    errors.append(f"{numbered.label}：{decision.reason}")
        changes.extend(planned)
    return changes, sorted(set(errors), key=errors.index), skipped


@transaction.atomic
def parameter_import(
    *, actor: Any, text: str, dry_run: bool = False, skip_existing_chains: bool = False
) -> ImportResult:
    """Import a format-1 document (docs/policy-parameters.md): validate everything first, write
    nothing on any error (``PolicyFileInvalid`` lists each entry number and key), then apply.

    Idempotent: importing an export of the same database changes nothing. ``actor`` None is the
    command line (operator with shell access); a user must be allowed to set every changed entry.
    ``skip_existing_chains`` leaves every (key, division, urban_rural) that already has versions alone
    (used by the built-in set, so local changes are never overwritten).
    """
    entries = document_read(text)
    divisions = _lock_divisions({n.entry.division_code for n in entries})
    changes, errors, skipped = _plan_file(entries, divisions, actor, skip_existing_chains)
    if errors:
        raise PolicyFileInvalid(errors)
    result = ImportResult(dry_run=dry_run, skipped_chains=skipped)
    if dry_run:
        for change in changes:
            attribute = {
                Action.CREATE: "created",
                Action.CLOSE: "closed",
                Action.SUPERSEDE: "superseded",
                Action.UNCHANGED: "unchanged",
            }[change.action]
            setattr(result, attribute, getattr(result, attribute) + 1)
        return result
    _apply(changes, divisions, actor, result)
    if result.changed:
        event_record(
            actor=actor,
            verb="policy.parameters_imported",
            object_type="policy.parameter_set",
            object_id=len(entries),
            summary=f"导入政策参数 {len(entries)} 条：{result.summary()}",
            data={
                "created_ids": result.parameter_ids,
                "closed": result.closed,
                "superseded": result.superseded,
                "unchanged": result.unchanged,
                "skipped_chains": skipped,
            },
        )
    return result


def policy_builtin_load(*, actor: Any = None) -> ImportResult:
    """Load the built-in Inner Mongolia figures (``builtin/inner_mongolia.json``), idempotently.

    Only keys with no version yet for the same division and urban/rural type are loaded, so a
    deployment's own figures are never overwritten. Needs the region division (import it first); rows of
    leagues and banners that are not imported are left out.
    """
    if not Division.objects.filter(code=BUILTIN_REGION).exists():
        raise DomainError(
            "没有内蒙古自治区（150000000000）区划，"
            "请先导入行政区划（minzheng import-divisions --province 15）",
            code="division_missing",
        )
    document = json.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    # League and banner figures load only where that division was imported (a test tree, one league).
    present = set(Division.objects.values_list("code", flat=True))
    document["parameters"] = [p for p in document["parameters"] if normalise_code(p["division"]) in present]
    return parameter_import(
        actor=actor, text=json.dumps(document, ensure_ascii=False), skip_existing_chains=True
    )


def programmes_sync(*, using: str = "default") -> int:
    """Upsert the ``Programme`` rows from the catalogue (its order is the sort order); returns how many
    rows were written. Rows of programmes no longer in the catalogue are kept: parameters refer to them."""
    from minzheng.policy.models import Programme as ProgrammeRow
    from minzheng.policy.rules import PROGRAMMES

    written = 0
    for order, programme in enumerate(PROGRAMMES, start=1):
        values = {"name": programme.name, "legal_basis": programme.legal_basis, "sort_order": order}
        row = ProgrammeRow.objects.using(using).filter(code=programme.code).first()
        if row is None:
            ProgrammeRow.objects.using(using).create(code=programme.code, **values)
        elif any(getattr(row, key) != value for key, value in values.items()):
            ProgrammeRow.objects.using(using).filter(pk=row.pk).update(**values)
        else:
            continue
        written += 1
    return written
