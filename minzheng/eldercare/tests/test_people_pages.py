"""Older-people pages and API: list (search by name and by ID number, filters, sort), Excel export with
masking, detail, reported flags, contacts and the guardian; scoping (another township's person is 404)."""
# ruff: noqa: F811  (fixtures imported from fixtures_people are used as parameters)

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.accounts.api_auth import api_token_create
from minzheng.audit.models import Event
from minzheng.common import crypto
from minzheng.common.models import Job
from minzheng.eldercare.models import CareContact
from minzheng.eldercare.rules.people import age_on
from minzheng.eldercare.tests.fixtures_people import elder_household, older_world  # noqa: F401
from minzheng.registry.services import PHONE_INDEX

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, users):
    client.force_login(users["caseworker"])
    return client


def test_list_search_filters_and_scope(staff, older_world):
    street = older_world["street"]
    page = staff.get("/eldercare/people/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "王秀英" in text
    assert "巴特尔" not in text  # another county
    assert street.person.id_number_masked in text
    assert street.person.id_number not in text
    assert "王秀英" in staff.get("/eldercare/people/", {"q": street.person.id_number}).content.decode()
    assert "王秀英" in staff.get("/eldercare/people/", {"q": "王"}).content.decode()
    assert "王秀英" not in staff.get("/eldercare/people/", {"q": "李"}).content.decode()
    assert (
        "王秀英"
        in staff.get("/eldercare/people/", {"flag": ["lives_alone", "advanced_age"]}).content.decode()
    )
    assert "王秀英" not in staff.get("/eldercare/people/", {"flag": "dibao"}).content.decode()
    assert "王秀英" in staff.get("/eldercare/people/", {"capacity": "none", "sort": "-age"}).content.decode()
    assert "王秀英" not in staff.get("/eldercare/people/", {"capacity": "mild"}).content.decode()
    assert staff.get("/eldercare/people/", {"division": "15x"}).status_code == 422


def test_detail_of_another_township_is_404(staff, older_world):
    assert staff.get(f"/eldercare/people/{older_world['street'].pk}/").status_code == 200
    assert staff.get(f"/eldercare/people/{older_world['taibus'].pk}/").status_code == 404
    assert staff.get(f"/eldercare/people/{older_world['taibus'].pk}/edit/").status_code == 404


def test_export_is_masked_and_logged(staff, older_world):
    response = staff.get("/eldercare/people/export/", {"flag": "lives_alone"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "身份证号码（脱敏）", "性别", "年龄")
    person = older_world["street"].person
    assert rows[1][0] == "王秀英"
    assert rows[1][1] == person.id_number_masked
    assert rows[1][3] == age_on(dt.date(1945, 2, 3), timezone.localdate())
    assert "独居" in rows[1][5]
    assert len(rows) == 2
    assert person.id_number not in str(rows)


def test_reported_flags_and_home(staff, older_world):
    older = older_world["street"]
    url = f"/eldercare/people/{older.pk}/edit/"
    bad = staff.post(url, {"left_behind": "on", "home_latitude": "40.8"})
    assert bad.status_code == 422
    assert "须同时填写" in bad.content.decode()
    response = staff.post(
        url, {"left_behind": "on", "home_latitude": "40.842356", "home_longitude": "111.749180"}
    )
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.left_behind
    assert str(older.home_latitude) == "40.842356"
    assert Event.objects.filter(verb="eldercare.older_person_updated", object_id=str(older.pk)).exists()


def test_contacts_and_one_guardian(staff, older_world):
    older = older_world["street"]
    url = f"/eldercare/people/{older.pk}/contacts/"
    response = staff.post(
        url,
        {
            "name": "王小明",
            "relation": "child",
            "phone": "13912345678",
            "is_guardian": "on",
            "may_order": "on",
        },
    )
    assert response.status_code == 302
    contact = CareContact.objects.get(older_person=older)
    assert contact.phone_masked == "139****5678"
    assert contact.phone_index == crypto.blind_index("13912345678", purpose=PHONE_INDEX)
    assert crypto.decrypt(contact.phone_encrypted) == "13912345678"
    assert "13912345678" not in staff.get(f"/eldercare/people/{older.pk}/").content.decode()
    second = staff.post(
        url, {"name": "王小红", "relation": "child", "phone": "13912345679", "is_guardian": "on"}
    )
    assert second.status_code == 409
    assert "已有监护人（王小明）" in second.content.decode()
    same_phone = staff.post(url, {"name": "王小红", "relation": "child", "phone": "139 1234 5678"})
    assert same_phone.status_code == 409
    bad_phone = staff.post(url, {"name": "王小红", "relation": "child", "phone": "12345"})
    assert bad_phone.status_code == 422
    assert "格式不正确" in bad_phone.content.decode()
    edit = staff.post(
        f"/eldercare/people/contacts/{contact.pk}/",
        {"name": "王小明", "relation": "child", "phone": "13700000000"},
    )
    assert edit.status_code == 302
    contact.refresh_from_db()
    assert (contact.phone_masked, contact.is_guardian, contact.may_order) == ("137****0000", False, False)
    assert staff.post(f"/eldercare/people/contacts/{contact.pk}/remove/").status_code == 302
    assert not CareContact.objects.exists()
    verbs = set(Event.objects.filter(verb__startswith="eldercare.contact_").values_list("verb", flat=True))
    assert verbs == {"eldercare.contact_added", "eldercare.contact_updated", "eldercare.contact_removed"}


def test_other_township_cannot_touch_contacts(client, users, older_world):
    client.force_login(users["taibus_caseworker"])
    response = client.post(
        f"/eldercare/people/{older_world['street'].pk}/contacts/",
        {"name": "某", "relation": "child", "phone": "13912345678"},
    )
    assert response.status_code == 404


def test_viewer_without_eldercare_rights_is_refused(client, users, older_world):
    # the auditor holds no eldercare capability (the village assistant views its village's visits)
    client.force_login(users["auditor"])
    assert client.get("/eldercare/people/").status_code == 403


def test_refresh_button_runs_the_job(staff, older_world):
    response = staff.post("/eldercare/people/refresh/")
    assert response.status_code == 302
    assert "/jobs/" in response["Location"]
    job = Job.objects.get(kind="eldercare_older_people_refresh")
    assert job.status == "succeeded"
    assert "老年人名册已更新：在册 2 人" in job.message
    assert "老年人名册已更新" in staff.get(response["Location"]).content.decode()


def test_api_list_and_detail_scoped(users, older_world):
    _token, secret = api_token_create(username=users["caseworker"].username, name="测试")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    response = api.get("/api/v1/eldercare/older-people", {"flag": "lives_alone"})
    assert response.status_code == 200
    body = response.json()
    assert [row["name"] for row in body["results"]] == ["王秀英"]
    assert body["results"][0]["lives_alone"] is True
    assert body["results"][0]["birth_date"] == "1945-02-03"
    detail = api.get(f"/api/v1/eldercare/older-people/{older_world['street'].pk}")
    assert detail.status_code == 200
    assert detail.json()["contacts"] == []
    assert api.get(f"/api/v1/eldercare/older-people/{older_world['taibus'].pk}").status_code == 404
