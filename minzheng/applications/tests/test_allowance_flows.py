"""The allowance workflows (policy-rules.md §6.1–6.3) from intake to approval through the services, by the
roles the rules name, with the enrolment the approval creates: amount from the engine on the builtin Inner
Mongolia parameters (minzheng/policy/builtin/inner_mongolia.json) and the start month the procedure sets;
and the refusals (not eligible, already enrolled, a second open application, who may be the subject).

Amounts asserted (builtin parameters):
* 高龄津贴 ``senior_allowance.brackets`` from 2017-01-01: 80–99 → 100.00, 100+ → 600.00 元/月;
* 困难残疾人生活补贴 ``disability.living_subsidy_monthly`` from 2024-07-01: 125.00 元/月;
* 重度残疾人护理补贴 ``disability.care_subsidy_tiers`` from 2024-07-01: rural 低保 grade 3–4 mental or
  intellectual → 125.00 元/月 (the only configured tier);
* 孤儿 ``orphan.home_monthly`` (散居) from 2023-01-01: 1,400.00; 事实无人抚养儿童 ``de_facto_orphan.monthly``:
  1,400.00 元/月.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import id_number
from minzheng.applications.errors import ApplicationInvalid, DuplicateApplication, StepRequirementMissing
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Step
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    enrolment_from_application,
    verification_record,
)
from minzheng.common.errors import PermissionDenied
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.enrolments.allowances import senior_allowance_enrol
from minzheng.enrolments.errors import AlreadyEnrolled
from minzheng.enrolments.models import Enrolment, EntitlementPeriod
from minzheng.registry.services import PersonData, person_add_to_household

pytestmark = pytest.mark.django_db
D = dt.date
RURAL_GACHA = "152527201206"  # 敦达乌苏嘎查, 贡宝拉格苏木, 太仆寺旗 (conftest)


def today() -> dt.date:
    return timezone.localdate()


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def last_month_tenth() -> dt.date:
    """A day of the previous month: the application was filed before the decision month."""
    return (today().replace(day=1) - dt.timedelta(days=1)).replace(day=10)


def years_ago(years: int, month: int = 6, day: int = 15) -> dt.date:
    return D(today().year - years, month, day)


def due(period: WorkingDays) -> dt.date:
    return due_date(today(), period, working_calendar()).due_on


@pytest.fixture
def policy(db):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()


def apply(users, household, workflow: str, who: str = "caseworker", **extra) -> Application:
    values = {"channel": "window", "applicant_id": household.head_id, **extra}
    return application_create(actor=users[who], data=ApplicationData(
        workflow=workflow, household_id=household.pk, **values))  # fmt: skip


def go(users, application: Application, who: str, code: str, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


def member(users, household, name: str, birth: dt.date, relation: str, seq: int, who: str = "caseworker",
           **fields):  # fmt: skip
    data = PersonData(name=name, id_number=id_number(household.hukou_division.code[:6], birth, seq),
                      employment_status="unemployed", **fields)  # fmt: skip
    return person_add_to_household(actor=users[who], household=household, data=data, relation=relation,
                                   joined_on=D(2020, 1, 1))  # fmt: skip


def dibao_enrolled(users, household, county: str) -> Enrolment:
    """The household receives 低保 (an approved application as the approval step leaves it, enrolled)."""
    application = Application.objects.create(
        workflow="dibao", programme="dibao", household=household, applicant=household.head,
        division=household.hukou_division.parent, channel="window", submitted_on=D(2025, 3, 3),
        step="approved", decided_on=D(2025, 3, 20), monthly_amount=Decimal("480.00"),
        starts_month=D(2025, 4, 1), level="A",
    )  # fmt: skip
    application.number = f"{household.hukou_division.code[:6]}-2025-{application.pk:07d}"
    application.save(update_fields=["number"])
    enrolment = enrolment_from_application(actor=users[county], application=application)
    assert enrolment is not None
    return enrolment


def enrolments_of(application: Application) -> list[tuple[str, int | None, Decimal, dt.date, str, str]]:
    return list(
        Enrolment.objects.filter(application=application)
        .order_by("programme")
        .values_list("programme", "person_id", "monthly_amount", "starts_month", "level", "source")
    )


# --- 高龄津贴 -----------------------------------------------------------------------------------------


@pytest.fixture
def elder(household_factory, policy):
    """白奶奶, 85 or 86 over the last two months (born mid-June 86 years before this year's), living alone,
    newly moved in: the registry run has not enrolled her."""
    return household_factory(head_name="白奶奶", id_number=id_number("150102", years_ago(86), 301))


def test_senior_allowance_from_the_village_to_the_county_enrols_from_the_month_of_application(users, elder):
    applied = last_month_tenth()
    # the village assistant registers it at the village (委托 not needed: the elderly person applies)
    application = apply(users, elder, "senior_allowance", who="assistant", submitted_on=applied)
    assert (application.step, application.subject_id, application.programme) == (
        Step.SUBMITTED, elder.head_id, "senior_allowance",
    )  # fmt: skip

    # the village committee's first review within 5 working days
    application = go(users, application, "assistant", "accept")
    assert application.step == Step.VILLAGE_REVIEW
    assert application.step_due_on == due(WorkingDays(5))
    with pytest.raises(PermissionDenied):  # not the township reviewer's step
        go(users, application, "reviewer", "village_review", opinion="属实")
    with pytest.raises(StepRequirementMissing):
        go(users, application, "assistant", "village_review")
    application = go(
        users, application, "assistant", "village_review", opinion="年满80周岁，户籍在本社区，属实"
    )
    assert (application.step, application.step_due_on) == (Step.TOWNSHIP_REVIEW, None)

    # the township, then the banner/county civil affairs
    with pytest.raises(PermissionDenied):
        go(users, application, "assistant", "township_review", opinion="同意")
    application = go(users, application, "reviewer", "township_review", opinion="审核同意，报县级")
    assert application.step == Step.COUNTY_REVIEW
    with pytest.raises(PermissionDenied):  # the county decides (no township delegation for allowances)
        go(users, application, "reviewer", "approve")
    application = go(users, application, "county", "approve")

    # then: 100.00 a month (80–99 bracket) from the month of application, one open period
    application.refresh_from_db()
    assert (application.step, application.monthly_amount, application.level, application.starts_month) == (
        Step.APPROVED, Decimal("100.00"), "80-99", month_of(applied),
    )  # fmt: skip
    assert application.assessment["granted"] == [
        {"programme": "senior_allowance", "label": "高龄津贴", "monthly_amount": "100.00", "level": "80-99"}
    ]
    assert enrolments_of(application) == [
        ("senior_allowance", elder.head_id, Decimal("100.00"), month_of(applied), "80-99", "application")
    ]
    enrolment = Enrolment.objects.get(application=application)
    assert list(enrolment.periods.values_list("from_month", "until_month", "monthly_amount")) == [
        (month_of(applied), None, Decimal("100.00"))
    ]
    approve = ApplicationEvent.objects.get(application=application, code="approve")
    assert approve.basis == (
        "《内蒙古自治区80岁以上低收入老年人高龄津贴发放管理办法》（2012；2017-01-01起普惠）"
        "（旗县民政部门审核；自申请当月起发放）；《老年人权益保障法》第33条"
    )
    assert ApplicationEvent.objects.get(application=application, code="enrolled").message == (
        f"纳入在保（高龄津贴）：自 {month_of(applied):%Y年%m月} 起每月 100.00 元"
    )
    assert application.notice_starts_on is None  # no public notice in the procedure


def test_senior_allowance_for_someone_too_young_is_not_approved_then_rejected_with_reasons(
    users, household_factory, policy
):
    young = household_factory(head_name="石大爷", id_number=id_number("150102", years_ago(79, 12, 31), 303))
    application = apply(users, young, "senior_allowance", submitted_on=today())
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "village_review", opinion="户籍在本社区")
    go(users, application, "reviewer", "township_review", opinion="报县级审核")

    # when the county tries to approve
    with pytest.raises(StepRequirementMissing) as refused:
        go(users, application, "county", "approve")

    # then the engine's reason is given and nothing was written
    age = today().year - years_ago(79, 12, 31).year - 1
    assert refused.value.message == (
        f"按{today()}的测算不符合条件，不能批准：成员“{young.head_id}”{age} 岁，不在高龄津贴年龄段内；"
        "请核实或不予批准"
    )
    application.refresh_from_db()
    assert (application.step, application.decided_on, application.monthly_amount) == (
        Step.COUNTY_REVIEW, None, None,
    )  # fmt: skip
    assert not Enrolment.objects.exists()

    # when the county rejects with its reasons
    with pytest.raises(StepRequirementMissing):
        go(users, application, "county", "reject")
    application = go(users, application, "county", "reject", reason=f"未满80周岁（{age}岁）")
    assert (application.step, application.decision_reason, application.notice_due_on) == (
        Step.REJECTED, f"未满80周岁（{age}岁）", None,
    )  # fmt: skip
    assert not Enrolment.objects.exists()


def test_a_person_the_registry_run_enrolled_meanwhile_is_not_approved_twice(users, elder):
    application = apply(users, elder, "senior_allowance", submitted_on=today())
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "village_review", opinion="属实")
    go(users, application, "reviewer", "township_review", opinion="同意")
    # the monthly registry run enrols her first
    senior_allowance_enrol(month=month_of(today()))
    assert Enrolment.objects.filter(person=elder.head, programme="senior_allowance").count() == 1

    with pytest.raises(AlreadyEnrolled) as refused:
        go(users, application, "county", "approve")

    assert refused.value.message == (
        f"白奶奶已在享受“高龄津贴”（自 {month_of(today()):%Y年%m月} 起，在保），不能重复批准；"
        "请不予批准或撤回本申请，待遇调整请办理在保对象变更"
    )
    application.refresh_from_db()
    assert (application.step, application.decided_on) == (Step.COUNTY_REVIEW, None)
    assert Enrolment.objects.filter(person=elder.head).count() == 1


def test_a_second_open_application_for_the_same_person_is_refused(users, elder):
    apply(users, elder, "senior_allowance")
    with pytest.raises(DuplicateApplication) as refused:
        apply(users, elder, "senior_allowance", who="assistant")
    assert refused.value.message == "该人员已有办理中的“高龄津贴”申请，不能重复申请"
    assert Application.objects.count() == 1


# --- 残疾人两项补贴 ---------------------------------------------------------------------------------------


@pytest.fixture
def rural_family(users, household_factory, policy):
    """A rural 低保 household in 敦达乌苏嘎查: the father (head) and his son with a grade-3 mental disability
    certificate."""
    home = household_factory(actor=users["taibus_caseworker"], division_code=RURAL_GACHA, head_name="巴特尔",
                             id_number=id_number("152527", D(1966, 4, 2), 311))  # fmt: skip
    son = member(users, home, "巴图", D(1995, 9, 9), "son", 313, who="taibus_caseworker",
                 disability_category="mental", disability_grade=3)  # fmt: skip
    dibao_enrolled(users, home, "taibus_county")
    return home, son


def disability_to_review(users, home, son, outcome: str = "consistent") -> Application:
    """The father applies for his son (国发〔2015〕52号: a relative may file), both subsidies."""
    application = apply(users, home, "disability_subsidies", who="taibus_caseworker", subject_id=son.pk,
                        subsidies=("severe_disability_care_subsidy", "disability_living_subsidy"),
                        submitted_on=last_month_tenth())  # fmt: skip
    assert application.subsidies == ["disability_living_subsidy", "severe_disability_care_subsidy"]
    application = go(users, application, "taibus_caseworker", "accept")
    assert (application.step, application.step_due_on) == (Step.FIRST_REVIEW, None)
    application = go(
        users, application, "taibus_caseworker", "submit_federation", opinion="持残疾人证，低保家庭"
    )
    assert application.step == Step.FEDERATION_REVIEW
    verification_record(actor=users["taibus_county"], application_id=application.pk, source="disability_fed",
                        outcome=outcome, detail="残联审核意见")  # fmt: skip
    return go(users, application, "taibus_county", "record_federation")


def test_disability_subsidies_township_federation_county_enrol_both_from_the_month_of_application(
    users, rural_family
):
    home, son = rural_family
    application = apply(users, home, "disability_subsidies", who="taibus_caseworker", subject_id=son.pk,
                        subsidies=["disability_living_subsidy", "severe_disability_care_subsidy"],
                        submitted_on=last_month_tenth())  # fmt: skip
    go(users, application, "taibus_caseworker", "accept")
    go(users, application, "taibus_caseworker", "submit_federation", opinion="持残疾人证，低保家庭")
    # the 残联's review must be recorded first, by the county user, as a 县残联审核 result
    with pytest.raises(StepRequirementMissing) as missing:
        go(users, application, "taibus_county", "record_federation")
    assert missing.value.message == "尚未录入县级残联审核意见（国发〔2015〕52号）"
    with pytest.raises(PermissionDenied):
        verification_record(actor=users["taibus_caseworker"], application_id=application.pk,
                            source="disability_fed", outcome="consistent")  # fmt: skip
    with pytest.raises(ApplicationInvalid):
        verification_record(actor=users["taibus_county"], application_id=application.pk, source="bank",
                            outcome="consistent")  # fmt: skip
    verification_record(actor=users["taibus_county"], application_id=application.pk, source="disability_fed",
                        outcome="consistent", detail="精神残疾三级，需长期照护")  # fmt: skip
    application = go(users, application, "taibus_county", "record_federation")
    assert application.step == Step.COUNTY_REVIEW

    application = go(users, application, "taibus_county", "approve")

    application.refresh_from_db()
    applied = month_of(last_month_tenth())
    assert (application.step, application.monthly_amount, application.starts_month) == (
        Step.APPROVED, Decimal("250.00"), applied,
    )  # fmt: skip
    assert enrolments_of(application) == [
        ("disability_living_subsidy", son.pk, Decimal("125.00"), applied, "", "application"),
        ("severe_disability_care_subsidy", son.pk, Decimal("125.00"), applied, "农村低保家庭三、四级精神、智力残疾",
         "application"),
    ]  # fmt: skip
    assert EntitlementPeriod.objects.filter(enrolment__application=application).count() == 2
    assert application.decision_reason == ""


def test_disability_care_need_not_confirmed_by_the_federation_grants_the_living_subsidy_only(
    users, rural_family
):
    home, son = rural_family
    application = disability_to_review(users, home, son, outcome="inconsistent")

    application = go(users, application, "taibus_county", "approve")

    application.refresh_from_db()
    assert application.monthly_amount == Decimal("125.00")
    assert application.decision_reason == (
        f"重度残疾人护理补贴不予批准：成员“{son.pk}”经评定不需要长期照护（6 个月以上）"
    )
    assert [row[0] for row in enrolments_of(application)] == ["disability_living_subsidy"]


def test_disability_subsidies_need_the_subsidies_named(users, rural_family):
    home, son = rural_family
    with pytest.raises(ApplicationInvalid) as refused:
        apply(users, home, "disability_subsidies", who="taibus_caseworker", subject_id=son.pk)
    assert refused.value.message == "请选择申请的补贴：困难残疾人生活补贴、重度残疾人护理补贴（可同时申请）"
    assert not Application.objects.filter(workflow="disability_subsidies").exists()


# --- 孤儿 and 事实无人抚养儿童 -------------------------------------------------------------------------------


@pytest.fixture
def grandmother_and_child(users, household_factory, policy):
    """The grandmother (guardian, head) and her grandson aged about 10."""
    home = household_factory(head_name="高奶奶", id_number=id_number("150102", D(1960, 2, 2), 321))
    child = member(users, home, "高小宝", years_ago(10, 3, 3), "grandchild", 323)
    return home, child


def test_de_facto_orphan_township_data_matching_then_county_confirmation_pays_from_the_next_month(
    users, grandmother_and_child
):
    home, child = grandmother_and_child
    application = apply(users, home, "de_facto_orphan_allowance", subject_id=child.pk)
    assert (application.applicant_id, application.subject_id) == (home.head_id, child.pk)

    # the township checks by data matching and concludes within 15 working days
    application = go(users, application, "caseworker", "accept")
    assert (application.step, application.step_due_on) == (Step.VERIFYING, due(WorkingDays(15)))
    with pytest.raises(StepRequirementMissing):
        go(users, application, "reviewer", "submit_review", opinion="符合")
    verification_record(actor=users["caseworker"], application_id=application.pk, source="public_security",
                        outcome="consistent", detail="父亲在押服刑逾6个月")  # fmt: skip
    verification_record(actor=users["caseworker"], application_id=application.pk, source="court",
                        outcome="consistent", detail="母亲经法院宣告失踪")  # fmt: skip
    application = go(users, application, "reviewer", "submit_review", opinion="父母均不能履行抚养义务")
    # the county confirms within 15 working days
    assert (application.step, application.step_due_on) == (Step.COUNTY_REVIEW, due(WorkingDays(15)))

    application = go(users, application, "county", "approve")

    application.refresh_from_db()
    assert (application.step, application.monthly_amount, application.starts_month) == (
        Step.APPROVED, Decimal("1400.00"), next_month(today()),
    )  # fmt: skip
    assert enrolments_of(application) == [
        ("de_facto_orphan_allowance", child.pk, Decimal("1400.00"), next_month(today()), "", "application")
    ]
    assert (application.notice_starts_on, application.notice_ends_on) == (None, None)  # no 公示
    assert not ApplicationEvent.objects.filter(application=application, to_step=Step.PUBLIC_NOTICE).exists()


def test_orphan_identified_by_the_county_without_time_limits_gets_the_home_based_standard(
    users, grandmother_and_child
):
    home, child = grandmother_and_child
    application = apply(users, home, "orphan_allowance", subject_id=child.pk)
    application = go(users, application, "caseworker", "accept")
    assert (application.step, application.step_due_on) == (Step.VERIFYING, None)
    verification_record(actor=users["reviewer"], application_id=application.pk, source="civil_affairs",
                        outcome="consistent", detail="父母死亡登记")  # fmt: skip
    application = go(users, application, "caseworker", "submit_review", opinion="父母双亡")
    assert (application.step, application.step_due_on) == (Step.COUNTY_REVIEW, None)

    application = go(users, application, "county", "approve")

    assert enrolments_of(application) == [
        ("orphan_allowance", child.pk, Decimal("1400.00"), next_month(today()), "散居", "application")
    ]


@pytest.mark.parametrize("workflow", ["orphan_allowance", "de_facto_orphan_allowance"])
def test_for_children_the_guardian_applies_for_a_child_under_18(users, grandmother_and_child, workflow):
    home, child = grandmother_and_child
    with pytest.raises(ApplicationInvalid) as own:
        apply(users, home, workflow)  # the grandmother for herself
    assert own.value.message == (
        "孤儿、事实无人抚养儿童保障由儿童的监护人申请，请选择儿童为救助对象、监护人为申请人"
    )
    adult = member(users, home, "高大宝", years_ago(18, 1, 1), "grandchild", 325)
    with pytest.raises(ApplicationInvalid) as grown:
        apply(users, home, workflow, subject_id=adult.pk)
    assert (grown.value.message, grown.value.field) == ("救助对象须为未满 18 周岁的儿童", "subject_id")
    assert not Application.objects.exists()


# --- the API -----------------------------------------------------------------------------------------------


def test_the_api_registers_a_disability_subsidies_application_with_its_subsidies(users, rural_family):
    import json

    from django.test import Client

    from minzheng.accounts.api_auth import api_token_create

    home, son = rural_family
    _token, secret = api_token_create(username=users["taibus_caseworker"].username, name="测试")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    body = {"workflow": "disability_subsidies", "household_id": home.pk, "applicant_id": home.head_id,
            "subject_id": son.pk, "channel": "window", "subsidies": ["severe_disability_care_subsidy"]}  # fmt: skip

    response = client.post("/api/v1/applications", json.dumps(body), content_type="application/json")

    assert response.status_code == 201, response.content
    assert (response.json()["workflow_label"], response.json()["subject_id"]) == ("残疾人两项补贴", son.pk)
    assert Application.objects.get(pk=response.json()["id"]).subsidies == ["severe_disability_care_subsidy"]
    body["subsidies"] = ["dental_subsidy"]
    response = client.post("/api/v1/applications", json.dumps(body), content_type="application/json")
    assert (response.status_code, response.json()["field"]) == (422, "subsidies.0")
