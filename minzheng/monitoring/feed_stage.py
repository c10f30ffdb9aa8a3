"""Validation and staging of one department delivery, column at a time (issue 21): the rows are read into
Arrow string columns and checked in DuckDB, so a file of millions of rows costs no Python object per row.

* **Fast accept.** A cell in its canonical form — an 18-character ID number with a right check digit and a
  possible birth date, ``YYYY-MM-DD`` / ``YYYY-MM`` dates, plain decimal amounts, a choice's code or label,
  a text without surrounding blanks — is typed by one SQL expression with exactly the acceptance of
  ``cell_check``. Every other row (blanks, ``2026/10/01``, a lower-case x, a 15-digit number, a bad cell)
  goes through ``cell_check``, the per-cell reference, which types it or says in Chinese what is wrong, so
  a bad row gets the same report cell as before and nothing is lost.
* **Blind indexes in bulk.** The ID number's blind index and the natural key (a keyed hash of the key
  columns) are HMAC-SHA256 computed in the same SQL (``crypto.index_pads``), the ID's once per distinct
  number; they equal ``crypto.blind_index`` value for value.
* **Duplicated natural keys** inside the file are found by one window query before anything is sent to
  PostgreSQL: a rejected delivery never reaches the database.
"""
# ruff: noqa: S608, E501 - SQL kept whole for reading; SQL from the feed registry's column keys and fixed fragments; values are bound parameters

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
import pyarrow as pa

from minzheng.common import crypto
from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import parse_resident_id, province_codes
from minzheng.monitoring.rules import ColumnType, FeedColumn, FeedSpec
from minzheng.registry.services import ID_INDEX

MAX_REPORTED_ERRORS = 1000  # the report lists this many; the total is always counted
NATURAL_KEY_PURPOSE = "feed_record"
STAGE_SCHEMA = pa.schema(
    [
        ("natural_key", pa.string()),
        ("row_number", pa.int64()),
        ("id_index", pa.string()),
        ("id_masked", pa.string()),
        ("event_date", pa.date32()),
        ("amount", pa.decimal128(14, 2)),
        ("code", pa.string()),
        ("payload", pa.string()),
    ]
)
# the characters Python's ``str.strip`` removes (``str.isspace``), as an RE2 class: a text cell that starts
# or ends with one is checked by ``cell_check`` (which strips it)
_PY_SPACE = r"[\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_ID_WEIGHTS = tuple(pow(2, 17 - n, 11) for n in range(17))
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row (1 = header); 0 = the whole file
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ParsedFeed:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows_total: int = 0
    rows_staged: int = 0  # valid rows written to the staging table

    def error(self, row: int, column: str, value: Any, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, "" if value is None else str(value)[:100], message))


# --- the per-cell reference ---------------------------------------------------------------------------


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if len(text) == 7:  # a month, e.g. 2026-03
        text += "-01"
    return dt.date.fromisoformat(text)


def _money(value: Any) -> Decimal:
    if isinstance(value, float):  # Excel numbers: keep the cents the sheet shows
        value = repr(value)
    amount = Decimal(str(value).strip().replace(",", ""))
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidOperation
    if amount >= Decimal("1e12"):
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


