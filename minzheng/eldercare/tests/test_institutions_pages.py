"""Pages and API of institutions through Django's test client: scoping, the list's search, sort and Excel,
an institution with residents and occupancy, the draw made on the page (re-draw refused without a reason),
verification, the audit log page, the public results without login, and the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from minzheng.eldercare.models.institutions import Draw, Inspection
from minzheng.eldercare.services import inspections as services
from minzheng.eldercare.tests.fixtures_institutions import *  # noqa: F403

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_the_register_list_searches_sorts_exports_and_is_scoped(users, xincheng_setup, make_institution):
    make_institution(actor=users["taibus_county"], township="152527201000", name="太仆寺旗敬老院")
    county = client_for(users["county"])
    page = county.get("/eldercare/institutions/?sort=-name")
    assert page.status_code == 200
    text = page.content.decode()
    assert "太仆寺旗敬老院" not in text
    assert text.index("锡林南路颐养院") < text.index("海拉尔东路敬老院") < text.index("东街福利院")
    found = county.get("/eldercare/institutions/", {"text": "颐养"}).content.decode()
    assert "锡林南路颐养院" in found
    assert "海拉尔东路敬老院" not in found
    east = county.get("/eldercare/institutions/", {"division": "150102002"}).content.decode()
    assert "东街福利院" in east
    assert "海拉尔东路敬老院" not in east
    assert 'value="150102002" selected>东街街道' in east
    # a township user sees the institutions of its township only
    township = client_for(users["caseworker"]).get("/eldercare/institutions/").content.decode()
    assert "海拉尔东路敬老院" in township
    assert "东街福利院" not in township
    # Excel
    export = county.get("/eldercare/institutions/export/", {"kind": "public"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "机构名称"
    assert [r[0] for r in rows[1:]] == ["海拉尔东路敬老院"]
    assert rows[1][2] == "公办"
    # another county's institution is a 404
    other = client_for(users["taibus_county"])
    assert other.get(f"/eldercare/institutions/{xincheng_setup['institutions'][0].pk}/").status_code == 404


def test_the_institution_page_shows_residents_and_occupancy_and_admits(
    users, xincheng_setup, household_factory
):
    from minzheng.common import crypto

    home = xincheng_setup["institutions"][0]
    person = household_factory(head_name="钱老").head
    county = client_for(users["county"])
    response = county.post(
        f"/eldercare/institutions/{home.pk}/residents/",
        {
            "id_number": crypto.decrypt(person.id_number_encrypted),
            "admitted_on": "2026-12-01",
            "care_level": "partial",
        },
    )
    assert response.status_code == 302
    page = county.get(f"/eldercare/institutions/{home.pk}/").content.decode()
    assert "钱老" in page
    assert person.id_number_masked in page
    assert 'id="occupancy-chart"' in page
    assert "vendor/echarts.min.js" in page
    assert 'id="current-count">1<' in page
    # a wrong credit code on the form is a precise message, nothing saved
    edit = county.post(
        "/eldercare/institutions/new/",
        {
            "name": "错误代码院",
            "credit_code": "91110000600037341K",
            "kind": "public",
            "permit_kind": "filing",
            "township": "150102001000",
            "address": "某路",
            "beds_total": 5,
            "nursing_beds": 0,
            "care_levels": ["self_care"],
            "staff_total": 1,
            "carers": 0,
            "status": "operating",
        },
    )
    assert edit.status_code == 422
    assert "校验位（第 18 位）不正确" in edit.content.decode()


def test_a_draw_on_the_page_then_a_re_draw_needs_a_reason(users, xincheng_setup):
    plan = xincheng_setup["plan"]
    county = client_for(users["county"])
    response = county.post(f"/eldercare/inspections/plans/{plan.pk}/draw/", {})
    assert response.status_code == 302
    draw = Draw.objects.get(plan=plan)
    detail = county.get(response["Location"]).content.decode()
    assert draw.seed in detail
    for assignment in draw.result:
        name = next(m["name"] for m in draw.target_pool if m["id"] == assignment["target"])
        assert name in detail
    # re-draw without a reason: refused with the message, nothing written
    refused = county.post(
        f"/eldercare/inspections/plans/{plan.pk}/draw/", {"reason": "", "expected_current": draw.pk}
    )
    assert refused.status_code == 422
    assert "重新抽取必须填写理由" in refused.content.decode()
    assert Draw.objects.filter(plan=plan).count() == 1
    # verify on the page
    verified = county.post(f"/eldercare/inspections/draws/{draw.pk}/verify/").content.decode()
    assert "复核一致" in verified
    # with a reason: a new draw, the old one kept
    again = county.post(
        f"/eldercare/inspections/plans/{plan.pk}/draw/",
        {"reason": "检查人员回避", "expected_current": draw.pk},
    )
    assert again.status_code == 302
    assert list(Draw.objects.filter(plan=plan).order_by("pk").values_list("status", flat=True)) == [
        "superseded",
        "current",
    ]
    # a township caseworker can read neither the county's plan nor draw
    assert client_for(users["caseworker"]).get(f"/eldercare/inspections/plans/{plan.pk}/").status_code == 404


def test_the_draw_is_visible_in_the_audit_log(users, xincheng_setup):
    draw = services.draw_make(actor=users["county"], plan_id=xincheng_setup["plan"].pk)
    page = client_for(users["auditor"]).get(
        "/audit/", {"object_type": "eldercare_draw", "object_id": draw.pk}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "双随机抽取" in text
    assert draw.seed in text  # the whole seed, on the audit page itself


def test_the_public_results_page_needs_no_login_and_shows_no_personal_data(users, xincheng_setup):
    draw = services.draw_make(actor=users["county"], plan_id=xincheng_setup["plan"].pk, seed="public")
    Draw.objects.filter(pk=draw.pk).update(drawn_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    inspection = Inspection.objects.filter(draw=draw).select_related("institution").first()
    from minzheng.eldercare.rules.institutions import BUILTIN_CHECKLIST

    services.inspection_record(
        actor=users["county"],
        inspection_id=inspection.pk,
        inspected_on=dt.date(2026, 11, 20),
        answers={code: "met" for code, _ in BUILTIN_CHECKLIST},
        findings="",
        result="passed",
        today=dt.date(2026, 12, 7),
    )
    anonymous = Client()
    assert anonymous.get("/eldercare/institutions/").status_code == 302  # staff pages still need a login
    page = anonymous.get("/eldercare/public/inspections/", {"county": "150102000000", "year": 2026})
    text = page.content.decode()
    assert page.status_code == 200
    assert inspection.institution.name in text
    assert "2026-11-20" in text
    assert "合格" in text
    assert "无需整改" in text
    # planned (not yet inspected) institutions and inspectors' names are not published
    assert "county2" not in text
    assert "caseworker" not in text
    assert 'name="viewport"' in text


def test_the_api_lists_scoped_institutions_and_draws(users, xincheng_setup):
    from minzheng.accounts.api_auth import api_token_create

    draw = services.draw_make(actor=users["county"], plan_id=xincheng_setup["plan"].pk)
    _token, secret = api_token_create(username="county", name="t")
    _other, other_secret = api_token_create(username="taibus_county", name="t")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    listed = api.get("/api/v1/eldercare/institutions").json()
    assert listed["count"] == 3
    assert {i["name"] for i in listed["items"]} == {"海拉尔东路敬老院", "锡林南路颐养院", "东街福利院"}
    home = xincheng_setup["institutions"][0]
    detail = api.get(f"/api/v1/eldercare/institutions/{home.pk}").json()
    assert detail["credit_code"] == home.credit_code
    assert len(detail["occupancy"]) == 12
    draws = api.get("/api/v1/eldercare/institutions/draws").json()
    assert [d["id"] for d in draws] == [draw.pk]
    assert draws[0]["seed"] == draw.seed
    one = api.get(f"/api/v1/eldercare/institutions/draws/{draw.pk}").json()
    assert one["result"] == draw.result
    assert one["target_pool"] == draw.target_pool
    other = Client(headers={"Authorization": f"Bearer {other_secret}"})
    assert other.get(f"/api/v1/eldercare/institutions/{home.pk}").status_code == 404
    assert other.get(f"/api/v1/eldercare/institutions/draws/{draw.pk}").status_code == 404
    assert other.get("/api/v1/eldercare/institutions").json()["count"] == 0


def test_the_overdue_list_exports_to_excel(users, xincheng_setup):
    draw = services.draw_make(actor=users["county"], plan_id=xincheng_setup["plan"].pk)
    Draw.objects.filter(pk=draw.pk).update(drawn_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    inspection = Inspection.objects.filter(draw=draw).select_related("institution").first()
    from minzheng.eldercare.rules.institutions import BUILTIN_CHECKLIST

    services.inspection_record(
        actor=users["county"], inspection_id=inspection.pk, inspected_on=dt.date(2026, 10, 10),
        answers={code: "met" for code, _ in BUILTIN_CHECKLIST} | {"fall": "not_met"}, findings="无扶手",
        result="rectify", today=dt.date(2026, 12, 7), manual_due_on=dt.date(2026, 11, 10),
    )  # fmt: skip
    county = client_for(users["county"])
    page = county.get("/eldercare/inspections/", {"overdue": "on"}).content.decode()
    assert inspection.institution.name in page
    export = county.get("/eldercare/inspections/export/", {"overdue": "on"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "机构名称"
    assert [(r[0], r[5], r[6], r[9]) for r in rows[1:]] == [
        (inspection.institution.name, "限期整改", "无扶手", "是")
    ]
