"""Inspections after a draw (issue 17 §8): checklist, findings, result, the rectification deadline from a
parameter in working days (需人工核定 without it), rectification and the overdue list."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.eldercare.models.institutions import Draw, Inspection
from minzheng.eldercare.rules.institutions import BUILTIN_CHECKLIST
from minzheng.eldercare.selectors import institutions as selectors
from minzheng.eldercare.services import inspections as services
from minzheng.eldercare.tests.fixtures_institutions import *  # noqa: F403
from minzheng.policy.keys.eldercare_institutions import CHECKLIST, RECTIFICATION_WORKING_DAYS

pytestmark = pytest.mark.django_db
ALL_MET = {code: "met" for code, _ in BUILTIN_CHECKLIST}


def _parameter(divisions, key: str, value) -> None:
    from minzheng.policy.models import Parameter

    Parameter.objects.create(
        key=key,
        division=divisions["region"],
        valid_from=dt.date(2020, 1, 1),
        value=value,
        status="unconfirmed",
        source="测试",
        version=1,
    )


@pytest.fixture
def planned(users, xincheng_setup) -> Inspection:
    """A draw made on 1 September 2025 (moved back so past inspection dates are allowed)."""
    draw = services.draw_make(actor=users["county"], plan_id=xincheng_setup["plan"].pk, seed="fixed-seed")
    Draw.objects.filter(pk=draw.pk).update(drawn_at=dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC))
    return Inspection.objects.filter(draw=draw).order_by("pk").first()


def _record(users, inspection, **kwargs) -> Inspection:
    values = {
        "inspected_on": dt.date(2025, 9, 26),
        "answers": ALL_MET,
        "findings": "",
        "result": "passed",
        "today": dt.date(2026, 12, 7),
    }
    values.update(kwargs)
    return services.inspection_record(actor=users["county"], inspection_id=inspection.pk, **values)


def test_the_deadline_is_the_parameters_working_days_after_the_inspection(divisions, users, planned):
    _parameter(divisions, RECTIFICATION_WORKING_DAYS, 10)
    answers = {**ALL_MET, "fall": "not_met"}
    inspection = _record(users, planned, answers=answers, findings="走廊无扶手", result="rectify")
    # Friday 26 Sep 2025 + 10 working days: 28 Sep (Sunday, a make-up working day), 29, 30 Sep, the National
    # Day holiday 1–8 Oct, then 9, 10, 11 (Saturday, make-up), 13, 14, 15, 16 Oct
    assert inspection.rectification_due_on == dt.date(2025, 10, 16)
    assert inspection.due_note == "检查日后 10 个工作日"
    assert inspection.status == "recorded"
    assert inspection.result == "rectify"
    assert [item["answer"] for item in inspection.checklist if item["code"] == "fall"] == ["not_met"]
    assert inspection.events.get().to_status == "recorded"


def test_without_the_parameter_the_deadline_needs_manual_determination(users, planned):
    with pytest.raises(ValidationFailed, match="需人工核定") as refused:
        _record(users, planned, findings="消防通道堵塞", result="failed")
    assert refused.value.field == "manual_due_on"
    assert Inspection.objects.get(pk=planned.pk).status == "planned"
    inspection = _record(
        users, planned, findings="消防通道堵塞", result="failed", manual_due_on=dt.date(2025, 10, 31)
    )
    assert inspection.rectification_due_on == dt.date(2025, 10, 31)
    assert inspection.due_note.startswith("人工核定")


def test_a_passed_inspection_has_no_failed_item_and_needs_no_rectification(users, planned):
    with pytest.raises(ValidationFailed, match="有不符合项，结果不能为合格"):
        _record(users, planned, answers={**ALL_MET, "scald": "not_met"})
    with pytest.raises(ValidationFailed, match="还有 1 项未填写"):
        _record(users, planned, answers={k: v for k, v in ALL_MET.items() if k != "scald"})
    inspection = _record(users, planned)
    assert inspection.rectification_due_on is None
    with pytest.raises(Conflict, match="无需整改"):
        services.inspection_rectify(
            actor=users["county"],
            inspection_id=inspection.pk,
            rectified_on=dt.date(2025, 10, 1),
            note="无",
            today=dt.date(2026, 12, 7),
        )
    with pytest.raises(Conflict, match="不能改为"):
        _record(users, planned)


def test_overdue_rectifications_are_listed_until_rectified(divisions, users, planned):
    _parameter(divisions, RECTIFICATION_WORKING_DAYS, 10)
    inspection = _record(
        users, planned, answers={**ALL_MET, "choking": "not_met"}, findings="无噎食应急预案", result="rectify"
    )
    overdue = selectors.InspectionFilters(overdue=True)
    listed = selectors.inspection_list(actor=users["county"], filters=overdue, today=dt.date(2025, 10, 17))
    assert list(listed) == [inspection]
    on_time = selectors.inspection_list(actor=users["county"], filters=overdue, today=dt.date(2025, 10, 16))
    assert list(on_time) == []
    services.inspection_rectify(
        actor=users["county"],
        inspection_id=inspection.pk,
        rectified_on=dt.date(2025, 10, 20),
        note="已制定预案并培训",
        today=dt.date(2026, 12, 7),
    )
    assert (
        list(selectors.inspection_list(actor=users["county"], filters=overdue, today=dt.date(2026, 1, 1)))
        == []
    )
    assert Inspection.objects.get(pk=inspection.pk).status == "rectified"


def test_a_configured_checklist_replaces_the_built_in_one(divisions, users, planned):
    _parameter(
        divisions,
        CHECKLIST,
        [{"code": "fire", "label": "消防设施完好"}, {"code": "food", "label": "食品留样"}],
    )
    items, source = services.checklist_for("150102000000", dt.date(2025, 9, 26))
    assert items == (("fire", "消防设施完好"), ("food", "食品留样"))
    assert source == "测试"
    inspection = _record(users, planned, answers={"fire": "met", "food": "na"})
    assert [item["code"] for item in inspection.checklist] == ["fire", "food"]


def test_the_checklist_parameter_is_validated():
    from minzheng.policy.keys.eldercare_institutions import checklist_validate
    from minzheng.policy.values import ValueProblem

    with pytest.raises(ValueProblem, match="编号不能重复"):
        checklist_validate([{"code": "a", "label": "甲"}, {"code": "a", "label": "乙"}])
    with pytest.raises(ValueProblem, match="第 1 项"):
        checklist_validate([{"code": "", "label": "甲"}])
