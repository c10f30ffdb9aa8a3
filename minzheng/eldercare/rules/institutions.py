"""Rules of institutions (issue 17 §8): the register's vocabularies, the 双随机 draw, the inspection status
table, the checklist and the rectification deadline. Pure: no ORM, no clock.

The draw (《国务院办公厅关于推广随机抽查规范事中事后监管的通知》（国办发〔2015〕58号）: 随机抽取检查对象、
随机选派执法检查人员, results made public) is a deterministic function of a recorded seed and two sorted
pools, so anyone holding the draw record can re-run it (``draw_run``; docs/eldercare.md gives the
algorithm in words).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.db import models

DRAW_ALGORITHM: Final = "v1"  # stored on every draw; a new algorithm gets a new code, old draws keep theirs


class InstitutionKind(models.TextChoices):
    """Ownership and operation (公办 run by the state, 公建民营 built by the state and run by a contractor,
    民办 private)."""

    PUBLIC = "public", "公办"
    PUBLIC_PRIVATE = "public_private", "公建民营"
    PRIVATE = "private", "民办"


class PermitKind(models.TextChoices):
    """How the institution is on record. 《养老机构管理办法》（民政部令第66号，2020年9月1日施行）replaced the
    licence (设立许可) by a filing (备案) with the county civil-affairs bureau; licences issued before stay on
    record. Article number UNCONFIRMED (not in the project's policy documents): the filing is described in
    its chapter 2 (备案办理)."""

    FILING = "filing", "备案"
    LICENCE = "licence", "设立许可（2020年9月前）"


class InstitutionStatus(models.TextChoices):
    OPERATING = "operating", "正常运营"
    SUSPENDED = "suspended", "暂停收住"
    CLOSED = "closed", "已停业"


class CareLevel(models.TextChoices):
    """The care a bed offers (the institution's own grading; the capacity assessment's five levels map onto
    these where a bureau says so)."""

    SELF_CARE = "self_care", "自理"
    PARTIAL = "partial", "半失能"
    DEPENDENT = "dependent", "失能"
    DEMENTIA = "dementia", "失智"


class DrawStatus(models.TextChoices):
    CURRENT = "current", "有效"
    SUPERSEDED = "superseded", "已重新抽取（作废）"


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", "待检查"
    RECORDED = "recorded", "已检查"
    RECTIFIED = "rectified", "已整改"
    CANCELLED = "cancelled", "已作废"


class InspectionResult(models.TextChoices):
    PASSED = "passed", "合格"
    RECTIFY = "rectify", "限期整改"
    FAILED = "failed", "不合格"


class ChecklistAnswer(models.TextChoices):
    MET = "met", "符合"
    NOT_MET = "not_met", "不符合"
    NOT_APPLICABLE = "na", "不适用"


# --- status transitions (one table; services.institutions checks every change against it) ---------------

INSPECTION_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    InspectionStatus.PLANNED: frozenset({InspectionStatus.RECORDED, InspectionStatus.CANCELLED}),
    InspectionStatus.RECORDED: frozenset({InspectionStatus.RECTIFIED}),
    InspectionStatus.RECTIFIED: frozenset(),
    InspectionStatus.CANCELLED: frozenset(),
}
DRAW_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    DrawStatus.CURRENT: frozenset({DrawStatus.SUPERSEDED}),
    DrawStatus.SUPERSEDED: frozenset(),
}


def inspection_transition_allowed(source: str, target: str) -> bool:
    return target in INSPECTION_TRANSITIONS.get(source, frozenset())


def draw_transition_allowed(source: str, target: str) -> bool:
    return target in DRAW_TRANSITIONS.get(source, frozenset())


def needs_rectification(result: str) -> bool:
    """限期整改 and 不合格 both get a deadline; 合格 needs none."""
    return result in (InspectionResult.RECTIFY, InspectionResult.FAILED)


# --- checklist -------------------------------------------------------------------------------------------

# The headings of GB 38600-2019《养老机构服务安全基本规范》(mandatory national standard, in force 2022-01-01):
# 基本要求, 安全风险评估, 服务防护 (the nine hazards) and 管理要求. UNCONFIRMED: taken from public
# summaries, not checked against the standard's text; a bureau replaces it with the parameter
# ``eldercare.institutions.checklist`` (the built-in list is used only where that parameter is not set).
BUILTIN_CHECKLIST_SOURCE: Final = (
    "GB 38600-2019《养老机构服务安全基本规范》章节标题（据公开资料整理，未核对原文）"
)
BUILTIN_CHECKLIST: Final[tuple[tuple[str, str], ...]] = (
    ("basic_rules", "基本要求：消防、卫生、食品药品等强制性要求；护理员培训上岗；昼夜巡查和交接班制度"),
    ("risk_assessment", "安全风险评估：入住前评估，定期及状况变化时再评估"),
    ("choking", "服务防护：噎食"),
    ("food_medicine", "服务防护：食品、药品误食"),
    ("pressure_injury", "服务防护：压疮"),
    ("scald", "服务防护：烫伤"),
    ("bed_fall", "服务防护：坠床"),
    ("fall", "服务防护：跌倒"),
    ("harm", "服务防护：他伤和自伤"),
    ("wandering", "服务防护：走失"),
    ("recreation", "服务防护：文娱活动意外"),
    ("management", "管理要求：安全管理制度、应急预案和演练、安全教育培训"),
)


def checklist_from_parameter(value: Any) -> tuple[tuple[str, str], ...]:
    """The configured checklist (already validated by the parameter key) as ``(code, label)`` pairs."""
    return tuple((str(item["code"]), str(item["label"])) for item in value)


# --- the draw --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolMember:
    """One entry of a snapshotted pool: a target institution or an inspector. ``township`` is the 9-digit
    township prefix of where it is (an institution's location, an inspector's post), '' if above township."""

    id: int
    name: str
    township: str = ""


@dataclass(frozen=True)
class DrawOutcome:
    """The drawn targets in drawing order, each with its inspectors (sorted ids)."""

    assignments: tuple[tuple[int, tuple[int, ...]], ...]

    def as_json(self) -> list[dict[str, Any]]:
        return [{"target": t, "inspectors": list(i)} for t, i in self.assignments]

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]]) -> DrawOutcome:
        return cls(tuple((int(a["target"]), tuple(int(i) for i in a["inspectors"])) for a in data))


class DrawImpossible(ValueError):
    """The pools cannot give the plan's draw (too few targets or inspectors); the message is Chinese."""


def target_count(pool_size: int, *, number: int | None, share: Decimal | None) -> int:
    """How many targets to draw: ``number`` if the plan fixes it, else ``ceil(share × pool)`` (at least one
    when the pool is not empty), never more than the pool."""
    if number is not None:
        wanted = number
    elif share is not None:
        wanted = math.ceil(Decimal(pool_size) * share) if pool_size else 0
        wanted = max(wanted, 1 if pool_size else 0)
    else:
        raise DrawImpossible("检查计划未设定抽取数量或比例")
    return min(wanted, pool_size)


def _pick(rng: random.Random, candidates: list[int], count: int) -> list[int]:
    """``count`` of ``candidates`` (already sorted) by a partial Fisher–Yates shuffle that uses only
    ``rng.random()``: Python guarantees that ``random()`` gives the same sequence for the same seed in every
    version, while ``sample``/``randrange`` may change (Python docs, random — Notes on Reproducibility)."""
    items = list(candidates)
    for position in range(count):
        chosen = position + int(rng.random() * (len(items) - position))
        items[position], items[chosen] = items[chosen], items[position]
    return items[:count]


def draw_run(
    *,
    seed: str,
    targets: Sequence[PoolMember],
    inspectors: Sequence[PoolMember],
    count: int,
    per_target: int,
    exclude_own_township: bool,
) -> DrawOutcome:
    """The draw, algorithm ``v1``:

    1. ``rng = random.Random(seed)`` (the seed is the recorded hex text; Python seeds from its SHA-512);
    2. the target ids sorted ascending; ``count`` of them picked by ``_pick`` (drawing order kept);
    3. for each drawn target in drawing order: the inspector ids sorted ascending, without those whose
       township is the target's when ``exclude_own_township`` (conflict of interest); ``per_target`` of
       them picked by ``_pick``, then sorted.

    The same seed and pools always give the same outcome; nothing else (time, database order) enters.
    """
    if count > len(targets):
        raise DrawImpossible(f"检查对象库只有 {len(targets)} 家机构，不足 {count} 家")
    rng = random.Random(seed)  # noqa: S311 - reproducibility is the point; the seed itself comes from secrets
    township_of = {t.id: t.township for t in targets}
    drawn = _pick(rng, sorted(township_of), count)
    all_inspectors = sorted(inspectors, key=lambda i: i.id)
    assignments = []
    for target in drawn:
        eligible = [
            i.id
            for i in all_inspectors
            if not (exclude_own_township and i.township and i.township == township_of[target])
        ]
        if len(eligible) < per_target:
            raise DrawImpossible(
                f"可派检查人员只有 {len(eligible)} 名（已回避机构所在乡镇的人员），不足每家 {per_target} 名"
            )
        assignments.append((target, tuple(sorted(_pick(rng, eligible, per_target)))))
    return DrawOutcome(tuple(assignments))


def pool_from_json(data: Sequence[Mapping[str, Any]]) -> list[PoolMember]:
    return [PoolMember(int(m["id"]), str(m["name"]), str(m.get("township", ""))) for m in data]


def pool_as_json(pool: Sequence[PoolMember]) -> list[dict[str, Any]]:
    return [{"id": m.id, "name": m.name, "township": m.township} for m in sorted(pool, key=lambda m: m.id)]


@dataclass(frozen=True)
class Verification:
    """A re-run of a recorded draw: ``same`` when the re-run gives the recorded outcome."""

    same: bool
    recorded: DrawOutcome
    rerun: DrawOutcome | None
    problem: str = ""
    differences: list[str] = field(default_factory=list)


def draw_verify(record: Mapping[str, Any]) -> Verification:
    """Re-run the draw from its record (seed, pools, count, inspectors per target, the rule) — the
    stored fields only, so a later change of the register or the staff cannot change the answer."""
    recorded = DrawOutcome.from_json(record["result"])
    if record.get("algorithm") != DRAW_ALGORITHM:
        return Verification(False, recorded, None, f"未知的抽取算法版本“{record.get('algorithm')}”")
    try:
        rerun = draw_run(
            seed=record["seed"],
            targets=pool_from_json(record["target_pool"]),
            inspectors=pool_from_json(record["inspector_pool"]),
            count=int(record["target_count"]),
            per_target=int(record["inspectors_per_target"]),
            exclude_own_township=bool(record["exclude_own_township"]),
        )
    except DrawImpossible as error:
        return Verification(False, recorded, None, str(error))
    differences = [
        f"第 {n} 项：记录为 {a}，复算为 {b}"
        for n, (a, b) in enumerate(zip(recorded.assignments, rerun.assignments, strict=False), start=1)
        if a != b
    ]
    if len(recorded.assignments) != len(rerun.assignments):
        differences.append(f"记录 {len(recorded.assignments)} 项，复算 {len(rerun.assignments)} 项")
    return Verification(not differences, recorded, rerun, differences=differences)


# --- occupancy -------------------------------------------------------------------------------------------


def occupancy_rate(resident_days: int, bed_days: int) -> Decimal | None:
    """Resident-days over bed-days, as a percentage with one decimal; None without beds."""
    if bed_days <= 0:
        return None
    return (Decimal(resident_days) * 100 / Decimal(bed_days)).quantize(Decimal("0.1"))
