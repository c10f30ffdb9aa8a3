"""Sync API of the field app under /api/v1/field/ (ADR 0039), authenticated as the rest of the staff API
(session with CSRF, or a bearer token): the worklist the phone keeps offline, receiving an offline 探访 or
入户调查 record and its photos — each idempotent by the phone's UUID (201 the first time, 200 with the same
body on a replay) — and the user's own versions with their outcome."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import BeforeValidator, StrictBool, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from minzheng.accounts.actors import request_actor
from minzheng.common.network import client_address
from minzheng.common.schemas import BodyIn, IsoDate, refusals
from minzheng.eldercare.services.visits import VisitData
from minzheng.field import rules, selectors, services
from minzheng.field.models import FieldPhoto, FieldSubmission

router = Router(tags=["离线走访"])
_ERRORS = refusals(404, 409, 503)


def _moment(value: Any) -> Any:
    """ISO 8601 text with its offset (a phone's clock time is meaningless without it); no number."""
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise PydanticCustomError(
        "datetime_parsing", "应为带时区的时间（ISO 8601），如 2026-12-07T10:00:00+08:00"
    )


Moment = Annotated[
    dt.datetime,
    BeforeValidator(_moment),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-12-07T10:00:00+08:00"]}),
]


class VisitItemOut(Schema):
    older_person_id: int
    name: str
    village: str
    categories: str
    next_due_on: dt.date | None
    overdue: bool


class InvestigationItemOut(Schema):
    application_id: int
    number: str
    applicant: str
    workflow: str
    village: str
    home_visits: int


class WorklistOut(Schema):
    taken_at: dt.datetime
    user_id: int
    user_name: str
    can_visit: bool
    can_home_visit: bool
    visits: list[VisitItemOut]
    investigations: list[InvestigationItemOut]


class EnvelopeIn(BodyIn):
    uuid: UUID = Field(..., description="手机生成的记录编号（重发时不变）")
    saved_at: Moment = Field(..., description="手机上保存的时间")
    base_at: Moment | None = Field(None, description="手机离线清单的获取时间（判断冲突）")
    photos: StrictInt = Field(0, ge=0, le=rules.MAX_PHOTOS, description="随后上传的照片张数")


class VisitIn(EnvelopeIn):
    older_person_id: StrictInt = Field(..., ge=1)
    visited_on: IsoDate
    findings: str = Field(..., max_length=500)
    living_conditions: str = Field("", max_length=300)
    health: str = Field("", max_length=300)
    risk_found: StrictBool = False
    safety_risks: str = Field("", max_length=300)
    needs: str = Field("", max_length=300)
    follow_up: str = Field("", max_length=300)


class HomeVisitIn(EnvelopeIn):
    application_id: StrictInt = Field(..., ge=1)
    visited_on: IsoDate
    investigators: list[str] = Field(..., max_length=10)
    members_present: str = Field(..., max_length=200)
    findings: str = Field(..., max_length=2000)
    housing: str = Field("", max_length=500)


class SubmissionOut(Schema):
    uuid: UUID
    kind: str
    kind_label: str
    subject_id: int
    outcome: str
    outcome_label: str
    reason: str
    record_id: int | None
    other_records: list[int]
    photos_received: int
    received_at: dt.datetime

    @staticmethod
    def of(row: FieldSubmission) -> SubmissionOut:
        return SubmissionOut(
            uuid=row.uuid, kind=row.kind, kind_label=rules.KIND_LABELS[rules.Kind(row.kind)],
            subject_id=row.subject_id, outcome=row.outcome,
            outcome_label=rules.OUTCOME_LABELS[rules.Outcome(row.outcome)], reason=row.reason,
            record_id=row.visit_id or row.home_visit_id, other_records=list(row.other_records),
            photos_received=row.photos.count(), received_at=row.received_at,
        )  # fmt: skip


class PhotoOut(Schema):
    uuid: UUID
    submission: UUID
    stored: bool
    size: int
    sha256: str

    @staticmethod
    def of(row: FieldPhoto) -> PhotoOut:
        return PhotoOut(
            uuid=row.uuid, submission=row.submission.uuid,
            stored=bool(row.care_photo_id or row.document_id), size=row.size, sha256=row.sha256,
        )  # fmt: skip


def _envelope(payload: EnvelopeIn) -> services.Envelope:
    return services.Envelope(payload.uuid, payload.saved_at, payload.base_at, payload.photos)


def _answer(received: services.Received) -> tuple[int, Any]:
    return (201 if received.created else 200), received.row


@router.get(
    "/field/worklist", response={200: WorklistOut, **_ERRORS}, summary="离线走访清单（探访、待入户调查）"
)
def worklist(request: HttpRequest) -> selectors.Worklist:
    actor = request_actor(request)
    return selectors.worklist_get(actor=actor, now=timezone.now(), today=timezone.localdate())


@router.get(
    "/field/submissions", response={200: list[SubmissionOut], **_ERRORS}, summary="本人的离线提交及结果"
)
def submission_list(request: HttpRequest) -> list[SubmissionOut]:
    rows = selectors.submission_list(actor=request_actor(request)).prefetch_related("photos")[:100]
    return [SubmissionOut.of(row) for row in rows]


@router.post("/field/visits", response={201: SubmissionOut, 200: SubmissionOut, **_ERRORS},
             summary="同步离线探访关爱记录（按编号幂等）")  # fmt: skip
def visit_receive(request: HttpRequest, payload: VisitIn) -> tuple[int, SubmissionOut]:
    received = services.field_visit_receive(
        actor=request_actor(request), envelope=_envelope(payload), older_person_id=payload.older_person_id,
        data=VisitData(
            visited_on=payload.visited_on, findings=payload.findings,
            living_conditions=payload.living_conditions,
            health=payload.health, risk_found=payload.risk_found, safety_risks=payload.safety_risks,
            needs=payload.needs, follow_up=payload.follow_up,
        ),
    )  # fmt: skip
    status, row = _answer(received)
    return status, SubmissionOut.of(row)


@router.post("/field/home-visits", response={201: SubmissionOut, 200: SubmissionOut, **_ERRORS},
             summary="同步离线入户调查（按编号幂等）")  # fmt: skip
def home_visit_receive(request: HttpRequest, payload: HomeVisitIn) -> tuple[int, SubmissionOut]:
    received = services.field_home_visit_receive(
        actor=request_actor(request), envelope=_envelope(payload), application_id=payload.application_id,
        data=services.HomeVisitData(
            visited_on=payload.visited_on, investigators=payload.investigators,
            members_present=payload.members_present, findings=payload.findings, housing=payload.housing,
        ),
    )  # fmt: skip
    status, row = _answer(received)
    return status, SubmissionOut.of(row)


@router.post(
    "/field/submissions/{submission_uuid}/photos",
    response={201: PhotoOut, 200: PhotoOut, **_ERRORS},
    summary="同步离线记录的一张照片（multipart：uuid、file；按编号幂等）",
)
def photo_receive(
    request: HttpRequest, submission_uuid: UUID, uuid: Form[UUID], file: File[UploadedFile]
) -> tuple[int, PhotoOut]:
    received = services.field_photo_receive(
        actor=request_actor(request), submission_uuid=submission_uuid, photo_uuid=uuid, file=file,
        ip_address=client_address(request),
    )  # fmt: skip
    status, row = _answer(received)
    return status, PhotoOut.of(row)
