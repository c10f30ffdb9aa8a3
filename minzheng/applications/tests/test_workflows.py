"""The other workflows through the services, by the roles the rules name: 特困 (with the county's spot
check), the three temporary-assistance paths, delegated confirmation, staff relatives, leaving the
procedure, and deadlines (over the National Day holiday and the daily scan).

The applications move through the real services; only the passing of time is simulated, by setting the
stored end of a public notice or a step's limit, as the brief of issue 4 allows (no clock library).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import id_number
from minzheng.applications.errors import ApplicationInvalid, StepRequirementMissing, TransitionNotAllowed
from minzheng.applications.models import Application, CareAssessment, DeadlineStatus
from minzheng.applications.rules import Step
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    care_assessment_record,
    deadlines_refresh,
    home_visit_record,
    spot_check_draw,
    verification_record,
)
from minzheng.applications.tasks import deadlines_refresh_task
from minzheng.common.errors import PermissionDenied
from minzheng.common.models import CalendarDay
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import CalendarDays, WorkingCalendar, WorkingDays, due_date, notice_period
from minzheng.divisions.models import Division
from minzheng.registry.models import IncomeRecord
from minzheng.registry.services import staff_relative_register

pytestmark = pytest.mark.django_db
D = dt.date
OLD_AGE_BIRTH = D(1950, 3, 1)
EP_PARTIAL_URBAN = Decimal("1875.00")  # builtin: basic living 1,380.00 (urban) + 部分丧失 care 495.00


# --- helpers (also used by the API and concurrency tests) ----------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def due(period: WorkingDays | CalendarDays, start: dt.date | None = None) -> dt.date:
    return due_date(start or today(), period, working_calendar()).due_on


def apply(users, household, workflow: str = "dibao", who: str = "caseworker", **extra) -> Application:
    values = {"pledge_signed": True, "channel": "window", **extra}
    return application_create(actor=users[who], data=ApplicationData(
        workflow=workflow, household_id=household.pk, applicant_id=household.head_id, **values))  # fmt: skip


def go(users, application: Application, who: str, code: str, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


def visit(users, application: Application, who: str = "caseworker") -> None:
    home_visit_record(actor=users[who], application_id=application.pk, visited_on=today(),
                      investigators=["赵六", "钱七"], members_present="户主本人", findings="家庭困难属实")  # fmt: skip


def end_notice(application: Application) -> None:
    """The seven days of public notice have passed."""
    Application.objects.filter(pk=application.pk).update(notice_ends_on=today() - dt.timedelta(days=1))


def to_review(users, application: Application) -> Application:
    """低保 or 支出型临时救助 from submission to the county review (or approval) step."""
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    go(users, application, "caseworker", "request_verification")
    verification_record(
        actor=users["county"], application_id=application.pk, source="bank", outcome="consistent"
    )
    go(users, application, "county", "record_verification")
    go(users, application, "reviewer", "publish_notice", opinion="符合条件，拟予救助")
    end_notice(application)
    return go(users, application, "reviewer", "close_notice")


ADL_TWO_FAILED = {"eating": True, "dressing": True, "getting_in_out_of_bed": True, "toileting": True,
                  "walking_indoors": False, "bathing": False}  # fmt: skip


def assess_care(users, application: Application, who: str = "caseworker", **extra) -> None:
    """No duty-bearer, two of six items not achieved (部分丧失), supported at home."""
    values = {"assessed_on": today(), "assessors": ["县评估员甲", "乡镇干部乙"], "adl": ADL_TWO_FAILED,
              "supporter_status": "none", "support_mode": "home", **extra}  # fmt: skip
    care_assessment_record(actor=users[who], application_id=application.pk, **values)


def extreme_poverty_to_review(users, application: Application) -> Application:
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    assess_care(users, application)
    go(users, application, "reviewer", "publish_notice", opinion="符合特困人员认定条件")
    end_notice(application)
    return go(users, application, "reviewer", "close_notice")


def step_of(application: Application) -> str:
    return Application.objects.values_list("step", flat=True).get(pk=application.pk)


@pytest.fixture
def policy(db):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()


@pytest.fixture
def dibao_household(household_factory, policy):
    """3,600 yuan of wages over the last year: (840 − 300) × 1 = 540.00 a month."""
    home = household_factory(head_name="王五")
    IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal("3600.00"),
                                period_start=today() - dt.timedelta(days=365),
                                period_end=today() - dt.timedelta(days=1))  # fmt: skip
    return home


@pytest.fixture
def elderly_factory(household_factory, policy):
    """A 76-year-old without income living alone: no work capacity (特困人员认定办法第 5 条)."""
    counter = {"n": 0}

    def make(self_care: str = "partly_incapable"):
        counter["n"] += 1
        return household_factory(head_name=f"刘老汉{counter['n']}", self_care=self_care,
                                 id_number=id_number(birth=OLD_AGE_BIRTH, seq=300 + counter["n"] * 2))  # fmt: skip

    return make


# --- 特困 -------------------------------------------------------------------------------------------


def test_extreme_poverty_investigation_notice_and_review_deadlines(users, elderly_factory):
    # given
    home = elderly_factory()
    application = apply(users, home, "extreme_poverty_support")
    assert application.subject_id == home.head_id

    # when / then: 15 working days for investigation and first review (特困人员认定办法第 12—13 条)
    application = go(users, application, "caseworker", "accept")
    assert (application.step, application.step_due_on, application.overall_due_on) == (
        Step.ACCEPTED, due(WorkingDays(15)), None,
    )  # fmt: skip
    application = go(users, application, "caseworker", "start_investigation")
    assert application.step_due_on == due(WorkingDays(15))  # the running limit is kept

    with pytest.raises(StepRequirementMissing) as missing_visit:
        go(users, application, "reviewer", "publish_notice", opinion="符合条件")
    assert missing_visit.value.field == "home_visit"
    visit(users, application)

    with pytest.raises(StepRequirementMissing) as missing_care:
        go(users, application, "reviewer", "publish_notice", opinion="符合条件")
    assert (missing_care.value.field, missing_care.value.message) == (
        "self_care", "尚未录入生活自理能力六项评估和法定义务人情况（特困人员认定办法第 8 条、第 20—23 条）",
    )  # fmt: skip
    assert step_of(application) == Step.INVESTIGATING
    with pytest.raises(ApplicationInvalid) as unable_without_item:
        assess_care(users, application, supporter_status="unable")
    assert (unable_without_item.value.field, unable_without_item.value.message) == (
        "supporter_inability", "义务人无履行能力的，须选择第 8 条所列情形",
    )  # fmt: skip
    with pytest.raises(ApplicationInvalid) as half_assessed:
        assess_care(users, application, adl={"eating": True})
    assert (
        half_assessed.value.message
        == "六项指标须逐项评定：自主穿衣、自主上下床、自主如厕、室内自主行走、自主洗澡"
    )
    assert not CareAssessment.objects.exists()
    assess_care(users, application)
    care = CareAssessment.objects.get(application=application)
    assert (care.self_care, care.support_mode, care.supporter_status) == ("partly_incapable", "home", "none")
    assert application.events.filter(code="care_assessment").get().message == (
        "生活自理能力评估：部分丧失生活自理能力（未达到 2 项：室内自主行走、自主洗澡）；分散供养"
    )

    application = go(users, application, "reviewer", "publish_notice", opinion="符合特困人员认定条件")
    assert (application.step, application.step_due_on) == (Step.PUBLIC_NOTICE, due(CalendarDays(7)))
    assert application.notice_ends_on == notice_period(today(), 7, working_calendar()).ends_on
    end_notice(application)
    application = go(users, application, "reviewer", "close_notice")
    assert (application.step, application.step_due_on) == (Step.COUNTY_REVIEW, due(WorkingDays(15)))

    with pytest.raises(StepRequirementMissing) as not_drawn:
        go(users, application, "county", "approve")
    assert not_drawn.value.field == "spot_check_drawn"
    assert step_of(application) == Step.COUNTY_REVIEW


def test_spot_check_draws_at_least_30_percent_and_the_drawn_need_a_county_visit(
    users, divisions, elderly_factory
):
    # given: four 特困 applications in county review
    applications = [extreme_poverty_to_review(users, apply(users, elderly_factory(), "extreme_poverty_support"))
                    for _ in range(4)]  # fmt: skip
    ids = sorted(a.pk for a in applications)

    with pytest.raises(PermissionDenied):
        spot_check_draw(actor=users["taibus_county"], county=divisions["xincheng"], seed=1)

    # when
    drawn = spot_check_draw(actor=users["county"], county=divisions["xincheng"], seed=2026)

    # then: ceil(4 × 30 %) = 2 drawn, every application marked, each with a timeline line
    checked = dict(Application.objects.filter(pk__in=ids).values_list("pk", "spot_checked"))
    assert len(drawn) == 2
    assert sorted(pk for pk, value in checked.items() if value is True) == drawn
    assert sorted(pk for pk, value in checked.items() if value is False) == sorted(set(ids) - set(drawn))
    assert spot_check_draw(actor=users["county"], county=divisions["xincheng"], seed=1) == []  # all marked
    drawn_application = Application.objects.get(pk=drawn[0])
    assert drawn_application.complaint is False  # the draw is not a complaint
    assert drawn_application.events.filter(code="spot_check").get().message == "县级抽查：抽中，须入户核查"

    # a drawn application: the county's home visit first
    with pytest.raises(StepRequirementMissing) as no_visit:
        go(users, drawn_application, "county", "approve")
    assert no_visit.value.field == "county_visit_if_flagged"
    visit(users, drawn_application, who="county")

    # the engine reads the investigation's care assessment: basic living + the 部分丧失 care standard
    approved = go(users, drawn_application, "county", "approve")
    assert (approved.step, approved.monthly_amount, approved.level, approved.support_mode) == (
        Step.APPROVED, EP_PARTIAL_URBAN, "partly_incapable", "home",
    )  # fmt: skip
    assert approved.starts_month == (today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    # one not drawn: no county visit needed
    other = Application.objects.get(pk=sorted(set(ids) - set(drawn))[0])
    assert go(users, other, "county", "approve").monthly_amount == EP_PARTIAL_URBAN


# --- temporary assistance ---------------------------------------------------------------------------


def test_emergency_aid_first_then_paperwork(users, household_factory, policy, temporary_figures):
    # given
    home = household_factory(head_name="孙某")
    application = apply(users, home, "temporary_emergency", hardship="家中失火", pledge_signed=False)

    # when
    application = go(users, application, "caseworker", "accept")

    # then: accepted without the pledge (the paperwork comes after the aid), no time limit stored
    assert (application.step, application.step_due_on, application.pledge_signed_at) == (
        Step.ACCEPTED,
        None,
        None,
    )
    with pytest.raises(StepRequirementMissing) as no_amount:
        go(users, application, "caseworker", "pay_aid_first")
    assert no_amount.value.field == "amount"
    with pytest.raises(StepRequirementMissing) as above_tier:
        go(users, application, "caseworker", "pay_aid_first", amount="3000")
    assert above_tier.value.message == "救助金额 3000 元超过本档上限 2520.00 元"  # 3 × 840

    application = go(users, application, "caseworker", "pay_aid_first", amount="2000.00")
    assert (application.step, application.one_off_amount, application.level) == (
        Step.AID_PAID, Decimal("2000.00"), "emergency",
    )  # fmt: skip

    with pytest.raises(StepRequirementMissing) as no_pledge:
        go(users, application, "county", "complete_paperwork")
    assert no_pledge.value.field == "pledge"
    # within the township's ceiling the township reviewer completes it, without any delegation (第 48 条)
    application = go(users, application, "reviewer", "complete_paperwork", pledge_signed=True)
    assert (application.step, application.one_off_amount, application.decided_by) == (
        Step.APPROVED, Decimal("2000.00"), users["reviewer"],
    )  # fmt: skip
    assert application.pledge_recorded_by == users["reviewer"]
    assert application.pledge_signed_at is not None


def test_small_fast_aid_within_three_days_and_one_month_of_the_standard(
    users, household_factory, policy, temporary_figures
):
    # given
    application = apply(
        users, household_factory(head_name="周某"), "temporary_small_fast", hardship="突发疾病"
    )

    # when
    application = go(users, application, "caseworker", "accept")

    # then
    assert application.step_due_on == due(CalendarDays(3))
    with pytest.raises(StepRequirementMissing) as above:
        go(users, application, "caseworker", "approve", amount="900")
    assert above.value.message == "救助金额 900 元超过本档上限 840.00 元"
    assert step_of(application) == Step.ACCEPTED
    application = go(users, application, "caseworker", "approve", amount="840")
    assert (application.step, application.one_off_amount, application.decided_by) == (
        Step.APPROVED, Decimal("840.00"), users["caseworker"],
    )  # fmt: skip


@pytest.fixture
def expenditure_policy(users, policy):
    """The builtin policy has neither the previous-year disposable income nor an income treatment for
    临时救助; the expenditure path's income test needs both (here: the 低保 treatment)."""
    from minzheng.applications.tests.figures import temporary_configure
    from minzheng.policy.models import Parameter
    from minzheng.policy.services import parameter_set

    def put(key: str, valid_from: dt.date, value: object) -> None:
        parameter_set(actor=users["region"], key=key, division_code="150000000000", urban_rural="",
                      valid_from=valid_from, value=value, source="测试", status="confirmed")  # fmt: skip

    temporary_configure(users["region"])
    put("income.previous_year_disposable_per_capita_annual", D(2025, 1, 1), "36000")
    current = Parameter.objects.get(
        key="income.category_treatment", valid_to__isnull=True, superseded_at=None
    )
    put(
        "income.category_treatment",
        current.valid_from,
        current.value | {"temporary_assistance": current.value["dibao"]},
    )


