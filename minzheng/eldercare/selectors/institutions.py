"""Reads of institutions (issue 17 §8): the register, residents, monthly occupancy (one set-based SQL
statement, PostgreSQL and SQLite), plans, draws with their audit events, inspections and the public
results. Every staff read is scoped with ``visible_to(actor)``; the public results are published data
(双随机一公开) and take no actor — they carry no personal data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from minzheng.accounts.models import User
from minzheng.audit.models import Event
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.months import add_months, month_start
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.eldercare.models.institutions import Draw, Inspection, InspectionPlan, Institution, Resident
from minzheng.eldercare.rules.institutions import DrawStatus, InspectionStatus, occupancy_rate

INSTITUTION_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "beds": ("beds_total", "id"),
    "-beds": ("-beds_total", "-id"),
    "residents": ("resident_count", "id"),
    "-residents": ("-resident_count", "-id"),
    "township": ("township__code", "name"),
    "-township": ("-township__code", "name"),
}


def require_view(actor: User) -> None:
    if not actor.can(Capability.VIEW_ELDERCARE):
        raise PermissionDenied("您的角色无权查看养老机构")


@dataclass(frozen=True)
class InstitutionFilters:
    text: str = ""  # name contains, or the credit code's start
    kind: str = ""
    status: str = ""
    division: str = ""  # a code prefix within the actor's jurisdiction
    sort: str = "name"


def institution_list(*, actor: User, filters: InstitutionFilters) -> QuerySet[Any]:
    """The register with ``resident_count`` (residents still there) on each row."""
    require_view(actor)
    queryset: QuerySet[Any] = Institution.objects.visible_to(actor, within=filters.division)
    queryset = queryset.select_related("township")
    text = filters.text.strip()
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(credit_code__startswith=text.upper()))
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    queryset = queryset.annotate(resident_count=Count("residents", filter=Q(residents__left_on__isnull=True)))
    return queryset.order_by(*INSTITUTION_SORTS.get(filters.sort, INSTITUTION_SORTS["name"]))


def institution_get(*, actor: User, pk: int) -> Institution:
    require_view(actor)
    found = Institution.objects.visible_to(actor).select_related("county", "township").filter(pk=pk).first()
    if found is None:
        raise NotFound("养老机构不存在或不在您的管辖范围内")
    return found


def residents_of(*, actor: User, institution: Institution, current_only: bool = False) -> QuerySet[Resident]:
    require_view(actor)
    queryset = Resident.objects.visible_to(actor).filter(institution=institution)
    if current_only:
        queryset = queryset.filter(left_on__isnull=True)
    return queryset.select_related("person", "enrolment").order_by("left_on", "-admitted_on", "id")


def township_choices(*, actor: User) -> list[tuple[str, str]]:
    """Townships in the actor's jurisdiction, for the institution form and the list filter."""
    return list(
        Division.objects.visible_to(actor)
        .filter(level=Level.TOWNSHIP, abolished_on__isnull=True)
        .values_list("code", "name")
    )


def township_filter_choices(*, actor: User) -> list[tuple[str, str]]:
    """Townships that have an institution in the actor's jurisdiction (the list filter: a region user would
    otherwise get every township of Inner Mongolia)."""
    rows = (
        Institution.objects.visible_to(actor)
        .values_list("township__code", "township__name")
        .distinct()
        .order_by("township__code")
    )
    return list(rows)


# --- occupancy -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupancyMonth:
    month: dt.date
    resident_days: int
    bed_days: int

    @property
    def rate(self) -> Any:
        return occupancy_rate(self.resident_days, self.bed_days)


