"""document_upload and document_remove against PostgreSQL and a temporary MEDIA_ROOT: what is stored on
success, and on every refusal neither a row nor a file nor a timeline line."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.storage import default_storage

from minzheng.applications.models import Application, ApplicationEvent
from minzheng.audit.models import Event
from minzheng.common.errors import Conflict, DomainError, NotFound, PermissionDenied
from minzheng.documents.errors import DocumentRefused, DuplicateDocument, ScanUnavailable
from minzheng.documents.models import Document
from minzheng.documents.rules import PLEDGE_BASIS
from minzheng.documents.services import document_remove, document_upload

from .conftest import EXE, INFECTED_JPEG, go, jpeg_bytes, pdf_bytes, png_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


def events(application, code: str) -> list[ApplicationEvent]:
    return list(ApplicationEvent.objects.filter(application=application, code=code).order_by("id"))


def test_upload_stores_the_file_through_storage_with_detected_type_and_hash(users, application, media):
    # given
    content = jpeg_bytes()
    # when
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证正面.JPG", content, "text/plain"))  # fmt: skip
    # then
    document.refresh_from_db()
    assert document.content_type == "image/jpeg"  # from the bytes, not the client's text/plain
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == "身份证正面.JPG"
    assert document.step == "submitted"
    assert document.kind == "identity"
    assert (document.scan_status, document.scanner) == ("clean", "eicar")
    assert document.uploaded_by == users["caseworker"]
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", document.file.name)
    assert stored_files(media) == [media / document.file.name]
    with default_storage.open(document.file.name, "rb") as stored:
        assert stored.read() == content
    [line] = events(application, "document_uploaded")
    assert (line.kind, line.message, line.actor) == (
        "document",
        "上传材料：身份证明“身份证正面.JPG”",
        users["caseworker"],
    )
    assert line.data == {"document": document.pk, "sha256": document.sha256, "scan_status": "clean"}
    assert Event.objects.filter(verb="document.uploaded", object_id=str(document.pk)).count() == 1


def test_client_path_is_dropped_from_the_name(users, application):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="income",
                               file=upload("C:\\扫描\\收入证明.pdf", pdf_bytes()))  # fmt: skip
    assert (document.original_name, document.content_type) == ("收入证明.pdf", "application/pdf")
    assert document.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("照片.jpg", EXE, "document_type", "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）"),
        ("setup.exe", EXE, "document_type", "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）"),
        ("收入证明.jpg", pdf_bytes(), "document_extension_mismatch",
         "文件扩展名“.jpg”与文件内容（PDF）不符，请核对后重新上传"),
        ("照片.png", jpeg_bytes(), "document_extension_mismatch",
         "文件扩展名“.png”与文件内容（JPEG）不符，请核对后重新上传"),
        ("空.jpg", b"", "document_empty", "文件为空，请重新选择"),
        ("病毒.jpg", INFECTED_JPEG, "document_infected", "文件未通过病毒扫描（Eicar-Test-Signature），已拒收"),
    ],
)  # fmt: skip
def test_refused_files_leave_nothing_behind(users, application, media, name, content, code, message):
    before = ApplicationEvent.objects.filter(application=application).count()
    with pytest.raises(DocumentRefused) as refused:
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                        file=upload(name, content))  # fmt: skip
    assert (refused.value.code, refused.value.message, refused.value.field) == (code, message, "file")
    assert Document.objects.count() == 0
    assert stored_files(media) == []
    assert ApplicationEvent.objects.filter(application=application).count() == before


def test_oversized_file_is_refused_at_the_default_limit(users, application, media):
    with pytest.raises(DocumentRefused, match="^文件超过 10 MB 上限$"):
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="medical",
                        file=upload("票据.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024)))  # fmt: skip
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_oversized_file_is_refused_at_a_configured_limit(users, application, media, settings):
    settings.DOCUMENT_MAX_BYTES = 2048
    small = upload("小.png", png_bytes())
    assert document_upload(actor=users["caseworker"], application_id=application.pk, kind="other", file=small)
    with pytest.raises(DocumentRefused, match="^文件超过 2 KB 上限$"):
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="other",
                        file=upload("大.jpg", b"\xff\xd8\xff" + b"\x01" * 2048))  # fmt: skip
    assert Document.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_infected_upload_is_audited(users, application, media):
    with pytest.raises(DocumentRefused):
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                        file=upload("病毒.jpg", INFECTED_JPEG))  # fmt: skip
    [event] = Event.objects.filter(verb="document.infected")
    assert event.object_id == str(application.pk)
    assert event.data["signature"] == "Eicar-Test-Signature"
    assert event.data["sha256"] == hashlib.sha256(INFECTED_JPEG).hexdigest()


def test_duplicate_is_refused_with_the_existing_file_named(users, application, media):
    first = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                            file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    with pytest.raises(DuplicateDocument) as duplicate:
        document_upload(actor=users["reviewer"], application_id=application.pk, kind="other",
                        file=upload("另存为.jpg", jpeg_bytes()))  # fmt: skip
    assert duplicate.value.http_status == 409
    assert duplicate.value.message.startswith("该申请已有相同内容的文件：身份证明“身份证.jpg”（")
    assert duplicate.value.message.endswith(" 上传），不能重复上传")
    assert list(Document.objects.values_list("pk", flat=True)) == [first.pk]
    assert stored_files(media) == [media / first.file.name]


def test_a_removed_file_may_be_uploaded_again(users, application, media):
    first = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                            file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    document_remove(actor=users["caseworker"], document_id=first.pk, reason="传错了类别")
    again = document_upload(actor=users["caseworker"], application_id=application.pk, kind="household_register",
                            file=upload("户口簿.jpg", jpeg_bytes()))  # fmt: skip
    assert again.sha256 == first.sha256
    assert len(stored_files(media)) == 2


def test_scanner_unavailable_refuses_unless_configured_to_fail_open(users, application, media, settings):
    settings.DOCUMENT_SCANNER = "minzheng.documents.scanning.ClamdScanner"
    settings.DOCUMENT_CLAMD_ADDRESS = "unix:/nonexistent/clamd.ctl"
    with pytest.raises(ScanUnavailable) as unavailable:
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                        file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    assert (unavailable.value.http_status, unavailable.value.message) == (
        503,
        "病毒扫描服务暂不可用，文件未保存，请稍后再试",
    )
    assert (Document.objects.count(), stored_files(media)) == (0, [])
    settings.DOCUMENT_SCAN_FAIL_OPEN = True
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    assert (document.scan_status, document.scanner) == ("error", "clamd")


def test_null_scanner_marks_not_scanned(users, application, settings):
    settings.DOCUMENT_SCANNER = "minzheng.documents.scanning.NullScanner"
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", INFECTED_JPEG))  # fmt: skip
    assert (document.scan_status, document.scanner) == ("not_scanned", "none")


def test_village_assistant_uploads_for_the_village(users, application, media):
    document = document_upload(actor=users["assistant"], application_id=application.pk, kind="home_visit_photo",
                               file=upload("入户.png", png_bytes()))  # fmt: skip
    assert document.uploaded_by == users["assistant"]


@pytest.mark.parametrize(("who", "error"), [("taibus_caseworker", NotFound), ("auditor", PermissionDenied),
                                            ("prefecture", PermissionDenied)])  # fmt: skip
def test_others_cannot_upload(users, application, media, who, error):
    with pytest.raises(error):
        document_upload(actor=users[who], application_id=application.pk, kind="identity",
                        file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_unknown_kind_is_refused(users, application, media):
    with pytest.raises(DocumentRefused) as refused:
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="passport",
                        file=upload("护照.jpg", jpeg_bytes()))  # fmt: skip
    assert (refused.value.field, refused.value.message) == ("kind", "材料类别“passport”无效")


def test_closed_application_takes_only_the_decision_letter(users, application, media):
    go(users, application, "caseworker", "withdraw", reason="申请人书面撤回")
    with pytest.raises(DocumentRefused, match="^申请已办结（已撤回），只能补充上传决定书$"):
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="income",
                        file=upload("收入.pdf", pdf_bytes()))  # fmt: skip
    decision = document_upload(actor=users["caseworker"], application_id=application.pk, kind="decision",
                               file=upload("决定书.pdf", pdf_bytes("决定书")))  # fmt: skip
    assert (decision.step, decision.kind) == ("withdrawn", "decision")
    assert len(stored_files(media)) == 1


def test_pledge_upload_records_the_pledge_once(users, application, media):
    assert application.pledge_signed_at is None
    document_upload(actor=users["assistant"], application_id=application.pk, kind="pledge",
                    file=upload("承诺书.pdf", pdf_bytes()))  # fmt: skip
    application.refresh_from_db()
    signed_at = application.pledge_signed_at
    assert signed_at is not None
    assert application.pledge_recorded_by == users["assistant"]
    [line] = events(application, "pledge")
    assert (line.kind, line.basis, line.message) == (
        "record",
        PLEDGE_BASIS,
        "承诺书及家庭经济状况核对授权书已签署（上传签字件）",
    )
    assert PLEDGE_BASIS == "《最低生活保障审核确认办法》第9条"
    # a second signed copy changes nothing on the application
    document_upload(actor=users["caseworker"], application_id=application.pk, kind="pledge",
                    file=upload("承诺书2.pdf", pdf_bytes("授权书")))  # fmt: skip
    application.refresh_from_db()
    assert (application.pledge_signed_at, application.pledge_recorded_by) == (signed_at, users["assistant"])
    assert len(events(application, "pledge")) == 1
    # and the pledge requirement of acceptance is now met
    accepted = go(users, application, "caseworker", "accept")
    assert accepted.step == "accepted"


def test_remove_keeps_the_file_and_records_why(users, application, media):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    removed = document_remove(actor=users["reviewer"], document_id=document.pk, reason="  照片模糊  ")
    removed.refresh_from_db()
    assert (removed.removed_by, removed.removal_reason) == (users["reviewer"], "照片模糊")
    assert removed.removed_at is not None
    assert stored_files(media) == [media / document.file.name]
    [line] = events(application, "document_removed")
    assert line.message == "移除材料：身份证明“身份证.jpg”（理由：照片模糊）"
    assert Event.objects.filter(verb="document.removed", object_id=str(document.pk)).count() == 1
    with pytest.raises(Conflict):
        document_remove(actor=users["reviewer"], document_id=document.pk, reason="再次")


@pytest.mark.parametrize(("who", "reason", "error", "message"), [
    ("caseworker", " ", DocumentRefused, "请填写移除理由"),
    ("assistant", "不需要", PermissionDenied, "您的角色不能移除申请材料"),
    ("taibus_county", "不需要", NotFound, "材料不存在或不在您的管辖范围内"),
])  # fmt: skip
def test_remove_refusals_change_nothing(users, application, media, who, reason, error, message):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    with pytest.raises(error) as refused:
        document_remove(actor=users[who], document_id=document.pk, reason=reason)
    assert refused.value.message == message
    document.refresh_from_db()
    assert (document.removed_at, document.removal_reason) == (None, "")


def test_remove_is_refused_after_the_decision(users, application, media):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    go(users, application, "caseworker", "withdraw", reason="撤回")
    with pytest.raises(DomainError, match="^申请已办结，材料已随审批表归档，不能移除$"):
        document_remove(actor=users["caseworker"], document_id=document.pk, reason="整理")
    assert Application.objects.get(pk=application.pk).step == "withdrawn"


def test_the_database_refuses_a_second_live_copy(users, application, media):
    """The partial unique index behind the duplicate check: a racing second upload fails on insert."""
    from django.db import IntegrityError, transaction

    first = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                            file=upload("a.jpg", jpeg_bytes()))  # fmt: skip
    copy = Document(application=application, step=first.step, kind="other", original_name="b.jpg",
                    file="documents/x.jpg", content_type=first.content_type, size=first.size, sha256=first.sha256,
                    scan_status="clean", uploaded_by=users["caseworker"])  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n", "document_pdf_invalid"),
        (
            b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n",
            "document_pdf_active",
        ),
        (b"%PDF-1.7\n1 0 obj << /Type /EmbeddedFile >> endobj\n%%EOF", "document_pdf_active"),
    ],
)
def test_a_pdf_that_is_not_one_or_carries_scripts_is_refused_and_nothing_is_stored(
    users, application, media, content: bytes, code: str
):
    with pytest.raises(DocumentRefused) as caught:
        document_upload(actor=users["caseworker"], application_id=application.pk, kind="income",
                        file=upload("证明.pdf", content))  # fmt: skip
    assert caught.value.code == code
    assert Document.objects.count() == 0