def test_expenditure_above_the_township_ceiling_goes_to_the_county(
    users, household_factory, expenditure_policy
):
    # given: 3,000 yuan is above the township ceiling of 3 × 840 = 2,520 and within 6 × 840
    home = household_factory(head_name="吴某")
    application = to_review(users, apply(users, home, "temporary_expenditure", hardship="子女上学支出"))
    assert application.step == Step.COUNTY_REVIEW

    # when / then
    with pytest.raises(PermissionDenied) as township:
        go(users, application, "reviewer", "approve", amount="3000")
    assert (township.value.message, township.value.field) == (
        "3000 元超过乡镇（街道）审批额度，须报县级民政部门审批", "amount",
    )  # fmt: skip
    assert step_of(application) == Step.COUNTY_REVIEW
    application = go(users, application, "county", "approve", amount="3000")
    assert (application.step, application.one_off_amount, application.decided_by) == (
        Step.APPROVED, Decimal("3000.00"), users["county"],
    )  # fmt: skip

    # within the ceiling the township reviewer approves, without any delegation
    second = to_review(users, apply(users, home, "temporary_expenditure", hardship="医疗支出"))
    second = go(users, second, "reviewer", "approve", amount="2000")
    assert (second.step, second.one_off_amount, second.decided_by) == (
        Step.APPROVED, Decimal("2000.00"), users["reviewer"],
    )  # fmt: skip


