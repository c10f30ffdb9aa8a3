"""Reads of enrolments, always scoped to the actor's jurisdiction (``visible_to``).

The payments app reads the entitlement set-based with ``owed_in_month`` (a queryset, no Python loop).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.errors import NotFound, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.enrolments.models import (
    AllowanceCandidate,
    CandidateStatus,
    Enrolment,
    EnrolmentChange,
    EntitlementPeriod,
    LegacyImport,
    Review,
    ReviewStatus,
)
from minzheng.registry.services import ID_INDEX

SORTS = {
    "id": "id",
    "programme": "programme",
    "starts": "starts_month",
    "amount": "monthly_amount",
    "status": "status",
    "division": "household__hukou_division__code",
}
DEFAULT_SORT = "-id"


@dataclass(frozen=True)
class EnrolmentFilters:
    programme: str = ""
    status: str = ""
    division: str = ""  # a division code prefix inside the actor's jurisdiction
    month: dt.date | None = None  # only enrolments owed something in this month
    search: str = ""  # name prefix or a full ID number
    sort: str = DEFAULT_SORT


def periods_covering(month: dt.date) -> Q:
    """Half-open period condition: ``from_month ≤ month < until_month`` (or open)."""
    return Q(from_month__lte=month) & (Q(until_month__isnull=True) | Q(until_month__gt=month))


def owed_in_month(month: dt.date) -> QuerySet[EntitlementPeriod]:
    """Every period owing something for ``month`` (unscoped; for the payroll batch)."""
    return EntitlementPeriod.objects.filter(periods_covering(month))


def _search(queryset: QuerySet[Enrolment], text: str) -> QuerySet[Enrolment]:
    text = text.strip()
    if not text:
        return queryset
    if len(text) in (15, 18) and text[:-1].isdigit():
        try:
            number = parse_resident_id(text, field="search").number
        except ValidationFailed:
            return queryset.none()
        index = crypto.blind_index(number, purpose=ID_INDEX)
        return queryset.filter(Q(person__id_number_index=index) | Q(household__head__id_number_index=index))
    return queryset.filter(Q(person__name__startswith=text) | Q(household__head__name__startswith=text))


def enrolment_list(*, actor: User, filters: EnrolmentFilters | None = None) -> QuerySet[Enrolment]:
    filters = filters or EnrolmentFilters()
    queryset: QuerySet[Enrolment] = Enrolment.objects.visible_to(actor, within=filters.division)
    if filters.programme:
        queryset = queryset.filter(programme=filters.programme)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.month is not None:
        covered = EntitlementPeriod.objects.filter(periods_covering(filters.month), enrolment=OuterRef("pk"))
        queryset = queryset.filter(Exists(covered))
    queryset = _search(queryset, filters.search)
    key = SORTS.get(filters.sort.lstrip("-"), "id")
    order = f"-{key}" if filters.sort.startswith("-") else key
    return queryset.select_related(
        "household__head", "household__hukou_division", "person", "division"
    ).order_by(order, "-id")


def enrolment_get(*, actor: User, pk: int) -> Enrolment:
    found = (
        Enrolment.objects.visible_to(actor)
        .select_related(
            "household__head",
            "household__hukou_division",
            "person",
            "division",
            "application",
            "transferred_from",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("在保对象不存在或不在您的管辖范围内", field="enrolment")
    return found


@dataclass(frozen=True)
class EnrolmentDetail:
    enrolment: Enrolment
    periods: list[EntitlementPeriod]
    changes: list[EnrolmentChange]
    reviews: list[Review]
    notice: EnrolmentChange | None  # a 特困 termination being publicised


def enrolment_detail(*, actor: User, pk: int) -> EnrolmentDetail:
    enrolment = enrolment_get(actor=actor, pk=pk)
    changes = list(enrolment.changes.select_related("recorded_by").order_by("-recorded_at", "-id"))
    return EnrolmentDetail(
        enrolment,
        list(enrolment.periods.order_by("from_month")),
        changes,
        list(enrolment.reviews.order_by("-due_on", "-id")),
        next((c for c in changes if c.state == "notice"), None),
    )


def review_queue(*, actor: User, status: str = ReviewStatus.OPEN) -> QuerySet[Review]:
    """The reviews of the actor's jurisdiction by due date (the review queue page)."""
    queryset = Review.objects.visible_to(actor)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related(
        "enrolment__household__head", "enrolment__household__hukou_division", "enrolment__person"
    ).order_by("due_on", "id")


def legacy_import_list(*, actor: User) -> QuerySet[LegacyImport]:
    return LegacyImport.objects.visible_to(actor).select_related("created_by")[:20]


def legacy_import_get(*, actor: User, pk: int) -> LegacyImport:
    found = LegacyImport.objects.visible_to(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("导入记录不存在或不在您的管辖范围内", field="import")
    return found


def enrolment_export_rows(*, actor: User, filters: EnrolmentFilters) -> Any:
    return enrolment_list(actor=actor, filters=filters).iterator(2000)


def allowance_candidates(
    *, actor: User, programme: str = "", status: str = CandidateStatus.PENDING
) -> QuerySet[AllowanceCandidate]:
    """The discovered candidates the actor may see (by the household's place), newest run first."""
    rows = AllowanceCandidate.objects.visible_to(actor).select_related(
        "person", "household__hukou_division", "division", "decided_by"
    )
    if programme:
        rows = rows.filter(programme=programme)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-found_month", "division__code", "household_id", "person_id", "programme")


def allowance_candidate_counts(*, actor: User) -> dict[str, int]:
    """Pending candidates per programme (the tabs of the page)."""
    return dict(
        AllowanceCandidate.objects.visible_to(actor)
        .filter(status=CandidateStatus.PENDING)
        .values("programme")
        .annotate(n=Count("id"))
        .values_list("programme", "n")
    )
