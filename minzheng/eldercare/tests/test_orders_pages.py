"""Pages of providers and orders over HTTP: scoping (another county sees nothing), staff actions, the
worker's own orders only, the portal pages of a family, Excel exports, bad input without a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.eldercare.models import Provider, ServiceOrder
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.tests.fixtures_orders import *  # noqa: F403
from minzheng.eldercare.tests.fixtures_orders import HOME, meal, tiny_jpeg, valid_credit_code, window

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def order(family, older, provider):
    start, end = window(0.25)
    placed, _ = services.order_place(
        older_person_id=older.pk,
        item_id=meal(provider).pk,
        window_start=start,
        window_end=end,
        account=family,
    )
    return placed


def test_order_list_is_scoped(client, users, order):
    client.force_login(users["caseworker"])
    page = client.get("/eldercare/orders/")
    assert page.status_code == 200
    assert order.number in page.content.decode()
    client.force_login(users["taibus_caseworker"])
    page = client.get("/eldercare/orders/")
    assert order.number not in page.content.decode()
    assert client.get(f"/eldercare/orders/{order.pk}/").status_code == 404


def test_dispatch_page_and_excel(client, users, order):
    client.force_login(users["caseworker"])
    assert client.get(f"/eldercare/orders/{order.pk}/").status_code == 200
    response = client.post(f"/eldercare/orders/{order.pk}/dispatch/", {"provider": str(order.provider_id)})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "dispatched"
    again = client.post(f"/eldercare/orders/{order.pk}/dispatch/", {"provider": str(order.provider_id)})
    assert again.status_code == 409
    assert "订单当前状态为“已派单”" in again.content.decode()
    export = client.get("/eldercare/orders/export/?status=dispatched")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_bad_filter_gives_422_not_500(client, users):
    client.force_login(users["caseworker"])
    assert client.get("/eldercare/orders/?window_from=yesterday").status_code == 422


def test_provider_register_checks_the_credit_code(client, users, divisions):
    client.force_login(users["county"])
    base = {"name": "新城区康乐养老服务中心", "division_code": divisions["xincheng"].code}
    bad = client.post("/eldercare/providers/new/", {**base, "credit_code": "91110000600037341X"})
    assert bad.status_code == 422
    assert "统一社会信用代码校验位不正确" in bad.content.decode()
    code = valid_credit_code("52150102MJ0000002")
    good = client.post("/eldercare/providers/new/", {**base, "credit_code": code})
    assert good.status_code == 302
    provider = Provider.objects.get(credit_code=code)
    assert client.get(f"/eldercare/providers/{provider.pk}/").status_code == 200
    assert client.get("/eldercare/providers/export/").status_code == 200


def test_a_township_sees_providers_serving_it_but_cannot_edit_them(client, users, provider):
    client.force_login(users["caseworker"])
    assert provider.name in client.get("/eldercare/providers/").content.decode()
    page = client.get(f"/eldercare/providers/{provider.pk}/").content.decode()
    assert "修改机构信息" not in page
    client.force_login(users["taibus_caseworker"])
    assert provider.name not in client.get("/eldercare/providers/").content.decode()


def test_worker_pages_show_only_own_orders(
    client, users, order, worker, make_user, divisions, evv_parameters
):
    services.order_dispatch(actor=users["caseworker"], order_id=order.pk)
    client.force_login(worker.user)
    today = client.get("/eldercare/worker/").content.decode()
    assert "本机构待接订单" in today
    assert order.older_person.person.name in today
    assert client.post(f"/eldercare/worker/{order.pk}/take/").status_code == 302
    assert client.get(f"/eldercare/worker/{order.pk}/").status_code == 200
    no_place = client.post(f"/eldercare/worker/{order.pk}/check/in/", {"photo": photo_file()})
    assert no_place.status_code == 422
    assert "未能取得定位" in no_place.content.decode()
    done = client.post(
        f"/eldercare/worker/{order.pk}/check/in/",
        {"latitude": str(HOME[0]), "longitude": str(HOME[1]), "photo": photo_file()},
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == "in_service"
    # another provider's worker cannot open it
    from minzheng.eldercare.models import CareWorker

    other = make_user("otherworker", "care_provider", divisions["xincheng"])
    CareWorker.objects.create(
        provider=Provider.objects.create(
            name="另一家", credit_code=valid_credit_code("52150102MJ0000003"), division=divisions["xincheng"]
        ),
        name="钱师傅",
        user=other,
    )
    client.force_login(other)
    assert client.get(f"/eldercare/worker/{order.pk}/").status_code == 404
    client.force_login(users["caseworker"])
    assert client.get("/eldercare/worker/").status_code == 403


def photo_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", tiny_jpeg(), content_type="image/jpeg")


def sign_in(client, account) -> None:
    session = client.session
    session["portal_account_id"] = account.pk
    session.save()


def test_portal_family_orders_sees_and_cannot_see_strangers(client, family, older, provider, far_provider):
    sign_in(client, family)
    assert client.get("/portal/eldercare/").status_code == 200
    form = client.get(f"/portal/eldercare/new/?older_person={older.pk}&kind=meal").content.decode()
    assert "老年助餐（午餐）" in form
    assert "宝昌镇养老服务站" not in form  # serves another place
    day = timezone.localdate() + dt.timedelta(days=1)
    data = {
        "older_person": older.pk,
        "kind": "meal",
        "item": meal(provider).pk,
        "day": day.isoformat(),
        "start_time": "11:00",
        "hours": "1",
        "quantity": "1",
        "note": "",
    }
    assert client.post("/portal/eldercare/new/", data).status_code == 302
    assert client.post("/portal/eldercare/new/", data).status_code == 302  # double click
    assert ServiceOrder.objects.count() == 1
    order = ServiceOrder.objects.get()
    assert client.get(f"/portal/eldercare/{order.pk}/").status_code == 200
    outside = {**data, "item": far_provider.items.get().pk}
    refused = client.post("/portal/eldercare/new/", outside)
    assert refused.status_code == 422


def test_portal_requires_sign_in(client):
    response = client.get("/portal/eldercare/")
    assert response.status_code == 302
    assert "/portal/signin/" in response["Location"]


def test_api_orders_scoped_dispatch_and_worker_check_in(
    client, users, order, far_provider, worker, evv_parameters
):
    client.force_login(users["caseworker"])
    listing = client.get("/api/v1/eldercare/orders").json()
    assert [o["number"] for o in listing["results"]] == [order.number]
    refused = client.post(
        f"/api/v1/eldercare/orders/{order.pk}/dispatch",
        {"provider_id": far_provider.pk},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "服务区域不包括" in refused.json()["message"]
    done = client.post(f"/api/v1/eldercare/orders/{order.pk}/dispatch", {}, content_type="application/json")
    assert done.json()["status"] == "dispatched"
    providers = client.get("/api/v1/eldercare/providers").json()
    assert [p["name"] for p in providers] == ["幸福里居家养老服务中心"]
    client.force_login(users["taibus_caseworker"])
    assert client.get(f"/api/v1/eldercare/orders/{order.pk}").status_code == 404
    services.order_assign(actor=users["caseworker"], order_id=order.pk, worker_id=worker.pk)
    client.force_login(worker.user)
    checked = client.post(
        f"/api/v1/eldercare/orders/{order.pk}/check-in",
        {"latitude": "40.850000", "longitude": str(HOME[1]), "photo": photo_file()},
    )
    assert checked.status_code == 200, checked.content
    assert checked.json()["flag_words"] == ["签到或签退地点离老人住址过远"]


def test_portal_confirm_twice_and_a_flagged_order_waits_for_the_township(
    client, users, family, order, worker, evv_parameters
):
    from minzheng.eldercare.services import orders_evv as evv

    services.order_dispatch(actor=users["caseworker"], order_id=order.pk)
    services.order_assign(actor=worker.user, order_id=order.pk, worker_id=worker.pk)
    far = evv.Location("40.852000", str(HOME[1]))
    evv.order_check_in(actor=worker.user, order_id=order.pk, location=far, photo=photo_file())
    evv.order_check_out(actor=worker.user, order_id=order.pk, location=far, photo=photo_file())
    sign_in(client, family)
    first = client.post(f"/portal/eldercare/{order.pk}/confirm/", {"rating": "4"}, follow=True)
    assert "本次服务有核验提示，乡镇（街道）核验后生效" in first.content.decode()
    order.refresh_from_db()
    assert order.status == "served"
    client.force_login(users["caseworker"])
    staff_page = client.get(f"/eldercare/orders/{order.pk}/").content.decode()
    assert "签到或签退地点离老人住址过远" in staff_page
    assert "far_from_home" not in staff_page
    accepted = client.post(
        f"/eldercare/orders/{order.pk}/review/", {"decision": "accepted", "note": "电话核实属实"}
    )
    assert accepted.status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert order.rating == 4
    second = client.post(f"/portal/eldercare/{order.pk}/confirm/", {"rating": "5"}, follow=True)
    assert "该订单已确认，无需重复确认" in second.content.decode()
    order.refresh_from_db()
    assert order.rating == 4


def test_order_list_filters_by_provider_and_items_can_be_stopped(
    client, users, order, provider, far_provider
):
    client.force_login(users["caseworker"])
    assert order.number in client.get(f"/eldercare/orders/?provider={provider.pk}").content.decode()
    assert (
        client.get(f"/eldercare/orders/?provider={far_provider.pk}").status_code == 422
    )  # not a choice here
    client.force_login(users["county"])
    item = meal(provider)
    response = client.post(
        f"/eldercare/providers/{provider.pk}/item_active/", {"item": item.pk, "active": "0"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.active is False
