# ruff: noqa: F811  (the fixtures are imported from test_workflows, then used as parameters)
"""Issue 15 §5: the public notice ends by 民法典第 203 条 (stored, page, API) and cannot be closed early;
dates in a year the calendar does not know are marked 暂定 on the staff pages, the receipt, the notice
page and PDF, and in the API. The clock is Django's local date (our code is not patched)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from minzheng.accounts.api_auth import api_token_create
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Step
from minzheng.applications.services import verification_record
from minzheng.audit.models import Event as AuditEvent
from minzheng.common.errors import NoticeRunning

from .test_workflows import apply, dibao_household, go, policy, visit  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
D = dt.date
MARKER = (
    '<span class="provisional text-orange" data-provisional="true" '
    'title="该年度法定节假日安排尚未录入，按周一至周五推算；安排公布后将重新计算">（暂定）</span>'
)


@pytest.fixture
def clock(monkeypatch):
    """``clock(day)`` sets today's local date."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


def first_review(users, household) -> Application:
    application = apply(users, household)
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "start_investigation")
    visit(users, application)
    go(users, application, "caseworker", "request_verification")
    verification_record(
        actor=users["county"], application_id=application.pk, source="bank", outcome="consistent"
    )
    return go(users, application, "county", "record_verification")


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_get(users, path: str) -> dict:
    _token, secret = api_token_create(username=users["caseworker"].username, name="测试")
    return Client(headers={"Authorization": f"Bearer {secret}"}).get(f"/api/v1{path}").json()


def published_on(users, household, clock, day: dt.date) -> Application:
    clock(day)
    application = first_review(users, household)
    return go(users, application, "reviewer", "publish_notice", opinion="符合条件，拟予救助")


def test_notice_published_before_national_day_ends_after_the_holiday(users, dibao_household, clock):
    # when: published on Thursday 2026-09-24; day 7 (10-01) is National Day, which runs to 10-07
    application = published_on(users, dibao_household, clock, D(2026, 9, 24))

    # then: stored, shown and returned as 10-08 (民法典第 203 条), the same as the step's own limit
    stored = Application.objects.get(pk=application.pk)
    assert (stored.notice_starts_on, stored.notice_ends_on, stored.notice_ends_provisional) == (
        D(2026, 9, 25), D(2026, 10, 8), False,
    )  # fmt: skip
    assert stored.step_due_on == D(2026, 10, 8)
    page = staff(users["caseworker"]).get(reverse("applications:detail", args=[application.pk]))
    assert '<span id="notice-ends">2026-10-08</span>' in page.content.decode()
    body = api_get(users, f"/applications/{application.pk}")
    assert (body["notice_starts_on"], body["notice_ends_on"], body["notice_ends_provisional"]) == (
        "2026-09-25", "2026-10-08", False,
    )  # fmt: skip


@pytest.mark.parametrize("day", [D(2026, 10, 2), D(2026, 10, 8)])
def test_closing_the_notice_before_it_ends_is_refused_and_writes_nothing(users, dibao_household, clock, day):
    # given
    application = published_on(users, dibao_household, clock, D(2026, 9, 24))
    events, audits = ApplicationEvent.objects.count(), AuditEvent.objects.count()

    # when
    clock(day)
    with pytest.raises(NoticeRunning) as refused:
        go(users, application, "reviewer", "close_notice")

    # then
    assert refused.value.message == "公示期至2026年10月8日届满，不得提前结束"
    assert Application.objects.values_list("step", flat=True).get(pk=application.pk) == Step.PUBLIC_NOTICE
    assert (ApplicationEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


def test_closing_the_notice_the_day_after_it_ends_succeeds(users, dibao_household, clock):
    application = published_on(users, dibao_household, clock, D(2026, 9, 24))
    clock(D(2026, 10, 9))

    application = go(users, application, "reviewer", "close_notice")

    assert application.step == Step.COUNTY_REVIEW


def test_a_provisional_overall_limit_is_marked_on_the_pages_and_in_the_api(users, dibao_household, clock):
    # given: accepted on Monday 2026-12-28; 30 working days reach into 2027, whose schedule is unknown. By
    # hand: 12-29, 12-30, 12-31 (3), then Mon–Fri from 2027-01-01 (Fri, 4) … 02-05 (29), 02-08 (30).
    clock(D(2026, 12, 28))
    application = go(users, apply(users, dibao_household), "caseworker", "accept")
    assert (application.overall_due_on, application.overall_due_provisional) == (D(2027, 2, 8), True)
    assert (application.step_due_on, application.step_due_provisional) == (D(2026, 12, 31), False)
    client = staff(users["caseworker"])

    # then: the staff detail page
    detail = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert (
        f'<dd class="col-7 col-md-3" id="overall-due"><span class="text-nowrap">2027-02-08{MARKER}</span>'
        in (detail)
    )
    assert '<dd class="col-7 col-md-3" id="step-due"><span class="text-nowrap">2026-12-31</span>' in detail
    # the applicant's receipt
    receipt = client.get(reverse("applications:receipt", args=[application.pk])).content.decode()
    assert f'<td id="receipt-due">2027年2月8日{MARKER}前作出决定</td>' in receipt
    # the queue
    queue = client.get(reverse("applications:queue")).content.decode()
    assert f"2027-02-08{MARKER}" in queue
    # the staff API and the applicant's progress enquiry
    body = api_get(users, f"/applications/{application.pk}")
    assert (body["overall_due_on"], body["overall_due_provisional"]) == ("2027-02-08", True)
    assert (body["step_due_on"], body["step_due_provisional"]) == ("2026-12-31", False)
    progress = (
        Client()
        .post(
            "/api/v1/applications/progress",
            {"number": application.number, "id_number": dibao_household.head.id_number},
            content_type="application/json",
        )
        .json()
    )
    assert (progress["overall_due_on"], progress["overall_due_provisional"]) == ("2027-02-08", True)
    assert progress["step_due_provisional"] is False


def test_a_provisional_notice_end_is_marked_on_the_notice_page_pdf_and_api(users, dibao_household, clock):
    # given: published on 2026-12-30, day 7 is 2027-01-06 (schedule unknown → provisional)
    application = published_on(users, dibao_household, clock, D(2026, 12, 30))
    stored = Application.objects.get(pk=application.pk)
    assert (stored.notice_ends_on, stored.notice_ends_provisional) == (D(2027, 1, 6), True)
    client = staff(users["caseworker"])

    # the detail page, the village's notice page, its PDF
    detail = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert f'<span id="notice-ends">2027-01-06{MARKER}</span>' in detail
    notice = client.get(reverse("applications:notice"), {"village": "150102001001"}).content.decode()
    assert f"2027-01-06{MARKER}</td>" in notice
    pdf = client.get("/documents/notice.pdf?village=150102001001")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    assert "2026-12-31 至 2027-01-06（暂定）" in text
    # the API
    body = api_get(users, f"/applications/{application.pk}")
    assert (body["notice_ends_on"], body["notice_ends_provisional"]) == ("2027-01-06", True)
