"""特困 and the three temporary-assistance paths carried from intake to decision through the pages
(Django's test client: real HTTP, CSRF-less client, real PostgreSQL), each step by the role the rules
name. The 低保 walk is in test_views.py and, in Chromium, in test_browser.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import id_number
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.applications.services import spot_check_draw
from minzheng.enrolments.models import Enrolment
from minzheng.registry.models import IncomeRecord

from .test_views import act, actions, client_for, text
from .test_workflows import OLD_AGE_BIRTH, end_notice, expenditure_policy, policy, today  # noqa: F401

pytestmark = pytest.mark.django_db


def intake(client, household, workflow: str, **extra) -> Application:
    response = client.post(f"{reverse('applications:create')}?household={household.pk}",
                           {"workflow": workflow, "applicant": household.head_id, "channel": "window", **extra})  # fmt: skip
    assert response.status_code == 302, text(response)
    return Application.objects.filter(household=household).latest("pk")


def visit(client, pk: int) -> None:
    form = {"visited_on": today().isoformat(), "investigators": "张调查、李调查", "members_present": "本人",
            "findings": "情况属实"}  # fmt: skip
    assert client.post(reverse("applications:home_visit", args=[pk]), form).status_code == 302


def step_of(pk: int) -> str:
    return Application.objects.values_list("step", flat=True).get(pk=pk)


def test_extreme_poverty_through_the_pages(users, divisions, household_factory, policy):  # noqa: F811
    caseworker, reviewer, county = (client_for(users[w]) for w in ("caseworker", "reviewer", "county"))
    old = household_factory(head_name="包大爷", id_number=id_number(birth=OLD_AGE_BIRTH, seq=611))
    application = intake(caseworker, old, "extreme_poverty_support")
    pk = application.pk

    assert act(caseworker, pk, "accept", "submitted", pledge_signed="on").status_code == 302
    assert act(caseworker, pk, "start_investigation", "accepted").status_code == 302
    visit(caseworker, pk)
    care = {"assessed_on": today().isoformat(), "assessors": "县评估员、乡镇干部", "eating": "on", "dressing": "on",
            "getting_in_out_of_bed": "on", "toileting": "on", "supporter_status": "none",
            "support_mode": "home"}  # fmt: skip
    assert caseworker.post(reverse("applications:care", args=[pk]), care).status_code == 302
    assert (
        act(reviewer, pk, "publish_notice", "investigating", opinion="符合特困人员认定条件").status_code
        == 302
    )
    end_notice(application)
    assert act(reviewer, pk, "close_notice", "public_notice").status_code == 302
    spot_check_draw(actor=users["county"], county=divisions["xincheng"], seed=7)  # one of one → drawn
    visit(county, pk)  # the county's own visit of a drawn application
    assert act(county, pk, "approve", "county_review").status_code == 302

    page = county.get(reverse("applications:detail", args=[pk]))
    # urban basic living 1,380.00 + 部分丧失 (two items not achieved) care 495.00
    assert '<dd class="col-7 col-md-3 fs-3 fw-bold" id="monthly-amount">1875.00 元</dd>' in text(page)
    assert '<dd class="col-7 col-md-3" id="support-mode">分散供养</dd>' in text(page)
    assert step_of(pk) == Step.APPROVED
    assert Enrolment.objects.get(application_id=pk).person_id == old.head_id


def test_emergency_and_small_fast_through_the_pages(users, household_factory, policy, temporary_figures):  # noqa: F811
    caseworker, reviewer = client_for(users["caseworker"]), client_for(users["reviewer"])

    # 急难型: accepted without the pledge, aid paid first, paperwork completed by the township reviewer
    fire = intake(caseworker, household_factory(head_name="孙某"), "temporary_emergency", hardship="家中失火")
    assert act(caseworker, fire.pk, "accept", "submitted").status_code == 302
    assert actions(caseworker.get(reverse("applications:detail", args=[fire.pk]))) == [
        "pay_aid_first",
        "withdraw",
    ]
    assert act(caseworker, fire.pk, "pay_aid_first", "accepted", amount="2000.00").status_code == 302
    refused = act(reviewer, fire.pk, "complete_paperwork", "aid_paid")
    assert refused.status_code == 422
    assert "申请人尚未签署承诺书和家庭经济状况核对授权书" in text(refused)
    assert act(reviewer, fire.pk, "complete_paperwork", "aid_paid", pledge_signed="on").status_code == 302
    assert step_of(fire.pk) == Step.APPROVED

    # 小额快救: no verification and no notice, at most one month of the standard (840.00)
    illness = intake(
        caseworker, household_factory(head_name="周某"), "temporary_small_fast", hardship="突发疾病"
    )
    assert act(caseworker, illness.pk, "accept", "submitted").status_code == 302
    above = act(caseworker, illness.pk, "approve", "accepted", amount="900")
    assert above.status_code == 422
    assert "救助金额 900 元超过本档上限 840.00 元" in text(above)
    assert act(caseworker, illness.pk, "approve", "accepted", amount="800").status_code == 302
    assert Application.objects.get(pk=illness.pk).one_off_amount == Decimal("800.00")
    assert not Enrolment.objects.exists()  # both paid at once from the reserve fund, not the payroll


def test_expenditure_path_through_the_pages_with_stages(users, household_factory, expenditure_policy):  # noqa: F811
    caseworker, reviewer, county = (client_for(users[w]) for w in ("caseworker", "reviewer", "county"))
    home = household_factory(head_name="吴某")
    IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal("12000.00"),
                                period_start=today() - dt.timedelta(days=365),
                                period_end=today() - dt.timedelta(days=1))  # fmt: skip
    application = intake(caseworker, home, "temporary_expenditure", hardship="子女上学支出")
    pk = application.pk
    assert act(caseworker, pk, "accept", "submitted", pledge_signed="on").status_code == 302
    assert act(caseworker, pk, "start_investigation", "accepted").status_code == 302
    visit(caseworker, pk)
    assert act(caseworker, pk, "request_verification", "investigating").status_code == 302
    verification = {"source": "bank", "outcome": "consistent"}
    assert county.post(reverse("applications:verification", args=[pk]), verification).status_code == 302
    assert act(county, pk, "record_verification", "verifying").status_code == 302
    assert act(reviewer, pk, "publish_notice", "first_review", opinion="拟救助 2000 元").status_code == 302
    end_notice(application)
    assert act(reviewer, pk, "close_notice", "public_notice").status_code == 302

    # within the township ceiling (3 × 840): the township reviewer approves, in two stages
    first = (today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    second = (first + dt.timedelta(days=32)).replace(day=1)
    stages = f"{first:%Y-%m} 1200\n{second:%Y-%m} 800"
    assert act(reviewer, pk, "approve", "county_review", amount="2000", instalments=stages).status_code == 302
    page = text(reviewer.get(reverse("applications:detail", args=[pk])))
    assert f"{first:%Y-%m} 1200.00 元；{second:%Y-%m} 800.00 元" in page
    assert Enrolment.objects.get(application_id=pk).periods.count() == 2
