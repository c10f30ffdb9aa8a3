"""Proactive discovery (主动发现) of the two disability subsidies and the orphan allowance from the registry:
exact candidate counts and amounts, no duplicates on re-runs, scoping, bulk confirm/dismiss (all or nothing),
and the page with the background run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from conftest import id_number
from minzheng.common.errors import DomainError
from minzheng.common.models import Job
from minzheng.enrolments import allowances
from minzheng.enrolments.models import AllowanceCandidate, Enrolment, EntitlementPeriod
from minzheng.payments.tests.factories import enrol
from minzheng.registry.models import Person
from minzheng.registry.services import PersonData, person_add_to_household

D = dt.date
DEC = D(2026, 12, 1)
LIVING, CARE, ORPHAN = allowances.LIVING, allowances.CARE, allowances.ORPHAN


@pytest.fixture(autouse=True)
def policy(divisions):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def disabled(users, household_factory, divisions):
    """H1 低保 (urban) head physical 2; H2 低保 (rural gacha) head intellectual 3; H3 no 低保 visual 1;
    H4 低保 hearing 4 already receiving the living subsidy; H5 低保 with a dead disabled member."""
    h1 = household_factory(head_name="甲一", disability_category="physical", disability_grade=2)
    enrol(h1, divisions["street"], "900.00", DEC)
    h2 = household_factory(
        division_code="152527201206", actor=users["taibus_caseworker"], head_name="乙二",
        disability_category="intellectual", disability_grade=3, employment_status="unable_to_work",
    )  # fmt: skip
    enrol(h2, divisions["sumu"], "700.00", DEC)
    h3 = household_factory(head_name="丙三", disability_category="visual", disability_grade=1)
    h4 = household_factory(head_name="丁四", disability_category="hearing", disability_grade=4)
    enrol(h4, divisions["street"], "800.00", DEC)
    enrol(h4, divisions["street"], "125.00", DEC, programme=LIVING, person=h4.head)
    h5 = household_factory(head_name="戊五")
    enrol(h5, divisions["street"], "600.00", DEC)
    dead = person_add_to_household(
        actor=users["caseworker"], household=h5, relation="spouse", joined_on=D(2020, 1, 1),
        data=PersonData(name="己六", id_number=id_number("150102", D(1960, 3, 3), 41),
                        employment_status="unable_to_work", disability_category="physical",
                        disability_grade=1, death_date=D(2026, 6, 1)),
    )  # fmt: skip
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "dead": dead}


def test_disability_discovery_counts_amounts_and_reruns(disabled, django_assert_max_num_queries):
    # when the registry run looks at December 2026
    with django_assert_max_num_queries(18):  # 15 + the audit chain (lock, last link, insert)
        run = allowances.disability_subsidies_enrol(month=DEC)
    # then H1 and H2 are found for the living subsidy (低保 households); for the care subsidy (the complete
    # table, ADR 0029) H1 (physical 2), H2 (rural 低保, intellectual grade 3–4) and H3 (visual 1, no 低保
    # needed); H4 is already enrolled; the dead member is not found; nothing is enrolled
    assert (run.found, run.already) == ({LIVING: 2, CARE: 3}, 1)
    found = {
        (c.person.name, c.programme): (c.monthly_amount, c.level, c.division.code, c.status)
        for c in AllowanceCandidate.objects.select_related("person", "division")
    }
    assert found == {
        ("甲一", LIVING): (Decimal("125.00"), "2级", "150102001000", "pending"),
        ("甲一", CARE): (Decimal("125.00"), "二级肢体残疾", "150102001000", "pending"),
        ("丙三", CARE): (Decimal("125.00"), "一级视力残疾", "150102001000", "pending"),
        ("乙二", LIVING): (Decimal("125.00"), "3级", "152527201000", "pending"),
        ("乙二", CARE): (
            Decimal("125.00"),
            "农村低保家庭三、四级精神、智力残疾",
            "152527201000",
            "pending",
        ),
    }
    reason = AllowanceCandidate.objects.get(person__name="甲一", programme=LIVING).reason
    assert (
        reason
        == "持残疾人证（肢体残疾2级），所在家庭享受最低生活保障；须本人或监护人书面申请，经县级残联审核"
    )
    assert Enrolment.objects.filter(programme__in=(LIVING, CARE)).count() == 1
    # a second run proposes nobody again
    again = allowances.disability_subsidies_enrol(month=D(2027, 1, 1))
    assert (again.total, again.already) == (0, 6)
    assert AllowanceCandidate.objects.count() == 5


def test_disability_discovery_within_a_county(disabled):
    run = allowances.disability_subsidies_enrol(month=DEC, within="150102")
    assert (run.found, run.already) == ({LIVING: 1, CARE: 2}, 1)
    run = allowances.disability_subsidies_enrol(month=DEC)
    assert (run.found, run.already) == ({LIVING: 1, CARE: 1}, 4)


def test_confirm_and_dismiss_in_bulk(users, disabled):
    allowances.disability_subsidies_enrol(month=DEC)
    h1 = AllowanceCandidate.objects.get(person__name="甲一", programme=LIVING)
    h2_living = AllowanceCandidate.objects.get(person__name="乙二", programme=LIVING)
    h2_care = AllowanceCandidate.objects.get(person__name="乙二", programme=CARE)
    # a township outside H1's place cannot confirm it, and nothing is written
    with pytest.raises(DomainError, match="不存在或不在您的管辖范围内"):
        allowances.allowance_candidates_confirm(
            actor=users["taibus_caseworker"], candidate_ids=[h1.pk, h2_care.pk], starts_month=D(2027, 1, 1)
        )
    assert Enrolment.objects.count() == 5
    # the Taibus caseworker confirms the care subsidy from January and dismisses the living subsidy
    confirmed = allowances.allowance_candidates_confirm(
        actor=users["taibus_caseworker"], candidate_ids=[h2_care.pk], starts_month=D(2027, 1, 1),
        note="已受理书面申请，残联评定需长期照护",
    )  # fmt: skip
    assert confirmed == 1
    h2_care.refresh_from_db()
    enrolment = h2_care.enrolment
    assert (h2_care.status, h2_care.decided_by, enrolment.programme, enrolment.source) == (
        "confirmed", users["taibus_caseworker"], CARE, "registry_rule",
    )  # fmt: skip
    assert (enrolment.person_id, enrolment.monthly_amount, enrolment.starts_month, enrolment.division.code) == (
        disabled["h2"].head_id, Decimal("125.00"), D(2027, 1, 1), "152527201000",
    )  # fmt: skip
    assert list(EntitlementPeriod.objects.filter(enrolment=enrolment).values_list(
        "from_month", "until_month", "monthly_amount", "basis"
    )) == [(D(2027, 1, 1), None, Decimal("125.00"), allowances.DISABILITY_BASIS)]  # fmt: skip
    # confirming it again is refused (already handled): nothing is written
    with pytest.raises(DomainError, match="有 1 名对象已处理"):
        allowances.allowance_candidates_confirm(
            actor=users["taibus_caseworker"],
            candidate_ids=[h2_living.pk, h2_care.pk],
            starts_month=D(2027, 1, 1),
        )
    assert AllowanceCandidate.objects.get(pk=h2_living.pk).status == "pending"
    with pytest.raises(DomainError, match="请填写不予纳入的原因"):
        allowances.allowance_candidates_dismiss(
            actor=users["taibus_caseworker"], candidate_ids=[h2_living.pk], note=" "
        )
    assert (
        allowances.allowance_candidates_dismiss(
            actor=users["taibus_caseworker"], candidate_ids=[h2_living.pk], note="本人未申请"
        )
        == 1
    )
    assert AllowanceCandidate.objects.get(pk=h2_living.pk).status == "dismissed"
    # a person enrolled meanwhile refuses the batch
    enrol(disabled["h1"], disabled["h1"].hukou_division.parent, "125.00", D(2027, 1, 1), programme=LIVING,
          person=disabled["h1"].head)  # fmt: skip
    with pytest.raises(DomainError, match="有 1 名对象已在保"):
        allowances.allowance_candidates_confirm(
            actor=users["caseworker"], candidate_ids=[h1.pk], starts_month=D(2027, 2, 1)
        )
    assert AllowanceCandidate.objects.get(pk=h1.pk).status == "pending"
    # a village assistant may not decide
    with pytest.raises(DomainError):
        allowances.allowance_candidates_dismiss(actor=users["assistant"], candidate_ids=[h1.pk], note="x")


@pytest.fixture
def children(users, household_factory):
    """O1 grandfather (head) + grandchild 10 → found; O2 head + son 8 → not; O3 head and spouse dead +
    daughter 12 → found; O4 a 16-year-old head alone → found; O5 a head of exactly 18 → not."""

    def member(household, name, birth, relation, seq, death=None):
        return person_add_to_household(
            actor=users["caseworker"], household=household, relation=relation, joined_on=D(2020, 1, 1),
            data=PersonData(name=name, id_number=id_number("150102", birth, seq),
                            employment_status="student" if death is None else "unable_to_work", death_date=death),
        )  # fmt: skip

    o1 = household_factory(head_name="祖父", id_number=id_number("150102", D(1955, 1, 1), 51))
    grandchild = member(o1, "孙一", D(2016, 5, 5), "grandchild", 53)
    o2 = household_factory(head_name="父二", id_number=id_number("150102", D(1985, 1, 1), 55))
    member(o2, "子二", D(2018, 5, 5), "son", 57)
    o3 = household_factory(
        head_name="父三", id_number=id_number("150102", D(1980, 1, 1), 59), death_date=D(2025, 3, 1)
    )
    member(o3, "母三", D(1982, 1, 1), "spouse", 61, death=D(2025, 8, 1))
    daughter = member(o3, "女三", D(2014, 7, 7), "daughter", 63)
    o4 = household_factory(
        head_name="少四", id_number=id_number("150102", D(2010, 6, 1), 65), employment_status="student"
    )
    household_factory(
        head_name="成五", id_number=id_number("150102", D(2008, 12, 1), 67), employment_status="student"
    )
    return {"grandchild": grandchild, "daughter": daughter, "alone": o4.head}


def test_orphan_discovery(children, django_assert_max_num_queries):
    with django_assert_max_num_queries(18):  # 15 + the audit chain (lock, last link, insert)
        run = allowances.orphan_allowances_enrol(month=DEC)
    assert (run.found, run.already) == ({ORPHAN: 3}, 0)
    found = {
        c.person_id: (c.monthly_amount, c.level, c.reason)
        for c in AllowanceCandidate.objects.filter(programme=ORPHAN)
    }
    assert found == {
        children["grandchild"].pk: (Decimal("1400.00"), "散居",
                                    "未满18周岁（与户主关系：孙子女/外孙子女），户内无健在的子、女、儿媳/女婿；"
                                    "须经县级民政部门认定孤儿身份"),
        children["daughter"].pk: (Decimal("1400.00"), "散居",
                                  "未满18周岁（与户主关系：女），户内无健在的户主、配偶；须经县级民政部门认定孤儿身份"),
        children["alone"].pk: (Decimal("1400.00"), "散居",
                               "未满18周岁（与户主关系：户主），户内无健在的父母；须经县级民政部门认定孤儿身份"),
    }  # fmt: skip
    assert allowances.orphan_allowances_enrol(month=DEC) == allowances.DiscoveryRun(DEC, {ORPHAN: 0}, 3)
    assert not Enrolment.objects.filter(programme=ORPHAN).exists()


def test_page_runs_in_the_background_and_confirms(users, disabled):
    caseworker = client_for(users["caseworker"])
    # the run goes through the real task path (immediate backend) and reports to a job
    response = caseworker.post("/enrolments/allowances/run/", {"kind": "disability", "month": "2026-12"})
    job = Job.objects.get(kind="allowance_run")
    assert response["Location"] == f"/enrolments/jobs/{job.pk}/"
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 3, 3)
    # within 150102 only: 甲一's two subsidies and 丙三's care subsidy
    assert job.message == "主动发现 3 人待确认（已在保或已处理 1 人未重复列出）"
    page = caseworker.get("/enrolments/allowances/").content.decode()
    candidate = AllowanceCandidate.objects.get(person__name="甲一", programme=LIVING)
    assert f'data-candidate-id="{candidate.pk}"' in page
    assert "甲一" in page
    assert "乙二" not in page
    # confirming without a month is refused; with a month, enrolled
    caseworker.post("/enrolments/allowances/decide/", {"candidates": [candidate.pk], "decision": "confirm"})
    assert AllowanceCandidate.objects.get(pk=candidate.pk).status == "pending"
    response = caseworker.post(
        "/enrolments/allowances/decide/",
        {"candidates": [candidate.pk], "decision": "confirm", "starts_month": "2027-01"},
        follow=True,
    )
    assert "已确认纳入 1 人，自 2027-01 起发放" in response.content.decode()
    assert Enrolment.objects.get(person__name="甲一", programme=LIVING).starts_month == D(2027, 1, 1)
    # the senior run enrols directly; a reviewer may look but not run
    assert client_for(users["reviewer"]).get("/enrolments/allowances/").status_code == 200
    assert (
        client_for(users["assistant"])
        .post("/enrolments/allowances/run/", {"kind": "senior", "month": "2026-12"})
        .status_code
        == 403
    )
    assert Person.objects.filter(name="甲一").count() == 1
