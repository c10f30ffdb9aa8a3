"""The monitoring engine's registry snapshot equals the benefits engine's (``columnar.snapshot_load``), row
for row, for the whole installation and for one county: members who left, incomes and assets of the
household, of a current member and of a former member."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction

from minzheng.benefits import columnar
from minzheng.benefits.columnar import run
from minzheng.monitoring import engine, services
from minzheng.monitoring.models import FeedRecord
from minzheng.registry.models import Person
from minzheng.registry.services import asset_record_add, income_record_add, membership_end

pytestmark = pytest.mark.django_db
TABLES = ("households", "members", "incomes", "assets")


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()  # noqa: S608 - fixed names


@pytest.mark.parametrize("prefix", ["", "150102", "152527"])
def test_registry_snapshot_equals_the_benefits_snapshot(family, users, today, prefix):
    # given households in two counties; in one a member left, with an income and an asset of its own
    xincheng = family(annual_income="24000", members=2)
    family(annual_income="6000", division_code="152527201206", members=1)
    family()
    leaver = Person.objects.filter(household=xincheng).exclude(pk=xincheng.head_id).first()
    caseworker = users["caseworker"]
    for person in (None, leaver, xincheng.head):
        income_record_add(actor=caseworker, household=xincheng, person=person, category="wage",
                          amount=Decimal("1000"), period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31),
                          source="declared")  # fmt: skip
        asset_record_add(actor=caseworker, household=xincheng, person=person, category="deposit",
                         value=Decimal("5000.50"), valued_on=dt.date(2026, 1, 1))  # fmt: skip
    membership_end(actor=caseworker, person=leaver, left_on=today - dt.timedelta(days=10), reason="迁出")
    # when both snapshots are built
    ours, theirs = columnar.duck(), columnar.duck()
    counts = engine.registry_load(ours, as_of=today, division_prefix=prefix)
    expected = columnar.snapshot_load(theirs, as_of=today, division_prefix=prefix)
    # then every table holds the same rows
    for table in TABLES:
        assert _rows(ours, table) == _rows(theirs, table), table
        assert counts[table] == expected[table]
    assert counts["households"] == {"": 3, "150102": 2, "152527": 1}[prefix]


def test_a_run_reads_only_the_feed_windows_its_rules_need():
    from minzheng.monitoring.rules import BUILTIN_RULES, feeds_read

    as_of = dt.date(2026, 5, 31)
    needed = feeds_read([(r.condition, r.subject.value) for r in BUILTIN_RULES], as_of)
    assert needed == {
        "death": None, "medical_expense": dt.date(2025, 5, 31), "student": dt.date(2025, 5, 31),
        "disability_certificate": dt.date(2026, 2, 28), "unemployment": dt.date(2026, 2, 28),
        "disaster_victim": dt.date(2026, 4, 30), "vehicle": None, "real_estate": None,
        "business_registration": None, "pension": dt.date(2025, 5, 31), "wage": dt.date(2025, 5, 31),
    }  # fmt: skip
    assert feeds_read([({"flag": "is_head"}, "person")], as_of) == {"death": None}


MEDICAL = ["身份证号码", "结算日期", "个人自付金额", "费用类别", "结算单号"]
SNAPSHOT_TABLES = ("monitor_persons", "monitor_households", "feed_records", "receipts", "population")


def _activity(family, deliver, enrol, today) -> None:
    """Three households, enrolments, the monitored population, and enough medical records that the feed
    table spans several heap pages (cut between the readers)."""
    households = [
        family(annual_income="6000", members=1),
        family(members=2),
        family(division_code="152527201206"),
    ]
    enrol(households[0])
    enrol(households[1], programme="tekun")
    rows = [
        [h.head.id_number, today - dt.timedelta(days=1 + n % 300), f"{n}.25", "医疗", f"S{k}-{n}"]
        for k, h in enumerate(households)
        for n in range(400)
    ]
    deliver("medical_expense", MEDICAL, rows)
    services.population_refresh(today=today)


@pytest.mark.parametrize("readers", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_snapshot_readers_build_the_snapshot_django_s_connection_builds(
    family, deliver, enrol, today, settings, readers
):
    settings.MONITORING_SNAPSHOT_READERS = readers
    if connection.vendor != "postgresql":
        pytest.skip("concurrent readers are PostgreSQL's (SQLite reads on Django's connection)")
    # given households with incomes, enrolments, a population and 1,200 feed records on several pages
    _activity(family, deliver, enrol, today)
    with engine.snapshot_readers() as snapshot:
        parts = snapshot.heap_parts(FeedRecord._meta.db_table)
    assert len(snapshot.connections) == len(parts) == readers
    # when the snapshot is built by the readers, and on Django's connection inside a transaction
    concurrent, single = columnar.duck(), columnar.duck()
    counts = engine.snapshot_build(concurrent, as_of=today, division_prefix="")
    with transaction.atomic():
        expected = engine.snapshot_build(single, as_of=today, division_prefix="")
    # then both hold the same rows
    assert counts == expected
    assert counts["feed_records"] == 1200
    for table in SNAPSHOT_TABLES:
        assert _rows(concurrent, table) == _rows(single, table), table


@pytest.mark.django_db(transaction=True)
def test_the_readers_see_one_instant(family, deliver, enrol, today, settings):
    settings.MONITORING_SNAPSHOT_READERS = 2
    if connection.vendor != "postgresql":
        pytest.skip("concurrent readers are PostgreSQL's")
    # given feed records, and readers whose snapshot was taken
    _activity(family, deliver, enrol, today)
    con = columnar.duck()
    with engine.snapshot_readers() as readers:
        # when another delivery is committed while the readers are open
        head = Person.objects.filter(death_date__isnull=True).first()
        deliver("medical_expense", MEDICAL, [[head.id_number, today, "1.00", "医疗", "LATE"]])
        run(con, "CREATE TABLE members (person_id BIGINT, household_id BIGINT)")
        copies = engine._activity_copies(readers, today, None)
        counts = readers.load(con, [c for c in copies if c.name == "feed_records"])
    # then neither reader sees it (the join with no members keeps no row, the count is of the rows read)
    assert counts == {"feed_records": 1200}
    assert FeedRecord.objects.count() == 1201
