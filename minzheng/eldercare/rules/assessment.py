"""Capacity assessment of older people (老年人能力评估), GB/T 42195-2022 《老年人能力评估规范》. Pure.

What the structure rests on — read this before trusting it (policy-figures.md §11.1):

- The four first-level indicators (自理能力, 基础运动能力, 精神状态, 感知觉与社会参与) and the 26 second-level
  items (8 + 4 + 9 + 5) with each item's score range come from a transcription of the standard's Annex B
  (B.1–B.4) in public code, agreeing with two other independent transcriptions on the indicators and the
  counts. The standard's own text was not read: **UNCERTAIN**. The maximum total, 90, is the sum of the
  transcribed per-item maxima.
- The coma rule (a person in a coma is rated 重度失能 directly; note under B.3.9 in the same transcription) is
  **UNCERTAIN** as well. The form asks "处于昏迷状态" as its own question instead of reading it off a score.
- The cut-off scores of the five levels (能力完好 / 轻度失能 / 中度失能 / 重度失能 / 完全失能) were
  **NOT FOUND**. They are the effective-dated parameter ``eldercare.assessment.level_bands``: for each
  level the range of *total* scores (both ends included). Whether the standard also conditions a level on
  the indicator scores could not be checked; a bureau whose rule needs that determines such cases by
  hand. No built-in values: without the parameter (or with a total in no band) the result is
  需人工核定, with the reason, and the assessor determines the level by hand with a written reason
  (ADR 0029/0031).

The per-option wording of each score (what 0, 1, 2 … mean for an item) is the standard's Annex B and is not
reproduced: the form shows the score and its place in the item's range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from minzheng.common.months import add_months
from minzheng.policy.keys.eldercare_assessment import LEVEL_CODES, MAXIMUM_TOTAL


class Level(models.TextChoices):
    """The five levels of GB/T 42195-2022, best first."""

    INTACT = "intact", "能力完好"
    MILD = "mild", "轻度失能"
    MODERATE = "moderate", "中度失能"
    SEVERE = "severe", "重度失能"
    COMPLETE = "complete", "完全失能"


assert tuple(Level.values) == LEVEL_CODES  # the policy key validator repeats them (layers)

MANUAL_REVIEW = "需人工核定"
# Every level but 能力完好 is a 失能 level by its name; ``OlderPerson.incapacitated`` reads this.
INCAPACITATED_LEVELS = frozenset({Level.MILD, Level.MODERATE, Level.SEVERE, Level.COMPLETE})
COMA_LEVEL = Level.SEVERE  # Annex B, note under B.3.9 (transcription UNCERTAIN)


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    maximum: int  # scores run from 0 to maximum

    @property
    def scores(self) -> range:
        return range(self.maximum + 1)


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    items: tuple[Item, ...]

    @property
    def maximum(self) -> int:
        return sum(item.maximum for item in self.items)


def _items(*rows: tuple[str, str, int]) -> tuple[Item, ...]:
    return tuple(Item(code, label, maximum) for code, label, maximum in rows)


# Annex B of GB/T 42195-2022 as transcribed (UNCERTAIN, see the module docstring).
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("self_care", "自理能力", _items(
        ("eating", "进食", 4), ("grooming", "修饰", 4), ("bathing", "洗澡", 4),
        ("upper_dressing", "穿/脱上衣", 4), ("lower_dressing", "穿/脱裤子和鞋袜", 4),
        ("urine_control", "小便控制", 4), ("bowel_control", "大便控制", 4), ("toileting", "如厕", 4),
    )),
    Dimension("mobility", "基础运动能力", _items(
        ("bed_positioning", "床上体位转移", 4), ("bed_chair_transfer", "床椅转移", 4),
        ("level_walking", "平地行走", 4), ("stairs", "上下楼梯", 3),
    )),
    Dimension("mental_state", "精神状态", _items(
        ("time_orientation", "时间定向", 4), ("place_orientation", "空间定向", 4),
        ("person_orientation", "人物定向", 4), ("memory", "记忆", 4), ("comprehension", "理解能力", 4),
        ("expression", "表达能力", 4), ("aggression", "攻击行为", 1), ("depression", "抑郁症状", 1),
        ("consciousness", "意识水平", 2),
    )),
    Dimension("perception_participation", "感知觉与社会参与", _items(
        ("vision", "视力", 2), ("hearing", "听力", 2), ("daily_affairs", "执行日常事务", 4),
        ("transport", "使用交通工具外出", 3), ("social_interaction", "社会交往能力", 4),
    )),
)  # fmt: skip
ITEMS: dict[str, Item] = {item.code: item for d in DIMENSIONS for item in d.items}
ITEM_DIMENSION: dict[str, Dimension] = {item.code: d for d in DIMENSIONS for item in d.items}
assert len(ITEMS) == 26
assert [len(d.items) for d in DIMENSIONS] == [8, 4, 9, 5]
assert sum(d.maximum for d in DIMENSIONS) == MAXIMUM_TOTAL


class ScoreProblem(ValueError):
    """An item's score is missing or out of its range; ``str(exc)`` names the item in Chinese."""

    def __init__(self, message: str, item: str = "") -> None:
        super().__init__(message)
        self.item = item


