# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
"""The online-application API (``/api/v1/portal/``, portal session): every step of a draft, the uploads,
submission once, progress, and the refusals in the one error shape ``{code, message, field}``; a signed-in
person never sees another household."""

from __future__ import annotations

import typing

import pytest
from django.test import Client

from minzheng.applications.models import Application
from minzheng.applications.services import ApplicationData, application_create, application_transition
from minzheng.documents.models import Document
from minzheng.portal import apply
from minzheng.portal.apply_schemas import OnlineWorkflow
from minzheng.portal.models import ApplicationDraft, DraftDocument
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    CHILD_ID,
    EXE,
    NEW_ID,
    OTHER_PHONE,
    account,
    fill_bound_dibao,
    home,
    make_account,
    media,
    new_account,
    new_household_values,
    other_home,
    outbox,
    png_bytes,
    portal_client,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/portal"


def put(client: Client, url: str, body: dict) -> typing.Any:
    return client.put(url, body, content_type="application/json")


def test_the_online_workflows_of_the_schema_are_the_services(db):
    assert set(typing.get_args(OnlineWorkflow)) == {w.value for w in apply.ONLINE_SECTIONS}


def test_without_a_portal_session_the_api_answers_401(db):
    response = Client().get(f"{BASE}/drafts")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_draft_step_by_step_through_the_api(account, home, media):
    client = portal_client(account)
    # start, twice: the same draft
    response = client.post(f"{BASE}/drafts", {"workflow": "dibao"}, content_type="application/json")
    assert response.status_code == 201
    draft = response.json()
    assert (draft["workflow"], draft["workflow_label"]) == ("dibao", "最低生活保障")
    assert [(s["code"], s["done"]) for s in draft["sections"]] == [
        ("household", False), ("income", False), ("assets", False), ("documents", True), ("pledge", False),
        ("submit", False),
    ]  # fmt: skip
    assert [(m["name"], m["id_number_masked"]) for m in draft["members"]] == [
        ("李四", home.head.id_number_masked)
    ]
    again = client.post(f"{BASE}/drafts", {"workflow": "dibao"}, content_type="application/json").json()
    assert again["id"] == draft["id"]
    url = f"{BASE}/drafts/{draft['id']}"

    # each section
    response = put(client, url, {"household": {"confirmed": True, "note": "无变化"},
                                 "income": {"wage": "800", "pension": "300.50"},
                                 "assets": {"deposit": "2000", "house_count": 1, "house_area": "60"}})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["income"] == {"wage": "800.00", "pension": "300.50"}
    assert body["assets"]["house_area"] == "60.00"
    response = put(client, url, {"pledge": {"pledge": True, "authorisation": True}})
    assert response.json()["pledge_signed_at"] != ""

    # a photo, listed, removed, uploaded again
    response = client.post(
        f"{url}/documents", {"kind": "identity", "file": upload("身份证.png", png_bytes())}
    )
    assert response.status_code == 201
    document = response.json()
    assert (document["kind_label"], document["content_type"], document["scan_status"]) == (
        "身份证明",
        "image/png",
        "clean",
    )
    assert [d["id"] for d in client.get(url).json()["documents"]] == [document["id"]]
    assert client.delete(f"{url}/documents/{document['id']}").status_code == 204
    assert client.get(url).json()["documents"] == []
    client.post(f"{url}/documents", {"kind": "identity", "file": upload("身份证.png", png_bytes())})

    # submit once
    response = client.post(f"{url}/submit")
    assert response.status_code == 201
    submitted = response.json()
    application = Application.objects.get()
    assert (submitted["id"], submitted["number"], submitted["step"], submitted["step_label"]) == (
        application.pk,
        application.number,
        "submitted",
        "已提交待受理",
    )
    assert Document.objects.get(application=application).uploaded_online is True
    response = client.post(f"{url}/submit")
    assert (response.status_code, response.json()) == (
        409,
        {"code": "already_submitted", "message": "该申请已提交，请勿重复提交", "field": None},
    )
    assert Application.objects.count() == 1
    # the submitted draft takes no more changes
    response = put(client, url, {"income": {"wage": "1"}})
    assert (response.status_code, response.json()["code"]) == (409, "already_submitted")

    # progress
    listed = client.get(f"{BASE}/applications").json()
    assert client.get(f"{BASE}/applications", {"number": application.number}).json() == listed
    assert [(a["id"], a["workflow_label"], a["step"]) for a in listed] == [
        (application.pk, "最低生活保障", "submitted")
    ]
    detail = client.get(f"{BASE}/applications/{application.pk}").json()
    assert [line["title"] for line in detail["timeline"]] == ["提交申请"]
    assert [d["original_name"] for d in detail["documents"]] == ["身份证.png"]
    assert detail["may_upload"] is True


