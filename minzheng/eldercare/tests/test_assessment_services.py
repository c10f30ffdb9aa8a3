"""Capacity assessment services: levels from the configured cut-offs, 需人工核定 and the manual level, the
older person's result, the self-care feed where mapped, status races."""
# ruff: noqa: F811  (fixtures imported from fixtures_people are used as parameters)

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.audit.models import Event
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.eldercare.services.assessment import (
    AssessmentData,
    assessment_cancel,
    assessment_complete,
    assessment_create,
)
from minzheng.eldercare.tests.fixtures_people import (  # noqa: F401
    BANDS,
    FULL_SCORES,
    TODAY,
    elder_household,
    older_world,
    parameter_set,
    scores_with_total,
)
from minzheng.policy.keys.eldercare_assessment import LEVEL_BANDS, REASSESSMENT_MONTHS, SELF_CARE_MAP

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 12, 1)


def data(total=90, **kwargs):
    return AssessmentData(assessed_on=ON, assessor_name="李评估", scores=scores_with_total(total), **kwargs)


@pytest.fixture
def configured(divisions):
    parameter_set(LEVEL_BANDS, BANDS, divisions["region"], status="unconfirmed")
    parameter_set(REASSESSMENT_MONTHS, 12, divisions["region"])


@pytest.mark.parametrize(
    ("total", "level", "incapacitated"), [(85, "intact", False), (84, "mild", True), (19, "complete", True)]
)
def test_configured_cut_offs_give_the_level_and_update_the_older_person(
    users, older_world, configured, total, level, incapacitated
):
    older = older_world["street"]
    draft = assessment_create(actor=users["caseworker"], older_person_id=older.pk, data=data(total))
    assert (draft.status, draft.total, draft.computed_level) == ("draft", total, level)
    assert draft.parameters[LEVEL_BANDS]["status"] == "unconfirmed"
    assert any("未确认参数" in reason for reason in draft.reasons)
    done = assessment_complete(actor=users["caseworker"], assessment_id=draft.pk)
    assert (done.status, done.level, done.next_assessment_on) == ("completed", level, dt.date(2027, 12, 1))
    older.refresh_from_db()
    assert (older.capacity_level, older.incapacitated, older.next_assessment_on) == (
        level,
        incapacitated,
        dt.date(2027, 12, 1),
    )
    assert "未配置能力等级与特困人员生活自理能力的对应关系" in done.self_care_note
    assert older.person.self_care == "capable"
    assert Event.objects.filter(verb="eldercare.assessment_completed", object_id=str(done.pk)).exists()
    assert list(done.events.values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "completed"),
    ]


def test_without_cut_offs_the_result_needs_manual_determination(users, older_world):
    older = older_world["street"]
    draft = assessment_create(actor=users["caseworker"], older_person_id=older.pk, data=data(50))
    assert draft.computed_level == ""
    assert draft.manual_review
    assert any("未配置老年人能力等级分值段" in reason for reason in draft.reasons)
    with pytest.raises(ValidationFailed, match="请选择核定的能力等级"):
        assessment_complete(actor=users["caseworker"], assessment_id=draft.pk)
    with pytest.raises(ValidationFailed, match="理由"):
        assessment_complete(actor=users["caseworker"], assessment_id=draft.pk, manual_level="moderate")
    with pytest.raises(ValidationFailed, match="下次评估日期"):
        assessment_complete(
            actor=users["caseworker"],
            assessment_id=draft.pk,
            manual_level="moderate",
            manual_reason="按评估现场情况核定",
        )
    draft.refresh_from_db()
    assert draft.status == "draft"  # nothing written by the refused attempts
    done = assessment_complete(
        actor=users["caseworker"],
        assessment_id=draft.pk,
        manual_level="moderate",
        manual_reason="按评估现场情况核定",
        next_assessment_on=dt.date(2027, 6, 1),
    )
    assert (done.level, done.manual_level, done.next_assessment_on) == (
        "moderate",
        "moderate",
        dt.date(2027, 6, 1),
    )
    older.refresh_from_db()
    assert (older.capacity_level, older.incapacitated) == ("moderate", True)


