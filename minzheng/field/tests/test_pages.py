"""The field app's pages (ADR 0039): the shell (no personal data, so a cached copy is safe to show), the
service worker served at /field/ with its scope, the web app manifest, and who may open them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from minzheng.field.rules import Outcome, base_time, outcome_of, outcome_reason, photo_slots_left
from minzheng.field.views import ASSETS, assets_version

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_shell_carries_no_personal_data_and_points_at_its_worker(users, older):
    answer = signed_in(users["assistant"]).get("/field/")
    page = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-cache, private"
    assert 'data-worker="/field/sw.js" data-scope="/field/"' in page
    assert '<link rel="manifest" href="/field/manifest.webmanifest">' in page
    assert "独居张奶奶" not in page  # names come from IndexedDB, not the page
    assert "assistant" not in page
    assert "cdn" not in page.lower()
    assert "https://" not in page


def test_the_service_worker_caches_only_our_own_files(users):
    answer = signed_in(users["caseworker"]).get("/field/sw.js")
    script = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/javascript; charset=utf-8"
    assert answer["Service-Worker-Allowed"] == "/field/"
    assert answer["Cache-Control"] == "no-cache"
    assert f'const VERSION = "{assets_version()}";' in script
    assert f"const ASSETS = {json.dumps(['/static/' + name for name in ASSETS])};" in script
    assert "http" not in script.replace("self.location", "")


def test_the_manifest_names_the_app_and_its_scope(users):
    answer = signed_in(users["assistant"]).get("/field/manifest.webmanifest")
    assert answer["Content-Type"] == "application/manifest+json; charset=utf-8"
    body = json.loads(answer.content)
    assert (body["name"], body["short_name"], body["start_url"], body["scope"], body["display"]) == (
        "民政离线走访", "离线走访", "/field/", "/field/", "standalone",
    )  # fmt: skip


def test_a_role_without_field_work_is_refused(users):
    assert signed_in(users["auditor"]).get("/field/").status_code == 403
    answer = signed_in(users["auditor"]).get("/api/v1/field/worklist")
    assert (answer.status_code, answer.json()["message"]) == (403, "您的角色没有离线走访任务")


def test_the_worklist_holds_the_assistants_visits_and_the_caseworkers_investigations(
    users, older, investigating
):
    visits = signed_in(users["assistant"]).get("/api/v1/field/worklist").json()
    cases = signed_in(users["caseworker"]).get("/api/v1/field/worklist").json()
    assert (visits["can_visit"], visits["can_home_visit"]) == (True, False)
    assert [(v["older_person_id"], v["name"], v["village"]) for v in visits["visits"]] == [
        (older.pk, "独居张奶奶", "锡林南路社区居委会")
    ]
    assert visits["investigations"] == []
    assert (cases["can_visit"], cases["can_home_visit"]) == (True, True)
    assert [(a["application_id"], a["applicant"], a["home_visits"]) for a in cases["investigations"]] == [
        (investigating.pk, "王五", 0)
    ]


@pytest.mark.parametrize(
    ("closed", "others", "expected"),
    [
        ("申请已办结（已撤回）", [3], Outcome.REJECTED),
        ("", [3, 4], Outcome.BOTH_KEPT),
        ("", [], Outcome.RECORDED),
    ],
)
def test_the_conflict_rule(closed, others, expected):
    assert outcome_of(closed_reason=closed, others_since=others) == expected


def test_the_conflict_reasons_and_limits():
    import datetime as dt

    assert outcome_reason(Outcome.RECORDED, closed_reason="", others=0) == ""
    assert outcome_reason(Outcome.BOTH_KEPT, closed_reason="", others=2) == (
        "离线期间服务器上已有该对象的 2 条新记录，两个版本均已保存"
    )
    assert (photo_slots_left(announced=2, received=1), photo_slots_left(announced=9, received=0)) == (1, 6)
    saved = dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC)
    assert base_time(None, saved) == saved
    assert base_time(saved - dt.timedelta(hours=1), saved) == saved - dt.timedelta(hours=1)
    assert base_time(saved + dt.timedelta(hours=1), saved) == saved  # a phone clock ahead of its save


def test_the_sidebar_offers_the_field_app_to_those_who_visit(users):
    assert '<a class="nav-link" href="/field/">' in signed_in(users["assistant"]).get("/").content.decode()
    assert '<a class="nav-link" href="/field/">' in signed_in(users["caseworker"]).get("/").content.decode()
    assert "/field/" not in signed_in(users["auditor"]).get("/").content.decode()
