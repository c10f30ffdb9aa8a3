"""The sync API (ADR 0039) through the Django test client on PostgreSQL: each offline record and photo
arrives exactly once whatever the replays, a refusal for role, jurisdiction or file writes nothing, and the
conflict rules (server wins on a closed case, both versions kept otherwise) hold for both kinds of record."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.applications.models import HomeVisit
from minzheng.applications.services import application_transition, home_visit_record
from minzheng.audit.models import Event
from minzheng.common.crypto import decrypt
from minzheng.documents.models import Document
from minzheng.eldercare.models import CarePhoto, OlderPerson, VisitRecord
from minzheng.eldercare.services.visits import VisitData, visit_record
from minzheng.field.models import FieldPhoto, FieldSubmission

from .conftest import API, home_visit_body, jpeg, visit_body

pytestmark = pytest.mark.django_db(transaction=False)


def post(client, path, body):
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def photo(client, submission, photo_uuid, data, name="photo.jpg", content_type="image/jpeg"):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(f"{API}/submissions/{submission}/photos", {"uuid": photo_uuid, "file": upload})


def media_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_visit_and_its_photos_arrive_once_however_often_they_are_sent(api_client, users, older):
    # given an assistant's offline visit with two photos
    client = api_client("assistant")
    body = visit_body(older.pk, photos=2)
    # when the record is sent twice (the first answer was lost), then each photo twice
    first = post(client, "/visits", body)
    again = post(client, "/visits", body)
    photo_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    answers = [
        photo(client, body["uuid"], photo_ids[0], jpeg((200, 0, 0))),
        photo(client, body["uuid"], photo_ids[0], jpeg((200, 0, 0))),
        photo(client, body["uuid"], photo_ids[1], jpeg((0, 0, 200))),
        photo(client, body["uuid"], photo_ids[1], jpeg((0, 0, 200))),
    ]
    # then the first call of each stored it and the replays answered the same without a second row
    assert (first.status_code, again.status_code) == (201, 200)
    assert {k: v for k, v in again.json().items() if k != "photos_received"} == {
        k: v for k, v in first.json().items() if k != "photos_received"
    }
    assert [a.status_code for a in answers] == [201, 200, 201, 200]
    assert answers[1].json() == answers[0].json()
    record = VisitRecord.objects.get()
    assert (record.older_person_id, record.visitor_id, record.findings, record.health) == (
        older.pk, users["assistant"].pk, "老人身体尚可，独居，门锁完好", "血压偏高",
    )  # fmt: skip
    assert first.json()["outcome"] == "recorded"
    assert first.json()["record_id"] == record.pk
    assert first.json()["reason"] == ""
    assert CarePhoto.objects.filter(visit=record).count() == 2
    assert FieldPhoto.objects.filter(submission__uuid=body["uuid"]).count() == 2
    assert all(answer.json()["stored"] for answer in answers)
    # the audit is the online one (the visit) plus the sync's own events, once each
    assert Event.objects.filter(verb="eldercare.visit.record").count() == 1
    assert Event.objects.filter(verb="field.submission.receive").count() == 1
    assert Event.objects.filter(verb="field.photo.receive").count() == 2
    # the offline copy is kept encrypted
    version = FieldSubmission.objects.get()
    assert "独居" not in version.payload_encrypted
    assert json.loads(decrypt(version.payload_encrypted))["findings"] == "老人身体尚可，独居，门锁完好"


def test_an_older_person_outside_the_jurisdiction_is_refused_and_nothing_is_written(api_client, make_older):
    # given an older person in Taibus (another county) and the Xincheng assistant
    elsewhere = make_older(name="巴特尔", division="gacha", lives_alone=True)
    before = Event.objects.count()
    # when the assistant's phone sends a visit to that person
    answer = post(api_client("assistant"), "/visits", visit_body(elsewhere.pk))
    # then it is refused in Chinese and nothing is stored
    assert answer.status_code == 404
    assert answer.json() == {
        "code": "not_found", "message": "老年人不存在或不在您的管辖范围内", "field": "older_person",
    }  # fmt: skip
    assert (FieldSubmission.objects.count(), VisitRecord.objects.count(), Event.objects.count()) == (
        0,
        0,
        before,
    )


def test_an_application_outside_the_jurisdiction_and_a_role_without_home_visits_are_refused(
    api_client, investigating
):
    taibus = post(api_client("taibus_caseworker"), "/home-visits", home_visit_body(investigating.pk))
    assistant = post(api_client("assistant"), "/home-visits", home_visit_body(investigating.pk))
    assert (taibus.status_code, taibus.json()["message"]) == (404, "申请不存在或不在您的管辖范围内")
    assert (assistant.status_code, assistant.json()["message"]) == (403, "您的角色不能录入入户调查")
    assert (FieldSubmission.objects.count(), HomeVisit.objects.count()) == (0, 0)


def test_another_users_uuid_is_refused(api_client, users, older):
    body = visit_body(older.pk)
    assert post(api_client("assistant"), "/visits", body).status_code == 201
    reused = post(api_client("caseworker"), "/visits", body)
    assert reused.status_code == 409
    assert reused.json()["message"] == "该离线记录编号已被使用，请在手机上重新保存后再同步"
    assert VisitRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        ("big.jpg", b"\xff\xd8\xff" + b"0" * 3000, "image/jpeg", "文件超过 2 KB 上限"),
        (
            "notes.pdf",
            b"%PDF-1.4\n%%EOF\n",
            "application/pdf",
            "“notes.pdf”不是图片，请上传 JPG、PNG 或 HEIC 照片",
        ),
        ("photo.jpg", b"plain text, not a photo", "image/jpeg", None),
    ],
    ids=["oversized", "pdf", "not-an-image"],
)
def test_a_refused_photo_writes_nothing(
    api_client, older, settings, media_root, name, data, content_type, message
):
    # given a received visit announcing one photo, and a 2 KB photo limit
    settings.DOCUMENT_MAX_BYTES = 2048
    client = api_client("assistant")
    body = visit_body(older.pk, photos=1)
    assert post(client, "/visits", body).status_code == 201
    files_before, events_before = media_files(media_root), Event.objects.count()
    # when the phone sends a file that is too large or not a photo
    answer = photo(client, body["uuid"], str(uuid.uuid4()), data, name, content_type)
    # then it is refused with a clear message and neither a row nor a file is written
    assert answer.status_code == 422
    assert answer.json()["field"] == "photos"
    if message:
        assert answer.json()["message"] == message
    else:
        assert answer.json()["message"].startswith("文件内容不是允许的类型")
    assert (FieldPhoto.objects.count(), CarePhoto.objects.count()) == (0, 0)
    assert (media_files(media_root), Event.objects.count()) == (files_before, events_before)


def test_more_photos_than_announced_are_refused(api_client, older):
    client = api_client("assistant")
    body = visit_body(older.pk, photos=1)
    post(client, "/visits", body)
    assert photo(client, body["uuid"], str(uuid.uuid4()), jpeg((1, 2, 3))).status_code == 201
    extra = photo(client, body["uuid"], str(uuid.uuid4()), jpeg((4, 5, 6)))
    assert (extra.status_code, extra.json()["message"]) == (422, "该记录的照片已全部收到，不能再添加")
    assert CarePhoto.objects.count() == 1


# --- conflicts ------------------------------------------------------------------------------------------------


def test_server_wins_when_the_older_person_left_the_visit_list(api_client, older):
    # given the older person was removed from the list while the phone was offline
    OlderPerson.objects.filter(pk=older.pk).update(active=False)
    client = api_client("assistant")
    body = visit_body(older.pk, photos=1)
    # when the offline visit and its photo arrive
    answer = post(client, "/visits", body)
    sent = photo(client, body["uuid"], str(uuid.uuid4()), jpeg())
    # then no visit is recorded; the offline copy is kept as a rejected version with the reason
    assert answer.status_code == 201
    assert (answer.json()["outcome"], answer.json()["outcome_label"], answer.json()["record_id"]) == (
        "rejected", "未采用（以服务器为准）", None,
    )  # fmt: skip
    assert (
        answer.json()["reason"]
        == "服务器上的案件状态已变化，离线记录未采用，已作为退回版本保存：该老年人已移出探访名单"
    )
    assert VisitRecord.objects.count() == 0
    assert (sent.status_code, sent.json()["stored"]) == (201, False)
    assert CarePhoto.objects.count() == 0
    listed = api_client("assistant").get(f"{API}/submissions").json()
    assert [(v["uuid"], v["outcome"]) for v in listed] == [(body["uuid"], "rejected")]


def test_both_versions_are_kept_when_the_server_got_a_visit_meanwhile(api_client, users, older):
    # given the phone took its list two hours ago, and a caseworker recorded a visit since
    mine = visit_body(older.pk, base_at=timezone.now() - dt.timedelta(hours=2))
    theirs = visit_record(
        actor=users["caseworker"], older_person_id=older.pk, data=VisitData(timezone.localdate(), "电话回访")
    )
    # when the assistant's offline visit arrives
    answer = post(api_client("assistant"), "/visits", mine)
    # then both visits are kept and the version names the other one
    assert answer.status_code == 201
    assert (answer.json()["outcome"], answer.json()["other_records"]) == ("both_kept", [theirs.pk])
    assert answer.json()["reason"] == "离线期间服务器上已有该对象的 1 条新记录，两个版本均已保存"
    assert sorted(VisitRecord.objects.values_list("findings", flat=True)) == [
        "电话回访",
        "老人身体尚可，独居，门锁完好",
    ]


def test_a_home_visit_and_its_photos_become_the_applications_record_and_documents(
    api_client, users, investigating
):
    client = api_client("caseworker")
    body = home_visit_body(investigating.pk, photos=2)
    first = post(client, "/home-visits", body)
    again = post(client, "/home-visits", body)
    sent = [photo(client, body["uuid"], str(uuid.uuid4()), jpeg(c)) for c in ((9, 9, 9), (90, 90, 90))]
    assert (first.status_code, again.status_code, first.json()["outcome"]) == (201, 200, "recorded")
    visit = HomeVisit.objects.get()
    assert (visit.application_id, visit.investigators, visit.members_present, visit.recorded_by_id) == (
        investigating.pk, ["李明", "赵芳"], "王五", users["caseworker"].pk,
    )  # fmt: skip
    assert [s.status_code for s in sent] == [201, 201]
    documents = Document.objects.filter(application=investigating)
    assert sorted(documents.values_list("kind", flat=True)) == ["home_visit_photo", "home_visit_photo"]
    # the online audit: the case timeline and the document uploads
    assert investigating.events.filter(kind="record").count() >= 1


def test_server_wins_on_a_closed_application(api_client, users, investigating):
    application_transition(
        actor=users["caseworker"],
        application_id=investigating.pk,
        code="withdraw",
        data={"reason": "申请人撤回"},
    )
    answer = post(api_client("caseworker"), "/home-visits", home_visit_body(investigating.pk))
    assert answer.status_code == 201
    assert answer.json()["outcome"] == "rejected"
    assert (
        answer.json()["reason"]
        == "服务器上的案件状态已变化，离线记录未采用，已作为退回版本保存：申请已办结（已撤回）"
    )
    assert HomeVisit.objects.count() == 0
    assert FieldSubmission.objects.get().outcome == "rejected"


def test_both_home_visits_are_kept_when_a_colleague_recorded_one_meanwhile(api_client, users, investigating):
    body = home_visit_body(investigating.pk, base_at=timezone.now() - dt.timedelta(hours=1))
    theirs = home_visit_record(
        actor=users["reviewer"], application_id=investigating.pk, visited_on=timezone.localdate(),
        investigators=["钱七", "孙八"], members_present="王五", findings="复核属实",
    )  # fmt: skip
    answer = post(api_client("caseworker"), "/home-visits", body)
    assert (answer.json()["outcome"], answer.json()["other_records"]) == ("both_kept", [theirs.pk])
    assert HomeVisit.objects.filter(application=investigating).count() == 2


def test_the_session_api_needs_the_csrf_token(users, older):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["assistant"])
    refused = post(client, "/visits", visit_body(older.pk))
    assert refused.status_code == 403
    assert VisitRecord.objects.count() == 0
