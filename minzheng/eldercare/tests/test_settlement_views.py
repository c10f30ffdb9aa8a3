"""The settlement pages and API through Django's client: scoping, buttons by role, the provider's
read-only statement, the bank file download and Excel."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from minzheng.eldercare.models import CareWorker, Settlement
from minzheng.eldercare.rules.settlement import SettlementStatus
from minzheng.eldercare.services.settlement import settlement_approve, settlement_generate, settlement_submit

from .fixtures_settlement import care  # noqa: F401 - fixture
from .test_settlement_services import month_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(care):  # noqa: F811
    orders = month_orders(care)
    settlement_generate(actor=care["maker"], county=care["maker"].division, month=care["month"])
    return {**care, "orders": orders, "statement": Settlement.objects.get(provider=care["provider"])}


def login(client, user):  # noqa: ANN001, ANN201
    client.force_login(user)
    return client


def test_list_generate_and_excel(client, generated):
    login(client, generated["maker"])
    page = client.get("/eldercare/settlements/", {"month": f"{generated['month']:%Y-%m}"})
    assert page.status_code == 200
    body = page.content.decode()
    assert generated["statement"].number in body
    assert "136.00" in body
    assert 'id="generate-form"' in body
    excel = client.get("/eldercare/settlements/", {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(excel.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "结算单号"
    assert {r[0] for r in rows[1:]} == {
        generated["statement"].number,
        Settlement.objects.get(provider=generated["other"]).number,
    }
    again = client.post(
        "/eldercare/settlements/generate/", {"month": f"{generated['month']:%Y-%m}"}, follow=True
    )
    assert "已生成 2 张结算单草稿：5 笔订单计入结算，3 笔未结算" in again.content.decode()


def test_detail_buttons_by_role(client, generated):
    statement = generated["statement"]
    url = f"/eldercare/settlements/{statement.pk}/"
    body = login(client, generated["maker"]).get(url).content.decode()
    assert 'data-action="submit"' in body
    assert "未送餐上门" in body
    assert "服务对象有异议" in body
    assert "签到时间或位置异常" in body or "签到" in body
    client.post(f"{url}submit/")
    body = client.get(url).content.decode()
    assert 'data-action="approve"' not in body
    assert "须由本旗县另一名审核人员审核" in body
    refused = client.post(f"{url}approve/", follow=True).content.decode()
    assert "由您编制，须由本旗县另一名审核人员审核通过（编制与审核分离）" in refused
    body = login(client, generated["checker"]).get(url).content.decode()
    assert 'data-action="approve"' in body
    assert 'data-action="reject"' in body
    client.post(f"{url}approve/")
    statement.refresh_from_db()
    assert (statement.status, statement.checked_by) == (SettlementStatus.APPROVED, generated["checker"])
    assert 'id="bank-file-form"' in client.get(url).content.decode()
    download = client.post(f"{url}bank-file/", {"template": "csv_utf8"})
    assert download.status_code == 200
    assert "6228480099887766554,安康居家养老服务中心,136.00" in download.content.decode()
    statement.refresh_from_db()
    assert statement.status == SettlementStatus.EXPORTED


def test_scoping_and_township_staff(client, generated, users):
    url = f"/eldercare/settlements/{generated['statement'].pk}/"
    assert login(client, users["taibus_county"]).get(url).status_code == 404
    assert generated["statement"].number not in client.get("/eldercare/settlements/").content.decode()
    # township staff see their county's statements? No: the statement belongs to the county
    body = login(client, users["caseworker"]).get("/eldercare/settlements/").content.decode()
    assert 'id="generate-form"' not in body
    assert login(client, users["region"]).get(url).status_code == 200


def test_provider_sees_own_statement_read_only(client, generated, make_user):
    staff = make_user("provider1", "care_provider", generated["maker"].division)
    CareWorker.objects.create(provider=generated["provider"], name="调度员", user=staff)
    login(client, staff)
    statement = generated["statement"]
    settlement_submit(actor=generated["maker"], settlement_id=statement.pk)
    settlement_approve(actor=generated["checker"], settlement_id=statement.pk)
    listing = client.get("/eldercare/settlements/").content.decode()
    assert statement.number in listing
    assert "本机构结算单" in listing
    assert Settlement.objects.get(provider=generated["other"]).number not in listing
    body = client.get(f"/eldercare/settlements/{statement.pk}/").content.decode()
    assert "136.00" in body
    assert "未送餐上门" in body
    assert "data-action" not in body
    assert "bank-file-form" not in body
    assert "编制人" not in body
    other = Settlement.objects.get(provider=generated["other"])
    assert client.get(f"/eldercare/settlements/{other.pk}/").status_code == 404
    assert client.post(f"/eldercare/settlements/{statement.pk}/reject/", {"reason": "x"}).status_code == 403
    # the home page sends the provider's staff to their statements
    assert client.get("/eldercare/").url == "/eldercare/settlements/"


def test_api_list_detail_transition(client, generated):
    login(client, generated["maker"])
    listing = client.get("/api/v1/eldercare/settlements", {"month": f"{generated['month']:%Y-%m}"}).json()
    assert listing["count"] == 2
    statement = generated["statement"]
    detail = client.get(f"/api/v1/eldercare/settlements/{statement.pk}").json()
    assert (detail["total_amount"], detail["line_count"], len(detail["lines"])) == ("136.00", 4, 4)
    assert {x["reason"] for x in detail["exclusions"]} == {
        "服务对象有异议",
        "签到核验存疑，乡镇未认可",
        "服务对象尚未确认",
    }
    url = f"/api/v1/eldercare/settlements/{statement.pk}/transitions"
    assert client.post(url, {"code": "submit"}, content_type="application/json").status_code == 200
    refused = client.post(url, {"code": "approve"}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "maker_is_checker")
    generated_again = client.post(
        "/api/v1/eldercare/settlements",
        {"county": "150102", "month": f"{generated['month']:%Y-%m}"},
        content_type="application/json",
    )
    assert generated_again.status_code == 201
    assert generated_again.json()["skipped"] == [statement.number]
