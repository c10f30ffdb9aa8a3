"""The deployment check of the virus scan: without ClamAV ``check --deploy`` fails (documents.E001) unless
the operator allows unscanned uploads explicitly; MINZHENG_CLAMD alone makes ClamAV the scanner."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from minzheng.documents.checks import virus_scanner


@pytest.mark.parametrize(("scanner", "allow_none", "ids"), [
    ("minzheng.documents.scanning.ClamdScanner", False, []),
    ("minzheng.documents.scanning.NullScanner", False, ["documents.E001"]),
    ("minzheng.documents.scanning.EicarScanner", False, ["documents.E001"]),
    ("minzheng.documents.scanning.NoSuchScanner", False, ["documents.E002"]),
    ("minzheng.documents.scanning.NullScanner", True, []),
])  # fmt: skip
def test_virus_scanner_check(settings, scanner, allow_none, ids):
    settings.DOCUMENT_SCANNER = scanner
    settings.DOCUMENT_SCAN_ALLOW_NONE = allow_none
    assert [message.id for message in virus_scanner(None)] == ids


def test_null_scanner_message(settings):
    settings.DOCUMENT_SCANNER = "minzheng.documents.scanning.NullScanner"
    settings.DOCUMENT_SCAN_ALLOW_NONE = False
    [error] = virus_scanner(None)
    assert error.msg == "Uploads are not scanned for viruses (DOCUMENT_SCANNER = NullScanner)."


def _production(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "minzheng.config.settings.production",
        "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "FIELD_ENCRYPTION_KEYS": f"k1:{base64.b64encode(os.urandom(32)).decode()}",
        "BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "minzheng.example.gov.cn",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        **overrides,
    }
    for name in (
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DOCUMENT_SCANNER",
        "MINZHENG_CLAMD",
        "DOCUMENT_SCAN_ALLOW_NONE",
    ):
        if name not in overrides:
            env.pop(name, None)
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DOCUMENT_SCANNER, s.DOCUMENT_CLAMD_ADDRESS)")  # fmt: skip
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "minzheng", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return subprocess.CompletedProcess(
        checked.args, checked.returncode, shown.stdout + checked.stdout, checked.stderr
    )


@pytest.mark.slow
def test_production_without_clamav_fails_check_deploy():
    result = _production()
    assert result.returncode == 1
    assert result.stdout.startswith("minzheng.documents.scanning.NullScanner unix:/run/clamav/clamd.ctl\n")
    assert (
        "(documents.E001) Uploads are not scanned for viruses (DOCUMENT_SCANNER = NullScanner)."
        in result.stderr
    )


@pytest.mark.slow
def test_minzheng_clamd_makes_clamav_the_scanner_and_passes():
    result = _production(MINZHENG_CLAMD="127.0.0.1:3310")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "minzheng.documents.scanning.ClamdScanner 127.0.0.1:3310\nSystem check identified no issues (0 silenced).\n"
    )
