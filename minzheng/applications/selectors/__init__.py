"""Reads of the application pages (issue 4 §9). Every selector takes ``actor`` and starts from
``Application.objects.visible_to(actor)``, so an application outside the user's jurisdiction is absent.
``decisions``: the decision panel and a notice's proposed amounts (issue 14 §3).

Deadlines are judged against *today* here (the page is read now), not only against the ``deadline_status``
the daily scan stored: an application whose step fell due this morning is already shown as overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.models import (
    OPEN,
    Application,
    ApplicationEvent,
    CareAssessment,
    HomeVisit,
    Objection,
    VerificationResult,
)
from minzheng.applications.rules import Step, Transition, Workflow
from minzheng.applications.selectors.decisions import (
    DecisionPreview,
    decision_due,
    decision_preview,
    notice_amounts,
)
from minzheng.catalogue.roles import Role
from minzheng.common.errors import NotFound
from minzheng.divisions.models import Division
from minzheng.divisions.rules import PREFIX_LENGTH, Level
from minzheng.divisions.selectors import division_ancestor
from minzheng.registry import selectors as registry_selectors
from minzheng.registry.models import Household, Person

DUE_SOON_DAYS = 3  # as the daily scan (services.deadlines.DUE_SOON_DAYS)
OVERDUE = "overdue"
DUE_SOON = "due_soon"
ON_TIME = "on_time"
DEADLINE_FILTERS = {OVERDUE: "已超期", DUE_SOON: "即将到期", ON_TIME: "未到期"}
# Roles that supervise the divisions below them: the list page shows them the overdue counts.
SUPERVISOR_ROLES = frozenset({Role.COUNTY_APPROVER, Role.PREFECTURE_SUPERVISOR, Role.REGION_SUPERVISOR})

APPLICATION_SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "submitted": ("submitted_on", "id"),
    "-submitted": ("-submitted_on", "-id"),
    "due": (F("step_due_on").asc(nulls_last=True), "id"),
    "-due": (F("step_due_on").desc(nulls_last=True), "-id"),
    "step": ("step", "id"),
    "-step": ("-step", "-id"),
}
DEFAULT_SORT = "-submitted"


def urgency(due_on: dt.date | None, today: dt.date) -> str:
    """``overdue`` when the limit has passed, ``due_soon`` within ``DUE_SOON_DAYS``, else ``""``."""
    if due_on is None:
        return ""
    if due_on < today:
        return OVERDUE
    return DUE_SOON if due_on <= today + dt.timedelta(days=DUE_SOON_DAYS) else ""


def _overdue(today: dt.date) -> Q:
    return OPEN & (Q(step_due_on__lt=today) | Q(overall_due_on__lt=today))


def _due_soon(today: dt.date) -> Q:
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    within = Q(step_due_on__gte=today, step_due_on__lte=soon) | Q(
        overall_due_on__gte=today, overall_due_on__lte=soon
    )
    return OPEN & within & ~_overdue(today)


def _today() -> dt.date:
    return timezone.localdate()


def _rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.select_related("household__head", "household__hukou_division", "applicant", "division")


# --- list -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFilters:
    workflow: str = ""
    step: str = ""
    channel: str = ""
    division_code: str = ""
    deadline: str = ""
    number: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    staff_relative: bool = False
    sort: str = DEFAULT_SORT


def application_list(
    *, actor: User, filters: ApplicationFilters | None = None, today: dt.date | None = None
) -> QuerySet[Application]:
    """Applications in the actor's jurisdiction matching ``filters``; the deadline filter is judged on
    ``today``'s date (step or overall limit)."""
    filters = filters or ApplicationFilters()
    today = today or _today()
    qs = Application.objects.visible_to(actor, within=filters.division_code)
    exact = {"workflow": filters.workflow, "step": filters.step, "channel": filters.channel}
    qs = qs.filter(**{name: value for name, value in exact.items() if value})
    if filters.deadline == OVERDUE:
        qs = qs.filter(_overdue(today))
    elif filters.deadline == DUE_SOON:
        qs = qs.filter(_due_soon(today))
    elif filters.deadline == ON_TIME:
        qs = qs.filter(OPEN).exclude(_overdue(today)).exclude(_due_soon(today))
    if filters.number:
        qs = qs.filter(number__contains=filters.number.strip())
    if filters.submitted_from:
        qs = qs.filter(submitted_on__gte=filters.submitted_from)
    if filters.submitted_to:
        qs = qs.filter(submitted_on__lte=filters.submitted_to)
    if filters.staff_relative:
        qs = qs.filter(staff_relative=True)
    return _rows(qs).order_by(*APPLICATION_SORTS.get(filters.sort, APPLICATION_SORTS[DEFAULT_SORT]))


