"""Every staff page as every demo role, on PostgreSQL and on the embedded SQLite database that ``make run``
uses (issue 14 §1): no page may answer with a server error. The walk follows the links of each role's home
page (the sidebar and the tiles), then a few links of each of those pages (details, tabs, filters)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

MINZHENG = Path(sys.executable).parent / "minzheng"
SKIP = ("/accounts/logout", "/static/", "/i18n/", "/admin", "/api/v1/docs", "/media/")
LINK = re.compile(r'href="(/[^"#?]*)"')
DEEPER_PER_PAGE = 4


def _links(html: str) -> list[str]:
    return sorted({url for url in LINK.findall(html) if not url.startswith(SKIP)})


def walk() -> dict[str, object]:
    """Visit the pages and return the server errors and the number of visits (also run on SQLite)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    errors, visits = [], 0
    for user in get_user_model().objects.filter(is_active=True).order_by("username"):
        client = Client(raise_request_exception=True)
        client.force_login(user)
        home = client.get("/", follow=True)
        seen = {"/"}
        frontier = _links(home.content.decode("utf-8", "replace"))
        for depth in (1, 2):
            following = []
            for url in frontier:
                if url in seen:
                    continue
                seen.add(url)
                visits += 1
                try:
                    response = client.get(url)
                except Exception as error:  # noqa: BLE001 - every failure is reported, with its cause
                    errors.append(f"{user.username} {url} → {type(error).__name__}: {str(error)[:160]}")
                    continue
                if response.status_code >= 500:
                    errors.append(f"{user.username} {url} → {response.status_code}")
                elif (
                    depth == 1 and response.status_code == 200 and "html" in response.get("Content-Type", "")
                ):
                    fresh = [u for u in _links(response.content.decode("utf-8", "replace")) if u not in seen]
                    following.extend(fresh[:DEEPER_PER_PAGE])
            frontier = following
    return {"errors": errors, "visits": visits}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_page_as_every_role_on_postgresql() -> None:
    from minzheng.demo.registry import demo_setup

    demo_setup(households=120, seed=7)
    result = walk()
    assert result["errors"] == [], result
    assert int(str(result["visits"])) > 250


@pytest.mark.slow
def test_every_page_as_every_role_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["MINZHENG_DATA_DIR"] = str(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [str(MINZHENG), *args], env=env, capture_output=True, text=True, timeout=600, check=False
        )

    assert run("migrate", "--no-input", "-v0").returncode == 0
    setup = run("demo-setup", "--households", "120")
    assert setup.returncode == 0, setup.stderr[-2000:]
    script = (
        "import json; from minzheng.workbench.tests.test_page_walk import walk; print(json.dumps(walk()))"
    )
    result = run("shell", "-c", script)
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [], outcome
    assert outcome["visits"] > 250
