"""人工核定 (ADR 0031): on the built-in Inner Mongolia set a case whose figures the rules leave to the local
authority is 需人工核定 (ADR 0029). The approver sees why and the computable part, and approves with the
amount it determines and a written reason — or refuses with reasons; never an automatic refusal. The
determination is kept on the application and in the audit event, and the enrolment pays the determined
amount."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import id_number
from minzheng.applications.errors import StepRequirementMissing
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.applications.tests.test_api import api, post  # noqa: F401 (fixture)
from minzheng.applications.tests.test_decision_panel import detail, form_of, panel_of, to_county_review
from minzheng.applications.tests.test_views import (
    act,
    apply,
    client_for,
    go,
    text,
    wang,  # noqa: F401 (fixture)
)
from minzheng.audit.models import Event
from minzheng.enrolments.models import Enrolment
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.models import IncomeRecord

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
REASON = "本旗县未出台老年人分类施保标准，参照盟市做法按月低保金另加 60 元核定"


@pytest.fixture
def senior(household_factory):
    """A 76-year-old living alone on 300 a month: the 分类施保 for the elderly is open on the built-in set."""
    policy_builtin_load()
    home = household_factory(head_name="赵六", id_number=id_number("150102", dt.date(1950, 2, 3), 41))
    IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal("3600.00"),
                                period_start=TODAY - dt.timedelta(days=365), period_end=TODAY - dt.timedelta(days=1))  # fmt: skip
    return home


def test_the_panel_says_manual_with_the_reason_and_the_computable_part(users, senior):
    application = to_county_review(users, apply(users, senior))

    page = detail(client_for(users["county"]), application)

    panel = panel_of(page)
    assert '<span class="badge bg-orange text-orange-fg fs-4">需人工核定</span>' in panel
    assert "不符合条件</span>" not in panel
    reasons = re.findall(
        r"<li>(.*?)</li>", re.search(r'id="decision-manual-reasons">(.*?)</ul>', panel).group(1)
    )
    assert any("老年人" in why for why in reasons)
    # (840.00 − 300.00) × 1 = 540.00: the gap payment before the open supplement
    suggested = re.search(r'id="decision-suggested">(.*?)</div>', panel).group(1)
    assert suggested == "系统可测算部分：月低保金 540.00 元（不含未配置的分类施保等，仅供参考）"
    form = form_of(page, "approve")
    assert 'name="manual_reason"' in form
    assert 'name="amount"' in form
    assert 'name="manual_level"' in form


def test_an_approval_without_a_written_reason_is_refused_and_nothing_is_written(users, senior):
    application = to_county_review(users, apply(users, senior))
    events = Event.objects.count()

    with pytest.raises(StepRequirementMissing) as refused:
        go(users, application, "county", "approve", amount="600.00")

    assert refused.value.field == "manual_reason"
    assert "书面说明人工核定的依据和理由" in refused.value.message
    stored = Application.objects.get(pk=application.pk)
    assert (stored.step, stored.monthly_amount, stored.manually_determined) == (
        Step.COUNTY_REVIEW,
        None,
        False,
    )
    assert not Enrolment.objects.filter(application=application).exists()
    assert Event.objects.count() == events


def test_an_approval_without_an_amount_is_refused(users, senior):
    application = to_county_review(users, apply(users, senior))

    with pytest.raises(StepRequirementMissing) as refused:
        go(users, application, "county", "approve", manual_reason=REASON)

    assert refused.value.field == "amount"
    assert Application.objects.get(pk=application.pk).step == Step.COUNTY_REVIEW


def test_manual_approval_through_the_page_enrols_the_determined_amount(users, senior):
    application = to_county_review(users, apply(users, senior))
    client = client_for(users["county"])

    response = act(client, application.pk, "approve", "county_review", amount="600.00", manual_reason=REASON)

    assert response.status_code == 302
    stored = Application.objects.get(pk=application.pk)
    assert (stored.step, stored.monthly_amount, stored.manually_determined, stored.manual_reason) == (
        Step.APPROVED, Decimal("600.00"), True, REASON,
    )  # fmt: skip
    assert stored.assessment["outcome"] == "manual"
    assert stored.assessment["manual_determination"]["amount"] == "600.00"
    enrolment = Enrolment.objects.get(application=application)
    assert enrolment.monthly_amount == Decimal("600.00")
    event = Event.objects.filter(verb="application.approve", object_id=str(application.pk)).get()
    assert event.summary.endswith("：批准（人工核定）") or "（人工核定）" in event.summary
    assert event.data == {
        "manually_determined": True,
        "amount": "600.00",
        "level": "",
        "manual_reason": REASON,
    }


def test_a_manual_case_may_still_be_refused_with_reasons(users, senior):
    application = to_county_review(users, apply(users, senior))

    go(users, application, "county", "reject", reason="经核实家庭有稳定赡养收入，不符合条件")

    stored = Application.objects.get(pk=application.pk)
    assert (stored.step, stored.decision_reason) == (Step.REJECTED, "经核实家庭有稳定赡养收入，不符合条件")
    assert not stored.manually_determined


def test_temporary_aid_with_an_open_ceiling_is_the_officers_amount_with_the_reason(users, wang):  # noqa: F811
    application = go(users, apply(users, wang, workflow="temporary_small_fast", hardship="火灾"), "caseworker",
                     "accept")  # fmt: skip
    client = client_for(users["caseworker"])
    panel = panel_of(client.get(reverse("applications:detail", args=[application.pk])))
    assert "需人工核定" in panel
    assert re.search(r'id="decision-manual-ceiling">(.*?)</div>', panel).group(1) == (
        "本地未配置救助上限：救助金额由审批人据实核定并说明理由"
    )

    refused = act(client, application.pk, "approve", "accepted", amount="800.00")
    assert refused.status_code == 422
    assert Application.objects.get(pk=application.pk).step == Step.ACCEPTED

    done = act(
        client, application.pk, "approve", "accepted", amount="800.00", manual_reason="火灾损失核实，据实核定"
    )

    assert done.status_code == 302
    stored = Application.objects.get(pk=application.pk)
    assert (stored.step, stored.one_off_amount, stored.manually_determined) == (
        Step.APPROVED,
        Decimal("800.00"),
        True,
    )
    page = text(client.get(reverse("applications:detail", args=[application.pk])))
    assert "火灾损失核实，据实核定" in page


def test_aid_paid_first_stays_within_a_configured_tier(users, wang, temporary_figures):  # noqa: F811
    from minzheng.applications.tests.figures import REGION
    from minzheng.policy.models import Parameter

    # the tiers are configured (急难型 3 × 840.00) but the township's ceiling is not: 需人工核定
    Parameter.objects.filter(key="temporary.township_ceiling_multiple", division__code=REGION).delete()
    application = go(users, apply(users, wang, workflow="temporary_emergency", hardship="家中失火",
                                  pledge_signed=False), "caseworker", "accept")  # fmt: skip

    with pytest.raises(StepRequirementMissing) as above:
        go(users, application, "caseworker", "pay_aid_first", amount="3000.00", manual_reason="据实核定")

    assert (
        above.value.message
        == "人工核定金额 3000.00 元超过本类型临时救助上限 2520.00 元；需提高额度的，请提请一事一议"
    )
    assert Application.objects.get(pk=application.pk).step == Step.ACCEPTED
    application = go(
        users, application, "caseworker", "pay_aid_first", amount="2520.00", manual_reason="据实核定"
    )
    assert (application.step, application.one_off_amount, application.manually_determined) == (
        Step.AID_PAID, Decimal("2520.00"), True,
    )  # fmt: skip


def test_the_api_takes_the_manual_determination(users, senior, api):  # noqa: F811
    application = to_county_review(users, apply(users, senior))
    body = {"code": "approve", "expected_step": "county_review", "data": {"amount": "600.00"}}
    path = f"/applications/{application.pk}/transitions"

    missing = post(api("county"), path, body)
    assert missing.status_code == 422
    assert Application.objects.get(pk=application.pk).step == Step.COUNTY_REVIEW

    body["data"] |= {"manual_reason": REASON, "manual_level": ""}
    response = post(api("county"), path, body)

    assert response.status_code == 200, response.content
    assert (response.json()["manually_determined"], response.json()["manual_reason"]) == (True, REASON)
    assert Enrolment.objects.get(application=application).monthly_amount == Decimal("600.00")
