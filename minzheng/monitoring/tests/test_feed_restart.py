"""Feed import at scale (issue 21): the column-at-a-time checks agree with the per-cell reference, the bulk
blind indexes equal ``crypto.blind_index``, and an import killed with ``kill -9`` leaves nothing behind, so
a rerun loads every row exactly once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from conftest import id_number
from minzheng.common import crypto
from minzheng.monitoring import feed_stage, feeds
from minzheng.monitoring.models import FeedBatch, FeedRecord
from minzheng.monitoring.tests.conftest import csv_text
from minzheng.registry.services import ID_INDEX

HEADER = ["身份证号码", "结算日期", "个人自付金额", "费用类别", "结算单号"]


@pytest.mark.django_db
def test_canonical_and_other_spellings_give_the_same_records_and_keys(family, deliver, monitoring_ready):
    # given a CSV in canonical form (checked in SQL) and the same records spelled otherwise through the
    # API (checked cell by cell: slashes, a month, blanks, a lower-case x, labels, thousands separators)
    household = family()
    number = household.head.id_number
    other = id_number("150102", dt.date(1980, 5, 6), 15)  # nobody registered; ends in any check digit
    first = deliver("medical_expense", HEADER, [
        [number, "2026-10-01", "1200.50", "医疗", "S1"],
        [other, "2026-10", "0.5", "accident", "S2"],
    ])  # fmt: skip
    again = feeds.feed_import_rows(actor=monitoring_ready["region"], feed="medical_expense", rows=[
        {"id_number": f" {number.lower()} ", "settled_on": "2026/10/01", "out_of_pocket": "1,200.5",
         "expense_kind": "medical", "settlement_number": " S1 "},
        {"id_number": other, "settled_on": "20261001", "out_of_pocket": 0.5, "expense_kind": "意外伤害",
         "settlement_number": "S2"},
    ])  # fmt: skip
    # then both load, the second finds both records already stored (same natural keys)
    assert (first.batch.rows_new, first.batch.rows_matched) == (2, 1)
    assert (again.batch.status, again.batch.rows_new, again.batch.rows_existing) == ("loaded", 0, 2)
    # and the keys computed in bulk are the blind indexes of the reference
    stored = dict(FeedRecord.objects.values_list("row_number", "natural_key"))
    assert stored == {
        2: crypto.blind_index("medical_expense\x1fS1", purpose=feed_stage.NATURAL_KEY_PURPOSE),
        3: crypto.blind_index("medical_expense\x1fS2", purpose=feed_stage.NATURAL_KEY_PURPOSE),
    }
    assert set(FeedRecord.objects.values_list("id_index", flat=True)) == {
        crypto.blind_index(number, purpose=ID_INDEX),
        crypto.blind_index(other, purpose=ID_INDEX),
    }
    assert list(FeedRecord.objects.order_by("row_number").values_list("payload", flat=True)) == [
        {"settlement_number": "S1"},
        {"settlement_number": "S2"},
    ]


@pytest.mark.django_db
def test_a_file_of_blank_lines_and_ragged_rows_keeps_its_row_numbers(family, deliver):
    # given a CSV with a blank line and a short row (read row by row, not by the column reader)
    household = family()
    content = csv_text(HEADER, [[household.head.id_number, "2026-10-01", "1", "医疗", "S1"]])
    content += b"\n" + household.head.id_number.encode() + b",2026-10-02\n"
    outcome = feeds.feed_import(
        actor=None, feed="medical_expense", content=content, file_name="ragged.csv", channel="command"
    )
    # then the short row is reported on its spreadsheet row (row 4: header, row, blank line, short row)
    assert outcome.rejected
    assert [(e["row"], e["column"], e["message"]) for e in outcome.batch.errors] == [
        (4, "个人自付金额", "必填项为空"),
        (4, "费用类别", "必填项为空"),
        (4, "结算单号", "必填项为空"),
    ]


# --- kill -9 in the middle of an import ----------------------------------------------------------------

IMPORTER = """
import sys, django
django.setup()
from minzheng.monitoring.feeds import feed_import
feed_import(actor=None, feed="medical_expense", content=open(sys.argv[1], "rb").read(), file_name="big.csv",
            channel="command")
