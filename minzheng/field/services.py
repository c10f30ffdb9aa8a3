"""Writes of the offline sync (ADR 0039): receiving an offline record and its photos exactly once.

Each call is idempotent by the phone's UUID: a replay (the phone lost the answer, the page was closed while
sending) returns what the first call stored and writes nothing. The record itself goes through the online
service (``eldercare.services.visits.visit_record``, ``applications.services.home_visit_record``), so the
checks, the jurisdiction and the audit are those of the online form; a refusal for the case's state is kept
as a rejected version (server wins, ``rules.outcome_of``), a refusal for role or jurisdiction writes nothing.
Photos pass the documents checks (size, type from the bytes, virus scan) before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction

from minzheng.accounts.models import User
from minzheng.applications import rules as application_rules
from minzheng.applications.errors import ApplicationInvalid, TransitionNotAllowed
from minzheng.applications.models import Application, HomeVisit
from minzheng.applications.rules import FINAL_STEPS, Record, Step
from minzheng.applications.services import home_visit_record
from minzheng.audit.services import event_record
from minzheng.common.crypto import encrypt
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.divisions.models import Division
from minzheng.documents.models import DocumentKind
from minzheng.documents.services import ReadUpload, document_upload, upload_scan
from minzheng.eldercare.models import OlderPerson, VisitRecord
from minzheng.eldercare.rules import visits as visit_rules
from minzheng.eldercare.services.care_common import capability_require
from minzheng.eldercare.services.photos import photos_read, photos_store
from minzheng.eldercare.services.visits import VisitData, visit_record
from minzheng.field import rules
from minzheng.field.models import FieldPhoto, FieldSubmission


@dataclass(frozen=True)
class Received:
    """A submission or photo and whether this call stored it (``False``: a replay of an earlier call)."""

    row: Any
    created: bool


@dataclass(frozen=True)
class Envelope:
    """What every offline record carries besides its form: the phone's UUID, when it was saved, when the
    phone's list was taken, and how many photos will follow."""

    uuid: uuid_module.UUID
    saved_at: dt.datetime
    base_at: dt.datetime | None
    photos: int


@dataclass(frozen=True)
class HomeVisitData:
    visited_on: dt.date
    investigators: list[str]
    members_present: str
    findings: str
    housing: str = ""


def _replay(actor: User, envelope: Envelope, kind: rules.Kind, subject_id: int) -> Received | None:
    """The earlier result of this UUID, or ``None``. Another user's UUID, or the same UUID for another record,
    is refused without saying whose it is."""
    found = FieldSubmission.objects.filter(uuid=envelope.uuid).first()
    if found is None:
        return None
    if found.submitted_by_id != actor.pk or found.kind != kind or found.subject_id != subject_id:
        raise Conflict("该离线记录编号已被使用，请在手机上重新保存后再同步", field="uuid")
    return Received(found, created=False)


def _claimed(actor: User, envelope: Envelope, kind: rules.Kind, subject_id: int,
             receive: Callable[[], FieldSubmission]) -> Received:  # fmt: skip
    """Run ``receive`` once per UUID: a concurrent replay waits on the unique index and, when the first call
    commits, gets its result; everything the second call wrote is rolled back with its savepoint."""
    replay = _replay(actor, envelope, kind, subject_id)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            return Received(receive(), created=True)
    except IntegrityError:
        replay = _replay(actor, envelope, kind, subject_id)
        if replay is None:
            raise
        return replay


def _version(actor: User, envelope: Envelope, kind: rules.Kind, subject_id: int, division: Division,
             payload: dict[str, Any], others: list[int], closed_reason: str) -> FieldSubmission:  # fmt: skip
    outcome = rules.outcome_of(closed_reason=closed_reason, others_since=others)
    row = FieldSubmission.objects.create(
        uuid=envelope.uuid, kind=kind.value, subject_id=subject_id, division=division, submitted_by=actor,
        payload_encrypted=encrypt(json.dumps(payload, ensure_ascii=False, default=str)),
        saved_at=envelope.saved_at, base_at=envelope.base_at, photos_announced=envelope.photos,
        outcome=outcome.value, other_records=others,
        reason=rules.outcome_reason(outcome, closed_reason=closed_reason, others=len(others))[:400],
    )  # fmt: skip
    event_record(
        actor=actor, verb="field.submission.receive", object_type="field.submission", object_id=row.pk,
        division_code=division.code,
        summary=f"离线{rules.KIND_LABELS[kind]}同步：{rules.OUTCOME_LABELS[outcome]}",
        data={"uuid": str(envelope.uuid), "outcome": outcome.value, "other_records": others},
    )  # fmt: skip
    return row


