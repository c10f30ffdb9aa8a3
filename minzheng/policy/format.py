"""The policy-parameter file format, version 1 (docs/policy-parameters.md). Pure: no ORM.

```json
{"format_version": 1, "kind": "minzheng.policy-parameters", "parameters": [
  {"key": "dibao.standard_monthly", "division": "150000000000", "urban_rural": "urban",
   "valid_from": "2023-01-01", "valid_to": "2024-01-01", "value": "840.00",
   "status": "reported", "source": "…", "note": ""}]}
```

Numbers are read as ``Decimal`` (never float); money is written as a string with two decimals.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from minzheng.common.errors import DomainError
from minzheng.divisions.rules import normalise_code
from minzheng.policy.errors import PolicyFileInvalid
from minzheng.policy.rules import ParameterEntry, parameter_value_normalise

FORMAT_VERSION = 1
FORMAT_KIND = "minzheng.policy-parameters"
REQUIRED_FIELDS = {"key", "division", "valid_from", "value", "status", "source"}
OPTIONAL_FIELDS = {"urban_rural", "valid_to", "note"}


@dataclass(frozen=True)
class NumberedEntry:
    """An entry and its 1-based position in the file, for error messages."""

    number: int
    entry: ParameterEntry

    @property
    def label(self) -> str:
        return entry_label(self.number, self.entry.key)


def entry_label(number: int, key: object) -> str:
    return f"第 {number} 条（{key}）" if isinstance(key, str) and key else f"第 {number} 条"


def _date(raw: Any, name: str) -> dt.date:
    if not isinstance(raw, str):
        raise ValueError(f"{name} 应为 YYYY-MM-DD 格式的日期")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name}“{raw}”不是 YYYY-MM-DD 格式的日期") from None


def _text(raw: Any, name: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{name} 应为文字")
    return raw.strip()


def _entry(item: Any) -> ParameterEntry:
    """One entry, value normalised. Raises ``ValueError``/``DomainError`` with a Chinese reason."""
    if not isinstance(item, dict):
        raise ValueError("应为对象（{…}）")
    missing = sorted(REQUIRED_FIELDS - item.keys())
    if missing:
        raise ValueError(f"缺少字段 {', '.join(missing)}")
    unknown = sorted(item.keys() - REQUIRED_FIELDS - OPTIONAL_FIELDS)
    if unknown:
        raise ValueError(f"有未知字段 {', '.join(unknown)}")
    key = _text(item["key"], "key")
    valid_to = item.get("valid_to")
    return ParameterEntry(
        key=key,
        division_code=normalise_code(_text(item["division"], "division")),
        urban_rural=_text(item.get("urban_rural", ""), "urban_rural"),
        valid_from=_date(item["valid_from"], "valid_from"),
        valid_to=None if valid_to is None else _date(valid_to, "valid_to"),
        value=parameter_value_normalise(key, item["value"]),
        status=_text(item["status"], "status"),
        source=_text(item["source"], "source"),
        note=_text(item.get("note", ""), "note"),
    )


def document_read(text: str) -> list[NumberedEntry]:
    """Every entry of a format-1 document; ``PolicyFileInvalid`` lists every problem found."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PolicyFileInvalid([f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}"]) from None
    if not isinstance(document, dict):
        raise PolicyFileInvalid(["文件内容应为一个 JSON 对象"])
    if document.get("format_version") != FORMAT_VERSION:
        raise PolicyFileInvalid(
            [f"不支持的 format_version {document.get('format_version')!r}（本版本只支持 {FORMAT_VERSION}）"]
        )
    if document.get("kind", FORMAT_KIND) != FORMAT_KIND:
        raise PolicyFileInvalid([f"kind 应为 {FORMAT_KIND}，实际为 {document.get('kind')!r}"])
    items = document.get("parameters")
    if not isinstance(items, list):
        raise PolicyFileInvalid(["缺少 parameters 列表"])
    errors: list[str] = []
    entries: list[NumberedEntry] = []
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    for number, item in enumerate(items, start=1):
        key = item.get("key") if isinstance(item, dict) else None
        try:
            entry = _entry(item)
        except (ValueError, DomainError) as exc:
            errors.append(f"{entry_label(number, key)}：{getattr(exc, 'message', None) or exc}")
            continue
        identity = (*entry.chain, entry.valid_from)
        if identity in seen:
            errors.append(
                f"{entry_label(number, key)}：与第 {seen[identity]} 条的参数、区划、城乡类型和生效日期相同"
            )
            continue
        seen[identity] = number
        entries.append(NumberedEntry(number, entry))
    if errors:
        raise PolicyFileInvalid(errors)
    return entries


def entry_as_dict(entry: ParameterEntry) -> dict[str, Any]:
    return {
        "key": entry.key,
        "division": entry.division_code,
        "urban_rural": entry.urban_rural,
        "valid_from": entry.valid_from.isoformat(),
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
        "value": entry.value,
        "status": entry.status,
        "source": entry.source,
        "note": entry.note,
    }


def document_dump(entries: Iterable[ParameterEntry], *, exported_at: dt.datetime | None = None) -> str:
    """A format-1 document, entries in (key, division, urban_rural, valid_from) order."""
    ordered = sorted(entries, key=lambda e: (e.key, e.division_code, e.urban_rural, e.valid_from))
    document: dict[str, Any] = {"format_version": FORMAT_VERSION, "kind": FORMAT_KIND}
    if exported_at is not None:
        document["exported_at"] = exported_at.isoformat(timespec="seconds")
    document["parameters"] = [entry_as_dict(e) for e in ordered]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
