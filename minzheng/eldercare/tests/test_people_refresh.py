"""The set-based refresh of the older-people register (issue 17 §1) on PostgreSQL."""
# ruff: noqa: F811, PT018  (fixtures imported from fixtures_people are used as parameters; flag checks read together)

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.eldercare.models import OlderPerson
from minzheng.eldercare.services.people import older_people_refresh
from minzheng.eldercare.tests.fixtures_people import TODAY, elder_household, enrol  # noqa: F401
from minzheng.registry.models import Membership, Person

pytestmark = pytest.mark.django_db


def snapshot():
    fields = ("person_id", "household_id", "division_id", "lives_alone", "empty_nest", "advanced_age",
              "severe_disability", "dibao", "extreme_poverty", "left_behind", "active", "left_on")  # fmt: skip
    return sorted(OlderPerson.objects.values_list(*fields))


def test_flags_derived_set_based(elder_household, divisions):
    _h1, (alone,) = elder_household(dt.date(1940, 3, 1))  # 86, lives alone
    h2, (husband, wife) = elder_household(dt.date(1950, 1, 1), dt.date(1955, 6, 1))  # both older: 空巢
    h3, (grandma, son) = elder_household(dt.date(1966, 12, 7), dt.date(1990, 1, 1))  # turns 60 today
    _h4, (young,) = elder_household(dt.date(1966, 12, 8))  # 60 tomorrow
    Person.objects.filter(pk=wife.pk).update(disability_category="physical", disability_grade=2)
    enrol(h2)  # household 低保: both members
    enrol(h3, programme="extreme_poverty_support", person=grandma)
    with CaptureQueriesContext(connection) as queries:
        outcome = older_people_refresh(today=TODAY)
    assert len(queries) < 15  # a handful of statements, whatever the number of people
    assert (outcome.opened, outcome.updated, outcome.closed, outcome.active) == (4, 0, 0, 4)
    rows = {o.person_id: o for o in OlderPerson.objects.all()}
    assert young.pk not in rows
    assert (rows[alone.pk].lives_alone, rows[alone.pk].empty_nest, rows[alone.pk].advanced_age) == (
        True,
        True,
        True,
    )
    assert rows[husband.pk].empty_nest and not rows[husband.pk].lives_alone and rows[husband.pk].dibao
    assert rows[wife.pk].severe_disability and rows[wife.pk].dibao and not rows[wife.pk].extreme_poverty
    assert rows[grandma.pk].extreme_poverty and not rows[grandma.pk].empty_nest and not rows[grandma.pk].dibao
    assert rows[grandma.pk].division_id == divisions["community"].pk
    assert son.pk not in rows


def test_rerun_is_idempotent_and_keeps_reported_flags(elder_household):
    elder_household(dt.date(1940, 3, 1))
    elder_household(dt.date(1950, 1, 1), dt.date(1955, 6, 1))
    older_people_refresh(today=TODAY)
    OlderPerson.objects.update(left_behind=True, capacity_level="mild")
    first = snapshot()
    outcome = older_people_refresh(today=TODAY)
    assert (outcome.opened, outcome.updated, outcome.closed) == (0, 0, 0)
    assert snapshot() == first
    assert set(OlderPerson.objects.values_list("left_behind", "capacity_level")) == {(True, "mild")}


def test_died_moved_out_and_younger_rows_closed_then_reopened(elder_household, users):
    _h, (head, spouse) = elder_household(dt.date(1940, 3, 1), dt.date(1945, 1, 1))
    _h2, (other,) = elder_household(dt.date(1950, 5, 5))
    older_people_refresh(today=TODAY)
    assert OlderPerson.objects.filter(active=True).count() == 3
    Person.objects.filter(pk=head.pk).update(death_date=dt.date(2026, 11, 30))
    Membership.objects.filter(person=spouse).update(left_on=dt.date(2026, 12, 1))
    Person.objects.filter(pk=other.pk).update(birth_date=dt.date(1970, 5, 5))  # the ID was corrected
    outcome = older_people_refresh(today=TODAY)
    assert (outcome.closed, outcome.active) == (3, 0)
    closed = dict(OlderPerson.objects.values_list("person_id", "left_on"))
    assert closed == {head.pk: dt.date(2026, 11, 30), spouse.pk: TODAY, other.pk: TODAY}
    assert older_people_refresh(today=TODAY).closed == 0  # idempotent
    Person.objects.filter(pk=other.pk).update(birth_date=dt.date(1950, 5, 5))
    outcome = older_people_refresh(today=TODAY)
    assert (outcome.opened, outcome.updated, outcome.active) == (0, 1, 1)
    back = OlderPerson.objects.get(person=other)
    assert back.active and back.left_on is None


def test_flags_follow_changes(elder_household):
    household, (grandpa, son) = elder_household(dt.date(1940, 3, 1), dt.date(1980, 1, 1))
    older_people_refresh(today=TODAY)
    row = OlderPerson.objects.get(person=grandpa)
    assert not row.lives_alone and not row.dibao
    Membership.objects.filter(person=son).update(left_on=dt.date(2026, 12, 1))
    enrolment = enrol(household)
    assert older_people_refresh(today=TODAY).updated == 1
    row.refresh_from_db()
    assert row.lives_alone and row.empty_nest and row.dibao
    enrolment.status = "ended"
    enrolment.save()
    older_people_refresh(today=TODAY)
    row.refresh_from_db()
    assert not row.dibao


def test_command(elder_household, capsys):
    elder_household(dt.date(1940, 3, 1))
    call_command("eldercare_refresh", "--as-of", TODAY.isoformat())
    assert "在册 1 人，新增 1" in capsys.readouterr().out