# --- confirmation, relatives, leaving ---------------------------------------------------------------


def test_delegated_confirmation_lets_the_township_approve_within_20_working_days(
    users, divisions, dibao_household
):
    # given
    Division.objects.filter(pk=divisions["xincheng"].pk).update(confirmation_delegated=True)
    application = apply(users, dibao_household)

    # when
    application = go(users, application, "caseworker", "accept")

    # then
    assert application.overall_due_on == due(WorkingDays(20))
    application = to_review_after_accept(users, application)
    application = go(users, application, "reviewer", "approve")
    assert (application.step, application.monthly_amount, application.decided_by) == (
        Step.APPROVED, Decimal("540.00"), users["reviewer"],
    )  # fmt: skip


def to_review_after_accept(users, application: Application) -> Application:
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    go(users, application, "caseworker", "request_verification")
    verification_record(
        actor=users["county"], application_id=application.pk, source="tax", outcome="no_record"
    )
    go(users, application, "county", "record_verification")
    go(users, application, "reviewer", "publish_notice", opinion="符合低保条件")
    end_notice(application)
    return go(users, application, "reviewer", "close_notice")


def test_staff_relative_is_flagged_at_intake_and_needs_a_county_visit(users, dibao_household):
    # given
    staff_relative_register(actor=users["caseworker"], relative=dibao_household.head, relation="spouse",
                            staff_name="李四", staff_position="assistance_staff",
                            staff_division_code="150102001001")  # fmt: skip

    # when
    application = apply(users, dibao_household)

    # then
    assert application.staff_relative is True
    assert list(application.events.values_list("code", flat=True)) == ["submit", "staff_relative"]
    application = go(users, application, "caseworker", "accept")
    assert application.overall_due_on == due(WorkingDays(30))
    application = to_review_after_accept(users, application)  # the township's visit is not enough
    with pytest.raises(StepRequirementMissing) as refused:
        go(users, application, "county", "approve")
    assert refused.value.message == (
        "近亲属备案、有投诉举报或被县级抽查的申请，县级民政部门须入户核查后才能确认"
        "（审核确认办法第 20 条；特困人员认定办法第 16 条）"
    )
    assert step_of(application) == Step.COUNTY_REVIEW
    visit(users, application, who="county")
    application = go(users, application, "county", "approve")
    assert (application.step, application.monthly_amount) == (Step.APPROVED, Decimal("540.00"))


