"""低保边缘 and 刚性支出困难 identification, the hand-over from a rejected 低保 application, and the
temporary-assistance decisions beyond the tier: 一事一议 and payment in stages. Real services, real
PostgreSQL, the built-in Inner Mongolia parameters (Xincheng, urban: 低保 standard 840.00)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.applications.errors import (
    ApplicationInvalid,
    DuplicateApplication,
    StepRequirementMissing,
    TransitionNotAllowed,
)
from minzheng.applications.models import Application, ExpenseRecord, HomeVisit, VerificationResult
from minzheng.applications.rules import Step
from minzheng.applications.services import application_handover, expense_record, verification_record
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.registry.models import IncomeRecord

from .test_workflows import apply, expenditure_policy, go, policy, step_of, to_review, today, visit  # noqa: F401

pytestmark = pytest.mark.django_db


def wages(home, yearly: str) -> None:
    IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal(yearly),
                                period_start=today() - dt.timedelta(days=365),
                                period_end=today() - dt.timedelta(days=1))  # fmt: skip


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def identification_to_review(users, application: Application, *, expenses: bool = False) -> Application:
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    if expenses:
        expense_record(actor=users["caseworker"], application_id=application.pk, kind="medical",
                       amount=Decimal("20000.00"), incurred_on=today() - dt.timedelta(days=40),
                       note="住院自付票据 3 张")  # fmt: skip
    go(users, application, "caseworker", "request_verification")
    verification_record(
        actor=users["county"], application_id=application.pk, source="bank", outcome="consistent"
    )
    go(users, application, "county", "record_verification")
    return go(users, application, "reviewer", "submit_review", opinion="符合认定条件")


# --- hand-over ------------------------------------------------------------------------------------------


@pytest.fixture
def margin_household(household_factory, policy):  # noqa: F811
    """12,000 yuan of wages a year: 1,000.00 a month, above 840 (no 低保) and below 1.5 × 840 = 1,260."""
    home = household_factory(head_name="马某")
    wages(home, "12000.00")
    return home


def test_rejected_dibao_is_handed_over_to_margin_identification_without_new_papers(users, margin_household):
    # given: a 低保 application rejected by the county
    dibao = to_review(users, apply(users, margin_household))
    with pytest.raises(StepRequirementMissing) as ineligible:
        go(users, dibao, "county", "approve")
    assert ineligible.value.field == "assessment"
    dibao = go(users, dibao, "county", "reject", reason="家庭人均收入 1000.00 元高于低保标准 840.00 元")

    # when: refused without consent, then handed over with it
    with pytest.raises(ApplicationInvalid) as no_consent:
        application_handover(actor=users["caseworker"], application_id=dibao.pk, workflow="margin_household",
                             consent=False)  # fmt: skip
    assert no_consent.value.message == "转入认定程序须经申请人同意"
    with pytest.raises(NotFound):  # another county's caseworker does not even see it
        application_handover(actor=users["taibus_caseworker"], application_id=dibao.pk,
                             workflow="margin_household", consent=True)  # fmt: skip
    margin = application_handover(actor=users["caseworker"], application_id=dibao.pk,
                                  workflow="margin_household", consent=True)  # fmt: skip

    # then: at first review, with the pledge, the home visit and the verification carried over
    assert (margin.step, margin.programme, margin.handed_over_from_id, margin.pledge_signed_at) == (
        Step.FIRST_REVIEW, "margin_household", dibao.pk, dibao.pledge_signed_at,
    )  # fmt: skip
    assert HomeVisit.objects.filter(application=margin).count() == 1
    assert list(VerificationResult.objects.filter(application=margin).values_list("source", "outcome")) == [
        ("bank", "consistent")
    ]
    assert margin.events.get(code="handover").message == (
        f"经申请人同意，由最低生活保障申请 {dibao.number} 直接转入，沿用原申请材料、入户调查和核对结果"
    )
    assert dibao.events.get(code="handed_over").message == f"转入低保边缘家庭认定：{margin.number}"
    with pytest.raises(DuplicateApplication):
        application_handover(actor=users["caseworker"], application_id=dibao.pk, workflow="margin_household",
                             consent=True)  # fmt: skip

    # and the county identifies the household as a margin household: no cash, from next month
    go(users, margin, "reviewer", "submit_review", opinion="人均收入低于低保标准 1.5 倍")
    margin = go(users, margin, "county", "approve")
    assert (margin.step, margin.monthly_amount, margin.starts_month, margin.valid_until) == (
        Step.APPROVED, None, next_month(today()), None,
    )  # fmt: skip


def test_only_a_rejected_dibao_or_extreme_poverty_application_can_be_handed_over(users, margin_household):
    open_dibao = apply(users, margin_household)
    with pytest.raises(TransitionNotAllowed) as refused:
        application_handover(actor=users["caseworker"], application_id=open_dibao.pk,
                             workflow="margin_household", consent=True)  # fmt: skip
    assert refused.value.message == "只有不予批准的低保、特困申请可以直接转入认定程序"
    assert Application.objects.count() == 1


def test_margin_identification_from_a_fresh_application(users, margin_household):
    application = identification_to_review(users, apply(users, margin_household, "margin_household"))
    assert application.step == Step.COUNTY_REVIEW
    assert application.overall_due_on is not None
    assert go(users, application, "county", "approve").step == Step.APPROVED


# --- rigid expense ----------------------------------------------------------------------------------------


def test_rigid_expense_identification_reads_the_recorded_expenses_and_lasts_twelve_months(
    users,
    household_factory,
    expenditure_policy,  # noqa: F811
):
    # given: 24,000 yuan income a year (2,000 a month, below 36,000 ÷ 12 = 3,000)
    home = household_factory(head_name="许某")
    wages(home, "24000.00")
    without = identification_to_review(users, apply(users, home, "rigid_expense_household"))

    # when: no expenses recorded → not a rigid-expense household
    with pytest.raises(StepRequirementMissing) as refused:
        go(users, without, "county", "approve")
    assert refused.value.field == "assessment"
    go(users, without, "county", "reject", reason="刚性支出未超过规定比例")

    # then: with 20,000 yuan of medical costs (83 % of income > 60 %) it is identified, valid 12 months
    application = identification_to_review(
        users, apply(users, home, "rigid_expense_household"), expenses=True
    )
    assert ExpenseRecord.objects.filter(application=application).count() == 1
    assert application.events.filter(code="expense").get().message == (
        f"刚性支出：医疗（自付） 20000.00 元（{today() - dt.timedelta(days=40)}），住院自付票据 3 张"
    )
    application = go(users, application, "county", "approve")
    start = next_month(today())
    end = start
    for _ in range(12):
        end = next_month(end)
    assert (application.step, application.starts_month, application.valid_until) == (
        Step.APPROVED, start, end - dt.timedelta(days=1),
    )  # fmt: skip


def test_expense_records_belong_to_rigid_expense_investigations(users, household_factory, policy):  # noqa: F811
    application = apply(users, household_factory(head_name="林某"))
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    with pytest.raises(ApplicationInvalid) as wrong:
        expense_record(actor=users["caseworker"], application_id=application.pk, kind="medical",
                       amount=Decimal("100"), incurred_on=today())  # fmt: skip
    assert wrong.value.message == "刚性支出只在刚性支出困难家庭认定中录入"
    assert not ExpenseRecord.objects.exists()


# --- temporary assistance: 一事一议 and stages ----------------------------------------------------------------


def test_case_by_case_lets_the_county_mechanism_go_above_the_tier(
    users,
    household_factory,
    expenditure_policy,  # noqa: F811
):
    # given: 10,000 yuan is above the expenditure tier (6 × 840 = 5,040)
    home = household_factory(head_name="冯某")
    application = to_review(users, apply(users, home, "temporary_expenditure", hardship="子女重病住院"))
    with pytest.raises(StepRequirementMissing) as above:
        go(users, application, "county", "approve", amount="10000")
    assert (
        above.value.message
        == "救助金额 10000 元超过本档上限 5040.00 元；情况复杂、需提高额度的，请提请一事一议"
    )

    # when
    application = go(
        users, application, "reviewer", "refer_case_by_case", reason="医疗费用巨大，超出档次上限"
    )

    # then: only the county decides, and only with the mechanism's minutes
    assert application.step == Step.CASE_BY_CASE
    with pytest.raises(PermissionDenied):
        go(users, application, "reviewer", "approve", amount="10000")
    with pytest.raises(StepRequirementMissing) as no_minutes:
        go(users, application, "county", "approve", amount="10000")
    assert no_minutes.value.field == "meeting"
    assert step_of(application) == Step.CASE_BY_CASE
    application = go(users, application, "county", "approve", amount="10000",
                     meeting_note="2026年县协调机制第3次会议，民政、医保、卫健参加，议定救助10000元")  # fmt: skip
    assert (application.step, application.one_off_amount) == (Step.APPROVED, Decimal("10000.00"))
    assert application.meeting_note.startswith("2026年县协调机制第3次会议")


def test_one_decision_paid_in_stages(users, household_factory, expenditure_policy):  # noqa: F811
    # given
    home = household_factory(head_name="韩某")
    application = to_review(users, apply(users, home, "temporary_expenditure", hardship="子女上学支出"))
    first = next_month(today())
    second, third = next_month(first), next_month(next_month(first))
    plan = f"{first:%Y-%m} 1000\n{second:%Y-%m} 1000\n{third:%Y-%m} 500"

    # when: the plan does not add up, then it does
    with pytest.raises(StepRequirementMissing) as wrong_total:
        go(users, application, "county", "approve", amount="3000", instalments=plan)
    assert wrong_total.value.message == "分阶段发放合计 2500.00 元，与救助金额 3000 元不一致"
    with pytest.raises(StepRequirementMissing) as bad_line:
        go(users, application, "county", "approve", amount="2500", instalments="下个月 1000")
    assert bad_line.value.message == "分阶段发放计划第 1 行格式有误，应为“年-月 金额”，如“2026-12 500”"
    application = go(users, application, "county", "approve", amount="2500", instalments=plan)

    # then
    assert application.instalments == [
        {"month": first.isoformat(), "amount": "1000.00"},
        {"month": second.isoformat(), "amount": "1000.00"},
        {"month": third.isoformat(), "amount": "500.00"},
    ]


# --- pages ----------------------------------------------------------------------------------------------------


def test_care_assessment_and_expense_forms_on_the_detail_page(users, household_factory, policy):  # noqa: F811
    from conftest import id_number

    from .test_views import client_for
    from .test_workflows import OLD_AGE_BIRTH

    # given: a 特困 application under investigation
    old = household_factory(head_name="包大爷", id_number=id_number(birth=OLD_AGE_BIRTH, seq=511))
    application = apply(users, old, "extreme_poverty_support")
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    client = client_for(users["caseworker"])
    url = f"/applications/{application.pk}/"
    assert 'data-record="care"' in client.get(url).content.decode()

    # when: "unable" without the art. 8 item → 422 with the message on the field; then a valid assessment
    form = {"assessed_on": today().isoformat(), "assessors": "甲、乙", "eating": "on", "dressing": "on",
            "getting_in_out_of_bed": "on", "toileting": "on", "walking_indoors": "on", "bathing": "on",
            "supporter_status": "unable", "support_mode": "home"}  # fmt: skip
    refused = client.post(f"{url}care-assessment/", form)
    assert refused.status_code == 422
    assert "义务人无履行能力的，须选择第 8 条所列情形" in refused.content.decode()
    saved = client.post(f"{url}care-assessment/", form | {"supporter_inability": "dibao_aged_60"})

    # then
    assert saved.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="care-assessment"' in page
    assert "具备生活自理能力" in page
    assert '<option value="dibao_aged_60" selected>' in page  # the form is pre-filled for a re-assessment

    # a rigid-expense investigation shows the expense form, and the recorded expense
    home = household_factory(head_name="许某")
    rigid = apply(users, home, "rigid_expense_household")
    go(users, rigid, "caseworker", "accept")
    go(users, rigid, "caseworker", "start_investigation")
    posted = client.post(f"/applications/{rigid.pk}/expenses/", {"kind": "education", "amount": "3200.50",
                                                                "incurred_on": today().isoformat(), "note": "学费收据"})  # fmt: skip
    assert posted.status_code == 302
    assert ExpenseRecord.objects.get(application=rigid).amount == Decimal("3200.50")
    assert "3200.50" in client.get(f"/applications/{rigid.pk}/").content.decode()


def test_approval_enrols_the_household_and_stages_become_one_month_periods(
    users,
    household_factory,
    expenditure_policy,  # noqa: F811
):
    from minzheng.enrolments.models import Enrolment

    # given
    home = household_factory(head_name="韩某")
    application = to_review(users, apply(users, home, "temporary_expenditure", hardship="子女上学支出"))
    first = next_month(today())
    second = next_month(first)

    # when
    application = go(users, application, "county", "approve", amount="1500",
                     instalments=f"{first:%Y-%m} 1000\n{second:%Y-%m} 500")  # fmt: skip

    # then: one enrolment carrying the two stages; the timeline says so
    enrolment = Enrolment.objects.get(application=application)
    periods = list(enrolment.periods.values_list("from_month", "until_month", "monthly_amount"))
    assert periods == [
        (first, second, Decimal("1000.00")),
        (second, next_month(second), Decimal("500.00")),
    ]
    assert application.events.filter(code="enrolled").exists()


def test_reserve_paid_aid_is_not_enrolled_for_the_payroll(
    users,
    household_factory,
    policy,  # noqa: F811
    temporary_figures,
):
    from minzheng.enrolments.models import Enrolment

    application = apply(
        users, household_factory(head_name="周某"), "temporary_small_fast", hardship="突发疾病"
    )
    go(users, application, "caseworker", "accept")
    application = go(users, application, "caseworker", "approve", amount="800")
    assert application.step == Step.APPROVED
    assert not Enrolment.objects.exists()


def test_aid_paid_at_once_draws_on_the_township_reserve_fund(
    users,
    divisions,
    household_factory,
    policy,  # noqa: F811
    temporary_figures,
):
    from minzheng.payments.errors import ReserveInsufficient
    from minzheng.payments.models import ReserveEntry, ReserveFund
    from minzheng.payments.services import reserve_allocate

    # given: the township's reserve fund (海拉尔东路街道, 新城区) holds 1,000 yuan
    township = Application.division.field.related_model.objects.get(code="150102001000")
    reserve_allocate(actor=users["county"], township=township, amount=Decimal("1000"), allocated_on=today())
    first = apply(users, household_factory(head_name="周某"), "temporary_small_fast", hardship="突发疾病")
    go(users, first, "caseworker", "accept")

    # when
    first = go(users, first, "caseworker", "approve", amount="800")

    # then: drawn, with the balance on the timeline
    assert ReserveFund.objects.get(township=township).balance == Decimal("200.00")
    draw = ReserveEntry.objects.get(kind="draw")
    assert (draw.application_id, draw.amount) == (first.pk, Decimal("800.00"))
    assert (
        first.events.get(code="reserve_draw").message
        == "从临时救助备用金支付 800.00 元，备用金余额 200.00 元"
    )

    # a second aid above the balance is refused whole: the application stays accepted
    second = apply(users, household_factory(head_name="郑某"), "temporary_emergency", hardship="家中失火")
    go(users, second, "caseworker", "accept")
    with pytest.raises(ReserveInsufficient) as short:
        go(users, second, "caseworker", "pay_aid_first", amount="500")
    assert (
        short.value.message == "海拉尔东路街道临时救助备用金余额不足：当前余额 200.00 元，本次支出 500.00 元"
    )
    assert (step_of(second), ReserveEntry.objects.filter(kind="draw").count()) == (Step.ACCEPTED, 1)
    assert Application.objects.get(pk=second.pk).one_off_amount is None
