"""HTTP pages with scoping: the register, registration with its errors, the actions of a matter, the
dashboard and its Excel, and the portal (file about one's own case, progress, answer, evaluation, the public
Q&A without personal data)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from minzheng.petitions import services
from minzheng.petitions.models import Petition

pytestmark = pytest.mark.django_db


def test_register_page_and_the_matter_page(client, ready):
    client.force_login(ready["handler"])
    assert client.get("/petitions/register/").status_code == 200
    bad = client.post("/petitions/register/", {"channel": "window", "kind": "complaint", "matter_type": "other",
                                               "subject": "问题", "content": "内容", "name": "刘洋"})  # fmt: skip
    assert bad.status_code == 422
    assert "身份证号码和联系电话至少填写一项" in bad.content.decode()
    assert Petition.objects.count() == 0
    done = client.post("/petitions/register/", {"channel": "phone", "kind": "question", "matter_type": "policy",
                                                "subject": "低保标准是多少", "content": "想了解本地低保标准",
                                                "name": "刘洋", "phone": "13600001234"})  # fmt: skip
    petition = Petition.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/petitions/{petition.pk}/"
    page = client.get(done["Location"]).content.decode()
    assert "刘*" in page
    assert 'data-action="accept"' in page
    assert 'data-action="decline"' in page


def test_actions_through_the_page_and_a_stale_form(client, register, ready):
    petition = register()
    client.force_login(ready["handler"])
    url = f"/petitions/{petition.pk}/act/accept/"
    assert client.post(url, {"expected_status": "registered", "notice": "依法受理"}).status_code == 302
    stale = client.post(url, {"expected_status": "registered", "notice": "依法受理"})
    assert stale.status_code == 409
    assert "信访事项状态已变为“已受理”，请刷新后再办理" in stale.content.decode()
    assign = client.post(f"/petitions/{petition.pk}/act/assign/",
                         {"expected_status": "accepted", "division": "150102001000",
                          "handler": str(ready["caseworker"].pk)})  # fmt: skip
    assert assign.status_code == 302
    petition.refresh_from_db()
    assert (petition.status, petition.division.code) == ("assigned", "150102001000")
    notice = client.get(f"/petitions/{petition.pk}/documents/notice.pdf")
    assert notice.status_code == 200
    assert notice.content.startswith(b"%PDF")


def test_extension_over_30_days_on_the_page(client, register, ready):
    petition = register()
    h = ready["handler"]
    services.petition_accept(actor=h, pk=petition.pk, expected_status="registered", notice="受理")
    services.petition_assign(actor=h, pk=petition.pk, expected_status="accepted", division_code="150102000000",
                             handler_id=h.pk)  # fmt: skip
    services.petition_start(actor=h, pk=petition.pk, expected_status="assigned")
    client.force_login(h)
    response = client.post(f"/petitions/{petition.pk}/act/extend/",
                           {"expected_status": "handling", "days": "45", "reason": "复杂"})  # fmt: skip
    assert response.status_code == 422
    assert "延长期限累计不得超过30日（《信访工作条例》第三十四条）" in response.content.decode()


def test_scoping_another_county_sees_nothing(client, register, ready):
    petition = register()
    client.force_login(ready["taibus_county"])
    assert client.get(f"/petitions/{petition.pk}/").status_code == 404
    assert petition.number not in client.get("/petitions/").content.decode()
    assert client.get("/api/v1/petitions").json()["results"] == []


def test_roles_without_the_capability_are_refused(client, ready):
    client.force_login(ready["auditor"])
    assert client.get("/petitions/").status_code == 403
    assert client.get("/api/v1/petitions").status_code == 403
    client.force_login(ready["prefecture"])
    assert client.get("/petitions/").status_code == 200
    assert client.get("/petitions/register/").status_code == 403


def test_list_filters_export_and_dashboard(client, register, ready):
    register(subject="甲事项")
    register(subject="乙事项", matter_type="payment", name="赵六", id_number="", phone="13500000000")
    client.force_login(ready["handler"])
    page = client.get("/petitions/?matter_type=payment").content.decode()
    assert "乙事项" in page
    assert "甲事项" not in page
    export = client.get("/petitions/export.xlsx?matter_type=payment")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "信访编号"
    assert [r[5] for r in rows[1:]] == ["乙事项"]
    assert rows[1][6] == "赵*"
    board = client.get("/petitions/dashboard/").content.decode()
    assert 'id="figure-received">2<' in board
    assert '<td>新城区（本级）</td><td class="text-end">2</td>' in board
    assert client.get("/petitions/dashboard/export.xlsx").status_code == 200


def test_portal_files_about_own_application_and_follows_it(portal_client, application, ready):
    page = portal_client.get("/portal/petitions/new/")
    assert page.status_code == 200
    assert f"a:{application.pk}" in page.content.decode()
    response = portal_client.post("/portal/petitions/new/", {
        "kind": "complaint", "matter_type": "assistance", "case": f"a:{application.pk}",
        "subject": "申请迟迟没有结果", "content": "提交一个月了没有消息",
    })  # fmt: skip
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert petition.application_id == application.pk
    assert petition.channel == "portal"
    assert petition.division.code == "150102000000"
    assert petition.petitioner_name_masked == "李**"
    detail = portal_client.get(f"/portal/petitions/{petition.pk}/").content.decode()
    assert "已登记" in detail
    # staff answer; the applicant reads it and evaluates
    h = ready["handler"]
    services.petition_accept(actor=h, pk=petition.pk, expected_status="registered", notice="依法受理")
    services.petition_assign(actor=h, pk=petition.pk, expected_status="accepted", division_code="150102000000",
                             handler_id=h.pk)  # fmt: skip
    services.petition_start(actor=h, pk=petition.pk, expected_status="assigned")
    services.petition_reply(
        actor=h, pk=petition.pk, expected_status="handling", text="您的申请已进入审核确认环节"
    )
    detail = portal_client.get(f"/portal/petitions/{petition.pk}/").content.decode()
    assert "您的申请已进入审核确认环节" in detail
    evaluate = portal_client.post(f"/portal/petitions/{petition.pk}/act/evaluate/",
                                  {"expected_status": "replied", "satisfaction": "satisfied"})  # fmt: skip
    assert evaluate.status_code == 302
    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction) == ("evaluated", "satisfied")
    pdf = portal_client.get(f"/portal/petitions/{petition.pk}/documents/reply.pdf")
    assert pdf.status_code == 200


def test_portal_cannot_file_about_another_households_case(portal_client, ready, household_factory):
    from minzheng.applications.tests.test_workflows import apply

    other = apply(ready, household_factory(head_name="外人"))
    response = portal_client.post("/portal/petitions/new/", {
        "kind": "complaint", "matter_type": "assistance", "case": f"a:{other.pk}", "subject": "x", "content": "y",
    })  # fmt: skip
    assert response.status_code == 422
    assert Petition.objects.count() == 0


def test_portal_sees_only_its_own(portal_client, register):
    petition = register()
    assert portal_client.get(f"/portal/petitions/{petition.pk}/").status_code == 404
    assert petition.number not in portal_client.get("/portal/petitions/").content.decode()


def test_public_questions_show_only_the_public_wording(client, register, ready):
    h = ready["handler"]
    petition = register(
        kind="question", matter_type="policy", subject="王秀英问低保", content="我叫王秀英，想问低保"
    )
    services.petition_accept(actor=h, pk=petition.pk, expected_status="registered", notice="受理")
    services.petition_assign(actor=h, pk=petition.pk, expected_status="accepted", division_code="150102000000",
                             handler_id=h.pk)  # fmt: skip
    services.petition_start(actor=h, pk=petition.pk, expected_status="assigned")
    services.petition_reply(actor=h, pk=petition.pk, expected_status="handling", text="王秀英您好……",
                            publishable=True, public_question="低保标准如何确定？",
                            public_answer="由旗县级以上人民政府确定并公布。")  # fmt: skip
    page = client.get("/portal/petitions/questions/").content.decode()
    assert "低保标准如何确定？" in page
    assert "由旗县级以上人民政府确定并公布。" in page
    assert "王秀英" not in page
    assert "13800001111" not in page