def test_withdraw_and_terminate_need_reasons_and_the_right_role(users, dibao_household):
    # given
    application = go(users, apply(users, dibao_household), "caseworker", "accept")

    # when / then
    with pytest.raises(StepRequirementMissing) as no_reason:
        go(users, application, "caseworker", "withdraw")
    assert no_reason.value.field == "reason"
    application = go(users, application, "caseworker", "withdraw", reason="申请人已就业，主动撤回")
    assert (application.step, application.decision_reason, application.decided_on, application.decided_by) == (
        Step.WITHDRAWN, "申请人已就业，主动撤回", today(), users["caseworker"],
    )  # fmt: skip

    second = go(users, apply(users, dibao_household), "caseworker", "accept")  # a withdrawn one is closed
    with pytest.raises(PermissionDenied):
        go(users, second, "caseworker", "terminate", reason="拒不配合")
    second = go(users, second, "county", "terminate", reason="无正当理由拒不配合入户调查")
    assert (second.step, second.decision_reason) == (Step.TERMINATED, "无正当理由拒不配合入户调查")
    with pytest.raises(TransitionNotAllowed):
        go(users, second, "county", "terminate", reason="再次终止")


# --- deadlines --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (WorkingDays(3), D(2026, 10, 10)),  # 8, 9 Oct, and Saturday 10 Oct is a make-up working day
        (WorkingDays(10), D(2026, 10, 20)),
        (WorkingDays(15), D(2026, 10, 27)),
        (WorkingDays(20), D(2026, 11, 3)),
        (WorkingDays(30), D(2026, 11, 17)),
        (CalendarDays(3), D(2026, 10, 8)),  # 3 Oct is a holiday: the period ends on the next working day
        (CalendarDays(7), D(2026, 10, 8)),
    ],
)
def test_due_dates_over_the_national_day_holiday(period, expected):
    result = due_date(D(2026, 9, 30), period, working_calendar())
    assert (result.due_on, result.provisional) == (expected, False)


