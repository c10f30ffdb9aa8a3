"""API of eldercare: capacity assessment (issue 17 §2), under /api/v1/eldercare/.

``POST /assessments/`` records the 26 scores (a draft with its computed result); with ``complete: true`` it
also completes it in the same request — for a 需人工核定 result only with ``manual_level`` and
``manual_reason``, and without a configured re-assessment period only with ``next_assessment_on``. A bad
score answers 422 naming the item (``field`` = ``score_<item>``); nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.common.schemas import BodyIn, IsoDate, refusals
from minzheng.eldercare.models import CapacityAssessment
from minzheng.eldercare.selectors import assessment as selectors
from minzheng.eldercare.services import assessment as services

router = Router(tags=["智慧养老"])


class AssessmentIn(BodyIn):
    older_person_id: int
    assessed_on: IsoDate
    assessor_name: str = Field(max_length=50)
    assessor_certificate: str = Field("", max_length=50)
    scores: dict[str, int] = Field(description="26 个二级指标的得分，键为指标代码（如 eating、stairs）")
    comatose: bool = False
    complete: bool = False
    manual_level: str = ""
    manual_reason: str = Field("", max_length=300)
    next_assessment_on: IsoDate | None = None


class AssessmentOut(Schema):
    id: int
    older_person_id: int
    assessed_on: dt.date
    assessor_name: str
    status: str
    item_scores: dict[str, int]
    dimension_scores: dict[str, int]
    total: int
    computed_level: str = Field(description="按分值段评定的等级；空 = 需人工核定")
    manual_level: str
    manual_reason: str
    level: str = Field(description="完成后的能力等级")
    reasons: list[str]
    next_assessment_on: dt.date | None
    self_care_note: str


def _out(assessment: CapacityAssessment) -> AssessmentOut:
    return AssessmentOut(
        id=assessment.pk,
        older_person_id=assessment.older_person_id,
        assessed_on=assessment.assessed_on,
        assessor_name=assessment.assessor_name,
        status=assessment.status,
        item_scores=assessment.item_scores,
        dimension_scores=assessment.dimension_scores,
        total=assessment.total,
        computed_level=assessment.computed_level,
        manual_level=assessment.manual_level,
        manual_reason=assessment.manual_reason,
        level=assessment.level,
        reasons=assessment.reasons,
        next_assessment_on=assessment.next_assessment_on,
        self_care_note=assessment.self_care_note,
    )


@router.post(
    "/assessments", response={201: AssessmentOut, **refusals(404, 409)}, summary="提交老年人能力评估"
)
def assessment_submit(request: HttpRequest, payload: AssessmentIn) -> tuple[int, AssessmentOut]:
    actor = request_actor(request)
    data = services.AssessmentData(
        assessed_on=payload.assessed_on,
        assessor_name=payload.assessor_name,
        assessor_certificate=payload.assessor_certificate,
        scores=payload.scores,
        comatose=payload.comatose,
    )
    with transaction.atomic():  # a refused completion leaves no draft behind
        assessment = services.assessment_create(
            actor=actor, older_person_id=payload.older_person_id, data=data
        )
        if payload.complete:
            assessment = services.assessment_complete(
                actor=actor,
                assessment_id=assessment.pk,
                manual_level=payload.manual_level,
                manual_reason=payload.manual_reason,
                next_assessment_on=payload.next_assessment_on,
            )
    return 201, _out(assessment)


@router.get(
    "/assessments/{assessment_id}", response={200: AssessmentOut, **refusals(404)}, summary="能力评估"
)
def assessment_get(request: HttpRequest, assessment_id: int) -> AssessmentOut:
    return _out(selectors.assessment_get(actor=request_actor(request), pk=assessment_id))