def test_an_unbound_person_declares_the_household_and_a_bad_id_number_is_422(new_account):
    client = portal_client(new_account)
    url = f"{BASE}/drafts/{client.post(f'{BASE}/drafts', {'workflow': 'dibao'}, content_type='application/json').json()['id']}"
    values = new_household_values()
    bad = CHILD_ID[:-1] + ("0" if CHILD_ID[-1] != "0" else "1")
    values["members"][1]["id_number"] = bad
    response = put(client, url, {"income": {"wage": "500"}, "household": values})
    assert (response.status_code, response.json()) == (422, {
        "code": "draft_invalid", "message": "第 2 位成员：身份证号码校验位错误，请核对后重新输入",
        "field": "members.1.id_number"})  # fmt: skip
    assert ApplicationDraft.objects.get().data == {}  # neither section was saved
    response = put(client, url, {"household": new_household_values()})
    assert response.status_code == 200
    members = response.json()["members"]
    assert [(m["name"], m["relation"], m["birth_date"]) for m in members] == [
        ("王芳", "户主", "1975-03-09"),
        ("王小明", "子", "2012-06-01"),
    ]
    assert NEW_ID not in response.content.decode()


def test_shape_errors_use_the_one_error_shape(account):
    client = portal_client(account)
    response = client.post(
        f"{BASE}/drafts", {"workflow": "margin_household"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_request", "workflow")
    draft = client.post(f"{BASE}/drafts", {"workflow": "dibao"}, content_type="application/json").json()
    response = put(client, f"{BASE}/drafts/{draft['id']}", {"assets": {"vehicle_count": -1}})
    assert (response.status_code, response.json()["field"]) == (422, "assets.vehicle_count")


@pytest.mark.parametrize(
    ("name", "content", "status", "code", "message"),
    [
        (
            "程序.png",
            EXE,
            422,
            "document_type",
            "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）",
        ),
        ("大.png", png_bytes() + b"\x00" * 2048, 422, "document_too_large", "文件超过 1 KB 上限"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    account, media, settings, name, content, status, code, message
):
    settings.DOCUMENT_MAX_BYTES = 1024
    client = portal_client(account)
    draft = client.post(f"{BASE}/drafts", {"workflow": "dibao"}, content_type="application/json").json()
    response = client.post(
        f"{BASE}/drafts/{draft['id']}/documents", {"kind": "identity", "file": upload(name, content)}
    )
    assert (response.status_code, response.json()) == (status, {"code": code, "message": message, "field": "file",
                                                               })  # fmt: skip
    assert not DraftDocument.objects.exists()
    assert stored_files(media) == []


def test_a_duplicate_upload_is_409(account, media):
    client = portal_client(account)
    draft = client.post(f"{BASE}/drafts", {"workflow": "dibao"}, content_type="application/json").json()
    url = f"{BASE}/drafts/{draft['id']}/documents"
    client.post(url, {"kind": "identity", "file": upload("a.png", png_bytes())})
    response = client.post(url, {"kind": "income", "file": upload("b.png", png_bytes())})
    assert (response.status_code, response.json()["code"]) == (409, "document_duplicate")
    assert DraftDocument.objects.count() == 1


def test_a_signed_in_person_cannot_see_or_touch_another_household(account, other_home, users, media):
    # given 赵六's household with an application and a draft
    theirs = application_create(actor=users["caseworker"], data=ApplicationData(
        workflow="dibao", household_id=other_home.pk, applicant_id=other_home.head_id, channel="window"))  # fmt: skip
    other = make_account(OTHER_PHONE, person=other_home.head)
    their_draft = apply.draft_start(account=other, workflow="temporary_emergency")
    client = portal_client(account)
    not_found = {"code": "not_found", "message": "未找到该申请，请核对后重试", "field": "application"}

    # then 李四 sees none of it
    assert client.get(f"{BASE}/applications").json() == []
    response = client.get(f"{BASE}/applications/{theirs.pk}")
    assert (response.status_code, response.json()) == (404, not_found)
    response = client.post(f"{BASE}/applications/{theirs.pk}/documents", {"kind": "identity",
                                                                           "file": upload("a.png", png_bytes())})  # fmt: skip
    assert (response.status_code, response.json()) == (404, not_found)
    for response in (client.get(f"{BASE}/drafts/{their_draft.pk}"),
                     put(client, f"{BASE}/drafts/{their_draft.pk}", {"hardship": {"text": "x"}}),
                     client.post(f"{BASE}/drafts/{their_draft.pk}/submit")):  # fmt: skip
        assert (response.status_code, response.json()["message"]) == (404, "未找到该申请草稿")
    assert [d["id"] for d in client.get(f"{BASE}/drafts").json()] == []
    assert theirs.number not in str(client.get(f"{BASE}/applications").json())
    assert client.get(f"{BASE}/applications", {"number": theirs.number}).json() == []
    assert not Document.objects.exists()


def test_missing_materials_are_uploaded_through_the_api(account, users, media):
    application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    application_transition(actor=users["caseworker"], application_id=application.pk, code="request_materials",
                           data={"missing_materials": ["户口簿"]})  # fmt: skip
    client = portal_client(account)
    detail = client.get(f"{BASE}/applications/{application.pk}").json()
    assert (detail["step_label"], detail["missing_materials"]) == ("待补齐材料", ["户口簿"])
    assert detail["timeline"][-1]["detail"] == "需补齐材料：户口簿"
    response = client.post(f"{BASE}/applications/{application.pk}/documents",
                           {"kind": "household_register", "file": upload("户口簿.png", png_bytes("blue"))})  # fmt: skip
    assert response.status_code == 201
    assert response.json()["kind_label"] == "户口簿"
    assert Document.objects.get(application=application).uploaded_online is True
