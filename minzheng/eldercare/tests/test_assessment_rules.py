"""The pure capacity-assessment rules (GB/T 42195-2022 structure; cut-offs as parameters)."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.eldercare.rules import assessment as rules
from minzheng.eldercare.tests.fixtures_people import BANDS, FULL_SCORES, scores_with_total
from minzheng.policy.keys import eldercare_assessment as keys
from minzheng.policy.values import ValueProblem

ON = dt.date(2026, 12, 1)


def evaluate(scores, bands=BANDS, comatose=False, months=12):
    return rules.assessment_evaluate(
        scores, comatose=comatose, bands=bands, reassessment_months=months, assessed_on=ON
    )


def test_structure_is_4_indicators_26_items_90_points():
    assert [d.label for d in rules.DIMENSIONS] == ["自理能力", "基础运动能力", "精神状态", "感知觉与社会参与"]
    assert [len(d.items) for d in rules.DIMENSIONS] == [8, 4, 9, 5]
    assert [d.maximum for d in rules.DIMENSIONS] == [32, 15, 28, 15]
    assert tuple(rules.Level.values) == keys.LEVEL_CODES


def test_full_marks_give_intact_with_dimension_sums_and_next_date():
    result = evaluate(FULL_SCORES)
    assert result.total == 90
    assert result.dimensions == {
        "self_care": 32,
        "mobility": 15,
        "mental_state": 28,
        "perception_participation": 15,
    }
    assert result.level == "intact"
    assert result.next_assessment_on == dt.date(2027, 12, 1)


# each boundary of the configured bands: just below, at and above each cut-off
@pytest.mark.parametrize(
    ("total", "level"),
    [
        (90, "intact"), (85, "intact"), (84, "mild"), (60, "mild"), (59, "moderate"), (40, "moderate"),
        (39, "severe"), (20, "severe"), (19, "complete"), (0, "complete"), (86, "intact"), (61, "mild"),
        (41, "moderate"), (21, "severe"), (1, "complete"),
    ],
)  # fmt: skip
def test_level_boundaries(total, level):
    result = evaluate(scores_with_total(total))
    assert (result.total, result.level) == (total, level)
    assert not result.manual_review


def test_missing_cut_offs_need_manual_determination():
    result = evaluate(FULL_SCORES, bands=None, months=None)
    assert result.manual_review
    assert rules.level_label(result.level) == "需人工核定"
    assert any("未配置老年人能力等级分值段" in reason for reason in result.reasons)
    assert result.next_assessment_on is None
    assert any("未配置复评周期" in reason for reason in result.reasons)


def test_total_in_no_band_needs_manual_determination():
    result = evaluate(scores_with_total(50), bands=[{"level": "intact", "min_total": 85, "max_total": 90}])
    assert result.manual_review
    assert "不在已配置的任何等级分值段内" in result.reasons[-1]


def test_coma_rule_gives_severe_even_without_cut_offs():
    result = evaluate(scores_with_total(10), bands=None, comatose=True)
    assert result.level == "severe"


def test_out_of_range_item_names_the_item():
    scores = {**FULL_SCORES, "stairs": 4}
    with pytest.raises(rules.ScoreProblem) as problem:
        evaluate(scores)
    assert str(problem.value) == "“基础运动能力·上下楼梯”的得分应在 0 到 3 分之间，填写的是 4"
    assert problem.value.item == "stairs"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aggression": -1}, "“精神状态·攻击行为”的得分应在 0 到 1 分之间，填写的是 -1"),
        ({"vision": "x"}, "“感知觉与社会参与·视力”的得分“x”不是整数"),
        ({"eating": None}, "“自理能力·进食”未评分"),
        ({"flying": 1}, "没有评估项目“flying”"),
    ],
)
def test_bad_scores(change, message):
    with pytest.raises(rules.ScoreProblem, match=message):
        evaluate({**FULL_SCORES, **change})


def test_band_parameter_validation():
    assert keys.level_bands(BANDS) == BANDS
    with pytest.raises(ValueProblem, match="重叠"):
        keys.level_bands([BANDS[0], {"level": "mild", "min_total": 80, "max_total": 86}])
    with pytest.raises(ValueProblem, match="max_total 不能小于 min_total"):
        keys.level_bands([{"level": "mild", "min_total": 80, "max_total": 70}])
    with pytest.raises(ValueProblem, match="0 到 90"):
        keys.level_bands([{"level": "mild", "min_total": 80, "max_total": 91}])
    with pytest.raises(ValueProblem, match="不是允许的取值"):
        keys.self_care_map({"severe": "bedridden"})
    assert keys.self_care_map({"severe": "fully_incapable"}) == {"severe": "fully_incapable"}


def test_transitions():
    assert rules.transition_allowed("draft", "completed")
    assert not rules.transition_allowed("completed", "draft")
    assert not rules.transition_allowed("cancelled", "completed")
