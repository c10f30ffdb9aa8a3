"""The snapshot's ``COPY`` reader (``columnar.snapshot.copy_out``, issue 21): it reads libpq's rows itself
instead of psycopg's per-row iterator, so it must return every byte, raise PostgreSQL's own error when the
statement fails midway, and leave the connection usable."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction

from minzheng.benefits.columnar.snapshot import copy_out

pytestmark = pytest.mark.django_db


def _raw() -> psycopg.Connection:
    connection.ensure_connection()
    return connection.connection


def test_every_row_is_read_in_order() -> None:
    buffer = copy_out(
        _raw(), "COPY (SELECT g, 'x' || g FROM generate_series(1, 200000) g) TO STDOUT (FORMAT CSV)"
    )
    assert buffer.read() == b"".join(b"%d,x%d\n" % (n, n) for n in range(1, 200001))


def test_an_empty_result_is_empty() -> None:
    assert copy_out(_raw(), "COPY (SELECT 1 WHERE FALSE) TO STDOUT (FORMAT CSV)").read() == b""


def test_a_statement_failing_midway_raises_its_error_and_the_connection_goes_on() -> None:
    failing = "COPY (SELECT 1 / (150000 - g) FROM generate_series(1, 200000) g) TO STDOUT (FORMAT CSV)"
    with pytest.raises(psycopg.errors.DivisionByZero), transaction.atomic():
        copy_out(_raw(), failing)
    with pytest.raises(psycopg.errors.UndefinedTable), transaction.atomic():
        copy_out(_raw(), "COPY (SELECT * FROM no_such_table) TO STDOUT")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)
