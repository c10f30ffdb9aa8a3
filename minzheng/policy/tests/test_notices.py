"""The yearly standards notice import (issue 15 §4): upload → preview (old → new) → confirm; bad rows are
listed with row number and Chinese reason and nothing is written."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from minzheng.audit.models import Event
from minzheng.policy.models import Parameter
from minzheng.policy.selectors import parameter_value
from minzheng.policy.services import policy_builtin_load

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
DOCUMENT = "内蒙古自治区人民政府关于2025年全区社会救助标准有关事宜的通知（内政字〔2025〕86号）"
URL = "/policy/parameters/notice/"


def workbook(rows: list[list[object]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "notice.xlsx"
    return out


HEADER = [
    "区划代码",
    "区划名称",
    "城市低保标准（元/月）",
    "农村牧区低保标准（元/年）",
    "照料护理标准·完全丧失生活自理能力（元/月）",
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def upload(client: Client, rows: list[list[object]], **fields: str):
    data = {"valid_from": "2025-01-01", "document": DOCUMENT, "status": "confirmed", "note": "", **fields}
    return client.post(URL, {**data, "file": workbook(rows)})


@pytest.fixture
def builtin(divisions):
    return policy_builtin_load()


def test_preview_shows_old_and_new_and_confirm_writes_with_the_document_number(builtin, users):
    client = client_for(users["prefecture"])
    rows = [HEADER, ["150100", "呼和浩特市", "900", "7,800", ""], ["150102", "新城区", 905.5, None, 1300]]
    response = upload(client, rows)
    assert response.status_code == 200
    text = response.content.decode()
    assert DOCUMENT in text
    changes = re.findall(r'<td class="notice-old">(.*?)</td>\s*<td class="notice-new">(.*?)</td>', text, re.S)
    assert [(old.strip(), re.sub(r"<.*?>", "", new).strip()) for old, new in changes] == [
        ("840.00（沿用 150000000000）", "900.00"),
        ("670.00（沿用 150000000000）", "650.00"),
        ("840.00（沿用 150000000000）", "905.50"),
        ("1266.00（沿用 150000000000）", "1300.00"),
    ]
    assert Parameter.objects.filter(source=DOCUMENT).count() == 0  # the preview writes nothing
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    confirmed = client.post(URL, {"token": token})
    assert confirmed.status_code == 302
    assert Parameter.objects.filter(source=DOCUMENT).count() == 4
    found = parameter_value("dibao.standard_monthly", "150102001001", dt.date(2025, 3, 1), "rural")
    assert (found.value, found.division_code, found.source) == ("650.00", "150100000000", DOCUMENT)
    assert Parameter.objects.get(source=DOCUMENT, urban_rural="rural").note == "年标准 7,800 元 ÷ 12"
    assert Event.objects.filter(verb="policy.parameters_imported").exists()
    page = client.get(reverse("policy:parameter_list") + "?division=150102000000").content.decode()
    assert "905.50" in page
    assert "内政字〔2025〕86号" in page
    # a second confirmation of the same preview writes nothing more
    client.post(URL, {"token": token})
    assert Parameter.objects.filter(source=DOCUMENT).count() == 4


def test_bad_rows_are_listed_with_row_and_reason_and_nothing_is_written(builtin, users):
    client = client_for(users["prefecture"])
    before = Parameter.objects.count()
    rows = [
        HEADER,
        ["150100", "呼和浩特市", "900", "", ""],
        ["150102", "新城区", "九百", "", ""],
        ["152527", "太仆寺旗", "800", "", ""],
        ["15x", "错码", "800", "", ""],
        ["150102", "新城区", "", "", "-5"],
    ]
    response = upload(client, rows)
    assert response.status_code == 422
    text = response.content.decode()
    assert "第 3 行（城市低保标准（元/月））：“九百”不是数字" in text
    assert "第 5 行：区划代码“15x”应为 6、9 或 12 位数字" in text
    assert "第 6 行（照料护理标准·完全丧失生活自理能力（元/月））：“-5”应为不小于 0 的金额" in text
    assert Parameter.objects.count() == before
    # the parse errors fixed, the division outside the officer's league is refused by row
    rows = [HEADER, ["150100", "呼和浩特市", "900", "", ""], ["152527", "太仆寺旗", "800", "", ""]]
    response = upload(client, rows)
    assert response.status_code == 422
    assert re.search(r"第 3 行（城市低保标准（元/月））：.*", response.content.decode())
    assert Parameter.objects.count() == before


def test_a_tampered_preview_is_refused(builtin, users):
    client = client_for(users["prefecture"])
    response = client.post(URL, {"token": "forged:abc"})
    assert response.status_code == 302
    assert Parameter.objects.filter(source=DOCUMENT).count() == 0


def test_only_maintainers_may_import(builtin, users):
    assert client_for(users["caseworker"]).get(URL).status_code == 403
    assert client_for(users["region"]).get(URL).status_code == 200


def test_builtin_figures_carry_source_and_status_per_league(builtin, users):
    page = client_for(users["region"]).get(reverse("policy:parameter_list") + "?division=150100000000")
    text = page.content.decode()
    assert "hhht.news.163.com" in text
    assert "呼和浩特市" in text
    hohhot = parameter_value("dibao.standard_monthly", "150102001001", dt.date(2022, 5, 1), "urban")
    assert (hohhot.value, hohhot.status, hohhot.division_code) == ("841.00", "confirmed", "150100000000")
    derived = parameter_value("dibao.standard_monthly", "152527201206", dt.date(2021, 5, 1), "urban")
    assert (derived.value, derived.status) == ("772.00", "unconfirmed")
    assert Decimal(
        parameter_value("dibao.standard_monthly", "152527201206", dt.date(2019, 5, 1), "rural").value
    ) == Decimal("492.83")
