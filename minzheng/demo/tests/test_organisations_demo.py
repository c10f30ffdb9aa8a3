"""The 社会组织 demo: every page has rows, the scan filled the overdue and 活动异常名录 lists, idempotent."""

from __future__ import annotations

import pytest

from minzheng.demo.accounts import demo_users_ensure
from minzheng.demo.organisations import demo_organisations_ensure
from minzheng.organisations.models import AbnormalListEntry, AnnualReport, Organisation, OrganisationAccount

pytestmark = pytest.mark.django_db


def test_demo_organisations_in_every_state_and_idempotent(divisions):
    demo_users_ensure()
    notes = demo_organisations_ensure()
    assert notes[0].startswith("社会组织演示账号：统一社会信用代码 51150102")
    assert Organisation.objects.count() == 12
    assert set(Organisation.objects.values_list("status", flat=True)) == {"active", "deregistered", "revoked"}
    statuses = set(AnnualReport.objects.filter(year=2025).values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "awaiting_review", "concluded"}
    assert AbnormalListEntry.objects.filter(removed_on__isnull=True).count() >= 1
    assert OrganisationAccount.objects.count() == 12
    demo_organisations_ensure()
    assert Organisation.objects.count() == 12
