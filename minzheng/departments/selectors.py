"""Reads of the departments area: an application's automatic checks with their evidence, and a department
user's referrals — only those sent to the user's department in the user's division, and within them only
the fields the department needs in clear (``rules.REFERRAL_FIELDS``); every read of a referral's person is
logged in the personal-data access log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.audit.services import personal_data_access_record
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.masking import mask_name, mask_phone
from minzheng.departments import rules
from minzheng.departments.models import CheckedMember, CheckEvidence, ReferralHandling, SourceCheck
from minzheng.departments.rules import Field, Figures, ReferralState
from minzheng.monitoring.models import Referral
from minzheng.monitoring.rules import FEEDS
from minzheng.registry.models import Person


def check_lines(check: SourceCheck) -> list[str]:
    """The differences of a check, or the department's returned result when a returned file set it."""
    source = rules.SOURCE_BY_CODE[check.source]
    if check.exchange_id:
        note = f"：{check.returned_note}" if check.returned_note else ""
        return [f"{source.department}回传文件核对结果{note}"]
    return rules.difference_lines(source, check_figures(check))


def check_figures(check: SourceCheck) -> Figures:
    return Figures(
        check.members_total,
        check.members_with_data,
        check.flagged_count,
        check.found_amount,
        check.declared_amount,
        check.declared_count,
    )


@dataclass(frozen=True)
class EvidenceRow:
    person: str
    feed: str
    event_date: dt.date
    amount: Decimal | None
    code: str
    id_masked: str


@dataclass
class CheckView:
    check: SourceCheck
    source: rules.Source
    outcome_label: str
    lines: list[str]
    evidence: list[EvidenceRow] = field(default_factory=list)
    members_without_data: list[str] = field(default_factory=list)


def application_checks(actor: User, application_id: int) -> list[CheckView]:
    """The current automatic checks of an application in the actor's jurisdiction, sources in their order,
    with the evidence (date order) and the members that have no record of the source."""
    application = Application.objects.visible_to(actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound("申请不存在或不在您的管辖范围内")
    checks = {c.source: c for c in SourceCheck.objects.filter(application=application, current=True)}
    if not checks:
        return []
    run_id = next(iter(checks.values())).run_id
    members = dict(
        CheckedMember.objects.filter(run_id=run_id, application=application).values_list(
            "person_id", "person__name"
        )
    )
    evidence: dict[int, list[EvidenceRow]] = {}
    with_data: dict[int, set[int]] = {}
    rows = (
        CheckEvidence.objects.filter(check_row__in=checks.values())
        .select_related("record", "person")
        .order_by("record__event_date", "record_id")
    )
    for e in rows:
        spec = FEEDS.get(e.record.feed)
        evidence.setdefault(e.check_row_id, []).append(
            EvidenceRow(
                e.person.name,
                spec.label if spec else e.record.feed,
                e.record.event_date,
                e.record.amount,
                _code_label(e.record.feed, e.record.code),
                e.record.id_masked,
            )
        )
        with_data.setdefault(e.check_row_id, set()).add(e.person_id)
    views = []
    for source in rules.SOURCES:
        check = checks.get(source.code)
        if check is None:
            continue
        missing = [name for pk, name in members.items() if pk not in with_data.get(check.pk, set())]
        views.append(
            CheckView(
                check,
                source,
                rules.Outcome(check.outcome).label,
                check_lines(check),
                evidence.get(check.pk, []),
                missing,
            )
        )
    return views


def _code_label(feed: str, code: str) -> str:
    spec = FEEDS.get(feed)
    if spec is None or not code:
        return code
    column = next((c for c in spec.columns if c.role == "code"), None)
    return column.choices.get(code, code) if column else code


# --- department users -----------------------------------------------------------------------------------


def department_of(actor: User) -> str:
    department = rules.ROLE_DEPARTMENT.get(actor.role)
    if department is None or not actor.is_active:
        raise PermissionDenied("您的角色不能办理部门转办事项")
    return department.value


def department_referrals(actor: User) -> QuerySet[Referral]:
    """Referrals to the actor's department whose alert lies in the actor's division."""
    department = department_of(actor)
    prefix = actor.scope_prefix
    if not prefix:
        return Referral.objects.none()
    return (
        Referral.objects.filter(department=department, alert__division__code__startswith=prefix)
        .select_related("alert__division", "alert__rule", "handling")
        .order_by("-referred_at", "-id")
    )


def referral_for_department(actor: User, referral_id: int, *, lock: bool = False) -> Referral:
    queryset = department_referrals(actor)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    referral = queryset.filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("转办记录不存在或不是转给本部门的")
    return referral


def referral_state(referral: Referral) -> str:
    try:
        return referral.handling.state
    except ReferralHandling.DoesNotExist:
        return ReferralState.REPLIED if referral.feedback else ReferralState.OPEN


@dataclass(frozen=True)
class PersonFields:
    """The person of a referral as the department sees it: clear where the department needs the field."""

    values: dict[str, str]
    revealed: list[str]


def _person_fields(person: Person, needed: frozenset[Field]) -> PersonFields:
    household = person.household
    address = (household.residence_address or household.hukou_address) if household else ""
    clear = {
        Field.NAME: person.name,
        Field.ID_NUMBER: person.id_number,
        Field.PHONE: person.phone,
        Field.ADDRESS: address,
    }
    masked = {
        Field.NAME: mask_name(person.name),
        Field.ID_NUMBER: person.id_number_masked,
        Field.PHONE: mask_phone(person.phone) if person.phone_encrypted else "",
        Field.ADDRESS: "（不向本部门提供）" if address else "",
    }
    values = {str(rules.FIELD_LABELS[f]): (clear[f] if f in needed else masked[f]) for f in Field}
    return PersonFields(values, sorted(f.value for f in needed))


def referral_person(actor: User, referral: Referral, ip_address: str | None = None) -> PersonFields:
    """The referral's subject (the alert's person, else the household head) with the department's fields in
    clear; the read is logged with the fields shown in clear."""
    alert = referral.alert
    person_id = alert.person_id or alert.household.head_id
    if person_id is None:
        raise NotFound("转办事项没有对应的人员")
    person = Person.objects.select_related("household").get(pk=person_id)
    needed = rules.REFERRAL_FIELDS[rules.Department(referral.department)]
    shown = _person_fields(person, needed)
    personal_data_access_record(
        actor=actor,
        fields=shown.revealed,
        purpose=f"部门办理转办事项 {referral.pk}",
        person_id=person.pk,
        household_id=alert.household_id,
        ip_address=ip_address,
    )
    return shown