def score_parse(code: str, raw: Any) -> int:
    """One item's score as an int within the item's range, or ``ScoreProblem`` naming the item."""
    item = ITEMS.get(code)
    if item is None:
        raise ScoreProblem(f"没有评估项目“{code}”", code)
    where = f"{ITEM_DIMENSION[code].label}·{item.label}"
    if raw is None or raw == "":
        raise ScoreProblem(f"“{where}”未评分", code)
    if isinstance(raw, bool):
        raise ScoreProblem(f"“{where}”的得分应为整数", code)
    try:
        score = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise ScoreProblem(f"“{where}”的得分“{raw}”不是整数", code) from None
    if not 0 <= score <= item.maximum:
        raise ScoreProblem(f"“{where}”的得分应在 0 到 {item.maximum} 分之间，填写的是 {score}", code)
    return score


def scores_validate(raw: Mapping[str, Any]) -> dict[str, int]:
    """All 26 scores, validated; unknown items and the first missing or bad item raise ``ScoreProblem``."""
    unknown = sorted(set(raw) - set(ITEMS))
    if unknown:
        raise ScoreProblem(f"没有评估项目“{unknown[0]}”", unknown[0])
    return {code: score_parse(code, raw.get(code)) for code in ITEMS}


def dimension_scores(scores: Mapping[str, int]) -> dict[str, int]:
    return {d.code: sum(scores[item.code] for item in d.items) for d in DIMENSIONS}


@dataclass(frozen=True)
class Result:
    """What the scores and the parameters give. ``level`` is '' when 需人工核定 (``reasons`` say why)."""

    scores: dict[str, int]
    dimensions: dict[str, int]
    total: int
    level: str
    reasons: list[str] = field(default_factory=list)
    next_assessment_on: dt.date | None = None

    @property
    def manual_review(self) -> bool:
        return self.level == ""


def level_from_bands(total: int, bands: list[dict[str, Any]] | None) -> tuple[str, str]:
    """(level, reason): the band holding ``total``, or ('', why not) when no band or no bands."""
    if not bands:
        return "", "未配置老年人能力等级分值段（GB/T 42195-2022 的等级划分分值未核实），需人工核定等级"
    for band in bands:
        if band["min_total"] <= total <= band["max_total"]:
            label = Level(band["level"]).label
            return band["level"], (
                f"总分 {total} 分在“{label}”分值段 {band['min_total']}–{band['max_total']} 分内"
            )
    return "", f"总分 {total} 分不在已配置的任何等级分值段内，需人工核定等级"


def assessment_evaluate(
    raw_scores: Mapping[str, Any],
    *,
    comatose: bool,
    bands: list[dict[str, Any]] | None,
    reassessment_months: int | None,
    assessed_on: dt.date,
) -> Result:
    """Validate the 26 scores, add them up and give the level (coma rule first, then the bands) and the
    next assessment date (``assessed_on`` + the configured months; none configured → no date, a reason)."""
    scores = scores_validate(raw_scores)
    dimensions = dimension_scores(scores)
    total = sum(dimensions.values())
    parts = "、".join(f"{d.label} {dimensions[d.code]}/{d.maximum} 分" for d in DIMENSIONS)
    reasons = [f"{parts}；总分 {total}/{MAXIMUM_TOTAL} 分"]
    if comatose:
        level = COMA_LEVEL.value
        reasons.append("处于昏迷状态，直接评定为重度失能（GB/T 42195-2022 附录 B 注，转录未核实）")
    else:
        level, why = level_from_bands(total, bands)
        reasons.append(why)
    next_on = add_months(assessed_on, reassessment_months) if reassessment_months else None
    if next_on is None:
        reasons.append("未配置复评周期，下次评估日期需人工确定")
    return Result(scores, dimensions, total, level, reasons, next_on)


def level_label(code: str) -> str:
    return Level(code).label if code in Level.values else (MANUAL_REVIEW if code == "" else code)


# --- status -----------------------------------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", "待确认"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已作废"


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
