"""社会组织 reads. Staff reads are scoped with ``visible_to(actor)`` (the registration authority's division);
a 业务主管单位's staff read the reports of the organisations their unit supervises; the public query reads
names, codes, status and the last conclusion only — no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.credit_code import credit_code_normalise
from minzheng.common.errors import NotFound
from minzheng.common.models import Job
from minzheng.divisions.models import Division
from minzheng.organisations import rules
from minzheng.organisations.models import (
    AbnormalListEntry,
    AnnualReport,
    Organisation,
    OrganisationAccount,
    SupervisorUnit,
)

ORGANISATION_SORTS = {
    "name": "name",
    "code": "credit_code",
    "established": "established_on",
    "type": "organisation_type",
}
REPORT_SORTS = {"due": "authority_due", "name": "organisation__name", "status": "status", "year": "year"}


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    organisation_type: str = ""
    authority_level: str = ""
    status: str = ""
    abnormal: bool = False
    division: str = ""
    sort: str = "name"


def _sorted(queryset: QuerySet[Any], sort: str, columns: dict[str, str], default: str) -> QuerySet[Any]:
    key = sort.lstrip("-")
    column = columns.get(key, columns[default])
    return queryset.order_by(f"-{column}" if sort.startswith("-") else column, "pk")


def organisation_list(*, actor: User, filters: OrganisationFilters) -> QuerySet[Organisation]:
    rows = Organisation.objects.visible_to(actor, within=filters.division).select_related(
        "division", "supervisor"
    )
    if filters.q:
        code = credit_code_normalise(filters.q)
        rows = rows.filter(Q(name__contains=filters.q.strip()) | Q(credit_code__startswith=code))
    if filters.organisation_type:
        rows = rows.filter(organisation_type=filters.organisation_type)
    if filters.authority_level:
        rows = rows.filter(authority_level=filters.authority_level)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.abnormal:
        rows = rows.filter(abnormal=True)
    return _sorted(rows, filters.sort, ORGANISATION_SORTS, "name")


def organisation_get(*, actor: User, pk: int) -> Organisation:
    found = (
        Organisation.objects.visible_to(actor).select_related("division", "supervisor").filter(pk=pk).first()
    )
    if found is None:
        raise NotFound("社会组织不存在或不在您的管辖范围内")
    return found


@dataclass(frozen=True)
class ReportFilters:
    year: int | None = None
    status: str = ""
    overdue: bool = False
    q: str = ""
    sort: str = "due"


def _report_filtered(rows: QuerySet[AnnualReport], filters: ReportFilters) -> QuerySet[AnnualReport]:
    if filters.year:
        rows = rows.filter(year=filters.year)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.overdue:
        rows = rows.filter(overdue_since__isnull=False, status__in=rules.NOT_FILED)
    if filters.q:
        code = credit_code_normalise(filters.q)
        rows = rows.filter(
            Q(organisation__name__contains=filters.q.strip()) | Q(organisation__credit_code__startswith=code)
        )
    return _sorted(rows, filters.sort, REPORT_SORTS, "due")


def report_queue(*, actor: User, filters: ReportFilters) -> QuerySet[AnnualReport]:
    """The registrar's inspection queue, by deadline."""
    rows = AnnualReport.objects.visible_to(actor).select_related(
        "organisation__division", "organisation__supervisor"
    )
    return _report_filtered(rows, filters)


def supervisor_unit_of(actor: User) -> SupervisorUnit | None:
    membership = getattr(actor, "supervisor_membership", None)
    return membership.unit if membership is not None else None


def prereview_queue(*, actor: User, filters: ReportFilters) -> QuerySet[AnnualReport]:
    """The 业务主管单位's reports: those of the organisations the actor's unit supervises."""
    unit = supervisor_unit_of(actor)
    if unit is None:
        return AnnualReport.objects.none()
    rows = AnnualReport.objects.filter(organisation__supervisor=unit).select_related("organisation__division")
    return _report_filtered(rows, filters)


def report_for_staff(*, actor: User, pk: int) -> AnnualReport:
    """A report as a registrar (jurisdiction) or a supervisor (own unit) may read it; else 404."""
    rows = AnnualReport.objects.select_related(
        "organisation__division", "organisation__supervisor", "concluded_by"
    )
    unit = supervisor_unit_of(actor)
    scoped = rows.visible_to(actor)
    found = scoped.filter(pk=pk).first() if actor.can(Capability.REGISTER_ORGANISATIONS) else None
    if found is None and unit is not None:
        found = rows.filter(pk=pk, organisation__supervisor=unit).first()
    if found is None:
        raise NotFound("年度工作报告不存在或不在您的管辖范围内")
    return found


def abnormal_list(*, actor: User, current_only: bool = True) -> QuerySet[AbnormalListEntry]:
    rows = AbnormalListEntry.objects.visible_to(actor).select_related("organisation__division")
    if current_only:
        rows = rows.filter(removed_on__isnull=True)
    return rows.order_by("-listed_on", "organisation__name")


def supervisor_choices(*, actor: User) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in SupervisorUnit.objects.visible_to(actor).order_by("name")]


def division_choices(*, actor: User) -> list[tuple[str, str]]:
    """Registration authorities the actor may register for: its own division and the counties below."""
    if actor.division is None:
        return []
    rows = Division.objects.filter(code__startswith=actor.scope_prefix or "-", level__lte=3).order_by("code")
    return [(d.code, d.name) for d in rows[:200]]


