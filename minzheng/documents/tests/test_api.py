"""The documents JSON API over HTTP with bearer tokens: upload (multipart), list, soft removal, and the
shared ``{code, message, field}`` errors."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from minzheng.accounts.api_auth import api_token_create
from minzheng.documents.models import Document

from .conftest import EXE, jpeg_bytes, pdf_bytes, stored_files, upload

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def api(users):
    def make(name: str = "caseworker") -> Client:
        _token, secret = api_token_create(username=users[name].username, name="测试")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


def test_upload_list_and_remove(api, users, application, media):
    client = api("caseworker")
    url = f"{API}/applications/{application.pk}/documents"
    content = jpeg_bytes()
    created = client.post(url, {"kind": "identity", "file": upload("身份证.jpg", content)})
    assert created.status_code == 201, created.content
    body = created.json()
    document = Document.objects.get()
    assert body | {"uploaded_at": None} == {
        "id": document.pk, "application_id": application.pk, "step": "submitted", "kind": "identity",
        "kind_label": "身份证明", "original_name": "身份证.jpg", "content_type": "image/jpeg", "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(), "scan_status": "clean", "scanner": "eicar",
        "uploaded_by": "caseworker", "uploaded_at": None, "removed_at": None, "removal_reason": "",
        "preview_url": f"/documents/{document.pk}/preview/", "download_url": f"/documents/{document.pk}/download/",
    }  # fmt: skip
    listed = api("assistant").get(url)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [document.pk]
    removed = client.delete(f"{API}/documents/{document.pk}?reason=重复")
    assert removed.status_code == 200
    assert removed.json()["removal_reason"] == "重复"
    assert removed.json()["removed_at"] is not None
    assert len(stored_files(media)) == 1
    assert client.get(url).json()[0]["removal_reason"] == "重复"  # removed documents stay listed


@pytest.mark.parametrize(("name", "content", "status", "code", "message"), [
    ("照片.jpg", EXE, 422, "document_type", "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）"),
    ("a.jpg", pdf_bytes(), 422, "document_extension_mismatch", "文件扩展名“.jpg”与文件内容（PDF）不符，请核对后重新上传"),
])  # fmt: skip
def test_upload_refusals(api, application, media, name, content, status, code, message):
    response = api().post(f"{API}/applications/{application.pk}/documents", {"kind": "identity",
                                                                             "file": upload(name, content)})  # fmt: skip
    assert response.status_code == status
    assert response.json() == {"code": code, "message": message, "field": "file"}
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_duplicate_is_409(api, application, media):
    url = f"{API}/applications/{application.pk}/documents"
    assert api().post(url, {"kind": "identity", "file": upload("a.jpg", jpeg_bytes())}).status_code == 201
    response = api().post(url, {"kind": "other", "file": upload("b.jpg", jpeg_bytes())})
    assert response.status_code == 409
    assert response.json()["code"] == "document_duplicate"
    assert len(stored_files(media)) == 1


def test_oversized_through_the_api(api, application, media, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    response = api().post(f"{API}/applications/{application.pk}/documents",
                          {"kind": "identity", "file": upload("a.jpg", b"\xff\xd8\xff" + b"\x00" * 1024)})  # fmt: skip
    assert (response.status_code, response.json()) == (422, {"code": "document_too_large",
                                                             "message": "文件超过 1 KB 上限", "field": "file"})  # fmt: skip


def test_missing_file_or_kind_is_422(api, application, media):
    response = api().post(f"{API}/applications/{application.pk}/documents", {"kind": "identity"})
    assert response.status_code == 422
    assert response.json()["field"] == "file"


def test_remove_needs_a_reason(api, application, media):
    created = api().post(f"{API}/applications/{application.pk}/documents",
                         {"kind": "identity", "file": upload("a.jpg", jpeg_bytes())}).json()  # fmt: skip
    response = api().delete(f"{API}/documents/{created['id']}")
    assert (response.status_code, response.json()) == (422, {"code": "document_reason_missing",
                                                             "message": "请填写移除理由", "field": "reason"})  # fmt: skip


def test_out_of_scope_is_404(api, application, media):
    client = api("taibus_caseworker")
    url = f"{API}/applications/{application.pk}/documents"
    assert client.get(url).status_code == 404
    response = client.post(url, {"kind": "identity", "file": upload("a.jpg", jpeg_bytes())})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_infected_upload_is_refused_and_the_audit_event_kept(api, application, media):
    from minzheng.audit.models import Event

    from .conftest import INFECTED_JPEG

    response = api().post(f"{API}/applications/{application.pk}/documents",
                          {"kind": "identity", "file": upload("a.jpg", INFECTED_JPEG)})  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (422, "document_infected")
    assert Event.objects.filter(verb="document.infected", object_id=str(application.pk)).count() == 1
    assert (Document.objects.count(), stored_files(media)) == (0, [])
