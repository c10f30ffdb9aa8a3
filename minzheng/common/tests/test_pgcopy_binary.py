"""The binary COPY (``common.pgcopy.copy_in_arrow_binary``, pgpq): every type the imports send arrives in
PostgreSQL exactly as the CSV path gives it, NULLs and edge values included."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db import connection

from minzheng.common.pgcopy import copy_in_arrow, copy_in_arrow_binary

pytestmark = pytest.mark.django_db

COLUMNS = "big, small, day, amount, label, doc"
SCHEMA = pa.schema(
    [
        ("big", pa.int64()),
        ("small", pa.int32()),
        ("day", pa.date32()),
        ("amount", pa.decimal128(14, 2)),
        ("label", pa.string()),
        ("doc", pa.string()),
    ]
)
ROWS = [
    (1, 2, dt.date(2026, 10, 1), Decimal("1200.50"), "医疗", '{"结算单号": "S1"}'),
    (-9_000_000_000_000, -7, dt.date(1900, 1, 1), Decimal("-12.34"), "", "{}"),
    (
        0,
        0,
        dt.date(2099, 12, 31),
        Decimal("999999999999.99"),
        'a,b\n"c"',
        '{"a": [1, 2.5, null], "b": {"c": true}}',
    ),
    (None, None, None, None, None, '{"x": "ä\\u00e4"}'),
    (42, 2_147_483_647, dt.date(2000, 1, 1), Decimal("0.01"), "x" * 300, '{"n": 0}'),
    (7, 1, dt.date(1999, 12, 31), Decimal("0"), " 带空格 ", '{"k": "v"}'),
    (8, 3, dt.date(2024, 2, 29), Decimal("10000.00"), "ok", '{"k": 1e3}'),
    (9, 4, dt.date(1970, 1, 1), Decimal("100000000.05"), "ok", '{"k": "v"}'),
]


def _table() -> pa.Table:
    return pa.Table.from_pylist([dict(zip(SCHEMA.names, row, strict=True)) for row in ROWS], SCHEMA)


def _load(kind: str, batches: list[pa.Table | pa.RecordBatch]) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE copied_{kind} (big bigint, small integer, day date, amount numeric(14,2), "
            "label varchar(400), doc jsonb)"
        )
        if kind == "binary":
            copy_in_arrow_binary(
                cursor, f"COPY copied_binary ({COLUMNS}) FROM STDIN (FORMAT BINARY)", batches, jsonb=["doc"]
            )
        else:
            copy_in_arrow(cursor, f"COPY copied_csv ({COLUMNS}) FROM STDIN (FORMAT CSV)", batches)
        cursor.execute(f"SELECT {COLUMNS} FROM copied_{kind} ORDER BY ctid")  # noqa: S608 - fixed names
        return cursor.fetchall()


def test_binary_copy_stores_exactly_what_the_csv_copy_stores():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    table = _table()
    # given the rows sent in two record batches (one sliced, so offsets are not zero) by each path
    batches = table.slice(1).to_batches(max_chunksize=3)
    binary, csv = _load("binary", [table.slice(0, 1), *batches]), _load("csv", [table])
    # then both stored the same values, exactly the rows given
    assert binary == csv
    assert [row[:5] for row in binary] == [row[:5] for row in ROWS]
    assert [json.loads(row[5]) for row in binary] == [json.loads(row[5]) for row in ROWS]


def test_no_batch_at_all_copies_no_row():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    assert _load("binary", []) == []


def test_columns_of_one_repeated_value_reach_every_row():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    # given three rows whose every column repeats one value
    row = ROWS[0]
    table = pa.Table.from_pylist([dict(zip(SCHEMA.names, row, strict=True))] * 3, SCHEMA)
    # then three equal rows are stored
    stored = _load("binary", [table])
    assert [r[:5] for r in stored] == [row[:5]] * 3
    assert [json.loads(r[5]) for r in stored] == [{"结算单号": "S1"}] * 3
