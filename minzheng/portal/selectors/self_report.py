"""The periodic self-report (定期报告): the household's 低保/特困 enrolments that take one, with their open
review, and the members a report names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.catalogue.programmes import label as programme_label
from minzheng.enrolments.models import Enrolment, EnrolmentStatus, Review, ReviewStatus
from minzheng.enrolments.rules import REVIEWED_PROGRAMMES
from minzheng.portal import rules
from minzheng.portal.labels import label
from minzheng.portal.models import PortalAccount
from minzheng.portal.selectors.accounts import account_household_require
from minzheng.registry.models import Membership


@dataclass(frozen=True)
class ReportItem:
    enrolment_id: int
    programme: str
    name: str
    person_name: str
    review_due_on: dt.date | None  # the open review's due date; None = no review open
    due: bool  # a review is open and due within 30 days (or overdue)
    reported_today: bool
    last_reported_on: str  # ISO date of the latest report, "" when none


@dataclass(frozen=True)
class ReportMember:
    person_id: int
    name: str
    relation: str
    is_head: bool


def self_report_items(*, account: PortalAccount, today: dt.date | None = None) -> list[ReportItem]:
    """The household's current 低保/特困 enrolments that take a 定期报告, with their open review."""
    household = account_household_require(account=account)
    today = today or timezone.localdate()
    enrolments = (
        Enrolment.objects.filter(household=household, programme__in=REVIEWED_PROGRAMMES)
        .exclude(status=EnrolmentStatus.ENDED)
        .select_related("person")
        .order_by("programme", "id")
    )
    reviews = {
        r.enrolment_id: r
        for r in Review.objects.filter(enrolment__in=enrolments, status=ReviewStatus.OPEN).only(
            "enrolment_id", "due_on", "report"
        )
    }
    latest = {
        enrolment_id: max(report) if report else ""
        for enrolment_id, report in Review.objects.filter(enrolment__in=enrolments)
        .exclude(report={})
        .values_list("enrolment_id", "report")
    }
    items = []
    for e in enrolments:
        review = reviews.get(e.pk)
        items.append(
            ReportItem(
                enrolment_id=e.pk,
                programme=e.programme,
                name=label(programme_label(e.programme)),
                person_name=e.person.name if e.person else "",
                review_due_on=review.due_on if review else None,
                due=review is not None and review.due_on <= today + dt.timedelta(days=30),
                reported_today=review is not None and today.isoformat() in (review.report or {}),
                last_reported_on=latest.get(e.pk, ""),
            )
        )
    return items


def self_report_item(
    *, account: PortalAccount, enrolment_id: int, today: dt.date | None = None
) -> ReportItem:
    """One item of ``self_report_items``; ``NotYours`` for any enrolment outside the own household."""
    for item in self_report_items(account=account, today=today):
        if item.enrolment_id == enrolment_id:
            return item
    raise rules.NotYours(_("未找到该在保记录"), field="enrolment_id")


def household_members(*, account: PortalAccount) -> list[ReportMember]:
    """The current members of the account's own household, head first."""
    household = account_household_require(account=account)
    rows = (
        Membership.objects.filter(household=household, left_on__isnull=True, person__death_date__isnull=True)
        .select_related("person")
        .order_by("id")
    )
    members = [
        ReportMember(
            m.person_id, m.person.name, m.get_relation_to_head_display(), m.relation_to_head == "head"
        )
        for m in rows
    ]
    return sorted(members, key=lambda m: not m.is_head)
