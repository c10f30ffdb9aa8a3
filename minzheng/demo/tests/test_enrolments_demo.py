"""Demo enrolments (``demo-setup``): assessed set-based, enrolled with the engine's amounts, idempotent;
bank accounts for every enrolled household; the demo township's reserve fund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.benefits.columnar import stored_params
from minzheng.benefits.engine import assess
from minzheng.benefits.selectors import household_facts_many
from minzheng.demo.enrolments import DEMO_START, demo_enrolments_ensure
from minzheng.demo.registry import DEMO_AS_OF, demo_setup
from minzheng.enrolments.models import Enrolment, EntitlementPeriod
from minzheng.payments.models import ReserveFund
from minzheng.registry.models import Household, Membership

pytestmark = pytest.mark.django_db


def test_demo_setup_enrols_the_assessed_population(divisions):
    # when demo-setup runs on the small division tree (its enrolment step included)
    result = demo_setup(households=300)
    dibao = Enrolment.objects.filter(programme="dibao")
    extreme = Enrolment.objects.filter(programme="extreme_poverty_support")
    senior = Enrolment.objects.filter(programme="senior_allowance")
    persons = Membership.objects.filter(
        household__enrolments__programme="dibao", left_on__isnull=True
    ).filter(person__death_date__isnull=True)
    # then the printed lines give the counts in the database
    assert result.notes[:3] == [
        f"演示在保对象：低保 {dibao.count():,} 户 {persons.count():,} 人、特困 {extreme.count():,} 人、"
        f"高龄津贴 {senior.count():,} 人（自 2026年10月 起）",
        f"为 {result.notes[1].split()[1]} 户在保家庭补登了演示银行账号",
        "乡镇备用金：海拉尔东路街道 50,000.00 元",
    ]
    assert dibao.count() > 50
    assert extreme.count() > 3
    assert senior.count() > 3
    assert set(Enrolment.objects.values_list("source", flat=True)) == {"demo", "registry_rule"}
    assert set(dibao.values_list("starts_month", flat=True)) == {DEMO_START}
    # every enrolled household can be paid into an account
    assert not Household.objects.filter(enrolments__isnull=False, bank_account_encrypted="").exists()
    # one open period per enrolment at its amount, with the article the approval would cite
    assert EntitlementPeriod.objects.count() == Enrolment.objects.count()
    assert not EntitlementPeriod.objects.exclude(until_month=None).exists()
    assert set(
        EntitlementPeriod.objects.filter(enrolment__programme="dibao").values_list("basis", flat=True)
    ) == {"《最低生活保障审核确认办法》第21条（演示数据，按测算结果纳入）"}
    # the set-based 低保 amounts are the pure engine's, household by household
    facts = household_facts_many(list(dibao.values_list("household_id", flat=True)), DEMO_AS_OF)
    params = stored_params()
    expected = {pk: assess("dibao", f, params).monthly_amount for pk, f in facts.items()}
    assert dict(dibao.values_list("household_id", "monthly_amount")) == expected
    # 特困: single-person households only, not also in 低保
    assert set(extreme.values_list("household__member_count", flat=True)) == {1}
    assert not dibao.filter(household__in=extreme.values("household")).exists()
    # the reserve fund of the demo township
    fund = ReserveFund.objects.get()
    assert (fund.township.code, fund.balance) == ("150102001000", Decimal("50000.00"))
    # idempotent: a second run adds nothing and prints nothing
    count = Enrolment.objects.count()
    assert demo_enrolments_ensure() == []
    assert Enrolment.objects.count() == count