def test_accept_on_30_september_stores_the_national_day_due_dates(users, dibao_household, monkeypatch):
    # given: the clock reads 30 September 2026 (Django's local date; our code is not patched)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 9, 30))
    application = apply(users, dibao_household, submitted_on=D(2026, 9, 30))

    # when
    application = go(users, application, "caseworker", "accept")

    # then
    stored = Application.objects.get(pk=application.pk)
    assert (stored.accepted_on, stored.step_due_on, stored.overall_due_on) == (
        D(2026, 9, 30), D(2026, 10, 10), D(2026, 11, 17),
    )  # fmt: skip


def test_service_stores_the_shared_calendar_with_its_overrides(users, dibao_household):
    # given: the next five days declared holidays in the editable table
    start = today()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=start + dt.timedelta(days=n), is_workday=False, name="测试假日") for n in range(1, 6)
    )
    application = apply(users, dibao_household)

    # when
    application = go(users, application, "caseworker", "accept")

    # then
    expected = due_date(start, WorkingDays(3), working_calendar())
    stored = Application.objects.get(pk=application.pk)
    assert (stored.step_due_on, stored.step_due_provisional) == (expected.due_on, expected.provisional)
    assert stored.step_due_on > due_date(start, WorkingDays(3), WorkingCalendar()).due_on
    assert stored.overall_due_on == due_date(start, WorkingDays(30), working_calendar()).due_on


