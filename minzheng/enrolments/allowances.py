"""Allowances from the registry (issue 5 §1): the senior allowance (高龄津贴) is enrolled straight from the
registry; the two disability subsidies and the orphan allowance are *discovered* (主动发现) and listed as
candidates a caseworker confirms in bulk, because the policy grants them on an application or an
identification (docs/enrolments.md §Allowances from the registry).

高龄津贴: Inner Mongolia made it universal for registered residents from
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

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.divisions.models import Division
from minzheng.enrolments.errors import AlreadyEnrolled, ChangeNotAllowed, EnrolmentInvalid
from minzheng.enrolments.models import (
    AllowanceCandidate,
    CandidateStatus,
    ChangeKind,
    Enrolment,
    EnrolmentChange,
    EnrolmentSource,
    EnrolmentStatus,
    EntitlementPeriod,
)
from minzheng.policy.selectors import parameter_values
from minzheng.registry.choices import DisabilityCategory, RelationToHead
from minzheng.registry.models import Household, Membership, Person

PROGRAMME = Programme.SENIOR_ALLOWANCE
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


# --- proactive discovery: the two disability subsidies and the orphan allowance -----------------------------

LIVING = Programme.DISABILITY_LIVING_SUBSIDY
CARE = Programme.SEVERE_DISABILITY_CARE_SUBSIDY
ORPHAN = Programme.ORPHAN_ALLOWANCE
DISABILITY_BASIS = (
    "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）"
)
ORPHAN_BASIS = "《国务院办公厅关于加强孤儿保障工作的意见》（国办发〔2010〕54号）"
# Who, by relation to the head, could be a minor's parent within the same household (GB/T 4761 groups).
PARENT_RELATIONS: dict[str, tuple[str, ...]] = {
    "son": ("head", "spouse"),
    "daughter": ("head", "spouse"),
    "grandchild": ("son", "daughter", "child_in_law"),
    "head": ("parent",),
    "sibling": ("parent",),
}
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DiscoveryRun:
    month: dt.date
    found: dict[Programme, int]  # programme → new candidates
    already: int  # enrolled or already proposed (pending or dismissed): not proposed again

    @property
    def total(self) -> int:
        return sum(self.found.values())


def _known(programmes: tuple[str, ...], person_ids: set[int]) -> set[tuple[int, str]]:
    """(person, programme) already enrolled (not ended) or already proposed (pending or dismissed)."""
    enrolled = (
        Enrolment.objects.filter(programme__in=programmes, person_id__in=person_ids)
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("person_id", "programme")
    )
    proposed = AllowanceCandidate.objects.filter(
        programme__in=programmes,
        person_id__in=person_ids,
        status__in=(CandidateStatus.PENDING, CandidateStatus.DISMISSED),
    ).values_list("person_id", "programme")
    return set(enrolled) | set(proposed)


def _received(household_ids: set[int]) -> dict[int, frozenset[str]]:
    """The household programmes (低保 …) each household receives now (not ended): one query."""
    found: dict[int, set[str]] = {}
    for household_id, programme in (
        Enrolment.objects.filter(household_id__in=household_ids, person__isnull=True)
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("household_id", "programme")
    ):
        found.setdefault(household_id, set()).add(programme)
    return {k: frozenset(v) for k, v in found.items()}


def _candidates_write(
    rows: list[AllowanceCandidate], month: dt.date, actor: User | None, within: str, verb: str, what: str
) -> None:
    with transaction.atomic():
        AllowanceCandidate.objects.bulk_create(rows, batch_size=5000)
        event_record(
            actor=actor,
            verb=verb,
            object_type="programme",
            object_id=verb.rsplit(".", 1)[-1],
            division_code=within,
            summary=f"{what} {month:%Y-%m}：主动发现 {len(rows)} 人，待经办人员确认",
        )


def _candidate(
    programme: str, person_id: int, household_id: int, code: str, townships: dict[str, int], **values: Any
) -> AllowanceCandidate:
    return AllowanceCandidate(
        programme=programme,
        person_id=person_id,
        household_id=household_id,
        division_id=townships[code[:9] + "000"],
        **values,
    )


def disability_subsidies_enrol(
    *, month: dt.date, actor: User | None = None, within: str = "", progress: Progress | None = None
) -> DiscoveryRun:
    """Discover, for ``month`` (the 1st), the registry's persons with a disability certificate who meet the
    engine's rules for 困难残疾人生活补贴 (a member of a 低保 household; not a de-facto orphan receiving the
    full subsidy) and 重度残疾人护理补贴 (a tier of ``disability.care_subsidy_tiers`` holds; long-term care
    is presumed and left to the 残联 review) — 国发〔2015〕52号 §二. Both are granted on a written application
    reviewed by the county 残联 and decided by county civil affairs (§三), so nothing is enrolled here: each
    finding becomes a pending ``AllowanceCandidate`` with the amount the engine computes; the caseworker
    confirms (``allowance_candidates_confirm``) or dismisses them. Set-based: the candidates in one query,
    their households' facts in four (``household_facts_many``), the programmes received and what is already
    enrolled or proposed in one each, one bulk insert. Re-running proposes nobody twice."""
    from minzheng.benefits.columnar import stored_params
    from minzheng.benefits.engine import assess
    from minzheng.benefits.selectors import household_facts_many

    month = month.replace(day=1)
    pairs = list(
        Membership.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=month),
            Q(person__death_date__isnull=True) | Q(person__death_date__gt=month),
            joined_on__lte=month,
            person__disability_grade__isnull=False,
            household__hukou_division__code__startswith=within,
        ).values_list(
            "household_id",
            "person_id",
            "household__hukou_division__code",
            "person__disability_category",
            "person__disability_grade",
        )
    )
    if progress:
        progress(1, 3, f"有残疾等级的人员 {len(pairs)} 人")
    households = {row[0] for row in pairs}
    facts = household_facts_many(list(households), month)
    received = _received(households)
    known = _known((LIVING, CARE), {row[1] for row in pairs})
    townships = _township_ids({row[2] for row in pairs})
    params = stored_params()
    if progress:
        progress(2, 3, "按补贴规则测算")
    rows: list[AllowanceCandidate] = []
    already = 0
    for household_id, person_id, code, category, grade in pairs:
        household = dataclasses.replace(
            facts[household_id], programmes_received=received.get(household_id, frozenset())
        )
        for programme in (LIVING, CARE):
            result = assess(programme, household, params, person_key=str(person_id))
            if not result.eligible:
                continue
            if (person_id, programme) in known:
                already += 1
                continue
            rows.append(
                _candidate(
                    programme,
                    person_id,
                    household_id,
                    code,
                    townships,
                    found_month=month,
                    monthly_amount=result.monthly_amount,
                    level=_level(programme, result, grade),
                    reason=_why(programme, result, category, grade)[:300],
                    basis=DISABILITY_BASIS,
                )
            )
    _candidates_write(rows, month, actor, within, "enrolment.disability_discovery", "残疾人两项补贴")
    if progress:
        progress(3, 3, f"主动发现 {len(rows)} 人")
    found = {LIVING: sum(r.programme == LIVING for r in rows), CARE: sum(r.programme == CARE for r in rows)}
    return DiscoveryRun(month, found, already)


def _level(programme: str, result: Any, grade: int | None) -> str:
    """The grade for the living subsidy; the care tier's label (the engine's reason quotes it)."""
    if programme == CARE:
        quoted = re.search(r"档次“([^”]+)”", result.reasons[-1].message_zh)
        return (quoted.group(1) if quoted else result.level)[:40]
    return f"{grade}级"


def _why(programme: str, result: Any, category: str, grade: int | None) -> str:
    """Why the person was found, in the caseworker's words (the engine's deciding reason)."""
    held = f"持残疾人证（{DisabilityCategory(category).label}{grade}级）"
    if programme == LIVING:
        return f"{held}，所在家庭享受最低生活保障；须本人或监护人书面申请，经县级残联审核"
    tier = _level(CARE, result, grade)
    return f"{held}，符合护理补贴档次“{tier}”；长期照护需求须经县级残联评定"


def orphan_allowances_enrol(
    *, month: dt.date, actor: User | None = None, within: str = "", progress: Progress | None = None
) -> DiscoveryRun:
    """Discover possible orphans for 孤儿基本生活保障 (国办发〔2010〕54号: a minor under 18 who has lost both
    parents or whose parents cannot be found, **identified by county-level civil affairs**). The registry has
    no orphan status, so the run infers it from the household: a living minor whose possible parents in the
    household (by relation to the head: a son's or daughter's are the head and spouse; a grandchild's the
    head's children and children-in-law; a minor head's or sibling's the head's parents) are all dead or
    absent. That inference needs the county's identification, so each finding is a pending candidate with
    the home-based (散居) standard the engine gives an identified orphan (``orphan.home_monthly``). 事实无人
    抚养儿童 are not discovered: their conditions (imprisonment, loss of contact ≥ 6 months …) are not in the
    registry. Set-based: memberships of the minors' households in one query, their facts in four."""
    from minzheng.benefits.columnar import stored_params
    from minzheng.benefits.engine import assess
    from minzheng.benefits.selectors import household_facts_many

    month = month.replace(day=1)
    adult_born_by = dt.date(month.year - 18, month.month, 1)
    active = (Q(left_on__isnull=True) | Q(left_on__gt=month)) & Q(joined_on__lte=month)
    minors = Membership.objects.filter(
        active,
        Q(person__death_date__isnull=True) | Q(person__death_date__gt=month),
        person__birth_date__gt=adult_born_by,
        household__hukou_division__code__startswith=within,
    ).values("household_id")
    members = list(
        Membership.objects.filter(active, household_id__in=minors).values_list(
            "household_id",
            "person_id",
            "relation_to_head",
            "person__birth_date",
            "person__death_date",
            "household__hukou_division__code",
        )
    )
    if progress:
        progress(1, 3, f"有未成年人的家庭成员 {len(members)} 人")
    living: dict[int, set[str]] = {}
    for household_id, _person, relation, _birth, death, _code in members:
        if death is None or death > month:
            living.setdefault(household_id, set()).add(relation)
    found_pairs = [
        (household_id, person_id, relation, code)
        for household_id, person_id, relation, birth, death, code in members
        if birth > adult_born_by
        and (death is None or death > month)
        and relation in PARENT_RELATIONS
        and not (set(PARENT_RELATIONS[relation]) & living.get(household_id, set()))
    ]
    households = {h for h, _p, _r, _c in found_pairs}
    facts = household_facts_many(list(households), month)
    known = _known((ORPHAN,), {p for _h, p, _r, _c in found_pairs})
    townships = _township_ids({c for _h, _p, _r, c in found_pairs})
    params = stored_params()
    if progress:
        progress(2, 3, "按孤儿保障标准测算")
    rows: list[AllowanceCandidate] = []
    already = 0
    for household_id, person_id, relation, code in found_pairs:
        if (person_id, ORPHAN) in known:
            already += 1
            continue
        household = facts[household_id]
        marked = tuple(
            dataclasses.replace(m, orphan_status="orphan") if m.key == str(person_id) else m
            for m in household.members
        )
        result = assess(
            ORPHAN, dataclasses.replace(household, members=marked), params, person_key=str(person_id)
        )
        if not result.eligible:
            continue
        parents = "、".join(RelationToHead(r).label for r in PARENT_RELATIONS[relation])
        rows.append(
            _candidate(
                ORPHAN,
                person_id,
                household_id,
                code,
                townships,
                found_month=month,
                monthly_amount=result.monthly_amount,
                level=result.level[:40],
                reason=f"未满18周岁（与户主关系：{RelationToHead(relation).label}），户内无健在的{parents}；"
                "须经县级民政部门认定孤儿身份",
                basis=ORPHAN_BASIS,
            )
        )
    _candidates_write(rows, month, actor, within, "enrolment.orphan_discovery", "孤儿基本生活保障")
    if progress:
        progress(3, 3, f"主动发现 {len(rows)} 人")
    return DiscoveryRun(month, {ORPHAN: len(rows)}, already)