def division_filter_choices(*, actor: User) -> list[tuple[str, str]]:
    return registry_selectors.division_filter_choices(actor=actor)


# --- my queue ---------------------------------------------------------------------------------------------


def _forward(workflow: Workflow, step: str, role: str) -> list[Transition]:
    """The workflow's own transitions from ``step`` the role may take. The exits (withdraw, terminate)
    are open at every step and are not work waiting for anyone, so they do not put a case in a queue."""
    return [t for t in rules.available(workflow, step, role) if t in rules.WORKFLOWS[workflow]]


def _queue_condition(role: str) -> Q | None:
    """Open (workflow, step) pairs where the role has a next step to take. A township reviewer's
    confirmations count only in counties that delegated confirmation (审核确认办法第 2 条)."""
    condition: Q | None = None
    for workflow in Workflow:
        for step in rules.OPEN_STEPS:
            forward = _forward(workflow, step, role)
            if not forward:
                continue
            pair = Q(workflow=workflow.value, step=step.value)
            if not any(rules.role_may(t, role, delegated=False) for t in forward):
                pair &= Q(division__parent__confirmation_delegated=True)
            condition = pair if condition is None else condition | pair
    return condition


def my_queue(*, actor: User) -> QuerySet[Application]:
    """我的待办: open applications in the actor's jurisdiction whose current step the actor's role acts on,
    the nearest step limit first (none last)."""
    condition = _queue_condition(actor.role)
    if condition is None:
        return Application.objects.none()
    qs = Application.objects.visible_to(actor).filter(OPEN).filter(condition)
    return _rows(qs).order_by(F("step_due_on").asc(nulls_last=True), "id")


# --- supervisors: counts by division ----------------------------------------------------------------------


@dataclass(frozen=True)
class DivisionCount:
    code: str
    prefix: str  # the significant digits, as the list's division filter takes them
    name: str
    open: int
    overdue: int


def application_counts_by_division(*, actor: User, today: dt.date | None = None) -> list[DivisionCount]:
    """Open and overdue applications per division one level below the supervisor's own (a county sees
    its townships, a league/city its counties, the region its leagues/cities). Empty for other roles."""
    own = actor.division
    if actor.role not in SUPERVISOR_ROLES or own is None or own.level > Level.COUNTY:
        return []
    today = today or _today()
    width = PREFIX_LENGTH[own.level + 1]
    counted = (
        Application.objects.visible_to(actor)
        .filter(OPEN)
        .annotate(prefix=Substr("division__code", 1, width))
        .values("prefix")
        .annotate(open=Count("id"), overdue=Count("id", filter=_overdue(today)))
    )
    by_prefix = {row["prefix"]: (row["open"], row["overdue"]) for row in counted}
    children = (
        Division.objects.visible_to(actor).filter(parent=own, abolished_on__isnull=True).order_by("code")
    )
    return [
        DivisionCount(child.code, child.code[:width], child.name, *by_prefix.get(child.code[:width], (0, 0)))
        for child in children
    ]


# --- detail -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationDetail:
    application: Application
    delegated: bool  # the county delegated confirmation to the township (审核确认办法第 2 条)
    events: list[ApplicationEvent]
    home_visits: list[HomeVisit]
    verifications: list[VerificationResult]
    objections: list[Objection]
    care_assessment: CareAssessment | None  # 特困 only