"""


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{quote(db['USER'] or '')}:{quote(str(db['PASSWORD'] or ''))}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _importer(path: str) -> subprocess.Popen[str]:
    """A real import in another process, on this test's database."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "minzheng.config.settings.base",
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", IMPORTER, path],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _waiting_on_lock(database: str) -> int | None:
    """The backend of the importer while it waits for our lock (it has staged its rows by then)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [database],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def _wait(predicate, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_way_leaves_nothing_and_a_rerun_loads_every_row_once(monitoring_ready, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the importer process needs a database it can see (the PostgreSQL test database)")
    # given a delivery of 20,000 rows
    rows = [
        [id_number("150102", dt.date(1950, 1, 1) + dt.timedelta(days=n % 20000), n % 1000), "2026-10-01",
         f"{n % 900}.25", "医疗", f"K{n:06d}"]
        for n in range(20_000)
    ]  # fmt: skip
    path = tmp_path / "big.csv"
    path.write_bytes(csv_text(HEADER, rows))
    importer = None
    try:
        # when an importer has staged the rows and waits inside its transaction (another session holds the
        # batch table), and is killed
        with psycopg.connect(_database_url()) as holder:
            holder.execute(f"LOCK TABLE {FeedBatch._meta.db_table} IN EXCLUSIVE MODE")
            importer = _importer(str(path))
            backend = _wait(lambda: _waiting_on_lock(connection.settings_dict["NAME"]))
            assert backend, (
                importer.stderr.read() if importer.poll() is not None else "the importer never waited"
            )
            os.kill(importer.pid, signal.SIGKILL)
            importer.wait(timeout=10)
            holder.commit()
        assert _wait(lambda: _gone(backend)), "the killed importer's transaction is still open"
    finally:
        if importer is not None and importer.poll() is None:
            importer.kill()
            importer.wait()
    # then nothing of it is stored
    assert (FeedBatch.objects.count(), FeedRecord.objects.count()) == (0, 0)
    # when the same file is imported again, then every row is stored exactly once
    content = path.read_bytes()
    outcome = feeds.feed_import(actor=None, feed="medical_expense", content=content, file_name="big.csv")
    assert (outcome.batch.status, outcome.batch.rows_new) == ("loaded", 20_000)
    assert FeedRecord.objects.count() == FeedRecord.objects.values("natural_key").distinct().count() == 20_000
    assert sorted(FeedRecord.objects.values_list("row_number", flat=True)) == list(range(2, 20_002))
    # and once more changes nothing
    assert feeds.feed_import(
        actor=None, feed="medical_expense", content=content, file_name="big.csv"
    ).duplicate_file


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_persons_are_looked_up_aside_and_every_slice_is_stored_once(
    family, deliver, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the lookup on a connection of its own and the sliced COPY are PostgreSQL's")
    # given three committed households (the lookup's own connection sees them) and slices of 4 file rows
    monkeypatch.setattr(feed_stage, "SLICE_ROWS", 4)
    heads = [family().head for _ in range(3)]
    stranger = id_number("150102", dt.date(1977, 7, 7), 321)
    rows = [
        [(heads[n % 3].id_number if n % 5 else stranger), f"2026-10-{n % 28 + 1:02d}", f"{n}.50", "医疗", f"R{n}"]
        for n in range(11)
    ]  # fmt: skip
    # and a fourth person whose number the file spells only with blanks around it (checked cell by cell,
    # so looked up after the others)
    padded = family().head
    rows.append([f" {padded.id_number} ", "2026-10-30", "1", "医疗", "R11"])
    # when the 12 rows (3 slices) are imported outside any transaction
    outcome = deliver("medical_expense", HEADER, rows)
    # then every row is stored once, the persons matched exactly, each slice in natural-key order
    batch = outcome.batch
    assert (batch.status, batch.rows_new, batch.rows_matched, batch.rows_unmatched) == ("loaded", 12, 9, 3)
    stored = list(FeedRecord.objects.order_by("id").values_list("row_number", "person_id", "natural_key"))
    assert sorted(r[0] for r in stored) == list(range(2, 14))
    by_row = {r[0]: r[1] for r in stored}
    assert by_row == {n + 2: (heads[n % 3].pk if n % 5 else None) for n in range(11)} | {13: padded.pk}
    slices = [[r[2] for r in stored if low <= r[0] < low + 4] for low in (2, 6, 10)]
    assert [r[2] for r in stored] == [key for part in slices for key in sorted(part)]
    # when a later delivery repeats a natural key in its third slice, then it is rejected as before
    fresh = [[heads[0].id_number, "2026-11-01", "1", "医疗", f"Q{n}"] for n in range(9)]
    repeated = deliver(
        "medical_expense", HEADER, [*fresh, [heads[0].id_number, "2026-11-02", "2", "医疗", "Q1"]]
    )
    assert repeated.rejected
    assert [(e["row"], e["message"]) for e in repeated.batch.errors] == [
        (11, "与第 3 行重复（结算单号相同）")
    ]
    # and a delivery overlapping stored records stores only the new ones (the ON CONFLICT way)
    overlap = deliver("medical_expense", HEADER, [*rows[9:], [stranger, "2026-10-05", "3", "医疗", "R99"]])
    assert (overlap.batch.rows_total, overlap.batch.rows_new, overlap.batch.rows_existing) == (4, 1, 3)
    assert FeedRecord.objects.count() == 13
