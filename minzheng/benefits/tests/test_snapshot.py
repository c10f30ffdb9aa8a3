"""The snapshot (``columnar.snapshot``, issue 21). Its ``COPY`` reader reads libpq's rows itself instead of
psycopg's per-row iterator, so it must return every byte, raise PostgreSQL's own error when the statement
fails midway, and leave the connection usable. Overlapping memberships, whose window now runs only when
there is one, still count a person once. (The tables themselves: ``monitoring/tests/test_engine.py``
compares them with the monitoring engine's, for the whole installation and for one county.)"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from minzheng.benefits import columnar
from minzheng.common.pgcopy import copy_out, copy_slices
from minzheng.registry.models import Membership

pytestmark = pytest.mark.django_db


def _raw() -> psycopg.Connection:
    connection.ensure_connection()
    return connection.connection


def test_every_row_is_read_in_order() -> None:
    buffer = copy_out(
        _raw(), "COPY (SELECT g, 'x' || g FROM generate_series(1, 200000) g) TO STDOUT (FORMAT CSV)"
    )
    assert buffer.read() == b"".join(b"%d,x%d\n" % (n, n) for n in range(1, 200001))


def test_slices_end_at_a_row_and_join_to_every_row_in_order() -> None:
    statement = "COPY (SELECT g, 'x' || g FROM generate_series(1, 200000) g) TO STDOUT (FORMAT CSV)"
    slices = [piece.read() for piece in copy_slices(_raw(), statement, 100_000)]
    assert len(slices) == 28  # 2,777,790 bytes: 27 slices just over 100,000 bytes and 77,610
    assert all(len(piece) >= 100_000 and piece.endswith(b"\n") for piece in slices[:-1])
    assert b"".join(slices) == b"".join(b"%d,x%d\n" % (n, n) for n in range(1, 200001))


def test_a_consumer_stopping_early_leaves_the_connection_usable() -> None:
    statement = "COPY (SELECT g FROM generate_series(1, 200000) g) TO STDOUT (FORMAT CSV)"
    with closing(copy_slices(_raw(), statement, 10_000)) as slices:
        assert next(slices).read().startswith(b"1\n2\n")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


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


def test_overlapping_memberships_count_a_person_once_as_the_latest_joined(household_factory: Any) -> None:
    # given a household whose head also has an earlier membership still running on the day
    household, other = household_factory(), household_factory(head_name="李四")
    Membership.objects.create(household=household, person=household.head, relation_to_head="other",
                              joined_on=dt.date(2019, 1, 1), left_on=dt.date(2027, 1, 1))  # fmt: skip
    # when the snapshot is loaded
    con = columnar.duck()
    counts = columnar.snapshot_load(con, as_of=dt.date(2026, 9, 1), division_prefix="15")
    # then the head is one member, as of the latest membership; the other household is untouched
    rows = con.execute(
        "SELECT household_id, person_id, relation, joined_on FROM members ORDER BY ALL"
    ).fetchall()
    assert rows == sorted([(household.pk, household.head_id, "head", dt.date(2020, 1, 1)),
                           (other.pk, other.head_id, "head", dt.date(2020, 1, 1))])  # fmt: skip
    assert counts["members"] == 2