def _days_between(later: str, earlier: str, vendor: str) -> str:
    """SQL for the whole days from ``earlier`` to ``later`` (both dates)."""
    if vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def resident_days_sql(
    vendor: str, institution_ids: list[int], first: dt.date, months: int, until: dt.date | None = None
) -> tuple[str, dict[str, Any]]:
    """The statement of ``resident_days`` and its parameters (separate so a test runs it on SQLite too)."""
    params: dict[str, Any] = {}
    rows = []
    for index in range(months):
        start = add_months(first, index)
        end = add_months(start, 1)
        if until is not None:  # the month in progress counts up to ``until`` (inclusive)
            end = min(end, until + dt.timedelta(days=1))
        params[f"m{index}"], params[f"e{index}"] = start, end
        rows.append(f"(%(m{index})s, %(e{index})s)")
    ids = ", ".join(f"%(i{n})s" for n in range(len(institution_ids)))
    params.update({f"i{n}": pk for n, pk in enumerate(institution_ids)})
    table = Resident._meta.db_table
    stay_start = "CASE WHEN r.admitted_on > cal.m THEN r.admitted_on ELSE cal.m END"
    stay_end = "CASE WHEN r.left_on IS NOT NULL AND r.left_on < cal.e THEN r.left_on ELSE cal.e END"
    sql = f"""
        WITH cal(m, e) AS (VALUES {", ".join(rows)})
        SELECT r.institution_id, cal.m, SUM({_days_between(stay_end, stay_start, vendor)})
        FROM {table} r
        JOIN cal ON cal.m < cal.e AND r.admitted_on < cal.e AND (r.left_on IS NULL OR r.left_on > cal.m)
        WHERE r.institution_id IN ({ids})
        GROUP BY r.institution_id, cal.m
    """  # noqa: S608 - table name from the model, values bound
    return sql, params


def resident_days(
    institution_ids: list[int], first: dt.date, months: int, until: dt.date | None = None
) -> dict[tuple[int, dt.date], int]:
    """Resident-days per (institution, month) for ``months`` months from ``first`` (a 1st), one statement.

    A stay counts the days from ``admitted_on`` up to the day before ``left_on`` (the leaving day is not a
    resident-day, as a hospital counts bed-days), clipped to each month (and to ``until``, inclusive, for
    the month in progress). The months are a bound ``VALUES`` list (no ``generate_series``), the clipping
    is ``CASE`` (no ``GREATEST``/``LEAST``), so the same SQL runs on PostgreSQL and SQLite; only the day
    difference is spelt per database.
    """
    if not institution_ids or months < 1:
        return {}
    sql, params = resident_days_sql(connection.vendor, institution_ids, first, months, until)
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for institution_id, month, days in cursor.fetchall():
            month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month)[:10])
            result[(int(institution_id), month)] = int(days or 0)
    return result


def occupancy(
    *, actor: User, institution: Institution, until: dt.date, months: int = 12
) -> list[OccupancyMonth]:
    """The last ``months`` months up to the month of ``until``; bed-days use today's bed count (the register
    keeps no bed history), and the current month counts only the days up to ``until``."""
    require_view(actor)
    last = month_start(until)
    first = add_months(last, -(months - 1))
    days = resident_days([institution.pk], first, months, until)
    result = []
    for index in range(months):
        month = add_months(first, index)
        end = min(add_months(month, 1), until + dt.timedelta(days=1))
        bed_days = institution.beds_total * max(0, (end - month).days)
        result.append(OccupancyMonth(month, days.get((institution.pk, month), 0), bed_days))
    return result


# --- plans, draws and inspections ------------------------------------------------------------------------


def plan_list(*, actor: User) -> QuerySet[InspectionPlan]:
    require_view(actor)
    return InspectionPlan.objects.visible_to(actor).select_related("county").order_by("-year", "-round", "id")


def plan_get(*, actor: User, pk: int) -> InspectionPlan:
    require_view(actor)
    found = (
        InspectionPlan.objects.visible_to(actor).select_related("county", "created_by").filter(pk=pk).first()
    )
    if found is None:
        raise NotFound("检查计划不存在或不在您的管辖范围内")
    return found


def draws_of(*, actor: User, plan: InspectionPlan) -> list[Draw]:
    require_view(actor)
    return list(Draw.objects.visible_to(actor).filter(plan=plan).select_related("drawn_by").order_by("-id"))


