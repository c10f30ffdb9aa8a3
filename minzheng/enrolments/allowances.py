"""Allowances enrolled straight from the registry, without an application, where the rules allow (issue 5
§1): the senior allowance (高龄津贴). Inner Mongolia made it universal for registered residents from
2017-01-01 (普惠制, policy-rules.md §6.1): everyone aged 80–99 receives 100 元/月 and 100+ 600 元/月 — the
brackets are the effective-dated parameter ``senior_allowance.brackets`` resolved per place, so league/city
top-ups are data.

``senior_allowance_enrol`` runs for one month, set-based: one query for the places, one for the candidates,
one for their current enrolments, then bulk inserts (new enrolments and their periods) and bulk updates
(bracket changes: the running period is closed at the month and a new one opened). Re-running the same
month changes nothing. A person counts from the first month that starts on or after the birthday at which
they reach the bracket age (age on the 1st of the month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.divisions.models import Division
from minzheng.enrolments.models import (
    ChangeKind,
    Enrolment,
    EnrolmentChange,
    EnrolmentSource,
    EnrolmentStatus,
    EntitlementPeriod,
)
from minzheng.policy.selectors import parameter_values
from minzheng.registry.models import Household, Person

PROGRAMME = "senior_allowance"
BASIS = "《老年人权益保障法》第33条；内蒙古自治区高龄津贴制度（2017-01-01 起普惠）"


@dataclass(frozen=True)
class AllowanceRun:
    month: dt.date
    enrolled: int
    changed: int


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _bracket_amount(brackets: list[dict[str, object]], age: int) -> Decimal | None:
    for bracket in brackets:
        low, high = int(str(bracket["age_min"])), bracket["age_max"]
        if age >= low and (high is None or age <= int(str(high))):
            return Decimal(str(bracket["amount"]))
    return None


def _township_ids(codes: set[str]) -> dict[str, int]:
    townships = {code[:9] + "000" for code in codes}
    return dict(Division.objects.filter(code__in=townships).values_list("code", "id"))


def senior_allowance_enrol(*, month: dt.date, actor: User | None = None, within: str = "") -> AllowanceRun:
    """Enrol everyone who has reached a bracket age by ``month`` (the 1st) and is not yet enrolled, and move
    enrolled persons to a new bracket's amount from ``month``. ``within`` limits the run to a division code
    prefix (a county); ``ParameterMissing`` when a place has no brackets in force (nothing is written)."""
    households = (
        Household.objects.filter(hukou_division__code__startswith=within) if within else Household.objects
    )
    places = set(households.values_list("hukou_division__code", "urban_rural").distinct())
    if not places:
        return AllowanceRun(month, 0, 0)
    resolved = parameter_values("senior_allowance.brackets", month, places)
    youngest = min(int(b["age_min"]) for r in resolved.values() for b in r.value)
    born_by = dt.date(month.year - youngest, month.month, 1)
    candidates = list(
        Person.objects.filter(
            Q(death_date__isnull=True) | Q(death_date__gte=month),
            household__isnull=False,
            birth_date__lte=born_by,
            household__hukou_division__code__startswith=within,
        ).values_list(
            "id", "birth_date", "household_id", "household__hukou_division__code", "household__urban_rural"
        )
    )
    current = {
        person: (pk, amount)
        for person, pk, amount in Enrolment.objects.filter(
            programme=PROGRAMME, person_id__in=[c[0] for c in candidates]
        )
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("person_id", "id", "monthly_amount")
    }
    townships = _township_ids({c[3] for c in candidates})
    new: list[Enrolment] = []
    changes: dict[int, tuple[Decimal, Decimal]] = {}
    for person_id, birth, household_id, code, urban_rural in candidates:
        amount = _bracket_amount(resolved[(code, urban_rural)].value, _age_on(birth, month))
        if amount is None:
            continue
        if person_id not in current:
            new.append(
                Enrolment(
                    programme=PROGRAMME,
                    household_id=household_id,
                    person_id=person_id,
                    division_id=townships[code[:9] + "000"],
                    source=EnrolmentSource.REGISTRY_RULE,
                    decision_ref=f"按年龄直接纳入（{month:%Y-%m}）",
                    starts_month=month,
                    monthly_amount=amount,
                    created_by=actor,
                )
            )
        elif current[person_id][1] != amount:
            changes[current[person_id][0]] = (current[person_id][1], amount)
    with transaction.atomic():
        _write(new, changes, month, actor)
        event_record(
            actor=actor,
            verb="enrolment.senior_allowance_run",
            object_type="programme",
            object_id=PROGRAMME,
            division_code=within,
            summary=f"高龄津贴 {month:%Y-%m}：新纳入 {len(new)} 人，调整档次 {len(changes)} 人",
        )
    return AllowanceRun(month, len(new), len(changes))


def _write(
    new: list[Enrolment], changes: dict[int, tuple[Decimal, Decimal]], month: dt.date, actor: User | None
) -> None:
    Enrolment.objects.bulk_create(new, batch_size=5000)
    EntitlementPeriod.objects.bulk_create(
        [
            EntitlementPeriod(
                enrolment=e,
                from_month=month,
                monthly_amount=e.monthly_amount,
                reason="达到高龄津贴年龄",
                basis=BASIS,
                recorded_by=actor,
            )
            for e in new
        ],
        batch_size=5000,
    )
    if not changes:
        return
    ids = list(changes)
    EntitlementPeriod.objects.filter(
        enrolment_id__in=ids, until_month__isnull=True, from_month__lt=month
    ).update(until_month=month)
    EntitlementPeriod.objects.bulk_create(
        [
            EntitlementPeriod(
                enrolment_id=pk,
                from_month=month,
                monthly_amount=after,
                reason="高龄津贴档次调整",
                basis=BASIS,
                recorded_by=actor,
            )
            for pk, (_before, after) in changes.items()
        ],
        batch_size=5000,
    )
    EnrolmentChange.objects.bulk_create(
        [
            EnrolmentChange(
                enrolment_id=pk,
                kind=ChangeKind.INCREASE if after > before else ChangeKind.DECREASE,
                effective_month=month,
                amount_before=before,
                amount_after=after,
                status_before="active",
                status_after="active",
                reason="年龄进入新的津贴档次",
                basis=BASIS,
                recorded_by=actor,
            )
            for pk, (before, after) in changes.items()
        ],
        batch_size=5000,
    )
    enrolments = list(Enrolment.objects.filter(pk__in=ids))
    for enrolment in enrolments:
        enrolment.monthly_amount = changes[enrolment.pk][1]
    Enrolment.objects.bulk_update(enrolments, ["monthly_amount"], batch_size=5000)
