"""Audit events read in words on the page and in the export (issue 14 §6: no raw codes)."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from minzheng.audit.rules import OTHER, verb_label
from minzheng.audit.services import event_record


def test_verb_labels() -> None:
    assert verb_label("login.succeeded") == "登录：成功"
    assert verb_label("application.approve") == "救助申请：批准"
    assert verb_label("application.request_materials") == "救助申请：一次性告知补齐材料"
    assert verb_label("payroll.submit") == "资金发放：提交审核"
    assert verb_label("monitoring.alert_refer") == "动态监测：预警：转办其他部门"
    assert verb_label("reserve.draw") == "临时救助备用金：支出"
    assert verb_label("enrolment.suspend") == "在保对象：暂停发放"
    assert verb_label("household.something_new") == f"家庭：{OTHER}"
    assert verb_label("unknown_area.x") == OTHER


def test_every_verb_the_code_records_has_a_label() -> None:
    """Each literal verb written by a service has its own words, not the fallback."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    verbs = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        verbs |= set(re.findall(r'verb="([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert verbs
    unlabelled = sorted(v for v in verbs if OTHER in verb_label(v))
    assert unlabelled == []


def test_the_event_page_and_export_show_words(client, users) -> None:
    # given two events
    event_record(actor=users["caseworker"], verb="login.succeeded", object_type="user",
                 object_id=users["caseworker"].pk, division_code="150102001000", summary="caseworker 登录成功")  # fmt: skip
    event_record(actor=users["county"], verb="application.approve", object_type="application", object_id=42,
                 division_code="150102001000", summary="申请 150102-2026-0000042：审核确认：批准")  # fmt: skip
    client.force_login(users["auditor"])

    # when
    page = client.get(reverse("audit:event_list")).content.decode()
    export = client.get(reverse("audit:event_export"))

    # then the page names the events, their objects and the actor in Chinese
    table = page[page.index('id="event-table"') :]
    assert "登录：成功" in table
    assert "救助申请：批准" in table
    assert "申请 42" in table
    assert "login.succeeded" not in re.sub(r'title="[^"]*"', "", table)
    assert "#" not in re.sub(r"<[^>]+>", "", table)
    assert '<option value="application.approve">救助申请：批准</option>' in page
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3], r[5]) for r in rows[-2:]] == [
        ("救助申请：批准", "申请", "42", "county"),
        ("登录：成功", "工作人员", str(users["caseworker"].pk), "caseworker"),
    ]
