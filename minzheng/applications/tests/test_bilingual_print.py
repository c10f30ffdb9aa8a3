# ruff: noqa: F811  (the fixture is imported from test_views, then used as a parameter)
"""蒙汉双语 printing of the receipt and the public notice (issue 24 item 2, ADR 0040): ``?script=mn`` prints
the document once in traditional Mongolian (written vertically, dates with Arabic numerals) and once in
Chinese; without it the page is as before. Staff pages stay Chinese even for someone who chose Mongolian."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from minzheng.applications.tests.test_views import (  # noqa: F401  (fixtures and helpers)
    apply,
    client_for,
    go,
    text,
    to_public_notice,
    wang,
)

pytestmark = pytest.mark.django_db

MONGOLIAN = re.compile(r"[\u1820-\u18af]")


def sections(content: str) -> tuple[str, str]:
    mongolian = re.search(r'<section class="mong-print" lang="mn-Mong">(.*?)</section>', content, re.S)
    chinese = re.search(r'<section lang="zh-Hans">(.*?)</section>', content, re.S)
    assert mongolian
    assert chinese
    return mongolian.group(1), chinese.group(1)


def test_the_receipt_prints_in_mongolian_and_chinese(users, wang):
    application = go(
        users, apply(users, wang), "caseworker", "request_materials", missing_materials="户口簿复印件"
    )
    url = reverse("applications:receipt", args=[application.pk])
    client = client_for(users["caseworker"])

    single = text(client.get(url))
    both = text(client.get(url, {"script": "mn"}))

    # without the choice: Chinese only, with a link to the bilingual print
    assert MONGOLIAN.search(single) is None
    assert 'id="receipt-bilingual-link" href="?script=mn"' in single
    assert "mongolian-print.css" not in single
    # with it: the Mongolian copy (title, labels, the date with Arabic numerals) and the Chinese copy
    mongolian, chinese = sections(both)
    # (U+202F before a case suffix, U+180E before a final vowel: Mongolian orthography)
    assert '<h1 class="text-center mb-1">ᠨᠡᠶᠢᠭᠡᠮ\u202fᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ\u202fᠶᠢᠨ ᠥᠴᠢᠭ\u202fᠢ ᠬᠤᠯᠠᠭᠠᠨ' in mongolian
    assert f'<td id="receipt-number-mn" class="fs-3 fw-bold">{application.number}</td>' in mongolian
    today = timezone.localdate()
    assert f"{today.year} ᠣᠨ\u202fᠤ {today.month} ᠰᠠᠷ\u180eᠠ\u202fᠶᠢᠨ {today.day}" in mongolian
    assert "<li>户口簿复印件</li>" in mongolian  # what the caseworker typed is printed as typed
    assert "社会救助申请受理回执" in chinese
    assert f"{today.year}年{today.month}月{today.day}日" in chinese
    assert MONGOLIAN.search(chinese) is None
    assert "mongolian-print.css" in both
    assert wang.head.id_number_masked not in both


def test_the_public_notice_prints_in_mongolian_and_chinese(users, wang):
    application = to_public_notice(users, apply(users, wang))
    client = client_for(users["caseworker"])

    single = text(client.get(reverse("applications:notice"), {"village": "150102001001"}))
    both = text(client.get(reverse("applications:notice"), {"village": "150102001001", "script": "mn"}))

    assert MONGOLIAN.search(single) is None
    assert 'id="notice-bilingual-link" href="?village=150102001001&amp;script=mn"' in single
    mongolian, chinese = sections(both)
    assert (
        "锡林南路社区居委会 ᠨᠡᠶᠢᠭᠡᠮ\u202fᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ\u202fᠶᠢᠨ ᠥᠴᠢᠭ\u202fᠢ ᠢᠯᠡ ᠲᠤᠩᠬᠠᠭᠯᠠᠬᠤ ᠨᠢ</h1>"
        in mongolian
    )
    assert "<td>王五</td>" in mongolian
    assert "<td>王五</td>" in chinese
    assert application.notice_starts_on.isoformat() in mongolian
    assert "社会救助申请公示" in chinese
    assert wang.head.id_number_masked not in both


def test_someone_who_chose_mongolian_sees_staff_pages_in_chinese(users, wang):
    client = client_for(users["caseworker"])
    client.cookies["django_language"] = "mn"

    staff = client.get(reverse("applications:notice"))
    portal = client.get("/portal/policies/")

    assert MONGOLIAN.search(text(staff)) is None
    assert "公示名单" in text(staff)
    assert '<html lang="mn-Mong"' in portal.content.decode()
