"""The demo matters (``demo-setup``): a few in each state, the overdue one escalated, the complaint naming the
demo caseworker invisible to them, idempotent."""

from __future__ import annotations

import pytest

from minzheng.accounts.models import User
from minzheng.demo.petitions import demo_petitions_ensure
from minzheng.demo.registry import demo_setup
from minzheng.petitions.models import Petition
from minzheng.petitions.selectors import petition_queryset

pytestmark = pytest.mark.django_db


def test_demo_petitions(divisions):
    demo_setup(households=200)
    statuses = set(Petition.objects.values_list("status", flat=True))
    assert statuses >= {
        "registered", "accepted", "assigned", "handling", "extended", "replied", "evaluated", "closed",
        "review_requested", "not_accepted",
    }  # fmt: skip
    assert Petition.objects.filter(escalated_at__isnull=False, escalated_to__code="150100000000").exists()
    assert Petition.objects.filter(repeat_of__isnull=False).count() == 1
    assert Petition.objects.filter(publishable=True).count() == 2
    complaint = Petition.objects.get(matter_type="staff_conduct")
    caseworker = User.objects.get(username="caseworker")
    assert complaint.accused_user == caseworker
    assert not petition_queryset(caseworker).filter(pk=complaint.pk).exists()
    assert petition_queryset(caseworker).exists()
    assert petition_queryset(User.objects.get(username="petitions")).filter(pk=complaint.pk).exists()
    count = Petition.objects.count()
    assert demo_petitions_ensure() == []
    assert Petition.objects.count() == count
