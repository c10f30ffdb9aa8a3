# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
"""Issue 15 §5: a time limit in a year the holiday calendar does not know (2027) is marked 暂定 on the
applicant's progress pages and in the portal API. The clock is Django's local date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from minzheng.applications.models import Application
from minzheng.applications.services import application_transition
from minzheng.portal import apply
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    account,
    fill_bound_dibao,
    home,
    make_account,
    media,
    new_account,
    portal_client,
    stored_files,
)

pytestmark = pytest.mark.django_db
D = dt.date
MARKER = (
    '<span class="provisional text-orange" data-provisional="true" '
    'title="该年度法定节假日安排尚未录入，按周一至周五推算；安排公布后将重新计算">（暂定）</span>'
)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def accepted_in_late_december(account, users, monkeypatch) -> Application:
    """Submitted online, accepted on Monday 2026-12-28: step limit 12-31 (known), overall limit 30
    working days later in 2027 — 2027-02-08 by the Mon–Fri assumption (provisional)."""
    application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 12, 28))
    return application_transition(actor=users["caseworker"], application_id=application.pk, code="accept")


def test_the_progress_pages_mark_the_provisional_limit(account, accepted_in_late_december):
    application = accepted_in_late_december
    assert (application.overall_due_on, application.overall_due_provisional) == (D(2027, 2, 8), True)
    client = portal_client(account)

    listing = text(client.get("/portal/progress/"))
    assert f"<dt>总办结时限</dt><dd>2027-02-08{MARKER}</dd>" in listing
    assert "<dt>本环节时限</dt><dd>2026-12-31 " in listing

    detail = text(client.get(f"/portal/progress/{application.pk}/"))
    assert f'<dd id="overall-due">2027-02-08{MARKER}</dd>' in detail
    assert '<dd id="step-due">2026-12-31 ' in detail


def test_the_portal_api_returns_the_provisional_flags(account, accepted_in_late_december):
    application = accepted_in_late_december
    client = portal_client(account)

    rows = client.get("/api/v1/portal/applications").json()
    row = next(r for r in rows if r["id"] == application.pk)
    assert (row["overall_due_on"], row["overall_due_provisional"]) == ("2027-02-08", True)
    assert (row["step_due_on"], row["step_due_provisional"]) == ("2026-12-31", False)
    detail = client.get(f"/api/v1/portal/applications/{application.pk}").json()
    assert detail["overall_due_provisional"] is True
    accepted_line = next(line for line in detail["timeline"] if line["due_on"] == "2026-12-31")
    assert accepted_line["due_provisional"] is False
