"""What each role's home page shows (工作台, issue 14 §2): the work waiting for the user, counted by the same
selectors the lists behind the tiles use, so a tile's number is the length of the list it opens.

- casework roles: my queue (我的待办) with its overdue and due-soon parts; reviews due (复核);
- monitoring roles: open alerts and the overdue ones;
- payment roles: this month's payroll of the county and the payrolls waiting for a second approver
  (maker ≠ checker: a payroll the user generated is not counted as waiting for the user);
- supervisors and auditors: the recipients of their area by programme and a twelve-month trend.
Every read is scoped to the user's jurisdiction through the areas' selectors (ADR 0006).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.applications.selectors import ApplicationFilters, application_list, my_queue
from minzheng.catalogue.programmes import label as programme_label
from minzheng.catalogue.roles import Capability, Role
from minzheng.common.months import add_months, month_label, month_start
from minzheng.enrolments.models import Enrolment, EnrolmentStatus, ReviewStatus
from minzheng.enrolments.selectors import review_queue
from minzheng.monitoring.selectors import AlertFilters, alert_list
from minzheng.payments.models import Payroll
from minzheng.payments.rules import PayrollStatus
from minzheng.payments.selectors import payroll_visible
from minzheng.registry.selectors import RegistryCounts, registry_counts

TREND_MONTHS = 12
SUPERVISORS = frozenset({Role.PREFECTURE_SUPERVISOR, Role.REGION_SUPERVISOR, Role.AUDITOR})
# The roles the application workflows give steps to (applications.rules): they have a queue of their own.
CASEWORKERS = frozenset(
    {Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER}
)


@dataclass(frozen=True)
class Tile:
    """One figure on the home page and the list it opens; ``tone`` colours it (danger = past a limit)."""

    key: str
    label: str
    count: int
    url: str
    note: str = ""
    tone: str = ""


@dataclass(frozen=True)
class ProgrammeFigure:
    programme: str
    label: str
    households: int
    persons: int


@dataclass
class Workbench:
    tiles: list[Tile] = field(default_factory=list)
    payroll: Payroll | None = None
    payroll_month: str = ""
    payroll_url: str = ""
    figures: list[ProgrammeFigure] = field(default_factory=list)
    trend: dict[str, list[object]] = field(default_factory=dict)
    registry: RegistryCounts | None = None


def _queue(actor: User, overdue: QuerySet[Application], due_soon: QuerySet[Application]) -> list[Tile]:
    """我的待办: the applications whose current step the user's role acts on, with the overdue and
    due-soon ones among them (the same deadline conditions as the application list's filter)."""
    queue = my_queue(actor=actor)
    mine_overdue = queue.filter(pk__in=overdue.values("pk")).count()
    mine_due_soon = queue.filter(pk__in=due_soon.values("pk")).count()
    note = _("其中已超期 %(overdue)s 件、即将到期 %(soon)s 件") % {
        "overdue": mine_overdue,
        "soon": mine_due_soon,
    }
    url = reverse("applications:queue")
    return [
        Tile("queue", _("我的待办"), queue.count(), url, note=note, tone="danger" if mine_overdue else "")
    ]


def _casework(actor: User, today: dt.date) -> list[Tile]:
    """The queue (for the roles with steps of their own) and the area's overdue and due-soon applications."""
    overdue = application_list(actor=actor, filters=ApplicationFilters(deadline="overdue"), today=today)
    due_soon = application_list(actor=actor, filters=ApplicationFilters(deadline="due_soon"), today=today)
    applications = reverse("applications:list")
    queue = _queue(actor, overdue, due_soon) if actor.role in CASEWORKERS else []
    return [
        *queue,
        Tile(
            "overdue", _("辖区超期申请"), overdue.count(), f"{applications}?deadline=overdue", tone="danger"
        ),
        Tile(
            "due_soon",
            _("辖区即将到期申请"),
            due_soon.count(),
            f"{applications}?deadline=due_soon",
            tone="warning",
        ),
    ]


def _reviews(actor: User, today: dt.date) -> list[Tile]:
    reviews = review_queue(actor=actor, status=ReviewStatus.OPEN)
    due = reviews.filter(due_on__lte=today).count()
    return [
        Tile(
            "reviews",
            _("待复核"),
            reviews.count(),
            reverse("enrolments:reviews"),
            note=_("其中已到期 %(due)s 件") % {"due": due},
            tone="warning" if due else "",
        )
    ]


def _alerts(actor: User) -> list[Tile]:
    url = reverse("monitoring:alert_list")
    open_alerts = alert_list(actor=actor, filters=AlertFilters(status="open"))
    overdue = alert_list(actor=actor, filters=AlertFilters(status="open", overdue=True))
    return [
        Tile("alerts", _("待处置预警"), open_alerts.count(), f"{url}?status=open"),
        Tile(
            "alerts_overdue",
            _("超期未处置预警"),
            overdue.count(),
            f"{url}?status=open&overdue=on",
            tone="danger",
        ),
    ]


def _payments(actor: User, workbench: Workbench, today: dt.date) -> list[Tile]:
    month = month_start(today)
    payrolls = payroll_visible(actor)
    workbench.payroll = payrolls.filter(month=month).order_by("-id").first()
    workbench.payroll_month = month_label(month)
    workbench.payroll_url = reverse("payments:payroll_list")
    if not actor.can(Capability.MANAGE_PAYMENTS):
        return []
    waiting = payrolls.filter(status=PayrollStatus.SUBMITTED).exclude(generated_by=actor).count()
    return [
        Tile(
            "payroll_approval",
            _("待我审核的发放批次"),
            waiting,
            f"{workbench.payroll_url}?status={PayrollStatus.SUBMITTED.value}",
            note=_("发放批次须由生成人以外的县级人员审核"),
            tone="warning" if waiting else "",
        )
    ]


def _current(month: dt.date) -> Q:
    """Enrolments paying in ``month``: started, not ended before it (the payroll's notion of current)."""
    return Q(starts_month__lte=month) & (Q(ends_month__isnull=True) | Q(ends_month__gte=month))


def _area(actor: User, workbench: Workbench, today: dt.date) -> None:
    """The recipients of the area by programme this month, and the trend of the last twelve months — one
    grouped query and one query of twelve conditional counts."""
    month = month_start(today)
    enrolments = Enrolment.objects.visible_to(actor).exclude(status=EnrolmentStatus.SUSPENDED)
    rows = (
        enrolments.filter(_current(month))
        .values("programme")
        .annotate(
            households=Count("household", distinct=True),
            # a household programme counts the household's members, a person programme the person
            # (the payment statistics count the same way)
            persons=Sum(Case(When(person__isnull=True, then=F("household__member_count")), default=Value(1))),
        )
        .order_by("programme")
    )
    workbench.figures = [
        ProgrammeFigure(
            r["programme"],
            programme_label(r["programme"]),
            r["households"],
            r["persons"] or 0,
        )
        for r in rows
    ]
    months = [add_months(month, -back) for back in range(TREND_MONTHS - 1, -1, -1)]
    counts = enrolments.aggregate(**{f"m{i}": Count("id", filter=_current(m)) for i, m in enumerate(months)})
    workbench.trend = {
        "months": [f"{m:%Y-%m}" for m in months],
        "enrolments": [counts[f"m{i}"] for i in range(len(months))],
    }


def workbench_for(*, actor: User, today: dt.date | None = None) -> Workbench:
    """The home page of ``actor``: the tiles its capabilities call for (see the module docstring)."""
    today = today or timezone.localdate()
    workbench = Workbench()
    if actor.can(Capability.ACCEPT_APPLICATIONS) or actor.can(Capability.ASSESS):
        workbench.tiles += _casework(actor, today)
    if actor.can(Capability.MANAGE_ENROLMENTS):
        workbench.tiles += _reviews(actor, today)
    if actor.can(Capability.MONITOR):
        workbench.tiles += _alerts(actor)
    if actor.can(Capability.VIEW_PAYMENTS):
        workbench.tiles += _payments(actor, workbench, today)
    if actor.role in SUPERVISORS or actor.can(Capability.MANAGE_PAYMENTS):
        _area(actor, workbench, today)
    if actor.can(Capability.VIEW_REGISTRY):
        workbench.registry = registry_counts(actor=actor)
    return workbench
