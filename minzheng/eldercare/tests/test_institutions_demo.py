"""The institutions demo (``demo-setup``): every institutions page has rows, and a second run adds nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from minzheng.accounts.models import User
from minzheng.demo import eldercare_institutions
from minzheng.demo.registry import demo_setup
from minzheng.eldercare.models.institutions import Draw, Inspection, Institution, Resident
from minzheng.eldercare.services.inspections import draw_verify

pytestmark = pytest.mark.django_db


def test_demo_institutions_fill_the_pages_and_are_idempotent(divisions):
    result = demo_setup(households=300)
    assert any(note.startswith("养老机构（演示）") for note in result.notes)
    assert Institution.objects.count() == 4
    assert Resident.objects.filter(left_on__isnull=True).exists()
    for home in Institution.objects.filter(status="operating"):  # every open institution has residents
        assert home.residents.exists(), home.name
    assert list(Draw.objects.order_by("pk").values_list("status", flat=True)) == ["superseded", "current"]
    current = Draw.objects.get(status="current")
    county = User.objects.get(username="county")
    assert draw_verify(actor=county, draw_id=current.pk).same
    results = set(Inspection.objects.filter(draw=current).values_list("result", "status"))
    assert results == {("passed", "recorded"), ("rectify", "recorded"), ("failed", "rectified")}
    # a second run adds nothing
    assert eldercare_institutions.demo_ensure() == []
    assert Institution.objects.count() == 4
    # the pages, as the demo county user, and the public page without login
    client = Client()
    client.force_login(county, backend="django.contrib.auth.backends.ModelBackend")
    home = Institution.objects.order_by("pk").first()
    overdue = client.get("/eldercare/inspections/", {"overdue": "on"}).content.decode()
    assert "限期整改" in overdue
    for url in (
        "/eldercare/institutions/",
        f"/eldercare/institutions/{home.pk}/",
        "/eldercare/inspections/plans/",
        f"/eldercare/inspections/plans/{current.plan_id}/",
        f"/eldercare/inspections/draws/{current.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    public = Client().get("/eldercare/public/inspections/").content.decode()
    assert "逾期未整改" in public
    assert "已整改" in public
    assert "无需整改" in public
