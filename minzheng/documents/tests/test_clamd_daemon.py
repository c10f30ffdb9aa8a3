"""Uploads scanned by a real ClamAV daemon (Debian clamav-daemon, started privately by the ``clamd_socket``
fixture with only the EICAR signature): a virus is refused with a Chinese message and nothing is stored, a
clean PDF is stored as 未发现病毒 by "clamd", and a daemon that is down refuses the upload (503). Skipped only
when clamd is not installed."""

from __future__ import annotations

import hashlib
import socket

import pytest
from django.test import Client

from minzheng.accounts.api_auth import api_token_create
from minzheng.audit.models import Event
from minzheng.documents.models import Document
from minzheng.documents.scanning import EICAR, ClamdScanner, ScanResult, ScanStatus

from .conftest import INFECTED_JPEG, client_for, pdf_bytes, stored_files, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
SIGNATURE = "Eicar-Test-Signature.UNOFFICIAL"  # our local signature; clamd marks unsigned databases so


@pytest.fixture
def clamd(settings, media, clamd_socket) -> str:
    settings.DOCUMENT_SCANNER = "minzheng.documents.scanning.ClamdScanner"
    settings.DOCUMENT_CLAMD_ADDRESS = clamd_socket
    settings.DOCUMENT_SCAN_TIMEOUT = 10
    return clamd_socket


def api_client(user) -> Client:
    _token, secret = api_token_create(username=user.username, name="测试")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_daemon_finds_eicar_alone_and_inside_a_file(clamd):
    scanner = ClamdScanner()
    assert scanner.scan(EICAR) == ScanResult(ScanStatus.INFECTED, SIGNATURE)
    assert scanner.scan(INFECTED_JPEG) == ScanResult(ScanStatus.INFECTED, SIGNATURE)
    assert scanner.scan(pdf_bytes()) == ScanResult(ScanStatus.CLEAN)


def test_eicar_upload_is_refused_on_the_page_and_nothing_stored(users, application, media, clamd):
    response = client_for(users["caseworker"]).post(
        f"/documents/applications/{application.pk}/",
        {"kind": "identity", "file": upload("身份证.jpg", INFECTED_JPEG)},
        **HTMX,
    )
    assert response.status_code == 200
    assert f"文件未通过病毒扫描（{SIGNATURE}），已拒收" in response.content.decode()
    assert (Document.objects.count(), stored_files(media)) == (0, [])
    [event] = Event.objects.filter(verb="document.infected")
    assert (event.data["signature"], event.data["scanner"]) == (SIGNATURE, "clamd")
    assert event.data["sha256"] == hashlib.sha256(INFECTED_JPEG).hexdigest()


def test_eicar_upload_through_the_api_is_422(users, application, media, clamd):
    response = api_client(users["caseworker"]).post(
        f"/api/v1/applications/{application.pk}/documents",
        {"kind": "identity", "file": upload("身份证.jpg", INFECTED_JPEG)},
    )
    assert (response.status_code, response.json()) == (422, {
        "code": "document_infected", "message": f"文件未通过病毒扫描（{SIGNATURE}），已拒收", "field": "file",
    })  # fmt: skip
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_clean_pdf_is_stored_as_scanned_clean_by_clamd(users, application, media, clamd):
    content = pdf_bytes("收入证明")
    response = client_for(users["caseworker"]).post(
        f"/documents/applications/{application.pk}/",
        {"kind": "income", "file": upload("收入证明.pdf", content)},
        **HTMX,
    )
    assert response.status_code == 200
    document = Document.objects.get()
    assert (document.scan_status, document.scanner, document.sha256) == (
        "clean", "clamd", hashlib.sha256(content).hexdigest()
    )  # fmt: skip
    assert stored_files(media) == [media / document.file.name]
    assert "未发现病毒" in response.content.decode()


def test_daemon_down_refuses_with_503_and_stores_nothing(
    users, application, media, clamd, settings, tmp_path
):
    stale = tmp_path / "clamd.sock"  # the socket file of a daemon that has stopped: nobody accepts
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(stale))
    settings.DOCUMENT_CLAMD_ADDRESS = f"unix:{stale}"
    response = api_client(users["caseworker"]).post(
        f"/api/v1/applications/{application.pk}/documents",
        {"kind": "income", "file": upload("收入证明.pdf", pdf_bytes())},
    )
    assert (response.status_code, response.json()) == (503, {
        "code": "document_scan_unavailable", "message": "病毒扫描服务暂不可用，文件未保存，请稍后再试",
        "field": "file",
    })  # fmt: skip
    assert (Document.objects.count(), stored_files(media)) == (0, [])