def application_get(*, actor: User, pk: int) -> Application:
    application = (
        _rows(Application.objects.visible_to(actor))
        .select_related("division__parent", "decided_by", "subject", "household__residence_division")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise NotFound("申请不存在或不在您的管辖范围内")
    return application


def application_is_visible(*, actor: User, pk: int) -> bool:
    return Application.objects.visible_to(actor).filter(pk=pk).exists()


def application_detail(*, actor: User, pk: int) -> ApplicationDetail:
    """The application with its records and timeline."""
    return detail_of(application_get(actor=actor, pk=pk))


def detail_of(application: Application) -> ApplicationDetail:
    """The records and timeline of an application already read (with ``applicant`` and ``division``)."""
    return ApplicationDetail(
        application=application,
        delegated=division_ancestor(application.division, Level.COUNTY).confirmation_delegated,
        events=list(application.events.select_related("actor").order_by("at", "id")),
        home_visits=list(application.home_visits.order_by("visited_on", "id")),
        verifications=list(application.verifications.order_by("recorded_at", "id")),
        objections=list(application.objections.order_by("received_on", "id")),
        care_assessment=CareAssessment.objects.filter(application=application).first(),
    )


def detail_of_registered(application: Application, timeline: list[ApplicationEvent]) -> ApplicationDetail:
    """The detail of an application intake has just registered, in the current transaction, from what it
    wrote (``services.application_register``): its ``timeline`` lines, with their actor, in the order
    written. No home visit, verification, objection or care assessment can refer to it yet (the row is
    not committed), so nothing is read."""
    return ApplicationDetail(
        application=application,
        delegated=division_ancestor(application.division, Level.COUNTY).confirmation_delegated,
        events=list(timeline),
        home_visits=[],
        verifications=[],
        objections=[],
        care_assessment=None,
    )


def actions_for(*, actor: User, detail: ApplicationDetail) -> list[Transition]:
    """The transitions this user may take on this application now: its step, the user's role, and the
    county's delegation of confirmation (the page shows these only; the service checks again)."""
    application = detail.application
    if not application.is_open:
        return []
    workflow = Workflow(application.workflow)
    return [
        t
        for t in rules.available(workflow, application.step, actor.role)
        if rules.role_may(t, actor.role, delegated=detail.delegated)
    ]


def decision_panel(*, actor: User, detail: ApplicationDetail) -> DecisionPreview | None:
    """The decision panel when the user may decide the application now (approve, refuse, refer to
    一事一议): what the approval would compute today for this user (``decisions.decision_preview``)."""
    if not decision_due(detail.application, actions_for(actor=actor, detail=detail)):
        return None
    return decision_preview(detail.application, role=actor.role)


# --- intake -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeHousehold:
    household: Household
    members: list[Person]


def intake_household(*, actor: User, household_id: int) -> IntakeHousehold:
    """The household an application is registered for and its current members (the applicant choices)."""
    household = registry_selectors.household_get(actor=actor, pk=household_id)
    members = list(registry_selectors.household_members(actor=actor, household=household))
    return IntakeHousehold(household, members)


# --- public notice ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicNotice:
    village: Division
    township: Division | None
    applications: list[Application]
    amounts: dict[int, Decimal | None] = field(default_factory=dict)  # proposed, by application id


def village_choices(*, actor: User, limit: int = 1000) -> list[tuple[str, str]]:
    rows = (
        Division.objects.visible_to(actor)
        .filter(level=Level.VILLAGE, abolished_on__isnull=True)
        .order_by("code")
        .values_list("code", "name")[:limit]
    )
    return list(rows)


def public_notice_list(*, actor: User, village_code: str) -> PublicNotice:
    """Applications in public notice whose household is registered in the village or community
    (审核确认办法第 19 条). The page shows no ID numbers (第 24 条)."""
    village = (
        Division.objects.visible_to(actor)
        .select_related("parent")
        .filter(code=village_code, level=Level.VILLAGE)
        .first()
    )
    if village is None:
        raise NotFound("未找到该村（社区），或其不在您的管辖范围内", field="village")
    applications = (
        Application.objects.visible_to(actor)
        .filter(step=Step.PUBLIC_NOTICE, household__hukou_division=village)
        .select_related("applicant", "household", "division")
        .order_by("notice_starts_on", "number")
    )
    listed = list(applications)
    return PublicNotice(village, village.parent, listed, notice_amounts(listed))