def _require_manage(actor: User) -> None:
    if not actor.can(Capability.MANAGE_ENROLMENTS):
        raise PermissionDenied("您的角色不能办理在保对象的纳入")


def _pending(actor: User, candidate_ids: list[int]) -> list[AllowanceCandidate]:
    ids = sorted(set(candidate_ids))
    if not ids:
        raise EnrolmentInvalid("请至少选择一名对象", field="candidates")
    rows = list(
        AllowanceCandidate.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise NotFound("所选对象不存在或不在您的管辖范围内", field="candidates")
    done = [r.pk for r in rows if r.status != CandidateStatus.PENDING]
    if done:
        raise ChangeNotAllowed(f"有 {len(done)} 名对象已处理（可能已由他人办理，请刷新）", field="candidates")
    return rows


@transaction.atomic
def allowance_candidates_confirm(
    *, actor: User, candidate_ids: list[int], starts_month: dt.date, note: str = ""
) -> int:
    """Confirm discovered candidates in bulk: each becomes an enrolment (``source=registry_rule``, the
    candidate's amount and level) with one open period from ``starts_month`` — the month the application
    is taken as filed (两项补贴 are paid from the month of application once approved, 国发〔2015〕52号 §三).
    All or nothing: a candidate already handled, out of the actor's jurisdiction, or a person enrolled in
    the programme meanwhile refuses the whole batch. Returns the number enrolled."""
    _require_manage(actor)
    if starts_month.day != 1:
        raise EnrolmentInvalid("起始月份须为某月 1 日", field="starts_month")
    rows = _pending(actor, candidate_ids)
    clash = Enrolment.objects.filter(
        Q(*[Q(person_id=r.person_id, programme=r.programme) for r in rows], _connector=Q.OR)
    ).exclude(status=EnrolmentStatus.ENDED)
    if clash.exists():
        raise AlreadyEnrolled(
            f"有 {clash.count()} 名对象已在保（同一救助项目），请刷新后重新选择", field="candidates"
        )
    enrolments = [
        Enrolment(
            programme=r.programme,
            household_id=r.household_id,
            person_id=r.person_id,
            division_id=r.division_id,
            source=EnrolmentSource.REGISTRY_RULE,
            decision_ref=f"主动发现确认 #{r.pk}"[:100],
            starts_month=starts_month,
            monthly_amount=r.monthly_amount,
            level=r.level,
            created_by=actor,
        )
        for r in rows
    ]
    Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    EntitlementPeriod.objects.bulk_create(
        [
            EntitlementPeriod(
                enrolment=e,
                from_month=starts_month,
                monthly_amount=e.monthly_amount,
                reason=f"主动发现，经办确认：{note}"[:200] if note else "主动发现，经办确认",
                basis=r.basis,
                recorded_by=actor,
            )
            for e, r in zip(enrolments, rows, strict=True)
        ],
        batch_size=5000,
    )
    now = timezone.now()
    for r, e in zip(rows, enrolments, strict=True):
        r.status, r.enrolment, r.decided_by, r.decided_at, r.note = (
            CandidateStatus.CONFIRMED,
            e,
            actor,
            now,
            note[:200],
        )
    AllowanceCandidate.objects.bulk_update(rows, ["status", "enrolment", "decided_by", "decided_at", "note"])
    event_record(
        actor=actor,
        verb="enrolment.candidates_confirmed",
        object_type="allowance_candidate",
        object_id=rows[0].pk,
        division_code=actor.scope_prefix or "",
        summary=f"确认主动发现对象 {len(rows)} 人，自 {starts_month:%Y-%m} 起纳入",
        data={"candidates": [r.pk for r in rows]},
    )
    return len(rows)


@transaction.atomic
def allowance_candidates_dismiss(*, actor: User, candidate_ids: list[int], note: str) -> int:
    """Dismiss candidates in bulk with the reason (e.g. 残联评定不需要长期照护, 父母健在); a dismissed
    person is not proposed again by later runs. Returns the number dismissed."""
    _require_manage(actor)
    if not note.strip():
        raise EnrolmentInvalid("请填写不予纳入的原因", field="note")
    rows = _pending(actor, candidate_ids)
    AllowanceCandidate.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=CandidateStatus.DISMISSED, decided_by=actor, decided_at=timezone.now(), note=note.strip()[:200]
    )
    event_record(
        actor=actor,
        verb="enrolment.candidates_dismissed",
        object_type="allowance_candidate",
        object_id=rows[0].pk,
        division_code=actor.scope_prefix or "",
        summary=f"不予纳入主动发现对象 {len(rows)} 人：{note.strip()}",
        data={"candidates": [r.pk for r in rows]},
    )
    return len(rows)
