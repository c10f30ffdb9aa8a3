"""The care part's demo: nothing without older people; with them, entitlements in several states, visits
with an overdue alert and a risk alert, a family bed and a home adaptation; run twice, nothing doubles."""
# ruff: noqa: F811 - fixtures are imported from fixtures_care

from __future__ import annotations

import pytest

from minzheng.demo.accounts import demo_users_ensure
from minzheng.demo.eldercare_care import demo_ensure
from minzheng.eldercare.models import HomeCareProject, ServiceEntitlement, VisitRecord
from minzheng.monitoring.models import Alert

from .fixtures_care import make_older  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_demo_does_nothing_without_older_people(divisions):
    demo_users_ensure()
    assert demo_ensure() == []


def test_demo_fills_every_page_and_is_idempotent(divisions, make_older, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    demo_users_ensure()
    for n, flags in enumerate(
        [
            {"extreme_poverty": True, "lives_alone": True},
            {"dibao": True, "empty_nest": True},
            {"advanced_age": True, "lives_alone": True},
            {"bereaved_parent": True, "advanced_age": True},
            {"dibao": True, "advanced_age": True},
            {"extreme_poverty": True, "advanced_age": True},
            {"severe_disability": True, "lives_alone": True},
            {"incapacitated": True, "capacity_level": "severe", "dibao": True},
        ]
    ):
        make_older(name=f"演示老人{n}", **flags)
    notes = demo_ensure()
    assert len(notes) == 1
    assert "未确认" in notes[0]
    statuses = set(ServiceEntitlement.objects.values_list("status", flat=True))
    assert {"applied", "returned", "reviewed", "approved", "rejected"} <= statuses
    assert ServiceEntitlement.objects.filter(manual=True).count() == 1
    assert VisitRecord.objects.filter(risk_found=True).count() == 1
    assert Alert.objects.filter(rule_code="eldercare_visit_overdue").exists()
    assert Alert.objects.filter(rule_code="eldercare_visit_risk").count() == 1
    assert set(HomeCareProject.objects.values_list("kind", "status")) == {
        ("family_bed", "subsidised"),
        ("home_adaptation", "accepted"),
    }
    counts = (
        ServiceEntitlement.objects.count(),
        VisitRecord.objects.count(),
        HomeCareProject.objects.count(),
    )
    assert demo_ensure() == []
    assert counts == (
        ServiceEntitlement.objects.count(),
        VisitRecord.objects.count(),
        HomeCareProject.objects.count(),
    )
