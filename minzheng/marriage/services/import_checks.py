"""Row checks of the historical records import (补录, issue 18 §5), column by column.

The file is read whole into columns (``common.tabular``: python-calamine for Excel, PyArrow for CSV), the ID
numbers of each side are parsed as one column (``identity.parse_resident_ids``) and the dates through a cache
of their distinct texts; only the assembling of each row's report is a Python loop. The messages, their
order within a row (登记类别, 登记日期, 证书编号, 男方姓名, 男方身份证号码, 女方姓名, 女方身份证号码, then the
checks across columns) and the row numbers (the header is row 1) are those of the row-by-row check it
replaced (issue 21: 2.9 k rows/s → see bench/speed-imports.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import ResidentIds, parse_resident_id, parse_resident_ids
from minzheng.common.tabular import Table, column_text
from minzheng.marriage.rules import RecordKind
from minzheng.registry.rules import normalise_person_name

COLUMNS = ("登记类别", "登记日期", "证书编号", "男方姓名", "男方身份证号码", "女方姓名", "女方身份证号码")
KIND_WORDS = {
    "结婚": RecordKind.MARRIAGE,
    "结婚登记": RecordKind.MARRIAGE,
    "离婚": RecordKind.DIVORCE,
    "离婚登记": RecordKind.DIVORCE,
}
MAX_REPORTED_ERRORS = 200
# 《婚姻法》 of the People's Republic took effect on 1950-05-01: no civil registration is older.
FIRST_REGISTRATION_DAY = dt.date(1950, 5, 1)
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SIDES = (("man", "男方"), ("woman", "女方"))


@dataclass(frozen=True)
class Row:
    number: int
    kind: str
    registered_on: dt.date
    certificate: str
    man_name: str
    man_id: str
    man_birth: dt.date
    woman_name: str
    woman_id: str
    woman_birth: dt.date


class Report:
    """The row-level errors: all counted, the first ``MAX_REPORTED_ERRORS`` kept for the batch's report."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.count = 0
        self.bad_rows = 0

    def add(self, row: int, column: str, value: Any, message: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(
                {
                    "row": row,
                    "column": column,
                    "value": "" if value is None else str(value)[:60],
                    "message": message,
                }
            )


def header_where(header: list[str]) -> dict[str, int]:
    """The position of each required column; ``ValidationFailed`` naming the missing ones."""
    names = [str(h or "").strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValidationFailed(
            f"表头缺少列：{'、'.join(missing)}（应为：{'、'.join(COLUMNS)}）", field="file"
        )
    return {c: names.index(c) for c in COLUMNS}


def registration_date(text: str) -> dt.date:
    """``2015-05-20``, ``2015/5/20``, ``2015年5月20日`` or ``20150520``; ``ValueError`` otherwise."""
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_TEXT.match(text)
    if not match:
        raise ValueError(text)
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def _dates(texts: list[str]) -> list[dt.date | None]:
    """Each text as a registration date within 1950-05-01 … today, or ``None``; parsed once per distinct
    text (an old register has a few thousand distinct days)."""
    today = timezone.localdate()
    known: dict[str, dt.date | None] = {}
    out = []
    for text in texts:
        if text not in known:
            try:
                day: dt.date | None = registration_date(text)
            except ValueError:
                day = None
            known[text] = day if day is not None and FIRST_REGISTRATION_DAY <= day <= today else None
        out.append(known[text])
    return out


def _names(texts: list[str]) -> list[str | ValidationFailed]:
    out: list[str | ValidationFailed] = []
    for text in texts:
        try:
            out.append(normalise_person_name(text))
        except ValidationFailed as error:
            out.append(error)
    return out


def _ids(texts: list[str], field: str) -> ResidentIds:
    """``parse_resident_ids``, with the message of an empty cell filled in (the column parser leaves a missing
    value to its caller)."""
    parsed = parse_resident_ids(texts, field=field)
    empty_message = ""
    for position, text in enumerate(texts):
        if not text:
            if not empty_message:
                try:
                    parse_resident_id("", field=field)
                except ValidationFailed as error:
                    empty_message = error.message
            parsed.errors[position] = empty_message
    return parsed


@dataclass(frozen=True)
class _Columns:
    raw: dict[str, list[Any]]
    text: dict[str, list[str]]
    blank: list[bool]


def _columns(table: Table, where: dict[str, int]) -> _Columns:
    raw = {c: table.columns[where[c]] for c in COLUMNS}
    text = {c: column_text(values) for c, values in raw.items()}
    every = [column_text(values) for values in table.columns]
    blank = [not any(cells) for cells in zip(*every, strict=True)] if every else []
    return _Columns(raw, text, blank)


def rows_check(table: Table, where: dict[str, int], report: Report) -> list[Row]:
    """The good rows of the file; every error of the others goes into ``report`` (blank rows are skipped)."""
    cols = _columns(table, where)
    kinds = [KIND_WORDS.get(t) for t in cols.text["登记类别"]]
    days = _dates(cols.text["登记日期"])
    certificates = [t.upper() for t in cols.text["证书编号"]]
    names = {side: _names(cols.text[f"{label}姓名"]) for side, label in _SIDES}
    ids = {side: _ids(cols.text[f"{label}身份证号码"], f"{label}身份证号码") for side, label in _SIDES}
    good: list[Row] = []
    for i in range(table.count):
        if cols.blank[i]:
            continue
        number, before = i + 2, report.count
        cell = {c: values[i] for c, values in cols.raw.items()}
        if kinds[i] is None:
            report.add(number, "登记类别", cell["登记类别"], "登记类别应为“结婚”或“离婚”")
        if days[i] is None:
            report.add(
                number, "登记日期", cell["登记日期"], "登记日期应为 1950-05-01 至今的日期，如 2015-05-20"
            )
        if not certificates[i] or len(certificates[i]) > 40:
            report.add(number, "证书编号", cell["证书编号"], "请填写证书编号（不超过 40 个字符）")
        for side, label in _SIDES:
            name = names[side][i]
            if isinstance(name, ValidationFailed):
                report.add(number, f"{label}姓名", cell[f"{label}姓名"], name.message)
            if i in ids[side].errors:
                report.add(number, f"{label}身份证号码", cell[f"{label}身份证号码"], ids[side].errors[i])
        row = _row(i, number, kinds, days, certificates, names, ids, report, cell["登记日期"])
        if report.count > before or row is None:
            report.bad_rows += 1
        else:
            good.append(row)
    return good


def _row(
    i: int,
    number: int,
    kinds: Sequence[str | None],
    days: list[dt.date | None],
    certificates: list[str],
    names: dict[str, list[str | ValidationFailed]],
    ids: dict[str, ResidentIds],
    report: Report,
    date_cell: Any,
) -> Row | None:
    """The checks across columns (sexes, the date after both births), then the row if all is well."""
    man_birth, woman_birth = ids["man"].birth_dates[i], ids["woman"].birth_dates[i]
    if i in ids["man"].errors or i in ids["woman"].errors or man_birth is None or woman_birth is None:
        return None
    day = days[i]
    if ids["man"].sexes[i] != "male" or ids["woman"].sexes[i] != "female":
        report.add(number, "男方身份证号码", "", "男方、女方身份证号码的性别与所在列不符，请核对是否填反")
        return None
    if day is not None and day < min(man_birth, woman_birth):
        report.add(number, "登记日期", date_cell, "登记日期早于当事人出生日期")
        return None
    kind, man_name, woman_name = kinds[i], names["man"][i], names["woman"][i]
    if day is None or kind is None or not isinstance(man_name, str) or not isinstance(woman_name, str):
        return None
    return Row(
        number,
        kind,
        day,
        certificates[i],
        man_name,
        ids["man"].numbers[i],
        man_birth,
        woman_name,
        ids["woman"].numbers[i],
        woman_birth,
    )
