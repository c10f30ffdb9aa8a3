"""Reads of the 信访 register. Every page, export, PDF and API endpoint reads through ``petition_queryset``,
which adds the confidentiality rule of issue 20 §5 to the jurisdiction scope: a complaint naming a staff
member is invisible to that member and to every user of their unit (their division and the divisions below
it); users above the unit see it. The petitioner's identity is shown only to the handlers of the matter
(``identity_visible``), and every reveal is logged (``services`` → ``audit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability, Role
from minzheng.common.errors import NotFound
from minzheng.divisions.models import Division
from minzheng.petitions import rules
from minzheng.petitions.models import Petition, PetitionEvent
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.rules import jurisdiction_chain
from minzheng.policy.selectors import parameter_value
from minzheng.portal.models import PortalAccount
from minzheng.portal.selectors.accounts import account_household_require
from minzheng.registry.models import Household


def limits_in_force(division: Division, day: dt.date) -> rules.Limits:
    """The ``petitions.*`` parameters in force for the unit on the day; a missing one is ``None`` (the limit
    it feeds says 需人工核定), never a guessed number."""
    return rules.Limits(**{name: limit_in_force(name, division, day) for name in rules.LIMIT_FIELDS})


def limit_in_force(name: str, division: Division, day: dt.date) -> int | None:
    """One ``petitions.<name>`` parameter, or ``None`` when none is in force."""
    try:
        return int(parameter_value(f"petitions.{name}", division, day).value)
    except ParameterMissing:
        return None


def portal_household(*, account: PortalAccount) -> Household:
    return account_household_require(account=account)


def can_read(actor: Any) -> bool:
    return bool(actor.can(Capability.VIEW_PETITIONS) or actor.can(Capability.HANDLE_PETITIONS))


def petition_queryset(actor: User) -> QuerySet[Petition]:
    """The petitions the actor may know exist: the jurisdiction (responsible unit), minus complaints naming
    the actor, minus complaints naming anyone of the actor's own unit or a unit above the actor's within
    the accused's subtree (i.e. the actor's division or an ancestor of it is the accused's unit)."""
    if not getattr(actor, "is_authenticated", False) or not can_read(actor) or actor.division is None:
        return Petition.objects.none()
    own_chain = jurisdiction_chain(actor.division.code)  # the actor's division and its ancestors
    return (
        Petition.objects.visible_to(actor)
        .exclude(accused_user_id=actor.pk)
        .exclude(accused_division__code__in=own_chain)
    )


def identity_visible(actor: User, petition: Petition) -> bool:
    """The handlers of the matter: its handler, whoever registered it or acted on it, and the 信访 office of
    the responsible unit itself (its petition handlers); everyone else, the units above included, sees it
    masked."""
    if not actor.can(Capability.HANDLE_PETITIONS):
        return False
    if actor.pk in (petition.handler_id, petition.registered_by_id):
        return True
    if actor.role == Role.PETITION_HANDLER and actor.division_id == petition.division_id:
        return True
    return PetitionEvent.objects.filter(petition=petition, actor_id=actor.pk).exists()


@dataclass(frozen=True)
class PetitionFilters:
    search: str = ""  # number or subject
    status: str = ""
    kind: str = ""
    matter_type: str = ""
    channel: str = ""
    due_state: str = ""
    division: str = ""  # a division code prefix within the jurisdiction
    escalated: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    sort: str = "-received"


SORTS = {
    "received": ("received_on", "id"),
    "due": ("current_due_on", "id"),
    "number": ("number",),
    "status": ("status", "id"),
}


