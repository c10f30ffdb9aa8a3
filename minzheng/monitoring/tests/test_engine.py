"""The monitoring engine's registry snapshot equals the benefits engine's (``columnar.snapshot_load``), row
for row, for the whole installation and for one county: members who left, incomes and assets of the
household, of a current member and of a former member."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.benefits import columnar
from minzheng.monitoring import engine
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
