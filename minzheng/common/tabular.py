"""Uploaded spreadsheets (.xlsx) and CSV files read column by column, for the large imports.

``.xlsx`` is read by python-calamine (Rust) in one call; CSV by PyArrow's reader when the file is a clean
rectangle of UTF-8 or GBK text, otherwise (blank lines, ragged rows) by the standard ``csv`` module, which
gives the same cells. Either way the result is one list of raw cell values per column, and row ``i`` of
the data is spreadsheet row ``i + 2`` (the header is row 1) — the numbering of every row-level error report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from minzheng.common.errors import ValidationFailed

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Table:
    header: list[str]  # the first row, as text
    columns: list[list[Any]]  # raw cell values, one list per header cell, all of length ``count``
    count: int  # data rows (blank ones included: they keep their row numbers)

    def column(self, name: str) -> list[Any] | None:
        return self.columns[self.header.index(name)] if name in self.header else None


def cell_text(value: Any) -> str:
    """A cell as text. Whole numbers typed into numeric cells come back as floats from Excel."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def column_text(values: list[Any]) -> list[str]:
    """``[cell_text(v) for v in values]`` with a fast path for the usual text cell."""
    return [v.strip() if type(v) is str else cell_text(v) for v in values]


def read_table(filename: str, content: bytes) -> Table:
    """The first sheet of an .xlsx, or a CSV file; ``ValidationFailed`` (field ``file``) when unreadable."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xls")):
        return _rows_table(_xlsx_rows(content))
    if name.endswith(".csv"):
        text = _csv_text(content)
        return _arrow_csv(text) or _rows_table(list(csv.reader(io.StringIO(text))))
    raise ValidationFailed("只支持 .xlsx 或 .csv 文件", field="file")


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return list(book.get_sheet_by_index(0).to_python())
    except Exception as error:  # calamine raises several types for a damaged file
        raise ValidationFailed(f"无法读取 Excel 文件：{error}", field="file") from None


def _csv_text(content: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）", field="file")


def _rows_table(rows: list[list[Any]]) -> Table:
    if not rows:
        return Table([], [], 0)
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):  # a short CSV line: its missing cells are empty
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    header = [cell_text(v) for v in rows[0]]
    columns = [list(c) for c in zip(*rows[1:], strict=True)] if len(rows) > 1 else [[] for _ in header]
    return Table(header, columns, len(rows) - 1)


def _arrow_csv(text: str) -> Table | None:
    """PyArrow's multi-threaded reader for a rectangular file; ``None`` (use the ``csv`` module) when a line
    is blank or has another number of cells, so that the row numbers stay those of the file."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    data = text.encode()
    first = text.partition("\n")[0]
    width = len(next(csv.reader([first]), []))
    if not width:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    columns = [table.column(i).to_pylist() for i in range(width)]
    header = [cell_text(c[0]) for c in columns] if table.num_rows else []
    return Table(header, [c[1:] for c in columns], max(table.num_rows - 1, 0))