def _photos_check(envelope: Envelope) -> None:
    if not 0 <= envelope.photos <= rules.MAX_PHOTOS:
        raise ValidationFailed(f"每条记录最多 {rules.MAX_PHOTOS} 张照片", field="photos")


# --- 探访关爱 --------------------------------------------------------------------------------------------


def field_visit_receive(
    *, actor: User, envelope: Envelope, older_person_id: int, data: VisitData
) -> Received:
    """Receive an offline 探访关爱 record (issue 17 §5) once. An older person outside the actor's jurisdiction
    is refused (nothing written); one who has left the visit list meanwhile makes the server win (rejected
    version); a visit the server received for the same person after the phone's list was taken is kept
    beside this one (both versions)."""
    capability_require(actor, *visit_rules.RECORD_CAPABILITIES)
    _photos_check(envelope)
    kind = rules.Kind.ELDERCARE_VISIT

    def receive() -> FieldSubmission:
        older = OlderPerson.objects.visible_to(actor).select_for_update().filter(pk=older_person_id).first()
        if older is None:
            raise NotFound("老年人不存在或不在您的管辖范围内", field="older_person")
        since = rules.base_time(envelope.base_at, envelope.saved_at)
        others = list(
            VisitRecord.objects.filter(older_person=older, created_at__gt=since)
            .order_by("id")
            .values_list("id", flat=True)
        )
        closed = "" if older.active else "该老年人已移出探访名单"
        record = None
        if not closed:
            try:
                with transaction.atomic():
                    record = visit_record(actor=actor, older_person_id=older.pk, data=data)
            except ValidationFailed as refused:
                closed = refused.message
        row = _version(actor, envelope, kind, older.pk, older.division, asdict(data), others, closed)
        if record is not None:
            row.visit = record
            row.save(update_fields=["visit"])
        return row

    return _claimed(actor, envelope, kind, older_person_id, receive)


# --- 入户调查 --------------------------------------------------------------------------------------------


def field_home_visit_receive(
    *, actor: User, envelope: Envelope, application_id: int, data: HomeVisitData
) -> Received:
    """Receive an offline 入户调查 (审核确认办法第 16 条: ≥ 2 investigators) once. An application outside the
    actor's jurisdiction, or a role that never enters home visits, is refused (nothing written). An
    application that is closed, or has moved to a step that takes no home visit, makes the server win
    (rejected version with the step); home visits the server received since the phone's list was taken
    are kept beside this one (both versions)."""
    if actor.role not in application_rules.record_roles(Record.HOME_VISIT):
        raise PermissionDenied("您的角色不能录入入户调查")
    _photos_check(envelope)
    kind = rules.Kind.HOME_VISIT

    def receive() -> FieldSubmission:
        application = (
            Application.objects.visible_to(actor).select_for_update(of=("self",)).select_related("division")
            .filter(pk=application_id).first()
        )  # fmt: skip
        if application is None:
            raise NotFound("申请不存在或不在您的管辖范围内", field="application")
        since = rules.base_time(envelope.base_at, envelope.saved_at)
        others = list(
            HomeVisit.objects.filter(application=application, recorded_at__gt=since)
            .order_by("id").values_list("id", flat=True)
        )  # fmt: skip
        closed = f"申请已办结（{Step(application.step).label}）" if application.step in FINAL_STEPS else ""
        record = None
        if not closed:
            try:
                with transaction.atomic():
                    record = home_visit_record(actor=actor, application_id=application.pk, **asdict(data))
            except (TransitionNotAllowed, ApplicationInvalid) as refused:
                closed = refused.message
        row = _version(
            actor, envelope, kind, application.pk, application.division, asdict(data), others, closed
        )
        if record is not None:
            row.home_visit = record
            row.save(update_fields=["home_visit"])
        return row

    return _claimed(actor, envelope, kind, application_id, receive)