def petition_list(*, actor: User, filters: PetitionFilters) -> QuerySet[Petition]:
    rows = petition_queryset(actor)
    if filters.division:
        rows = rows.filter(division__code__startswith=filters.division.rstrip("0") or filters.division)
    if filters.search.strip():
        term = filters.search.strip()
        rows = rows.filter(Q(number__icontains=term) | Q(subject__icontains=term))
    for name in ("status", "kind", "matter_type", "channel", "due_state"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{name: value})
    if filters.escalated:
        rows = rows.filter(escalated_at__isnull=False)
    if filters.received_from:
        rows = rows.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        rows = rows.filter(received_on__lte=filters.received_to)
    key = filters.sort.lstrip("-")
    order = SORTS.get(key, SORTS["received"])
    descending = filters.sort.startswith("-")
    return rows.select_related("division", "handler").order_by(*[f"-{f}" if descending else f for f in order])


def petition_get(*, actor: User, pk: int) -> Petition:
    petition = petition_queryset(actor).select_related(
        "division", "received_division", "handler", "registered_by", "accused_user", "accused_division",
        "escalated_to", "application", "enrolment", "alert", "repeat_of",
    ).filter(pk=pk).first()  # fmt: skip
    if petition is None:
        raise NotFound("信访事项不存在或不在您的管辖范围内")
    return petition


@dataclass
class PetitionDetail:
    petition: Petition
    events: list[PetitionEvent]
    actions: list[rules.Transition]
    identity_visible: bool
    repeats: list[Petition] = field(default_factory=list)


def petition_detail(*, actor: User, pk: int) -> PetitionDetail:
    petition = petition_get(actor=actor, pk=pk)
    events = list(petition.events.select_related("actor"))
    handles = actor.can(Capability.HANDLE_PETITIONS)
    actions = [t for t in rules.actions_from(petition.status) if handles]
    original_id = petition.repeat_of_id or petition.pk
    repeats = list(
        petition_queryset(actor)
        .filter(Q(pk=original_id) | Q(repeat_of_id=original_id))
        .exclude(pk=petition.pk)
        .order_by("received_on")
    )
    return PetitionDetail(petition, events, actions, identity_visible(actor, petition), repeats)


def handler_choices(*, actor: User, petition: Petition) -> list[tuple[int, str]]:
    """Staff who may handle petitions in the actor's jurisdiction, minus the accused and their unit."""
    users = User.objects.visible_to(actor).filter(is_active=True).select_related("division")
    accused_code = petition.accused_division.code if petition.accused_division else None
    return [
        (u.pk, f"{u}（{u.division.name if u.division else ''}）")
        for u in users.order_by("division__code", "username")[:500]
        if u.can(Capability.HANDLE_PETITIONS)
        and u.division is not None
        and not rules.route_refusal(
            u.division.code, accused_code, target_is_accused=u.pk == petition.accused_user_id
        )
    ]


def unit_choices(*, actor: User, petition: Petition | None = None) -> list[tuple[str, str]]:
    """The units (region to township) of the actor's jurisdiction, minus an accused's unit."""
    if actor.division is None:
        return []
    divisions = Division.objects.filter(code__startswith=actor.division.short_code, level__lte=4)
    accused_code = petition.accused_division.code if petition and petition.accused_division else None
    return [
        (d.code, d.name)
        for d in divisions.order_by("code")[:400]
        if not rules.route_refusal(d.code, accused_code)
    ]


# --- the portal -----------------------------------------------------------------------------------------


def portal_petitions(*, account: PortalAccount) -> QuerySet[Petition]:
    return Petition.objects.filter(portal_account=account).order_by("-received_on", "-id")


def portal_petition(*, account: PortalAccount, pk: int) -> Petition:
    petition = portal_petitions(account=account).filter(pk=pk).first()
    if petition is None:
        raise NotFound("信访事项不存在")
    return petition


def public_questions(*, search: str = "") -> QuerySet[Petition]:
    """Answered policy questions that staff marked publishable, in the wording staff wrote for the public.
    Only the public fields are read (``values``), so no personal data can reach the page."""
    rows = Petition.objects.filter(
        publishable=True, kind=rules.Kind.QUESTION, replied_on__isnull=False
    ).exclude(public_answer="")
    if search.strip():
        rows = rows.filter(
            Q(public_question__icontains=search.strip()) | Q(public_answer__icontains=search.strip())
        )
    return rows.order_by("-replied_on", "-id")