def cell_check(column: FeedColumn, raw: Any, today: dt.date) -> tuple[Any, str]:
    """The typed value of one cell, or an error message (Chinese). The reference the SQL fast path
    agrees with."""
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty:
        return None, "必填项为空" if column.required else ""
    if column.kind == ColumnType.ID_NUMBER:
        try:
            return parse_resident_id(str(raw)).number, ""
        except ValidationFailed as error:
            return None, error.message
    if column.kind == ColumnType.DATE:
        try:
            day = _date(raw)
        except ValueError:
            return None, "不是有效日期（格式 YYYY-MM-DD）"
        if day > today:
            return None, f"日期 {day} 晚于今天"
        if day.year < 1900:
            return None, f"日期 {day} 早于 1900 年"
        return day, ""
    if column.kind == ColumnType.MONEY:
        try:
            return _money(raw), ""
        except (InvalidOperation, ValueError):
            return None, "金额应为不小于 0、最多两位小数的数字（元）"
    if column.kind == ColumnType.CHOICE:
        text = str(raw).strip()
        if text.endswith(".0"):  # Excel numbers such as grade 1.0
            text = text[:-2]
        by_label = {label: code for code, label in column.choices.items()}
        if text in column.choices:
            return text, ""
        if text in by_label:
            return by_label[text], ""
        allowed = "、".join(f"{label}（{code}）" for code, label in column.choices.items())
        return None, f"取值无效，可选：{allowed}"
    text = str(raw).strip()
    if len(text) > 100:
        return None, "不能超过 100 个字符"
    return text, ""


# --- rows → string columns ----------------------------------------------------------------------------


