"""Writes of application documents: upload (checked, scanned, stored) and soft removal.

Everything that can refuse a file — role, jurisdiction, the application's state, size, type, name,
duplicate, virus — is decided *before* a byte reaches storage, so a refusal leaves neither a row nor a
file. The file is written inside the transaction that inserts the row and deleted again if that
transaction fails (a racing duplicate hits the partial unique index). The only write a refusal keeps is
the audit event of an infected file: it is recorded in its own transaction before the refusal is raised,
because a security event must survive the refusal it causes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.applications.timeline import timeline_record
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.common.errors import Conflict, NotFound, PermissionDenied
from minzheng.documents import rules, selectors
from minzheng.documents.errors import DocumentRefused, DuplicateDocument, ScanUnavailable
from minzheng.documents.models import Document, DocumentKind
from minzheng.documents.scanning import ScanResult, ScanStatus, scanner_get


def _kind(value: str) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError:
        raise DocumentRefused(f"材料类别“{value}”无效", field="kind", code="document_kind") from None


def _application(actor: User, application_id: int, *, lock: bool = False) -> Application:
    visible = Application.objects.visible_to(actor).filter(pk=application_id)
    if lock:
        visible = visible.select_for_update(of=("self",))
    application = visible.select_related("division").first()
    if application is None:
        raise NotFound("申请不存在或不在您的管辖范围内", field="application")
    return application


def _open_or_decision(application: Application, kind: DocumentKind) -> None:
    """After the decision the file is closed: only the decision letter itself may still be added."""
    if not application.is_open and kind != DocumentKind.DECISION:
        raise DocumentRefused(
            f"申请已办结（{Step(application.step).label}），只能补充上传决定书", field="kind",
            code="document_application_closed",
        )  # fmt: skip


def _read(file: Any, limit: int) -> bytes:
    """The body, refusing as soon as it exceeds ``limit`` (a client may misreport the size)."""
    rules.size_check(getattr(file, "size", None) or 0, limit)
    buffer = bytearray()
    for chunk in file.chunks():
        buffer += chunk
        if len(buffer) > limit:
            rules.size_check(len(buffer), limit)
    return bytes(buffer)


def _original_name(file: Any) -> str:
    """The client's file name without any directory part (some browsers send a full path)."""
    base = str(getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or "未命名文件")[-200:]


def _duplicate_message(existing: Document) -> str:
    return (
        f"该申请已有相同内容的文件：{existing.get_kind_display()}“{existing.original_name}”"
        f"（{timezone.localtime(existing.uploaded_at):%Y-%m-%d %H:%M} 上传），不能重复上传"
    )


def _duplicate_check(application: Application, sha256: str) -> None:
    existing = Document.objects.filter(
        application=application, sha256=sha256, removed_at__isnull=True
    ).first()
    if existing is not None:
        raise DuplicateDocument(_duplicate_message(existing), field="file")


def upload_scan(
    *,
    data: bytes,
    name: str,
    sha256: str,
    actor: User | None,
    object_type: str,
    object_id: object,
    division_code: str,
    subject: str,
    ip_address: str | None,
) -> tuple[ScanResult, str]:
    """The virus scan of one checked upload, for any holder of uploads (an application, an applicant's
    draft): an infected file is refused and recorded as a security event in its own transaction, a scanner
    that is down refuses the file unless ``DOCUMENT_SCAN_FAIL_OPEN``. Returns the outcome and scanner name."""
    scanner = scanner_get()
    outcome = scanner.scan(data)
    if outcome.status == ScanStatus.INFECTED:
        with transaction.atomic():
            event_record(actor=actor, verb="document.infected", object_type=object_type, object_id=object_id,
                         division_code=division_code,
                         summary=f"{subject}：文件“{name}”发现病毒 {outcome.signature}，已拒收",
                         data={"sha256": sha256, "signature": outcome.signature, "scanner": scanner.name},
                         ip_address=ip_address)  # fmt: skip
        raise DocumentRefused(
            f"文件未通过病毒扫描（{outcome.signature}），已拒收", field="file", code="document_infected"
        )
    if outcome.status == ScanStatus.ERROR and not settings.DOCUMENT_SCAN_FAIL_OPEN:
        raise ScanUnavailable("病毒扫描服务暂不可用，文件未保存，请稍后再试", field="file")
    return outcome, scanner.name


def _scan(actor: User | None, application: Application, name: str, data: bytes, sha256: str,
          ip_address: str | None) -> tuple[ScanResult, str]:  # fmt: skip
    return upload_scan(data=data, name=name, sha256=sha256, actor=actor, object_type="application",
                       object_id=application.pk, division_code=application.division.code,
                       subject=str(application.number), ip_address=ip_address)  # fmt: skip


