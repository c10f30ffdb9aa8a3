"""Production can serve a page: collectstatic, then gunicorn with production settings (issue 16 §1, §8).

``collectstatic`` under ``CompressedManifestStaticFilesStorage`` used to stop at
``MissingFileError: vendor/tabler.min.css.map`` and every page then answered 500; ``check --deploy`` said
nothing. These tests run the real commands in subprocesses against the migrated test database.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from minzheng.config.env import DEVELOPMENT_SECRET_KEY

pytestmark = pytest.mark.slow

PAGES = ["/accounts/login/", "/portal/", "/portal/signin/", "/api/v1/docs"]


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(static_root: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="minzheng.config.settings.production",
        SECRET_KEY=base64.b64encode(os.urandom(48)).decode(),
        DATABASE_URL=_database_url(),
        FIELD_ENCRYPTION_KEYS="k1:" + base64.b64encode(os.urandom(32)).decode(),
        BLIND_INDEX_KEY=base64.b64encode(os.urandom(32)).decode(),
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        MINZHENG_DATA_DIR=str(static_root.parent / "data"),
    )
    env.update(overrides)
    return env


def _minzheng(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "minzheng", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _get(url: str) -> tuple[int, str, bytes]:
    # The front proxy terminates TLS and says so (docs/deployment.md §4); without it SECURE_SSL_REDIRECT
    # answers 301 to https.
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _listening_port(log: Path, server: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        booted = "Booting worker" in log.read_text()
        if found and booted:
            return int(found.group(1))
        assert server.poll() is None, log.read_text()
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")


@pytest.mark.django_db(transaction=True)
def test_collectstatic_and_gunicorn_serve_pages_with_production_settings(tmp_path):
    # given the static files collected with production settings (hashed names, compressed)
    env = _env(tmp_path / "static")
    collected = _minzheng(env, "collectstatic", "--no-input")
    assert collected.returncode == 0, collected.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert '"vendor/tabler.min.css": "vendor/tabler.min.' in manifest
    # when gunicorn serves the WSGI application with the same environment
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(  # noqa: S603 - our own application server
            [sys.executable, "-m", "gunicorn", "minzheng.config.wsgi:application", "--bind", "127.0.0.1:0",
             "--workers", "1", "--timeout", "60"],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{_listening_port(log, server)}"
            pages = {path: _get(base + path) for path in PAGES}
            login_html = pages["/accounts/login/"][2].decode()
            stylesheet = re.search(r'href="(/static/vendor/tabler\.min\.[0-9a-f]{12}\.css)"', login_html)
            script = re.search(r'src="(/static/vendor/htmx\.min\.[0-9a-f]{12}\.js)"', login_html)
            assert stylesheet is not None, login_html
            assert script is not None, login_html
            css = _get(base + stylesheet.group(1))
            js = _get(base + script.group(1))
        finally:
            server.terminate()
            server.wait(timeout=30)
    # then every page answers 200 and the hashed static files the login page links are served
    assert {path: status for path, (status, _, _) in pages.items()} == dict.fromkeys(PAGES, 200), (
        log.read_text()
    )
    assert {path: kind.split(";")[0] for path, (_, kind, _) in pages.items()} == dict.fromkeys(
        PAGES, "text/html"
    )
    assert css[0] == 200
    assert css[1].startswith("text/css")
    assert css[2] == (tmp_path / "static" / stylesheet.group(1).removeprefix("/static/")).read_bytes()
    assert b"sourceMappingURL" not in css[2]
    assert js[0] == 200
    assert js[1].split(";")[0] in {"text/javascript", "application/javascript"}


def test_vendored_files_reference_no_missing_source_maps():
    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor"
    files = sorted(path.name for path in vendor.glob("*.min.*"))
    assert files == ["echarts.min.js", "htmx.min.js", "tabler.min.css", "tabler.min.js"]
    referenced = {
        name: re.findall(r"sourceMappingURL=(\S+)", (vendor / name).read_text(encoding="utf-8"))
        for name in files
    }
    missing = {
        name: maps for name, maps in referenced.items() if any(not (vendor / m).exists() for m in maps)
    }
    assert missing == {}


def test_check_deploy_refuses_the_published_development_key(tmp_path):
    result = _minzheng(
        _env(tmp_path / "static", SECRET_KEY=DEVELOPMENT_SECRET_KEY, DATABASE_URL="postgres://postgres@127.0.0.1/x"),
        "check", "--deploy",
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        "(minzheng.E001) SECRET_KEY (or SECRET_KEY_FALLBACKS) is the published development key."
        in result.stderr
    )