# --- the organisation's own pages --------------------------------------------------------------------


def own_reports(account: OrganisationAccount) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.filter(organisation_id=account.organisation_id).order_by("-year")


def own_report(account: OrganisationAccount, pk: int) -> AnnualReport:
    found = own_reports(account).select_related("organisation").filter(pk=pk).first()
    if found is None:
        raise NotFound("年度工作报告不存在")
    return found


# --- public query ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    name: str
    credit_code: str
    type_label: str
    status_label: str
    authority: str
    established_on: Any
    abnormal: bool
    last_year: int | None
    last_conclusion: str


PUBLIC_LIMIT = 20


def public_search(query: str) -> list[PublicRow]:
    """Name (contains, at least 2 characters) or full credit code → status and last inspection result.
    Deregistered and revoked organisations are shown with that status; nothing personal is read."""
    query = (query or "").strip()
    code = credit_code_normalise(query)
    if len(code) == 18 and code.isalnum():
        rows = Organisation.objects.filter(credit_code=code)
    elif len(query) >= 2:
        rows = Organisation.objects.filter(name__contains=query)
    else:
        return []
    rows = rows.select_related("division").only(
        "name", "credit_code", "organisation_type", "status", "division__name", "established_on", "abnormal"
    )
    found = list(rows.order_by("name")[:PUBLIC_LIMIT])
    last: dict[int, tuple[int, str]] = {}
    for org_id, year, conclusion in (
        AnnualReport.objects.filter(organisation__in=found, status=rules.ReportStatus.CONCLUDED)
        .order_by("organisation_id", "year")
        .values_list("organisation_id", "year", "conclusion")
    ):
        last[org_id] = (year, str(rules.Conclusion(conclusion).label))
    return [
        PublicRow(
            o.name,
            o.credit_code,
            o.get_organisation_type_display(),
            o.get_status_display(),
            f"{o.division.name}民政局",
            o.established_on,
            o.abnormal,
            last.get(o.pk, (None, ""))[0],
            last.get(o.pk, (None, ""))[1],
        )
        for o in found
    ]


# --- statistics --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistics:
    year: int
    total: int
    by_type: list[tuple[str, int]]
    by_level: list[tuple[str, int]]
    by_area: list[tuple[str, int, int, int]]  # area, organisations, reports due, reports concluded
    by_status: list[tuple[str, int]]
    by_conclusion: list[tuple[str, int]]
    due: int
    filed: int
    overdue: int
    abnormal: int


def _labelled(rows: Any, field: str, choices: type[Any]) -> list[tuple[str, int]]:
    labels = dict(choices.choices)
    return [(str(labels.get(r[field], r[field])), r["n"]) for r in rows]


def statistics(*, actor: User, year: int) -> Statistics:
    """Counts of the actor's jurisdiction: grouped SQL, a handful of queries whatever the size."""
    orgs = Organisation.objects.visible_to(actor).filter(status=rules.OrganisationStatus.ACTIVE)
    # reports of organisations still registered: one deregistered or revoked since is no longer due
    reports = AnnualReport.objects.visible_to(actor).filter(
        year=year, organisation__status=rules.OrganisationStatus.ACTIVE
    )
    by_area_orgs = {
        r["division__name"]: r["n"] for r in orgs.values("division__name").annotate(n=Count("pk"))
    }
    area_reports = reports.values("organisation__division__name").annotate(
        n=Count("pk"), done=Count("pk", filter=Q(status=rules.ReportStatus.CONCLUDED))
    )
    by_area_reports = {r["organisation__division__name"]: (r["n"], r["done"]) for r in area_reports}
    areas = sorted(set(by_area_orgs) | set(by_area_reports))
    return Statistics(
        year=year,
        total=orgs.count(),
        by_type=_labelled(
            orgs.values("organisation_type").annotate(n=Count("pk")).order_by("organisation_type"),
            "organisation_type",
            rules.OrganisationType,
        ),
        by_level=_labelled(
            orgs.values("authority_level").annotate(n=Count("pk")).order_by("authority_level"),
            "authority_level",
            rules.AuthorityLevel,
        ),
        by_area=[(a, by_area_orgs.get(a, 0), *by_area_reports.get(a, (0, 0))) for a in areas],
        by_status=_labelled(
            reports.values("status").annotate(n=Count("pk")).order_by("status"), "status", rules.ReportStatus
        ),
        by_conclusion=_labelled(
            reports.exclude(conclusion="")
            .values("conclusion")
            .annotate(n=Count("pk"))
            .order_by("conclusion"),
            "conclusion",
            rules.Conclusion,
        ),
        due=reports.count(),
        filed=reports.exclude(status__in=rules.NOT_FILED).count(),
        overdue=reports.filter(overdue_since__isnull=False, status__in=rules.NOT_FILED).count(),
        abnormal=AbnormalListEntry.objects.visible_to(actor).filter(removed_on__isnull=True).count(),
    )


REGISTER_IMPORT_KIND = "organisations_import"  # the job kind of tasks.register_import_task


def import_job_result(*, actor: User, job_id: int) -> dict[str, Any] | None:
    """The stored result of the actor's own register import job (``tasks.register_import_task``); None while
    it runs, after it failed, or for another user's job."""
    job = (
        Job.objects.filter(pk=job_id, kind=REGISTER_IMPORT_KIND, created_by=actor).only("parameters").first()
    )
    result = job.parameters.get("result") if job is not None else None
    return result if isinstance(result, dict) else None
