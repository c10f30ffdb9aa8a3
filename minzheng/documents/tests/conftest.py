"""Fixtures of the documents tests: a temporary MEDIA_ROOT, the EICAR fake scanner, sample files made
here (no binary fixtures), and applications created through the real services."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from minzheng.applications.models import Application
from minzheng.applications.services import ApplicationData, application_create, application_transition
from minzheng.common import pdf
from minzheng.documents.scanning import EICAR

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
CLAMD_SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "clamd-test-daemon.sh"


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(colour: str = "blue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes(text: str = "承诺书") -> bytes:
    return pdf.pdf_render(title=text, blocks=[pdf.Heading(text)])


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200  # a Windows program's header
INFECTED_JPEG = b"\xff\xd8\xff\xe0" + EICAR + b"\x00" * 32


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """A fresh MEDIA_ROOT for the test and the EICAR fake scanner."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_SCANNER = "minzheng.documents.scanning.EicarScanner"
    settings.DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.DOCUMENT_SCAN_FAIL_OPEN = False
    return settings.MEDIA_ROOT


def apply(users, household, who: str = "caseworker", pledge_signed: bool = True, **extra) -> Application:
    return application_create(actor=users[who], data=ApplicationData(
        workflow=extra.pop("workflow", "dibao"), household_id=household.pk, applicant_id=household.head_id,
        channel="window", pledge_signed=pledge_signed, submitted_on=dt.date.today(), **extra,
    ))  # fmt: skip


def go(users, application: Application, who: str, code: str, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


@pytest.fixture
def application(users, household_factory, media) -> Application:
    """王五's 低保 application, just registered at the Xincheng window, pledge not yet signed."""
    household = household_factory(head_name="王五")
    return apply(users, household, pledge_signed=False)


def _clamd_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory) -> Iterator[str]:
    """A private Debian clamd (scripts/clamd-test-daemon.sh: unix socket in a temporary directory, only the
    EICAR signature) for the session; the tests using it are skipped only when clamd is not installed."""
    if not (shutil.which("clamd") or Path("/usr/sbin/clamd").exists()):
        pytest.skip("clamd is not installed (Debian package clamav-daemon; `make clamav`)")
    directory = tmp_path_factory.mktemp("clamd")
    process = subprocess.Popen(  # noqa: S603
        [str(CLAMD_SCRIPT), str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not _clamd_answers(directory / "clamd.sock"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = directory / "clamd.log"
            pytest.fail(f"clamd did not start: {log.read_text() if log.exists() else 'no log'}")
        time.sleep(0.1)
    yield f"unix:{directory / 'clamd.sock'}"
    process.terminate()
    process.wait(10)