def _pledge_record(application: Application, actor: User | None, now: Any) -> None:
    """An uploaded pledge is the signed 承诺书 + 家庭经济状况核对授权书 (《最低生活保障审核确认办法》第 9 条):
    it records the signature when none is recorded yet (compare-and-set, the row is locked)."""
    signed = Application.objects.filter(pk=application.pk, pledge_signed_at__isnull=True).update(
        pledge_signed_at=now, pledge_recorded_by=actor, updated_at=now
    )
    if signed:
        message = "承诺书及家庭经济状况核对授权书已签署（上传签字件）"
        timeline_record(application, actor, "record", "pledge", message, basis=rules.PLEDGE_BASIS)


def _file_delete(document: Document) -> None:
    if document.file.name:
        document.file.storage.delete(document.file.name)


def _store(document: Document, data: bytes, extension: str) -> None:
    """Write the file, then the row; a failing insert (a racing duplicate) removes the file again."""
    document.file.save(f"upload.{extension}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        _file_delete(document)
        existing = Document.objects.filter(
            application_id=document.application_id, sha256=document.sha256, removed_at__isnull=True
        ).first()
        raise DuplicateDocument(
            _duplicate_message(existing) if existing else "该申请已有相同内容的文件，不能重复上传",
            field="file",
        ) from None


@dataclass(frozen=True)
class ReadUpload:
    """One uploaded file read and checked (name, size, type from the bytes), nothing stored yet."""

    name: str
    data: bytes
    checked: rules.CheckedFile


def upload_read(file: Any) -> ReadUpload:
    """Read one uploaded file within ``DOCUMENT_MAX_BYTES`` and check its size, content type and name
    (``rules.upload_check``); raises ``DocumentRefused``. Shared by every holder of uploads."""
    name = _original_name(file)
    data = _read(file, settings.DOCUMENT_MAX_BYTES)
    return ReadUpload(name, data, rules.upload_check(name, data, settings.DOCUMENT_MAX_BYTES))


def document_upload(*, actor: User, application_id: int, kind: str, file: Any,
                    ip_address: str | None = None) -> Document:  # fmt: skip
    """Store one document of an application at its current step.

    Township caseworkers and reviewers, county approvers and village assistants (for the applications
    of their village) may upload while the application is open; after the decision only the decision
    letter (决定书). The type is detected from the bytes; size, name, duplicates and the virus scan are
    checked before anything is stored. A pledge also records the pledge on the application
    (《最低生活保障审核确认办法》第 9 条). Locks the application row while storing.
    """
    if actor.role not in rules.UPLOADER_ROLES:
        raise PermissionDenied("您的角色不能上传申请材料")
    document_kind = _kind(kind)
    return _upload(
        actor, lambda lock: _application(actor, application_id, lock=lock), document_kind, file, ip_address,
        lambda application: _open_or_decision(application, document_kind),
    )  # fmt: skip


def document_upload_online(*, application_id: int, kind: str, file: Any,
                           ip_address: str | None = None) -> Document:  # fmt: skip
    """The applicant's own upload through the portal (救助通), e.g. the materials asked for in the one-time
    notice (《最低生活保障审核确认办法》第 10 条). The caller has established that the signed-in applicant's
    household owns the application; there is no staff uploader (``uploaded_online``). Only while the
    application is open; otherwise the same checks and storage as ``document_upload``."""
    document_kind = _kind(kind)

    def load(lock: bool) -> Application:
        found = Application.objects.filter(pk=application_id)
        if lock:
            found = found.select_for_update(of=("self",))
        application = found.select_related("division").first()
        if application is None:
            raise NotFound("申请不存在", field="application")
        return application

    return _upload(None, load, document_kind, file, ip_address, _open_only)


def _open_only(application: Application) -> None:
    if not application.is_open:
        raise DocumentRefused(
            f"申请已办结（{Step(application.step).label}），不能再上传材料", field="file",
            code="document_application_closed",
        )  # fmt: skip


def _upload(actor: User | None, load: Callable[[bool], Application], kind: DocumentKind, file: Any,
            ip_address: str | None, state_check: Callable[[Application], None]) -> Document:  # fmt: skip
    application = load(False)
    state_check(application)
    upload = upload_read(file)
    _duplicate_check(application, upload.checked.sha256)
    outcome, scanner_name = _scan(
        actor, application, upload.name, upload.data, upload.checked.sha256, ip_address
    )
    with transaction.atomic():
        application = load(True)
        state_check(application)  # the step may have moved while scanning
        checked = upload.checked
        document = Document(
            application=application, step=application.step, kind=kind, original_name=upload.name,
            content_type=checked.file_type.value, size=checked.size, sha256=checked.sha256,
            scan_status=outcome.status, scanner=scanner_name, uploaded_by=actor,
            uploaded_online=actor is None,
        )  # fmt: skip
        _store(document, upload.data, upload.checked.extension)
        try:
            _upload_record(actor, application, document, ip_address)
        except BaseException:
            _file_delete(document)
            raise
    return document


def _upload_record(actor: User | None, application: Application, document: Document,
                   ip_address: str | None) -> None:  # fmt: skip
    now = timezone.now()
    if document.kind == DocumentKind.PLEDGE:
        _pledge_record(application, actor, now)
    label = document.get_kind_display()
    who = "" if actor is not None else "申请人网上"
    line = {"document": document.pk, "sha256": document.sha256, "scan_status": document.scan_status}
    timeline_record(application, actor, "document", "document_uploaded",
                    f"{who}上传材料：{label}“{document.original_name}”",
                    data={**line, "online": True} if actor is None else line)  # fmt: skip
    event_record(actor=actor, verb="document.uploaded", object_type="document", object_id=document.pk,
                 division_code=application.division.code,
                 summary=f"{application.number}：{who}上传{label}“{document.original_name}”",
                 data={"application": application.pk, "sha256": document.sha256, "size": document.size,
                       "content_type": document.content_type, "scan_status": document.scan_status},
                 ip_address=ip_address)  # fmt: skip


@dataclass(frozen=True)
class OnlineFile:
    """A file the applicant uploaded before submitting (a portal draft's document), already checked and
    stored: ``file_name`` is its name in storage, which the new ``Document`` points to."""

    kind: str
    original_name: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    scan_status: str
    scanner: str


def document_attach_online(*, application: Application, files: Sequence[OnlineFile]) -> list[Document]:
    """Attach the applicant's checked uploads to the application just submitted online (救助通): one
    ``Document`` each at the submission step, pointing at the stored file (no copy), ``uploaded_online``.
    Set-based (one bulk insert); one timeline line lists them. Runs inside the submission's transaction."""
    documents = Document.objects.bulk_create(
        Document(application=application, step=application.step, kind=_kind(f.kind),
                 original_name=f.original_name, file=f.file_name, content_type=f.content_type, size=f.size,
                 sha256=f.sha256, scan_status=f.scan_status, scanner=f.scanner, uploaded_online=True)
        for f in files
    )  # fmt: skip
    if documents:
        names = "、".join(f"{d.get_kind_display()}“{d.original_name}”" for d in documents)
        timeline_record(application, None, "document", "document_uploaded", f"申请人网上提交材料：{names}",
                        data={"documents": [d.pk for d in documents], "online": True})  # fmt: skip
        event_record(actor=None, verb="document.uploaded_online", object_type="application",
                     object_id=application.pk, division_code=application.division.code,
                     summary=f"{application.number}：申请人网上提交材料 {len(documents)} 份",
                     data={"documents": [d.pk for d in documents]})  # fmt: skip
    return documents


@transaction.atomic
def document_remove(*, actor: User, document_id: int, reason: str, ip_address: str | None = None) -> Document:
    """Mark a document removed with the reason; the file stays in storage for the archive. Only while the
    application is open (the file of a decided application is archived as it is)."""
    if actor.role not in rules.REMOVER_ROLES:
        raise PermissionDenied("您的角色不能移除申请材料")
    reason = rules.reason_check(reason)[:200]
    document = (
        Document.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("application__division")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound("材料不存在或不在您的管辖范围内", field="document")
    if document.removed_at is not None:
        raise Conflict(
            f"该材料已于 {timezone.localtime(document.removed_at):%Y-%m-%d %H:%M} 移除", field="document"
        )
    application = document.application
    if not application.is_open:
        raise DocumentRefused("申请已办结，材料已随审批表归档，不能移除", field="document",
                              code="document_application_closed")  # fmt: skip
    document.removed_at, document.removed_by, document.removal_reason = timezone.now(), actor, reason
    document.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    label = document.get_kind_display()
    timeline_record(application, actor, "document", "document_removed",
                    f"移除材料：{label}“{document.original_name}”（理由：{reason}）",
                    data={"document": document.pk})  # fmt: skip
    event_record(actor=actor, verb="document.removed", object_type="document", object_id=document.pk,
                 division_code=application.division.code,
                 summary=f"{application.number}：移除{label}“{document.original_name}”：{reason}",
                 ip_address=ip_address)  # fmt: skip
    return document


def document_open(*, actor: User, pk: int, purpose: str, ip_address: str | None = None) -> Document:
    """A visible document about to be shown or downloaded; each opening is logged as an access to the
    household's personal data (the papers are identity cards, incomes, medical bills …)."""
    document = selectors.document_get(actor=actor, pk=pk)
    personal_data_access_record(
        actor=actor, household_id=document.application.household_id, fields=[f"document:{document.pk}"],
        purpose=purpose, ip_address=ip_address,
    )  # fmt: skip
    return document