# --- photos ----------------------------------------------------------------------------------------------


def _own(actor: User, submission_uuid: uuid_module.UUID, *, lock: bool = False) -> FieldSubmission:
    rows = FieldSubmission.objects.filter(uuid=submission_uuid, submitted_by=actor)
    found = (rows.select_for_update() if lock else rows).select_related("division").first()
    if found is None:
        raise NotFound("离线记录不存在，请先同步记录本身", field="submission")
    return found


def _photo_replay(submission: FieldSubmission, photo_uuid: uuid_module.UUID) -> Received | None:
    found = FieldPhoto.objects.filter(uuid=photo_uuid).first()
    if found is None:
        return None
    if found.submission_id != submission.pk:
        raise Conflict("该照片编号已被使用，请在手机上重新添加照片", field="uuid")
    return Received(found, created=False)


def _checked(actor: User, submission: FieldSubmission, file: Any, ip_address: str | None) -> ReadUpload:
    """Read, type-check and virus-scan one photo before any lock or write: an infected file's security event
    is recorded by ``upload_scan`` in its own transaction and survives the refusal."""
    upload = photos_read([file])[0]
    upload_scan(
        data=upload.data, name=upload.name, sha256=upload.checked.sha256, actor=actor,
        object_type="field.submission", object_id=submission.pk, division_code=submission.division.code,
        subject=f"离线{rules.KIND_LABELS[rules.Kind(submission.kind)]}", ip_address=ip_address,
    )  # fmt: skip
    return upload


def _store(actor: User, submission: FieldSubmission, upload: ReadUpload, file: Any,
           ip_address: str | None) -> dict[str, Any]:  # fmt: skip
    """The photo attached to the record the submission created; nothing for a rejected version."""
    if submission.visit_id is not None:
        visit = VisitRecord.objects.select_related("division").get(pk=submission.visit_id)
        stored = photos_store(actor=actor, division=visit.division, uploads=[upload], visit=visit)
        return {"care_photo": stored[0]}
    if submission.home_visit_id is not None:
        file.seek(0)
        application_id = HomeVisit.objects.get(pk=submission.home_visit_id).application_id
        document = document_upload(
            actor=actor, application_id=application_id, kind=DocumentKind.HOME_VISIT_PHOTO.value, file=file,
            ip_address=ip_address,
        )  # fmt: skip
        return {"document": document}
    return {}


def field_photo_receive(
    *, actor: User, submission_uuid: uuid_module.UUID, photo_uuid: uuid_module.UUID, file: Any,
    ip_address: str | None = None,
) -> Received:  # fmt: skip
    """Receive one photo of an offline record once: checked like an online upload (size, type from the
    bytes, virus scan), then stored as a visit photo or an 入户调查照片 document of the application. A refused
    photo writes nothing; a rejected version's photo is recorded without its file."""
    submission = _own(actor, submission_uuid)
    replay = _photo_replay(submission, photo_uuid)
    if replay is not None:
        return replay
    upload = _checked(actor, submission, file, ip_address)
    with transaction.atomic():
        submission = _own(actor, submission_uuid, lock=True)  # one photo of a submission at a time
        replay = _photo_replay(submission, photo_uuid)
        if replay is not None:
            return replay
        if not rules.photo_slots_left(
            announced=submission.photos_announced, received=submission.photos.count()
        ):
            raise ValidationFailed("该记录的照片已全部收到，不能再添加", field="file")
        stored = _store(actor, submission, upload, file, ip_address)
        photo = FieldPhoto.objects.create(
            uuid=photo_uuid, submission=submission, size=upload.checked.size, sha256=upload.checked.sha256,
            **stored,
        )  # fmt: skip
        event_record(
            actor=actor, verb="field.photo.receive", object_type="field.submission", object_id=submission.pk,
            division_code=submission.division.code,
            summary=f"离线照片同步：{'已保存' if stored else '记录未采用，照片未保存'}",
            data={"uuid": str(photo_uuid), "sha256": upload.checked.sha256, "size": upload.checked.size},
        )  # fmt: skip
    return Received(photo, created=True)