def test_a_computed_level_cannot_be_overridden(users, older_world, configured):
    draft = assessment_create(
        actor=users["caseworker"], older_person_id=older_world["street"].pk, data=data(90)
    )
    with pytest.raises(ValidationFailed, match="不能人工改定"):
        assessment_complete(
            actor=users["caseworker"], assessment_id=draft.pk, manual_level="severe", manual_reason="不同意"
        )


def test_out_of_range_item_is_refused_naming_it(users, older_world):
    scores = {**FULL_SCORES, "hearing": 3}
    bad = AssessmentData(assessed_on=ON, assessor_name="李评估", scores=scores)
    with pytest.raises(ValidationFailed) as error:
        assessment_create(actor=users["caseworker"], older_person_id=older_world["street"].pk, data=bad)
    assert error.value.message == "“感知觉与社会参与·听力”的得分应在 0 到 2 分之间，填写的是 3"
    assert error.value.field == "score_hearing"


def test_mapped_level_sets_self_care_through_the_registry(users, older_world, configured, divisions):
    parameter_set(
        SELF_CARE_MAP, {"complete": "fully_incapable", "severe": "partly_incapable"}, divisions["hohhot"]
    )
    older = older_world["street"]
    draft = assessment_create(actor=users["caseworker"], older_person_id=older.pk, data=data(10))
    done = assessment_complete(actor=users["caseworker"], assessment_id=draft.pk)
    older.person.refresh_from_db()
    assert older.person.self_care == "fully_incapable"
    assert "由“具备生活自理能力”改为“完全丧失生活自理能力”" in done.self_care_note
    assert Event.objects.filter(verb="person.updated", object_id=str(older.person_id)).exists()
    assert Event.objects.filter(verb="eldercare.self_care_from_assessment").exists()
    # a level the bureau did not map changes nothing
    draft = assessment_create(actor=users["caseworker"], older_person_id=older.pk, data=data(70))
    done = assessment_complete(actor=users["caseworker"], assessment_id=draft.pk)
    older.person.refresh_from_db()
    assert older.person.self_care == "fully_incapable"


def test_mapped_change_needs_registry_rights(users, older_world, configured, divisions):
    parameter_set(SELF_CARE_MAP, {"complete": "fully_incapable"}, divisions["region"])
    draft = assessment_create(actor=users["reviewer"], older_person_id=older_world["street"].pk, data=data(5))
    with pytest.raises(PermissionDenied, match="人员信息修改权限"):
        assessment_complete(actor=users["reviewer"], assessment_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_second_completion_is_a_conflict_and_other_township_is_not_found(users, older_world, configured):
    draft = assessment_create(
        actor=users["caseworker"], older_person_id=older_world["street"].pk, data=data(90)
    )
    assessment_complete(actor=users["caseworker"], assessment_id=draft.pk)
    with pytest.raises(Conflict, match="已是“已完成”"):
        assessment_complete(actor=users["caseworker"], assessment_id=draft.pk)
    with pytest.raises(Conflict):
        assessment_cancel(actor=users["caseworker"], assessment_id=draft.pk, reason="录错了")
    with pytest.raises(NotFound):
        assessment_complete(actor=users["taibus_caseworker"], assessment_id=draft.pk)
    with pytest.raises(NotFound):
        assessment_create(actor=users["caseworker"], older_person_id=older_world["taibus"].pk, data=data(90))
    with pytest.raises(PermissionDenied):
        assessment_create(actor=users["assistant"], older_person_id=older_world["street"].pk, data=data(90))


def test_coma_gives_severe_without_cut_offs(users, older_world):
    draft = assessment_create(
        actor=users["caseworker"], older_person_id=older_world["street"].pk, data=data(3, comatose=True)
    )
    assert draft.computed_level == "severe"
