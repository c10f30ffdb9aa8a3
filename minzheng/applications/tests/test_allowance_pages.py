"""The allowance workflows through the staff pages (Django's test client, real PostgreSQL): the intake form
offers them with the subject and the subsidies, the detail page shows each role its actions (the village
assistant included for 高龄津贴) and the 残联 review form at 县级残联审核, and a 两项补贴 application goes
from the window to the enrolments."""

# ruff: noqa: F811  (the fixtures are imported from test_allowance_flows, then used as parameters)
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.enrolments.models import Enrolment

from .test_allowance_flows import (  # noqa: F401  (fixtures)
    grandmother_and_child,
    last_month_tenth,
    month_of,
    policy,
    rural_family,
)
from .test_views import act, actions, client_for, text

pytestmark = pytest.mark.django_db


def intake_url(household) -> str:
    return f"{reverse('applications:create')}?household={household.pk}"


def test_the_intake_form_offers_the_allowances_with_subject_and_subsidies(users, grandmother_and_child):
    home, child = grandmother_and_child
    page = text(client_for(users["caseworker"]).get(intake_url(home)))
    for value, label in (("senior_allowance", "高龄津贴"), ("disability_subsidies", "残疾人两项补贴"),
                         ("orphan_allowance", "孤儿基本生活保障"),
                         ("de_facto_orphan_allowance", "事实无人抚养儿童基本生活补贴")):  # fmt: skip
        assert f'<option value="{value}">{label}</option>' in page
    assert 'id="allowance-fields"' in page
    assert re.search(rf'<select name="subject"[^>]*>.*<option value="{child.pk}">高小宝', page, re.S)
    assert 'value="severe_disability_care_subsidy"' in page


def test_a_child_application_by_the_child_itself_is_refused_on_the_subject_field(
    users, grandmother_and_child
):
    home, child = grandmother_and_child
    response = client_for(users["caseworker"]).post(intake_url(home), {
        "workflow": "de_facto_orphan_allowance", "applicant": child.pk, "subject": child.pk, "channel": "window",
    })  # fmt: skip
    assert response.status_code == 422
    assert re.search(
        r'data-field="subject">孤儿、事实无人抚养儿童保障由儿童的监护人申请，请选择儿童为救助对象、监护人为申请人<',
        text(response),
    )
    assert not Application.objects.exists()


def test_senior_allowance_shows_the_village_assistant_the_village_steps(users, household_factory, policy):
    from conftest import id_number

    elder = household_factory(head_name="白奶奶", id_number=id_number("150102", dt.date(1940, 6, 15), 331))
    assistant = client_for(users["assistant"])
    response = assistant.post(intake_url(elder), {"workflow": "senior_allowance", "applicant": elder.head_id,
                                                  "channel": "window"})  # fmt: skip
    assert response.status_code == 302
    application = Application.objects.get(household=elder)
    detail = reverse("applications:detail", args=[application.pk])
    assert actions(assistant.get(detail)) == ["accept"]
    assert act(assistant, application.pk, "accept", "submitted").status_code == 302
    assert actions(assistant.get(detail)) == ["village_review"]
    assert actions(client_for(users["reviewer"]).get(detail)) == ["withdraw"]  # the exit only
    assert (
        act(assistant, application.pk, "village_review", "village_review", opinion="属实").status_code == 302
    )
    assert Application.objects.values_list("step", flat=True).get(pk=application.pk) == Step.TOWNSHIP_REVIEW
    assert actions(client_for(users["reviewer"]).get(detail)) == ["township_review", "withdraw"]


def test_disability_subsidies_from_the_window_to_the_enrolments_through_the_pages(users, rural_family):
    home, son = rural_family
    caseworker, county = client_for(users["taibus_caseworker"]), client_for(users["taibus_county"])
    applied = last_month_tenth()
    response = caseworker.post(intake_url(home), {
        "workflow": "disability_subsidies", "applicant": home.head_id, "subject": son.pk, "channel": "window",
        "submitted_on": applied.isoformat(),
        "subsidies": ["disability_living_subsidy", "severe_disability_care_subsidy"],
    })  # fmt: skip
    assert response.status_code == 302
    application = Application.objects.get(household=home, workflow="disability_subsidies")
    pk = application.pk
    detail = reverse("applications:detail", args=[pk])
    page = text(caseworker.get(detail))
    assert '<dd class="col-7 col-md-9" id="subsidies">困难残疾人生活补贴、重度残疾人护理补贴</dd>' in page
    assert "巴图" in page

    assert act(caseworker, pk, "accept", "submitted").status_code == 302
    assert (
        act(caseworker, pk, "submit_federation", "first_review", opinion="持证，低保家庭").status_code == 302
    )
    page = text(county.get(detail))
    assert "县级残联审核意见" in page
    assert '<option value="disability_fed" selected>县残联审核</option>' in page
    response = county.post(reverse("applications:verification", args=[pk]),
                           {"source": "disability_fed", "outcome": "consistent", "detail": "需长期照护"})  # fmt: skip
    assert response.status_code == 302
    assert act(county, pk, "record_federation", "federation_review").status_code == 302
    assert act(county, pk, "approve", "county_review").status_code == 302

    page = text(county.get(detail))
    assert '<dd class="col-7 col-md-3 fs-3 fw-bold" id="monthly-amount">250.00 元</dd>' in page
    assert "<li>重度残疾人护理补贴：125.00 元/月（农村低保家庭三、四级精神、智力残疾）</li>" in page
    assert sorted(
        Enrolment.objects.filter(application_id=pk).values_list("programme", "monthly_amount", "starts_month")
    ) == [
        ("disability_living_subsidy", Decimal("125.00"), month_of(applied)),
        ("severe_disability_care_subsidy", Decimal("125.00"), month_of(applied)),
    ]