def _text(raw: Any, kind: ColumnType) -> str | None:
    """A cell of Excel or JSON as the text ``cell_check`` reads the same way (dates of a date column as
    ISO days, floats as their shortest repr)."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, dt.datetime) and kind == ColumnType.DATE:
        return raw.date().isoformat()
    return repr(raw) if isinstance(raw, float) else str(raw)


def raw_from_rows(spec: FeedSpec, positions: dict[str, int], rows: Iterable[Sequence[Any]]) -> pa.Table:
    """Rows of an Excel sheet, of the JSON API or of an irregular CSV → ``row_number`` and one string
    column per delivered column (rows whose cells are all empty skipped, their numbers kept)."""
    present = [c for c in spec.columns if c.key in positions]
    numbers: list[int] = []
    columns: list[list[str | None]] = [[] for _ in present]
    for offset, row in enumerate(rows):
        if not any(cell not in (None, "") for cell in row):
            continue
        numbers.append(offset + 2)
        width = len(row)
        for values, column in zip(columns, present, strict=True):
            position = positions[column.key]
            values.append(_text(row[position], column.kind) if position < width else None)
    arrays = [pa.array(numbers, pa.int64()), *(pa.array(v, pa.string()) for v in columns)]
    return pa.table(arrays, names=["row_number", *(c.key for c in present)])


# --- the SQL fast path --------------------------------------------------------------------------------


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fast(column: FeedColumn, today: dt.date) -> tuple[str, str]:
    """(value expression, accepted condition) of a present column ``c`` in canonical form."""
    c = f'"{column.key}"'
    empty = f"({c} IS NULL OR {c} = '')"
    if column.kind == ColumnType.ID_NUMBER:  # looked up in the table ``_id_checks`` wrote
        value = f'"{column.key}{_CHECKED}"'
        ok = f"({value} IS NOT NULL)"
    elif column.kind == ColumnType.DATE:
        text = f"CASE WHEN length({c}) = 7 THEN {c} || '-01' ELSE {c} END"
        value = f"CASE WHEN regexp_full_match({c}, '[0-9]{{4}}-[0-9]{{2}}(-[0-9]{{2}})?') THEN try_cast({text} AS DATE) END"
        ok = f"({value} BETWEEN DATE '1900-01-01' AND DATE '{today}')"
    elif column.kind == ColumnType.MONEY:
        value = f"CASE WHEN regexp_full_match({c}, '[0-9]{{1,12}}([.][0-9]{{1,2}})?') THEN CAST({c} AS DECIMAL(14,2)) END"
        ok = f"({value} IS NOT NULL)"
    elif column.kind == ColumnType.CHOICE:
        pairs = [
            *((code, code) for code in column.choices),
            *((label, code) for code, label in column.choices.items()),
        ]
        value = "CASE " + " ".join(f"WHEN {c} = {_q(text)} THEN {_q(code)}" for text, code in pairs) + " END"
        ok = f"({value} IS NOT NULL)"
    else:
        value = c
        ok = f"(length({c}) BETWEEN 1 AND 100 AND NOT regexp_matches({c}, '^{_PY_SPACE}|{_PY_SPACE}$'))"
    if not column.required:
        return f"CASE WHEN {empty} THEN NULL ELSE {value} END", f"({empty} OR {ok})"
    return value, ok


_CHECKED = "__checked"  # suffix of the canonical ID number's column in ``_id_checks``'s table


def _id_checks(con: duckdb.DuckDBPyConnection, column: FeedColumn, today: dt.date) -> str:
    """The table of the column's **distinct** cells with their canonical ID number (NULL: not accepted by
    the fast path), and the join that adds it to ``raw_rows``. The check digit, birth date and province are
    the costly part of the checks (80 % of ``_typed``), and a monthly feed repeats each person's number
    twelve times; the seventeen digits come from one integer, not seventeen substrings."""
    c, table = f'"{column.key}"', f'"checked_{column.key}"'
    weighted = " + ".join(f"(n // {10 ** (16 - i)} % 10) * {w}" for i, w in enumerate(_ID_WEIGHTS))
    provinces = ", ".join(_q(p) for p in sorted(province_codes()))
    province = "CASE WHEN substr(raw, 1, 1) = '9' THEN substr(raw, 2, 2) ELSE substr(raw, 1, 2) END"
    ok = (
        f"regexp_full_match(raw, '[0-9]{{17}}[0-9Xx]') AND upper(substr(raw, 18, 1)) = check_digit "
        f"AND {province} IN ({provinces}) "
        f"AND birth IS NOT NULL AND CAST(birth AS DATE) <= DATE '{today}' AND year(birth) >= 1890"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT raw, CASE WHEN {ok} THEN substr(raw, 1, 17) || check_digit END "
        f"AS \"{column.key}{_CHECKED}\" FROM (SELECT raw, birth, substr('{_ID_CHECK}', 1 + ({weighted}) % 11, 1) AS check_digit "
        f"FROM (SELECT raw, TRY_CAST(substr(raw, 1, 17) AS BIGINT) AS n, try_strptime(substr(raw, 7, 8), '%Y%m%d') AS birth "
        f"FROM (SELECT DISTINCT {c} AS raw FROM raw_rows)))"
    )
    return f"LEFT JOIN {table} ON raw_rows.{c} IS NOT DISTINCT FROM {table}.raw"


_SQL_TYPES = {
    ColumnType.ID_NUMBER: "VARCHAR",
    ColumnType.DATE: "DATE",
    ColumnType.MONEY: "DECIMAL(14,2)",
    ColumnType.CHOICE: "VARCHAR",
    ColumnType.TEXT: "VARCHAR",
}
_ARROW_TYPES = {
    ColumnType.ID_NUMBER: pa.string(),
    ColumnType.DATE: pa.date32(),
    ColumnType.MONEY: pa.decimal128(14, 2),
    ColumnType.CHOICE: pa.string(),
    ColumnType.TEXT: pa.string(),
}


def _typed(
    con: duckdb.DuckDBPyConnection,
    spec: FeedSpec,
    raw: pa.Table,
    parsed: ParsedFeed,
    today: dt.date,
    ids_ready: Callable[[pa.Table], None] | None = None,
) -> None:
    """The table ``typed`` (row_number, one typed column per feed column) of the valid rows; errors of
    the others into ``parsed``. With ``ids_ready``, the blind indexes of the ID numbers in canonical form
    (table ``indexed``) are handed to it as soon as they are checked, before the rest of the rows."""
    present = [c for c in spec.columns if c.key in raw.column_names]
    con.register("raw_rows", raw)
    nonempty = " OR ".join(f"coalesce(\"{c.key}\", '') <> ''" for c in present) or "FALSE"
    fast = {c.key: _fast(c, today) for c in present}
    values = ", ".join(
        f'{fast[c.key][0]} AS "{c.key}"'
        if c in present
        else f'CAST(NULL AS {_SQL_TYPES[c.kind]}) AS "{c.key}"'
        for c in spec.columns
    )
    accepted = " AND ".join(f"coalesce({ok}, FALSE)" for _, ok in fast.values()) or "TRUE"
    joins = " ".join(_id_checks(con, c, today) for c in present if c.kind == ColumnType.ID_NUMBER)
    if ids_ready is not None and "id_number" in raw.column_names:
        _indexed(con, f'SELECT DISTINCT "id_number{_CHECKED}" AS id_number FROM checked_id_number')
        ids_ready(con.sql("SELECT id_index FROM indexed").to_arrow_table())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE checked AS SELECT row_number, {accepted} AS fast, {values} "
        f"FROM raw_rows {joins} WHERE {nonempty}"
    )
    for column in present:
        if column.kind == ColumnType.ID_NUMBER:
            con.execute(f'DROP TABLE "checked_{column.key}"')
    parsed.rows_total = con.sql("SELECT count(*) FROM checked").fetchall()[0][0]
    slow = con.sql(
        "SELECT r.* FROM raw_rows r SEMI JOIN (SELECT row_number FROM checked WHERE NOT fast) s USING (row_number) "
        "ORDER BY r.row_number"
    ).fetchall()
    names = ["row_number", *(c.key for c in present)]
    id_first = sorted(spec.columns, key=lambda c: c.kind != ColumnType.ID_NUMBER)  # the report's cell order
    checked: list[tuple[Any, ...]] = []
    for row in slow:
        cells = dict(zip(names, row, strict=True))
        typed: dict[str, Any] = {}
        ok = True
        for column in id_first:
            raw_value = cells.get(column.key)
            value, message = cell_check(column, raw_value, today)
            if message:
                parsed.error(cells["row_number"], column.label, raw_value, message)
                ok = False
            typed[column.key] = value
        if ok:
            checked.append((cells["row_number"], *(typed[c.key] for c in spec.columns)))
    schema = pa.schema([("row_number", pa.int64()), *((c.key, _ARROW_TYPES[c.kind]) for c in spec.columns)])
    con.register(
        "slow_rows", pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in checked], schema)
    )
    columns = ", ".join(f'"{c.key}"' for c in spec.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE typed AS SELECT row_number, {columns} FROM checked WHERE fast "
        f"UNION ALL SELECT row_number, {columns} FROM slow_rows"
    )
    con.execute("DROP TABLE checked")
    con.unregister("slow_rows")
    con.unregister("raw_rows")


def _hmac_sql(message: str, pads: str) -> str:
    return f"sha256(${pads}_outer || unhex(sha256(${pads}_inner || encode({message}))))"


def _indexed(con: duckdb.DuckDBPyConnection, numbers: str, table: str = "indexed") -> None:
    """The table ``indexed`` (id_number, id_index): the blind index of each distinct ID number ``numbers``
    selects (a monthly feed repeats each number twelve times), ready before the natural keys are hashed so
    that the persons can be looked up meanwhile (``feeds``)."""
    id_inner, id_outer = crypto.index_pads(ID_INDEX)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT id_number, {_hmac_sql('id_number', 'id')} AS id_index "
        f"FROM ({numbers}) WHERE id_number IS NOT NULL",
        {"id_inner": id_inner, "id_outer": id_outer},
    )


def _indexed_complete(con: duckdb.DuckDBPyConnection, ids_ready: Callable[[pa.Table], None] | None) -> None:
    """``indexed`` for every ID number of ``typed``: built now, or completed with those the early
    ``indexed`` (canonical cells only) lacks — a lower-case x, a 15-digit number — which go to ``ids_ready``
    too. Numbers of rows found invalid may stay in it: every reader joins it with ``typed``."""
    early = con.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indexed'").fetchall()[0][0]
    if not early:
        _indexed(con, "SELECT DISTINCT id_number FROM typed")
        if ids_ready is not None:
            ids_ready(con.sql("SELECT id_index FROM indexed").to_arrow_table())
        return
    _indexed(con, "SELECT DISTINCT id_number FROM typed ANTI JOIN indexed USING (id_number)", "indexed_more")
    if con.sql("SELECT count(*) FROM indexed_more").fetchall()[0][0]:
        con.execute("INSERT INTO indexed SELECT * FROM indexed_more")
        if ids_ready is not None:
            ids_ready(con.sql("SELECT id_index FROM indexed_more").to_arrow_table())
    con.execute("DROP TABLE indexed_more")


def _staged_select(spec: FeedSpec, where: str = "") -> str:
    """The SELECT of the staged rows (``STAGE_SCHEMA``, unordered) from ``typed`` t and ``indexed`` i, with
    the natural key hashed in bulk; ``where`` filters ``t``. Parameters: ``nk_inner``, ``nk_outer``."""
    roles = {c.role: c.key for c in spec.columns if c.role}
    key_parts = ", ".join(f"coalesce(CAST(t.\"{k}\" AS VARCHAR), 'None')" for k in spec.natural_key)
    payload = ", ".join(
        f'CASE WHEN t."{c.key}" IS NOT NULL THEN to_json({_q(c.key)}) || \': \' || to_json(CAST(t."{c.key}" AS VARCHAR)) END'
        for c in spec.columns
        if not c.role
    )
    amount = f't."{roles["amount"]}"' if "amount" in roles else "CAST(NULL AS DECIMAL(14,2))"
    code = f"coalesce(t.\"{roles['code']}\", '')" if "code" in roles else "''"
    return (
        f"SELECT {_hmac_sql(f'concat_ws(chr(31), {_q(spec.code)}, {key_parts})', 'nk')} AS natural_key, "
        f"t.row_number, i.id_index, left(t.id_number, 4) || repeat('*', length(t.id_number) - 8) || right(t.id_number, 4) "
        f'AS id_masked, t."{roles["event_date"]}" AS event_date, {amount} AS amount, {code} AS code, '
        f"'{{' || concat_ws(', ', {payload or 'NULL'}) || '}}' AS payload "
        f"FROM typed t JOIN indexed i USING (id_number) {where}"
    )


def _nk_pads() -> dict[str, bytes]:
    inner, outer = crypto.index_pads(NATURAL_KEY_PURPOSE)
    return {"nk_inner": inner, "nk_outer": outer}


def _keyed(con: duckdb.DuckDBPyConnection, spec: FeedSpec) -> None:
    """The table ``staged`` (``STAGE_SCHEMA``) from ``typed`` and ``indexed``, in natural-key order —
    PostgreSQL's unique (feed, natural_key) index then takes the rows left to right instead of at random
    leaves (a quarter less of its CPU for the rows' ``COPY``, bench/speed-monitoring.md session 11)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS {_staged_select(spec)} ORDER BY natural_key", _nk_pads()
    )
    con.execute("DROP TABLE typed")
    con.execute("DROP TABLE indexed")


