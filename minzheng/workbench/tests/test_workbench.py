"""The home page of every demo role lists that role's pending work, and each count equals a query written
here independently of the workbench's selectors (issue 14 §2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from minzheng.applications.models import Application
from minzheng.applications.rules import FINAL_STEPS
from minzheng.applications.services import ApplicationData, application_create
from minzheng.catalogue.programmes import Workflow
from minzheng.enrolments.models import Enrolment, Review
from minzheng.monitoring.models import Alert
from minzheng.monitoring.rules import OPEN_STATUSES
from minzheng.payments.models import Payroll
from minzheng.payments.services import payroll_generate, payroll_submit
from minzheng.registry.models import Household


def _tiles(client: Client) -> dict[str, int]:
    response = client.get("/")
    assert response.status_code == 200
    return {tile.key: tile.count for tile in response.context["workbench"].tiles}


def _open_applications(user) -> object:
    return Application.objects.visible_to(user).exclude(step__in=[s.value for s in FINAL_STEPS])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_each_role_sees_its_pending_work_with_exact_counts() -> None:
    from minzheng.demo.registry import demo_setup

    # given the demo (enrolments, alerts, reviews) plus three applications and a submitted payroll
    demo_setup(households=80, seed=7)
    users = {u.username: u for u in get_user_model().objects.all()}
    today = timezone.localdate()
    caseworker, county = users["caseworker"], users["county"]
    households = list(
        Household.objects.visible_to(caseworker)
        .exclude(pk__in=Application.objects.values("household_id"))  # the demo's own applications
        .select_related("head")
        .order_by("pk")[:3]
    )
    assert len(households) == 3
    created = [
        application_create(
            actor=caseworker,
            data=ApplicationData(
                workflow=Workflow.DIBAO,
                household_id=h.pk,
                applicant_id=h.head_id,
                channel="window",
                pledge_signed=True,
            ),
        )  # fmt: skip
        for h in households
    ]
    for application, due in zip(created, (-2, 1, 20), strict=True):
        Application.objects.filter(pk=application.pk).update(step_due_on=today + dt.timedelta(days=due))
    assert county.division is not None
    payroll = payroll_generate(actor=county, county=county.division, month=today.replace(day=1))
    payroll_submit(actor=county, payroll_id=payroll.pk)

    for username, user in users.items():
        client = Client()
        client.force_login(user)
        tiles = _tiles(client)
        open_apps = _open_applications(user)
        overdue = open_apps.filter(Q(step_due_on__lt=today) | Q(overall_due_on__lt=today))
        soon = today + dt.timedelta(days=3)
        due_soon = open_apps.exclude(pk__in=overdue.values("pk")).filter(
            Q(step_due_on__gte=today, step_due_on__lte=soon)
            | Q(overall_due_on__gte=today, overall_due_on__lte=soon)
        )
        open_alerts = Alert.objects.visible_to(user).filter(status__in=[s.value for s in OPEN_STATUSES])
        reviews = Review.objects.visible_to(user).filter(status="open")
        expected: dict[str, int] = {}
        if username in ("assistant", "caseworker", "reviewer", "county", "checker"):
            # 受理 is the caseworker's step: the three new applications wait for the caseworker only; the
            # demo's own application at 信息核对 (departments demo) waits for the county approvers
            expected["queue"] = {"caseworker": 3, "county": 1, "checker": 1}.get(username, 0)
        if username in ("assistant", "caseworker", "reviewer", "county", "checker", "prefecture", "region"):
            expected |= {"overdue": overdue.count(), "due_soon": due_soon.count()}
        if username in ("caseworker", "county", "checker"):
            expected["reviews"] = reviews.count()
        if username in ("assistant", "caseworker", "reviewer", "county", "checker", "prefecture", "region"):
            expected |= {"alerts": open_alerts.count(),
                         "alerts_overdue": open_alerts.filter(due_on__lt=today).count()}  # fmt: skip
        if username in ("county", "checker"):
            # maker ≠ checker: the payroll county generated waits for checker, not for county
            expected["payroll_approval"] = 1 if username == "checker" else 0
        assert tiles == expected, username
        if username == "caseworker":  # of the three created here (the demo has one at 信息核对 of its own)
            mine = [a.pk for a in created]
            assert overdue.filter(pk__in=mine).count() == 1
            assert due_soon.filter(pk__in=mine).count() == 1

    # the supervisor's figures and trend are the enrolments paying this month
    client = Client()
    client.force_login(users["region"])
    workbench = client.get("/").context["workbench"]
    month = today.replace(day=1)
    paying = (
        Enrolment.objects.visible_to(users["region"])
        .exclude(status="suspended")
        .filter(Q(starts_month__lte=month) & (Q(ends_month__isnull=True) | Q(ends_month__gte=month)))
    )
    assert workbench.trend["enrolments"][-1] == paying.count() > 0
    assert sum(f.households for f in workbench.figures) == sum(
        paying.filter(programme=p).values("household").distinct().count()
        for p in paying.values_list("programme", flat=True).distinct()
    )
    assert Payroll.objects.filter(pk=payroll.pk, status="submitted").exists()
