"""Demo of working with other departments (issue 23) for ``minzheng demo-setup``: one 低保 application of a
demo household with department records taken to 信息核对 through the ordinary services (the automatic
verification runs on reaching the step), and one demo alert referred to 医保, so the demo login ``yibao``
has a referral to answer.

Idempotent: nothing is done once an automatic check or a referral to 医保 exists. Runs after the demo feeds
(``demo.monitoring``). Works on PostgreSQL and on the embedded SQLite database.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    home_visit_record,
)
from minzheng.catalogue.programmes import Workflow
from minzheng.common.errors import DomainError
from minzheng.demo.accounts import demo_divisions
from minzheng.departments.models import SourceCheck
from minzheng.divisions.models import Division
from minzheng.monitoring import services as monitoring
from minzheng.monitoring.models import Alert, FeedRecord, Referral
from minzheng.monitoring.rules import AlertStatus, ReferralDepartment
from minzheng.registry.models import Household

CANDIDATES = 10  # households tried, most department sources first


def _application(caseworker: User, township: Division) -> str:
    """Take one household with the most department sources to 信息核对; returns the note."""
    rows = (
        FeedRecord.objects.filter(person__household__hukou_division__code__startswith=township.short_code)
        .values("person__household_id")
        .annotate(feeds=Count("feed", distinct=True))
        .order_by("-feeds", "person__household_id")[:CANDIDATES]
    )
    today = timezone.localdate()
    for row in rows:
        household = Household.objects.get(pk=row["person__household_id"])
        try:
            with transaction.atomic():
                application = application_create(
                    actor=caseworker,
                    data=ApplicationData(
                        workflow=Workflow.DIBAO,
                        household_id=household.pk,
                        applicant_id=household.head_id or 0,
                        channel="window",
                        pledge_signed=True,
                    ),
                )
                for code in ("accept", "start_investigation"):
                    application_transition(actor=caseworker, application_id=application.pk, code=code)
                home_visit_record(
                    actor=caseworker,
                    application_id=application.pk,
                    visited_on=today,
                    investigators=["演示调查员甲", "演示调查员乙"],
                    members_present="户主",
                    findings="家庭生活困难，待信息核对",
                )
                application_transition(
                    actor=caseworker, application_id=application.pk, code="request_verification"
                )
        except DomainError:
            continue  # e.g. an open application or an enrolment already: the next household
        checks = SourceCheck.objects.filter(application=application, current=True).count()
        return f"演示部门协同：申请 {application.number} 已提请信息核对，自动核对 {checks} 个数据来源"
    return "演示部门协同：没有可提请信息核对的演示家庭"


def _referral(county: User) -> str:
    alert = (
        Alert.objects.visible_to(county)
        .filter(status=AlertStatus.PUSHED, person__isnull=False)
        .order_by("id")
        .first()
    )
    if alert is None:
        return "演示部门协同：没有可转办的预警"
    try:
        with transaction.atomic():
            monitoring.alert_verify(actor=county, alert_id=alert.pk, expected_status=AlertStatus.PUSHED)
            referral = monitoring.alert_refer(
                actor=county,
                alert_id=alert.pk,
                expected_status=AlertStatus.VERIFYING,
                department=ReferralDepartment.MEDICAL,
                note="请核实该对象医疗费用负担，按规定落实医疗救助",
            )
    except DomainError as error:
        return f"演示部门协同：预警转办未完成（{error.message}）"
    return (
        f"演示部门协同：预警 {alert.number} 已转办医保部门（转办 {referral.pk}），医保演示账号 yibao 可办理"
    )


def demo_departments_ensure() -> list[str]:
    if (
        SourceCheck.objects.exists()
        or Referral.objects.filter(department=ReferralDepartment.MEDICAL).exists()
    ):
        return ["演示部门协同：已有自动核对结果或医保转办事项"]
    try:
        slots = demo_divisions()
    except Division.DoesNotExist as missing:
        return [f"演示部门协同：跳过（{missing}）"]
    caseworker = User.objects.filter(username="caseworker").first()
    county = User.objects.filter(username="county").first()
    if caseworker is None or county is None:
        return ["演示部门协同：缺少演示账号"]
    return [_application(caseworker, slots["township"]), _referral(county)]