def _duplicates_report(con: duckdb.DuckDBPyConnection, spec: FeedSpec, parsed: ParsedFeed) -> None:
    """Rows whose natural key an earlier row of the same file has: one error each, naming that row."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated AS SELECT row_number, first_row FROM (SELECT row_number, "
        "min(row_number) OVER (PARTITION BY natural_key) AS first_row FROM staged) WHERE row_number > first_row"
    )
    duplicates = con.sql("SELECT count(*) FROM repeated").fetchall()[0][0]
    if duplicates:
        labels = "、".join(spec.column(k).label for k in spec.natural_key)
        room = max(0, MAX_REPORTED_ERRORS - len(parsed.errors))
        for row, first in con.sql(f"SELECT * FROM repeated ORDER BY row_number LIMIT {room}").fetchall():
            parsed.error(row, labels, "", f"与第 {first} 行重复（{labels}相同）")
        parsed.error_count += duplicates - min(duplicates, room)
        parsed.errors.sort(key=lambda e: e.row)
    con.execute("DROP TABLE repeated")


def stage_build(
    con: duckdb.DuckDBPyConnection,
    spec: FeedSpec,
    raw: pa.Table,
    today: dt.date,
    ids_ready: Callable[[pa.Table], None] | None = None,
    *,
    defer_keys: bool = False,
) -> ParsedFeed:
    """Check ``raw`` (``row_number`` and the delivered columns as strings) and leave the valid rows in the
    DuckDB table ``staged`` (``STAGE_SCHEMA``); the report of every problem is in the result.
    ``ids_ready`` is given the distinct blind indexes (Arrow column ``id_index``) of the valid rows as soon
    as they are known, before the natural keys are hashed.

    ``defer_keys``: when every cell is valid, stop there — the rows stay in ``typed`` and ``indexed`` for
    ``stage_slices``, and a natural key repeated inside the file is left to the records' unique index (the
    caller then calls ``stage_complete``, which builds ``staged`` and reports the repetitions as usual)."""
    parsed = ParsedFeed()
    con.execute("DROP TABLE IF EXISTS indexed")
    _typed(con, spec, raw, parsed, today, ids_ready)
    _indexed_complete(con, ids_ready)
    if defer_keys and parsed.error_count == 0:
        parsed.rows_staged = parsed.rows_total
        return parsed
    stage_complete(con, spec, parsed)
    return parsed


def stage_complete(con: duckdb.DuckDBPyConnection, spec: FeedSpec, parsed: ParsedFeed) -> None:
    """``staged`` built from ``typed`` and ``indexed`` (both dropped), repeated natural keys reported."""
    _keyed(con, spec)
    _duplicates_report(con, spec, parsed)
    parsed.rows_staged = con.sql("SELECT count(*) FROM staged").fetchall()[0][0]


SLICE_ROWS = 50_000  # file rows per slice of ``stage_slices``


def stage_slices(
    con: duckdb.DuckDBPyConnection, spec: FeedSpec, select: str, first_ready: Callable[[], None] | None = None
) -> Iterator[pa.RecordBatch]:
    """The rows of ``typed``/``indexed`` as staged rows, one slice of ``SLICE_ROWS`` file rows after the other,
    each slice sorted by natural key and computed only when the previous one has been consumed: the caller's
    ``COPY`` sends one slice while DuckDB hashes the next (sorted runs cost the records' unique index no more
    than one run, bench/speed-monitoring.md session 12). ``select`` is the caller's query over the slice's
    staged rows, with ``{staged}`` where they go (``STAGE_SCHEMA``'s columns); ``first_ready`` is called once
    the first slice is hashed, before ``select`` reads it (the caller waits there for what ``select`` joins)."""
    low, high = con.sql("SELECT min(row_number), max(row_number) FROM typed").fetchall()[0]
    if low is None:
        return
    for start in range(int(low), int(high) + 1, SLICE_ROWS):
        where = f"WHERE t.row_number BETWEEN {start} AND {start + SLICE_ROWS - 1}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE slice AS {_staged_select(spec, where)}", _nk_pads())
        if first_ready is not None and start == low:
            first_ready()
        yield from con.sql(
            select.format(staged="SELECT * FROM slice") + " ORDER BY natural_key"
        ).to_arrow_reader(COPY_SLICE_BATCH)
    con.execute("DROP TABLE slice")


COPY_SLICE_BATCH = 25_000


def stage_batches(con: duckdb.DuckDBPyConnection, rows: int = 200_000) -> Any:
    """The staged rows as Arrow record batches (streamed: the whole staging is never one Python object)."""
    columns = ", ".join(STAGE_SCHEMA.names)
    return con.sql(f"SELECT {columns} FROM staged").fetch_record_batch(rows)
