"""Reads for the benefit engine: stored households as ``HouseholdFacts``, and an assessment of one.

``household_facts_many`` is the batch path (set-based, no actor: the caller has already scoped the ids);
``household_facts`` and ``household_assess`` are the per-household reads of the pages, scoped with
``Household.objects.visible_to(actor)``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AssetFact, HouseholdFacts, IncomeFact, MemberFacts, TemporaryRequest
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import AssessmentResult
from minzheng.common.errors import NotFound
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership

MEMBER_FIELDS = (
    "household_id", "person_id", "relation_to_head", "joined_on", "person__name", "person__birth_date",
    "person__sex", "person__disability_category", "person__disability_grade", "person__self_care",
    "person__serious_illness", "person__employment_status", "person__school_enrolment",
    "person__death_date",
)  # fmt: skip
INCOME_FIELDS = ("household_id", "person_id", "category", "amount", "period_start", "period_end")
ASSET_FIELDS = ("household_id", "person_id", "category", "value", "exempt")


def _active_on(as_of: dt.date) -> Q:
    """A membership active on ``as_of``: joined on or before it, not yet left (left_on is exclusive)."""
    return Q(joined_on__lte=as_of) & (Q(left_on__isnull=True) | Q(left_on__gt=as_of))


def _member_rows(household_ids: Sequence[int], as_of: dt.date) -> dict[int, list[dict[str, Any]]]:
    """Active membership rows joined with their person, per household, head first then person id.

    A person with two memberships of the same household active on ``as_of`` (overlapping history rows)
    is taken once, from the membership joined last."""
    rows = (
        Membership.objects.filter(_active_on(as_of), household_id__in=household_ids)
        .order_by("household_id", "person_id", "-joined_on", "-id")
        .values(*MEMBER_FIELDS)
    )
    by_household: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        by_household[row["household_id"]].setdefault(row["person_id"], row)
    return {
        household_id: sorted(
            people.values(), key=lambda r: (r["relation_to_head"] != RelationToHead.HEAD, r["person_id"])
        )
        for household_id, people in by_household.items()
    }


def _member_facts(row: dict[str, Any]) -> MemberFacts:
    return MemberFacts(
        key=str(row["person_id"]),
        birth_date=row["person__birth_date"],
        sex=row["person__sex"],
        relation_to_head=row["relation_to_head"],
        disability_category=row["person__disability_category"],
        disability_grade=row["person__disability_grade"],
        self_care=row["person__self_care"],
        serious_illness=row["person__serious_illness"],
        employment_status=row["person__employment_status"],
        school_enrolment=row["person__school_enrolment"],
        death_date=row["person__death_date"],
    )


def _by_household(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


def household_facts_many(household_ids: Sequence[int], as_of: dt.date) -> dict[int, HouseholdFacts]:
    """``HouseholdFacts`` of stored households on ``as_of``, keyed by household id. Four queries whatever
    the number of households (households; memberships joined with persons; incomes; assets). Not scoped:
    the caller passes ids it may read. Unknown ids are absent from the result.

    The mapping is a contract (the columnar DuckDB 低保 rule is tested for parity against it):

    * ``division_code`` = ``household.hukou_division.code`` (12 digits); ``urban_rural`` =
      ``household.urban_rural``; ``household_key`` = ``str(household.pk)``; ``as_of`` = ``as_of``.
    * ``members``: the persons whose ``Membership`` of the household is active on ``as_of``
      (``joined_on <= as_of`` and (``left_on`` is null or ``left_on > as_of``)), ordered head first
      (``relation_to_head == "head"``), then by person id. A person with two such memberships of the same
      household counts once. ``MemberFacts(key=str(person.pk), birth_date, sex,
      relation_to_head=membership.relation_to_head, disability_category, disability_grade, self_care,
      serious_illness, employment_status, school_enrolment, death_date)`` with the registry's stored
      codes unchanged (they are the engine's: ``DisabilityCategory``/``SelfCare`` values, blank stays
      ``""``); every other ``MemberFacts`` field keeps its default. A household with no active member
      gets ``members=()`` (the engine refuses it: 家庭没有成员).
    * ``incomes``: the household's ``IncomeRecord`` rows, in id order, whose person is null
      (``person_key=None``, the whole household's) or one of the members above; records of persons who
      are not members on ``as_of`` are left out. ``IncomeFact(person_key=str(person_id) or None,
      category, amount, period_start, period_end)``; every period is passed, the engine picks the
      reference period.
    * ``assets``: the household's ``AssetRecord`` rows, in id order, with the same membership rule:
      ``AssetFact(category, value, exempt, person_key)``.
    * ``rigid_expenses=()``, ``programmes_received=frozenset()``, ``previous_enrolment=None``: the
      registry does not store them yet; enrolments (and so 渐退期 and the programmes received) come
      with the enrolment issue.
    """
    ids = list(dict.fromkeys(household_ids))
    households = Household.objects.filter(pk__in=ids).values_list("pk", "hukou_division__code", "urban_rural")
    members = _member_rows(ids, as_of)
    incomes = _by_household(
        IncomeRecord.objects.filter(household_id__in=ids).order_by("id").values_list(*INCOME_FIELDS)
    )
    assets = _by_household(
        AssetRecord.objects.filter(household_id__in=ids).order_by("id").values_list(*ASSET_FIELDS)
    )
    result: dict[int, HouseholdFacts] = {}
    for pk, division_code, urban_rural in households:
        people = members.get(pk, [])
        keys = {row["person_id"] for row in people}
        result[pk] = HouseholdFacts(
            division_code=division_code,
            urban_rural=urban_rural,
            as_of=as_of,
            members=tuple(_member_facts(row) for row in people),
            incomes=tuple(
                IncomeFact(_key(person_id), category, Decimal(amount), start, end)
                for _, person_id, category, amount, start, end in incomes.get(pk, [])
                if person_id is None or person_id in keys
            ),
            assets=tuple(
                AssetFact(category, Decimal(value), exempt, _key(person_id))
                for _, person_id, category, value, exempt in assets.get(pk, [])
                if person_id is None or person_id in keys
            ),
            household_key=str(pk),
        )
    return result


def _key(person_id: int | None) -> str | None:
    return None if person_id is None else str(person_id)


def _visible_household_id(actor: Any, household_id: int) -> int:
    if not Household.objects.visible_to(actor).filter(pk=household_id).exists():
        raise NotFound("家庭不存在或不在您的管辖范围内", field="household")
    return household_id


def household_facts(*, actor: Any, household_id: int, as_of: dt.date) -> HouseholdFacts:
    """The facts of one household the actor may see (``NotFound`` otherwise); see
    ``household_facts_many`` for the mapping."""
    pk = _visible_household_id(actor, household_id)
    return household_facts_many([pk], as_of)[pk]


def household_member_names(*, actor: Any, household_id: int, as_of: dt.date) -> list[tuple[str, str]]:
    """``(person key, name)`` of the members active on ``as_of``, in the order of the facts (head first,
    then person id): the member choices and the key → name map of the assessment page."""
    pk = _visible_household_id(actor, household_id)
    return [(str(row["person_id"]), row["person__name"]) for row in _member_rows([pk], as_of).get(pk, [])]


def household_assess(
    *,
    actor: Any,
    household_id: int,
    programme: str,
    as_of: dt.date,
    person_key: str | None = None,
    temporary_request: TemporaryRequest | None = None,
) -> AssessmentResult:
    """Assess ``programme`` for a household the actor may see, with the policy parameters in force on
    ``as_of`` (``SelectorParams``). Raises ``NotFound`` for a household out of scope and the engine's
    ``DomainError`` subclasses (``ParameterMissing``, ``HouseholdInconsistent``, ``UnknownProgramme``…)."""
    facts = household_facts(actor=actor, household_id=household_id, as_of=as_of)
    return assess(
        programme, facts, SelectorParams(), person_key=person_key, temporary_request=temporary_request
    )