def _by_unit(actor: User, rows: QuerySet[Petition]) -> list[tuple[str, int, int]]:
    """Received and overdue per unit one level below the actor (and the actor's own level): one grouped
    query over the responsible units, summed into the children by code prefix."""
    if actor.division is None:
        return []
    counts = rows.values("division__code").annotate(
        n=Count("id"), late=Count("id", filter=Q(due_state=rules.DueState.OVERDUE))
    )
    children = list(Division.objects.filter(parent=actor.division).order_by("code"))
    own = [0, 0]
    totals = {child.pk: [0, 0] for child in children}
    for row in counts:
        code = row["division__code"]
        target = next((totals[c.pk] for c in children if code.startswith(c.short_code)), own)
        target[0] += row["n"]
        target[1] += row["late"]
    result = [(c.name, *totals[c.pk]) for c in children if totals[c.pk][0]]
    if own[0]:
        result.insert(0, (f"{actor.division.name}（本级）", own[0], own[1]))
    return result  # type: ignore[return-value]


# --- the dashboard --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    received: int
    replied: int
    on_time: int
    overdue: int
    due_soon: int
    escalated: int
    satisfied: int
    evaluated: int
    by_matter: list[tuple[str, int]]
    by_division: list[tuple[str, int, int]]  # name, received, overdue
    by_status: list[tuple[str, int]]

    @property
    def on_time_rate(self) -> str:
        return f"{self.on_time * 100 / self.replied:.1f}%" if self.replied else "—"

    @property
    def satisfaction_rate(self) -> str:
        return f"{self.satisfied * 100 / self.evaluated:.1f}%" if self.evaluated else "—"


def dashboard(*, actor: User, start: dt.date | None = None, end: dt.date | None = None) -> Dashboard:
    """Received, on-time rate (replied within the handling limit, 第三十四条), overdue, by matter type and by
    the units one level below the actor (a handful of aggregate queries)."""
    end = end or timezone.localdate()
    start = start or end.replace(month=1, day=1)
    rows = petition_queryset(actor).filter(received_on__gte=start, received_on__lte=end)
    totals = rows.aggregate(
        received=Count("id"),
        replied=Count("id", filter=Q(replied_on__isnull=False)),
        on_time=Count("id", filter=Q(replied_on_time=True)),
        overdue=Count("id", filter=Q(due_state=rules.DueState.OVERDUE)),
        due_soon=Count("id", filter=Q(due_state=rules.DueState.DUE_SOON)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        satisfied=Count("id", filter=Q(satisfaction__in=["satisfied", "basically"])),
        evaluated=Count("id", filter=~Q(satisfaction="")),
    )
    matter = dict(rows.values_list("matter_type").annotate(n=Count("id")).values_list("matter_type", "n"))
    status = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    by_division = _by_unit(actor, rows)
    return Dashboard(
        **totals,
        by_matter=[(label, matter.get(str(code), 0)) for code, label in rules.MATTER_LABELS.items()],
        by_division=by_division,
        by_status=[
            (label, status[str(code)]) for code, label in rules.STATUS_LABELS.items() if str(code) in status
        ],
    )


def portal_cases(*, account: PortalAccount) -> list[tuple[str, str]]:
    """The applicant's own household's applications and enrolments, as ``a:<id>`` / ``e:<id>`` choices."""
    from minzheng.applications.models import Application
    from minzheng.catalogue.programmes import label
    from minzheng.enrolments.models import Enrolment

    household = portal_household(account=account)
    choices = [
        (f"a:{a.pk}", f"申请 {a.number or a.pk}（{label(a.programme)}）")
        for a in Application.objects.filter(household=household).order_by("-id")[:50]
    ]
    choices += [
        (f"e:{e.pk}", f"在保 {label(e.programme)}")
        for e in Enrolment.objects.filter(household=household).order_by("-id")[:50]
    ]
    return choices