@pytest.fixture
def scan_cases(users, household_factory, policy):
    """Seven applications, each with a stored step limit and status, keyed by what they show."""
    now = today()
    cases = {
        "overdue": (now - dt.timedelta(days=1), "", Step.ACCEPTED),
        "already_overdue": (now - dt.timedelta(days=2), DeadlineStatus.OVERDUE, Step.ACCEPTED),
        "due_today": (now, "", Step.INVESTIGATING),
        "due_in_3": (now + dt.timedelta(days=3), "", Step.VERIFYING),
        "extended": (now + dt.timedelta(days=4), DeadlineStatus.DUE_SOON, Step.COUNTY_REVIEW),
        "no_limit": (None, "", Step.SUBMITTED),
        "closed": (now - dt.timedelta(days=10), DeadlineStatus.OVERDUE, Step.APPROVED),
    }
    rows = {}
    for n, (name, (due_on, status, step)) in enumerate(cases.items()):
        application = apply(users, household_factory(head_name=f"扫描{n}"))
        Application.objects.filter(pk=application.pk).update(
            step=step, step_due_on=due_on, deadline_status=status
        )
        rows[name] = application.pk
    return rows


def statuses(cases: dict[str, int]) -> dict[str, str]:
    stored = dict(Application.objects.filter(pk__in=cases.values()).values_list("pk", "deadline_status"))
    return {name: stored[pk] for name, pk in cases.items()}


def test_deadlines_refresh_marks_overdue_and_due_soon_exactly(scan_cases):
    # when
    counts = deadlines_refresh(today())

    # then
    assert counts == {"overdue": 1, "due_soon": 2, "on_time": 2}
    assert statuses(scan_cases) == {
        "overdue": "overdue", "already_overdue": "overdue", "due_today": "due_soon", "due_in_3": "due_soon",
        "extended": "", "no_limit": "", "closed": "",
    }  # fmt: skip
    assert deadlines_refresh(today()) == {"overdue": 0, "due_soon": 0, "on_time": 0}  # idempotent


def test_deadlines_refresh_command_and_task(scan_cases):
    # given
    later = today() + dt.timedelta(days=5)
    out = io.StringIO()

    # when
    call_command("deadlines_refresh", "--date", later.isoformat(), stdout=out)

    # then: four days on, every open limit has passed
    assert out.getvalue() == "已超期 4 件、即将到期 0 件、恢复正常 1 件（仅计本次状态有变化的申请）\n"
    assert statuses(scan_cases) == {
        "overdue": "overdue", "already_overdue": "overdue", "due_today": "overdue", "due_in_3": "overdue",
        "extended": "overdue", "no_limit": "", "closed": "",
    }  # fmt: skip
    result = deadlines_refresh_task.enqueue(later.isoformat())
    assert result.return_value == {"overdue": 0, "due_soon": 0, "on_time": 0}
