"""The register of 养老机构, residents and monthly occupancy (issue 17 §8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.audit.models import Event
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.eldercare.selectors import institutions as selectors
from minzheng.eldercare.services import institutions as services
from minzheng.eldercare.services.institutions import credit_code_clean
from minzheng.eldercare.tests.fixtures_institutions import *  # noqa: F403

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写统一社会信用代码"),
        ("9111000060003734", "应为 18 位，现为 16 位"),
        ("91110000600037341K", "校验位（第 18 位）不正确"),
        ("9111000060003734IL", "不允许的字符"),
    ],
)
def test_a_wrong_credit_code_is_refused_in_words(raw, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        credit_code_clean(raw)
    assert refused.value.field == "credit_code"


def test_a_credit_code_is_normalised():
    assert credit_code_clean(" 91110000600037341l ") == "91110000600037341L"


def test_an_institution_is_registered_once_per_credit_code_and_audited(users, make_institution):
    first = make_institution(name="第一敬老院")
    assert first.county.code == "150102000000"
    assert first.township.code == "150102001000"
    assert Event.objects.filter(verb="eldercare.institution_registered", object_id=str(first.pk)).exists()
    with pytest.raises(Conflict, match="已登记为另一家养老机构"):
        make_institution(credit_code=first.credit_code)


def test_nursing_beds_within_beds_and_a_township_in_scope(users, make_institution):
    with pytest.raises(ValidationFailed, match="护理型床位（12 张）不能多于床位总数（10 张）"):
        make_institution(nursing_beds=12)
    with pytest.raises(ValidationFailed, match="不在您的管辖范围内"):
        make_institution(township="152527201000")


def test_the_register_is_scoped(users, make_institution):
    ours = make_institution()
    theirs = make_institution(actor=users["taibus_county"], township="152527201000")
    names = lambda actor: set(  # noqa: E731
        selectors.institution_list(actor=actor, filters=selectors.InstitutionFilters()).values_list(
            "pk", flat=True
        )
    )
    assert names(users["county"]) == {ours.pk}
    assert names(users["caseworker"]) == {ours.pk}
    assert names(users["taibus_county"]) == {theirs.pk}
    assert names(users["region"]) == {ours.pk, theirs.pk}
    with pytest.raises(NotFound):
        selectors.institution_get(actor=users["taibus_county"], pk=ours.pk)


def _person(household_factory, name: str):
    return household_factory(head_name=name).head


def test_occupancy_counts_resident_days_over_bed_days_across_month_boundaries(
    users, make_institution, household_factory
):
    home = make_institution(beds_total=10)
    a = _person(household_factory, "甲")
    b = _person(household_factory, "乙")
    from minzheng.eldercare.models.institutions import Resident

    # 甲: 15 Jan – 10 Feb (the leaving day not counted); 乙: from 31 Jan, still there
    Resident.objects.create(
        institution=home,
        person=a,
        admitted_on=dt.date(2026, 1, 15),
        left_on=dt.date(2026, 2, 10),
        care_level="self_care",
    )
    Resident.objects.create(
        institution=home, person=b, admitted_on=dt.date(2026, 1, 31), care_level="partial"
    )
    days = selectors.resident_days([home.pk], dt.date(2025, 12, 1), 4)
    assert days == {
        (home.pk, dt.date(2026, 1, 1)): 17 + 1,   # 甲 15–31 Jan, 乙 31 Jan
        (home.pk, dt.date(2026, 2, 1)): 9 + 28,   # 甲 1–9 Feb, 乙 all February
        (home.pk, dt.date(2026, 3, 1)): 31,       # 乙
    }  # fmt: skip
    months = selectors.occupancy(actor=users["county"], institution=home, until=dt.date(2026, 3, 15))
    by_month = {m.month: m for m in months}
    assert len(months) == 12
    assert months[-1].month == dt.date(2026, 3, 1)
    assert (by_month[dt.date(2026, 1, 1)].bed_days, by_month[dt.date(2026, 1, 1)].rate) == (
        310,
        Decimal("5.8"),
    )
    assert (by_month[dt.date(2026, 2, 1)].bed_days, by_month[dt.date(2026, 2, 1)].rate) == (
        280,
        Decimal("13.2"),
    )
    # the current month counts only the days up to today: 1–15 March
    assert (by_month[dt.date(2026, 3, 1)].resident_days, by_month[dt.date(2026, 3, 1)].bed_days) == (15, 150)
    assert by_month[dt.date(2025, 12, 1)].resident_days == 0


def test_a_resident_is_admitted_and_discharged_once(users, make_institution, household_factory):
    home = make_institution()
    person = _person(household_factory, "丙")
    from minzheng.registry.models import Person

    number = Person.objects.get(pk=person.pk)
    from minzheng.common import crypto

    id_number = crypto.decrypt(number.id_number_encrypted)
    resident = services.resident_admit(
        actor=users["caseworker"],
        institution_id=home.pk,
        id_number=id_number,
        admitted_on=dt.date(2026, 11, 1),
        care_level="partial",
        institutional_support=False,
        today=TODAY,
    )
    assert resident.enrolment is None
    with pytest.raises(Conflict, match="尚未离院"):
        services.resident_admit(
            actor=users["caseworker"],
            institution_id=home.pk,
            id_number=id_number,
            admitted_on=dt.date(2026, 11, 5),
            care_level="partial",
            institutional_support=False,
            today=TODAY,
        )
    with pytest.raises(ValidationFailed, match="离院日期应晚于入住日期"):
        services.resident_discharge(
            actor=users["county"],
            resident_id=resident.pk,
            left_on=dt.date(2026, 11, 1),
            reason="回家",
            today=TODAY,
        )
    services.resident_discharge(
        actor=users["county"],
        resident_id=resident.pk,
        left_on=dt.date(2026, 12, 1),
        reason="回家居住",
        today=TODAY,
    )
    with pytest.raises(Conflict, match="已于 2026-12-01 离院"):
        services.resident_discharge(
            actor=users["county"],
            resident_id=resident.pk,
            left_on=dt.date(2026, 12, 2),
            reason="回家",
            today=TODAY,
        )
    assert Event.objects.filter(verb="eldercare.resident_discharged").count() == 1
    # an institution not offering the care level, and a person outside the registry, are refused
    with pytest.raises(ValidationFailed, match="不收住"):
        services.resident_admit(
            actor=users["county"],
            institution_id=home.pk,
            id_number=id_number,
            admitted_on=dt.date(2026, 12, 3),
            care_level="dementia",
            institutional_support=False,
            today=TODAY,
        )
    with pytest.raises(ValidationFailed, match="登记库中没有"):
        services.resident_admit(
            actor=users["taibus_county"],
            institution_id=home.pk,
            id_number=id_number,
            admitted_on=dt.date(2026, 12, 3),
            care_level="partial",
            institutional_support=False,
            today=TODAY,
        )


def test_institutional_support_needs_and_links_the_active_extreme_poverty_enrolment(
    users, make_institution, household_factory
):
    from minzheng.common import crypto
    from minzheng.enrolments.models import Enrolment

    home = make_institution()
    household = household_factory(head_name="丁")
    id_number = crypto.decrypt(household.head.id_number_encrypted)
    with pytest.raises(ValidationFailed, match="没有在保的特困人员救助供养"):
        services.resident_admit(
            actor=users["county"],
            institution_id=home.pk,
            id_number=id_number,
            admitted_on=dt.date(2026, 12, 1),
            care_level="dependent",
            institutional_support=True,
            today=TODAY,
        )
    enrolment = Enrolment.objects.create(
        programme="extreme_poverty_support",
        household=household,
        person=household.head,
        division=household.hukou_division.parent,
        source="demo",
        starts_month=dt.date(2026, 1, 1),
        monthly_amount=Decimal("1200.00"),
        support_mode="institutional",
    )
    resident = services.resident_admit(
        actor=users["county"],
        institution_id=home.pk,
        id_number=id_number,
        admitted_on=dt.date(2026, 12, 1),
        care_level="dependent",
        institutional_support=True,
        today=TODAY,
    )
    assert resident.institutional_support
    assert resident.enrolment == enrolment


def test_the_occupancy_statement_gives_the_same_days_on_sqlite():
    """The embedded database of ``make run``: the same statement (SQLite's day difference) on a table of the
    same shape, run by Python's sqlite3 (dates stored as ISO text, as Django stores them there)."""
    import sqlite3

    from minzheng.eldercare.models.institutions import Resident

    sql, params = selectors.resident_days_sql(
        "sqlite", [1], dt.date(2025, 12, 1), 4, until=dt.date(2026, 3, 15)
    )
    sql = sql.replace("%(", ":").replace(")s", "")
    database = sqlite3.connect(":memory:")
    database.execute(
        f"CREATE TABLE {Resident._meta.db_table} (institution_id integer, admitted_on text, left_on text)"
    )
    database.executemany(
        f"INSERT INTO {Resident._meta.db_table} VALUES (?, ?, ?)",  # noqa: S608 - the model's table
        [(1, "2026-01-15", "2026-02-10"), (1, "2026-01-31", None), (2, "2026-01-01", None)],
    )
    rows = database.execute(
        sql, {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}
    )
    assert sorted(rows.fetchall()) == [(1, "2026-01-01", 18), (1, "2026-02-01", 37), (1, "2026-03-01", 15)]
