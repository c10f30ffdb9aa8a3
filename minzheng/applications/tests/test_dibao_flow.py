"""One 低保 application from intake to approval through the services, by the roles the rules name
(审核确认办法第 10—21 条), with its deadlines; and the refusals on the way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.applications.errors import DuplicateApplication, StepRequirementMissing, TransitionNotAllowed
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    home_visit_record,
    objection_record,
    verification_record,
)
from minzheng.common.errors import NoticeRunning, PermissionDenied
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import notice_period
from minzheng.registry.models import IncomeRecord

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def household(household_factory):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    home = household_factory(head_name="王五")
    today = dt.date.today()
    IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal("3600.00"),
                                period_start=today - dt.timedelta(days=365), period_end=today - dt.timedelta(days=1))  # fmt: skip
    return home


def _apply(users, household) -> Application:
    return application_create(actor=users["caseworker"], data=ApplicationData(
        workflow="dibao", household_id=household.pk, applicant_id=household.head_id, channel="window",
        pledge_signed=True))  # fmt: skip


def _go(users, application, who, code, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


def test_dibao_from_intake_to_approval(users, household, monkeypatch):
    application = _apply(users, household)
    assert application.number.startswith("150102-")
    assert application.step == Step.SUBMITTED
    application = _go(users, application, "caseworker", "accept")
    assert application.step == Step.ACCEPTED
    assert application.step_due_on is not None  # 3 working days to start the investigation
    assert application.overall_due_on is not None  # 30 working days in all
    application = _go(users, application, "caseworker", "start_investigation")
    with pytest.raises(StepRequirementMissing):
        _go(users, application, "caseworker", "request_verification")
    home_visit_record(actor=users["caseworker"], application_id=application.pk, visited_on=dt.date.today(),
                      investigators=["甲", "乙"], members_present="王五", findings="家庭困难属实")  # fmt: skip
    application = _go(users, application, "caseworker", "request_verification")
    with pytest.raises(PermissionDenied):
        verification_record(actor=users["caseworker"], application_id=application.pk, source="bank",
                            outcome="consistent")  # fmt: skip
    verification_record(
        actor=users["county"], application_id=application.pk, source="bank", outcome="consistent"
    )
    application = _go(users, application, "county", "record_verification")
    application = _go(users, application, "reviewer", "publish_notice", opinion="符合低保条件，拟纳入")
    notice = notice_period(timezone.localdate(), 7, working_calendar())  # 民法典第 201、203 条
    assert application.notice_ends_on == notice.ends_on
    with pytest.raises(NoticeRunning):
        _go(users, application, "caseworker", "close_notice")  # the notice is still running
    objection_record(actor=users["caseworker"], application_id=application.pk, received_on=dt.date.today(),
                     content="邻居反映有经营收入")  # fmt: skip
    application.refresh_from_db()
    assert application.extension_reason == "objection"
    application = _go(users, application, "reviewer", "hold_appraisal", opinion="评议认为符合条件")
    application = _go(users, application, "reviewer", "submit_after_appraisal")
    assert application.step == Step.COUNTY_REVIEW
    with pytest.raises(PermissionDenied):
        _go(users, application, "reviewer", "approve")  # confirmation not delegated in Xincheng
    application = _go(users, application, "county", "approve")
    assert application.step == Step.APPROVED
    # 300 a month of wages over the year: (840 − 300) × 1 = 540.00 from the next month
    assert application.monthly_amount == Decimal("540.00")
    assert application.starts_month.day == 1
    with pytest.raises(TransitionNotAllowed):
        _go(users, application, "county", "approve")  # twice: refused
    codes = list(application.events.values_list("code", flat=True))
    assert codes[:3] == ["submit", "accept", "start_investigation"]
    assert codes[-2:] == ["approve", "enrolled"]
    # the decision enrols the household for the payroll: 540.00 a month from the next month, open-ended
    from minzheng.enrolments.models import Enrolment

    enrolment = Enrolment.objects.get(application=application)
    assert (enrolment.programme, enrolment.status, enrolment.monthly_amount, enrolment.starts_month) == (
        "dibao", "active", Decimal("540.00"), application.starts_month,
    )  # fmt: skip
    assert list(enrolment.periods.values_list("from_month", "until_month", "monthly_amount")) == [
        (application.starts_month, None, Decimal("540.00"))
    ]


def test_second_open_application_is_refused(users, household):
    _apply(users, household)
    with pytest.raises(DuplicateApplication):
        _apply(users, household)


def test_village_assistant_sees_the_applications_of_the_village_only(users, household, household_factory):
    """The assistant of 锡林南路社区 (150102001001) sees its households' applications, not the next
    community's; the township caseworker sees both."""
    ours = _apply(users, household)
    neighbour = household_factory(division_code="150102001002", head_name="邻居")
    theirs = application_create(actor=users["caseworker"], data=ApplicationData(
        workflow="dibao", household_id=neighbour.pk, applicant_id=neighbour.head_id, channel="window"))  # fmt: skip
    assert list(Application.objects.visible_to(users["assistant"]).values_list("pk", flat=True)) == [ours.pk]
    assert set(Application.objects.visible_to(users["caseworker"]).values_list("pk", flat=True)) == {
        ours.pk, theirs.pk}  # fmt: skip
