"""Policy-parameter keys of eldercare: capacity assessment (issue 17 §2; GB/T 42195-2022
《老年人能力评估规范》).

None of these figures has a built-in value. The cut-off scores of the five levels were NOT FOUND in any
source read (research notes, policy-figures.md §11.1): a bureau enters them from the standard's text or its
own rules. Until then an assessment's result is 需人工核定 and the assessor determines the level by hand with
a written reason (ADR 0029/0031). The level codes are those of ``eldercare.rules.assessment.Level``; the
policy layer cannot import eldercare, so they are repeated here (a test keeps the two equal).
"""

from __future__ import annotations

from typing import Any

from minzheng.policy.keydefs import Kind, ParameterKey, key_define, months_between
from minzheng.policy.values import ValueProblem, _choice, _list, _object, integer
from minzheng.registry.choices import SelfCare

# eldercare.rules.assessment.Level codes (the five levels of GB/T 42195-2022), weakest last
LEVEL_CODES = ("intact", "mild", "moderate", "severe", "complete")
MAXIMUM_TOTAL = 90  # 8 + 4 + 9 + 5 items of Annex B, per-item maxima summed (transcription UNCERTAIN)

LEVEL_BANDS = "eldercare.assessment.level_bands"
REASSESSMENT_MONTHS = "eldercare.assessment.reassessment_months"
SELF_CARE_MAP = "eldercare.assessment.self_care_map"


def level_bands(raw: Any) -> list[dict[str, Any]]:
    """``[{level, min_total, max_total}]``: the total scores (both ends included) that give each level.
    Bands may not overlap; a total in no band stays 需人工核定. Not every level needs a band."""
    result: list[dict[str, Any]] = []
    for index, item in enumerate(_list(raw, "等级分值段", allow_empty=False), start=1):
        where = f"等级分值段第 {index} 项"
        item = _object(item, where, {"level", "min_total", "max_total"})
        level = _choice(item["level"], f"{where}.level", list(LEVEL_CODES))
        low = integer(item["min_total"], f"{where}.min_total", 0, MAXIMUM_TOTAL)
        high = integer(item["max_total"], f"{where}.max_total", 0, MAXIMUM_TOTAL)
        if high < low:
            raise ValueProblem(f"{where} max_total 不能小于 min_total")
        for other in result:
            if other["level"] == level:
                raise ValueProblem(f"{where}的等级 {level} 重复")
            if low <= other["max_total"] and other["min_total"] <= high:
                raise ValueProblem(f"{where}与等级 {other['level']} 的分值段重叠")
        result.append({"level": level, "min_total": low, "max_total": high})
    return result


def self_care_map(raw: Any) -> dict[str, str]:
    """``{level: self_care}``: which 特困 self-care tier (《特困人员认定办法》 arts. 20–23, registry
    ``SelfCare``) a completed assessment's level sets. Levels left out change nothing."""
    if not isinstance(raw, dict):
        raise ValueProblem("等级与生活自理能力对应表应为对象（{…}）")
    return {
        _choice(level, "能力等级", list(LEVEL_CODES)): _choice(
            tier, f"等级 {level} 对应的生活自理能力", SelfCare.values
        )
        for level, tier in raw.items()
    }


KEYS: tuple[ParameterKey, ...] = (
    key_define(LEVEL_BANDS, "老年人能力等级分值段（GB/T 42195-2022）", Kind.JSON, "分", None, level_bands),
    key_define(REASSESSMENT_MONTHS, "老年人能力复评周期", Kind.INTEGER, "月", None, months_between(1, 60)),
    key_define(SELF_CARE_MAP, "能力等级对应特困人员生活自理能力", Kind.JSON, "", None, self_care_map),
)
