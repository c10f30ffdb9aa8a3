"""A Content-Security-Policy on every page with a fresh nonce for the inline chart scripts (issue 16 §8); the
charts still draw and nothing is reported by the browser (Chromium)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect


def _nonce(policy: str) -> str:
    match = re.search(r"'nonce-([^']+)'", policy)
    assert match, policy
    return match.group(1)


def test_pages_carry_the_policy_and_every_inline_script_its_nonce(users) -> None:
    client = Client()
    client.force_login(users["region"])

    first = client.get("/")
    second = client.get("/")
    api = client.get("/api/v1/openapi.json")

    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    nonce = _nonce(policy)
    assert nonce != _nonce(second["Content-Security-Policy"])  # fresh per response
    html = first.content.decode()
    # executable inline scripts (json_script data blocks are not run, so need no nonce)
    inline = [a for a in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "application/json" not in a]
    assert inline  # the trend chart
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert " onclick=" not in html
    assert " onchange=" not in html
    assert "Content-Security-Policy" not in api


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.django_db(transaction=True)
def test_the_home_chart_draws_under_the_policy(live_server, page: Page, users) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "region")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#workbench-tiles")).to_be_visible()

    # the twelve-month trend (an inline script with the nonce, ECharts from our static files) draws
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