def current_draw(*, actor: User, plan: InspectionPlan) -> Draw | None:
    return Draw.objects.visible_to(actor).filter(plan=plan, status=DrawStatus.CURRENT).first()


def draw_get(*, actor: User, pk: int) -> Draw:
    require_view(actor)
    found = (
        Draw.objects.visible_to(actor)
        .select_related("plan__county", "drawn_by", "supersedes")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("抽取记录不存在或不在您的管辖范围内")
    return found


def draw_events(*, actor: User, draw: Draw) -> QuerySet[Event]:
    """The audit events of the draw (made, superseded, verified) — the same rows the audit log shows."""
    require_view(actor)
    return (
        Event.objects.visible_to(actor)
        .filter(object_type="eldercare_draw", object_id=str(draw.pk))
        .select_related("actor")
    )


@dataclass(frozen=True)
class InspectionFilters:
    status: str = ""
    result: str = ""
    overdue: bool = False
    year: int | None = None
    text: str = ""


def inspection_list(*, actor: User, filters: InspectionFilters, today: dt.date) -> QuerySet[Inspection]:
    require_view(actor)
    queryset = Inspection.objects.visible_to(actor).select_related("institution__township", "draw__plan")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    else:
        queryset = queryset.exclude(status=InspectionStatus.CANCELLED)
    if filters.result:
        queryset = queryset.filter(result=filters.result)
    if filters.overdue:
        queryset = queryset.filter(status=InspectionStatus.RECORDED, rectification_due_on__lt=today)
    if filters.year:
        queryset = queryset.filter(draw__plan__year=filters.year)
    if filters.text.strip():
        queryset = queryset.filter(institution__name__icontains=filters.text.strip())
    return queryset.order_by("rectification_due_on", "-draw__plan__year", "institution__name", "id")


def inspection_get(*, actor: User, pk: int) -> Inspection:
    require_view(actor)
    found = (
        Inspection.objects.visible_to(actor)
        .select_related("institution__township", "draw__plan__county")
        .prefetch_related("inspectors", "events__actor")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("检查记录不存在或不在您的管辖范围内")
    return found


def inspections_of(*, actor: User, institution: Institution) -> QuerySet[Inspection]:
    require_view(actor)
    return (
        Inspection.objects.visible_to(actor)
        .filter(institution=institution)
        .exclude(status=InspectionStatus.CANCELLED)
        .select_related("draw__plan")
        .order_by("-draw__plan__year", "-draw__plan__round")
    )


# --- public results (no login) ---------------------------------------------------------------------------

PUBLISHED = (InspectionStatus.RECORDED, InspectionStatus.RECTIFIED)


def public_counties() -> list[tuple[str, str]]:
    """Counties with published results (code, name), by code."""
    codes = (
        Inspection.objects.filter(status__in=PUBLISHED, draw__status=DrawStatus.CURRENT)
        .values_list("draw__plan__county__code", "draw__plan__county__name")
        .distinct()
    )
    return sorted(set(codes))


def public_years(county_code: str) -> list[int]:
    years = Inspection.objects.filter(
        status__in=PUBLISHED, draw__status=DrawStatus.CURRENT, draw__plan__county__code=county_code
    ).values_list("draw__plan__year", flat=True)
    return sorted(set(years), reverse=True)


def public_results(county_code: str, year: int) -> list[dict[str, Any]]:
    """Institution, inspection date, result and rectification state — nothing about residents or staff."""
    rows = (
        Inspection.objects.filter(
            status__in=PUBLISHED,
            draw__status=DrawStatus.CURRENT,
            draw__plan__county__code=county_code,
            draw__plan__year=year,
        )
        .order_by("inspected_on", "institution__name", "id")
        .values(
            "institution__name",
            "institution__address",
            "inspected_on",
            "result",
            "status",
            "rectification_due_on",
            "rectified_on",
            "draw__plan__round",
        )
    )
    return [dict(row) for row in rows]
