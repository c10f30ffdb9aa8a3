"""Document pages through Django's test client: the htmx panel with upload and removal, preview and
download headers, jurisdiction (404), the case file (审批表) as Excel and PDF, and the notice PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from minzheng.applications.models import Application
from minzheng.applications.services import home_visit_record, objection_record, verification_record
from minzheng.audit.models import Event, PersonalDataAccess
from minzheng.common.masking import mask_name
from minzheng.documents.exports import DOCUMENT_HEADERS, EVENT_HEADERS, OBJECTION_HEADERS, VISIT_HEADERS
from minzheng.documents.models import Document
from minzheng.documents.services import document_remove, document_upload

from .conftest import EXE, apply, client_for, go, jpeg_bytes, pdf_bytes, png_bytes, stored_files, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date.today()
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
FILE_HEADERS = ("Content-Type", "Content-Disposition", "Content-Security-Policy", "X-Content-Type-Options",
                "Cache-Control")  # fmt: skip


def panel_url(application) -> str:
    return f"/documents/applications/{application.pk}/"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- panel, upload, remove --------------------------------------------------------------------------------


def test_application_page_loads_the_panel(users, application):
    page = client_for(users["caseworker"]).get(f"/applications/{application.pk}/")
    assert f'hx-get="/documents/applications/{application.pk}/" hx-trigger="load"' in page.content.decode()


def test_panel_lists_documents_by_step(users, application, media):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.png", png_bytes()))  # fmt: skip
    response = client_for(users["caseworker"]).get(panel_url(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'data-document-id="(\d+)"', html) == [str(document.pk)]
    assert 'data-step="submitted">已提交待受理</h4>' in html
    assert f'href="/documents/{document.pk}/preview/" target="_blank"' in html
    assert 'id="document-upload"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert 'id="case-file-links"' in html


def test_panel_for_a_village_assistant_has_upload_but_no_remove_or_export(users, application, media):
    document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                    file=upload("身份证.png", png_bytes()))  # fmt: skip
    html = client_for(users["assistant"]).get(panel_url(application)).content.decode()
    assert 'id="document-upload"' in html
    assert "确认移除" not in html
    assert 'id="case-file-links"' not in html


def test_htmx_upload_returns_the_panel_with_the_new_document(users, application, media):
    client = client_for(users["caseworker"])
    response = client.post(panel_url(application), {"kind": "income", "file": upload("收入证明.pdf", pdf_bytes())},
                           **HTMX)  # fmt: skip
    assert response.status_code == 200
    assert 'id="documents-done"' in response.content.decode()
    document = Document.objects.get()
    assert (document.kind, document.content_type, document.uploaded_by) == ("income", "application/pdf",
                                                                             users["caseworker"])  # fmt: skip


def test_htmx_upload_refusal_is_shown_in_the_panel_and_stores_nothing(users, application, media):
    client = client_for(users["caseworker"])
    response = client.post(
        panel_url(application), {"kind": "identity", "file": upload("照片.jpg", EXE)}, **HTMX
    )
    assert response.status_code == 200  # htmx swaps only 2xx
    html = response.content.decode()
    assert '<div class="alert alert-danger" role="alert" id="documents-error">文件内容不是允许的类型' in html
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_plain_post_redirects_to_the_application(users, application, media):
    response = client_for(users["caseworker"]).post(
        panel_url(application), {"kind": "identity", "file": upload("身份证.jpg", jpeg_bytes())}
    )
    assert (response.status_code, response["Location"]) == (302, f"/applications/{application.pk}/")
    assert Document.objects.count() == 1


def test_remove_through_the_panel(users, application, media):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    client = client_for(users["reviewer"])
    refused = client.post(f"/documents/{document.pk}/remove/", {"reason": ""}, **HTMX)
    assert "请填写移除理由" in refused.content.decode()
    response = client.post(f"/documents/{document.pk}/remove/", {"reason": "重复上传"}, **HTMX)
    assert response.status_code == 200
    assert "已移除（" in response.content.decode()
    assert "：重复上传" in response.content.decode()
    document.refresh_from_db()
    assert document.removal_reason == "重复上传"
    assert stored_files(media) == [media / document.file.name]


def test_out_of_scope_user_gets_404_everywhere(users, application, media):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="identity",
                               file=upload("身份证.jpg", jpeg_bytes()))  # fmt: skip
    client = client_for(users["taibus_county"])
    for url in (panel_url(application), f"/documents/{document.pk}/preview/", f"/documents/{document.pk}/download/",
                f"/documents/applications/{application.pk}/case-file.xlsx",
                f"/documents/applications/{application.pk}/case-file.pdf"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            panel_url(application), {"kind": "other", "file": upload("a.png", png_bytes())}
        ).status_code
        == 404
    )
    assert client.post(f"/documents/{document.pk}/remove/", {"reason": "x"}).status_code == 404
    assert Document.objects.count() == 1
    assert PersonalDataAccess.objects.count() == 0


# --- preview and download ---------------------------------------------------------------------------------


def test_image_preview_headers_and_access_log(users, application, media):
    content = png_bytes()
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="home_visit_photo",
                               file=upload("入户照片.png", content))  # fmt: skip
    response = client_for(users["assistant"]).get(f"/documents/{document.pk}/preview/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert (
        response["Content-Disposition"] == "inline; filename*=utf-8''%E5%85%A5%E6%88%B7%E7%85%A7%E7%89%87.png"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == FILE_CSP
    assert b"".join(response.streaming_content) == content
    [access] = PersonalDataAccess.objects.all()
    assert (access.actor, access.purpose, access.household_id, access.fields) == (
        users["assistant"],
        "document_view",
        application.household_id,
        f"document:{document.pk}",
    )


def test_pdf_preview_is_a_sandboxed_download(users, application, media):
    """Chromium will not run its PDF viewer under the sandbox, and without it the viewer would run in our
    origin: a PDF is never shown inline, the panel links it to the download (ADR 0028)."""
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="income",
                               file=upload("income.pdf", pdf_bytes()))  # fmt: skip
    client = client_for(users["caseworker"])
    for url in (f"/documents/{document.pk}/preview/", f"/documents/{document.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 200
        assert {name: response[name] for name in FILE_HEADERS} == {
            "Content-Type": "application/pdf",
            "Content-Disposition": 'attachment; filename="income.pdf"',
            "Content-Security-Policy": (
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        }, url
    html = client.get(panel_url(application)).content.decode()
    assert f'<a href="/documents/{document.pk}/download/">income.pdf</a>' in html
    assert f"/documents/{document.pk}/preview/" not in html


def test_download_is_an_attachment(users, application, media):
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="home_visit_photo",
                               file=upload("入户.png", png_bytes()))  # fmt: skip
    response = client_for(users["reviewer"]).get(f"/documents/{document.pk}/download/")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%85%A5%E6%88%B7.png"
    assert response["Content-Security-Policy"] == FILE_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert PersonalDataAccess.objects.get().purpose == "document_download"


# --- case file --------------------------------------------------------------------------------------------


@pytest.fixture
def in_notice(users, household_factory, media) -> Application:
    """王五's 低保 application in public notice, with a home visit, a verification result, an objection, a
    pledge uploaded and one document removed."""
    household = household_factory(head_name="王五")
    application = apply(users, household, pledge_signed=False)
    document_upload(actor=users["caseworker"], application_id=application.pk, kind="pledge",
                    file=upload("承诺书.pdf", pdf_bytes()))  # fmt: skip
    application = go(users, application, "caseworker", "accept")
    application = go(users, application, "caseworker", "start_investigation")
    home_visit_record(actor=users["caseworker"], application_id=application.pk, visited_on=TODAY,
                      investigators=["李调查", "赵调查"], members_present="户主", findings="困难属实")  # fmt: skip
    wrong = document_upload(actor=users["assistant"], application_id=application.pk, kind="home_visit_photo",
                            file=upload("入户.png", png_bytes()))  # fmt: skip
    document_remove(actor=users["caseworker"], document_id=wrong.pk, reason="照片模糊")
    application = go(users, application, "caseworker", "request_verification")
    verification_record(actor=users["county"], application_id=application.pk, source="bank", outcome="consistent",
                        detail="无大额存款")  # fmt: skip
    application = go(users, application, "county", "record_verification")
    application = go(users, application, "reviewer", "publish_notice", opinion="符合条件")
    objection_record(actor=users["caseworker"], application_id=application.pk, received_on=TODAY,
                     content="邻居反映有车辆")  # fmt: skip
    return Application.objects.select_related("household__head", "applicant").get(pk=application.pk)


def test_case_file_xlsx_masked_for_a_township_reviewer(users, in_notice):
    head = in_notice.household.head
    response = client_for(users["reviewer"]).get(f"/documents/applications/{in_notice.pk}/case-file.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["审批表", "办理记录", "入户调查", "信息核对", "公示异议", "申请材料"]
    facts = {row[0]: row[1] for row in book["审批表"].iter_rows(min_row=3, values_only=True)}
    assert book["审批表"]["A1"].value == "社会救助审批表"
    assert (book["审批表"]["A3"].value, book["审批表"]["B3"].value) == ("申请编号", in_notice.number)
    assert facts["救助类别"] == "最低生活保障"
    assert facts["户主"] == "王*" == mask_name(head.name)
    assert facts["户主身份证号码"] == head.id_number_masked
    assert "*" in facts["户主身份证号码"]
    assert facts["在户人数"] == 1
    assert (facts["受理乡镇（街道）"], facts["户籍村（社区）"]) == ("海拉尔东路街道", "锡林南路社区居委会")
    assert (facts["申请渠道"], facts["当前环节"], facts["初审（审核）意见"]) == (
        "窗口受理",
        "公示",
        "符合条件",
    )
    assert facts["申请日期"].date() == TODAY
    timeline = list(book["办理记录"].iter_rows(values_only=True))
    assert timeline[0] == EVENT_HEADERS
    assert len(timeline) == in_notice.events.count() + 1
    assert timeline[1][1:5] == ("caseworker", None, "已提交待受理", "窗口受理：登记申请")
    messages = [row[4] for row in timeline[1:]]
    assert "上传材料：承诺书及授权书“承诺书.pdf”" in messages
    assert "承诺书及家庭经济状况核对授权书已签署（上传签字件）" in messages
    assert "移除材料：入户调查照片“入户.png”（理由：照片模糊）" in messages
    visits = list(book["入户调查"].iter_rows(values_only=True))
    assert visits[0] == VISIT_HEADERS
    assert visits[1][1:] == ("李调查、赵调查", None, "户主", None, "困难属实")
    assert list(book["信息核对"].iter_rows(values_only=True))[1][:3] == (
        "银行存款",
        "与申报一致",
        "无大额存款",
    )
    objections = list(book["公示异议"].iter_rows(values_only=True))
    assert objections[0] == OBJECTION_HEADERS
    assert objections[1][1:] == ("邻居反映有车辆", "待处理")
    documents = list(book["申请材料"].iter_rows(values_only=True))
    assert documents[0] == DOCUMENT_HEADERS
    assert [row[1:4] + row[5:] for row in documents[1:]] == [
        ("已提交待受理", "承诺书及授权书", "承诺书.pdf", "application/pdf", "未发现病毒", "caseworker", "有效"),
        ("家庭经济状况调查", "入户调查照片", "入户.png", "image/png", "未发现病毒", "assistant", "已移除（照片模糊）"),
    ]  # fmt: skip
    [access] = PersonalDataAccess.objects.filter(purpose="case_file")
    assert (access.actor, access.fields) == (users["reviewer"], "name_masked,id_number_masked")
    assert (
        Event.objects.filter(verb="application.case_file_exported", object_id=str(in_notice.pk)).count() == 1
    )


def test_case_file_shows_personal_data_to_roles_that_may_see_it(users, in_notice):
    response = client_for(users["county"]).get(f"/documents/applications/{in_notice.pk}/case-file.xlsx")
    facts = {row[0]: row[1] for row in load_workbook(io.BytesIO(response.content))["审批表"].iter_rows(
        min_row=3, values_only=True)}  # fmt: skip
    assert (facts["户主"], facts["户主身份证号码"]) == ("王五", in_notice.household.head.id_number)
    assert PersonalDataAccess.objects.get(purpose="case_file").fields == "name,id_number"


def test_case_file_pdf(users, in_notice):
    response = client_for(users["reviewer"]).get(f"/documents/applications/{in_notice.pk}/case-file.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1
    text = pdf_text(response.content)
    for expected in ("社会救助审批表", in_notice.number, "王*", "最低生活保障", "办理记录", "困难属实", "邻居反映有车辆",
                     "承诺书.pdf", "第 1 页"):  # fmt: skip
        assert expected in text, expected
    assert "王五" not in text


def test_case_file_needs_the_export_capability(users, in_notice):
    client = client_for(users["assistant"])
    assert client.get(f"/documents/applications/{in_notice.pk}/case-file.xlsx").status_code == 403
    assert client.get(f"/documents/applications/{in_notice.pk}/case-file.pdf").status_code == 403


# --- public notice PDF ------------------------------------------------------------------------------------


def test_notice_page_links_the_pdf(users, in_notice):
    html = client_for(users["caseworker"]).get("/applications/notice/?village=150102001001").content.decode()
    assert 'href="/documents/notice.pdf?village=150102001001"' in html


def test_notice_pdf_lists_the_village_without_id_numbers(users, in_notice):
    response = client_for(users["caseworker"]).get("/documents/notice.pdf?village=150102001001")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    head = in_notice.household.head
    notice = f"{in_notice.notice_starts_on:%Y-%m-%d} 至 {in_notice.notice_ends_on:%Y-%m-%d}"
    for expected in ("锡林南路社区居委会社会救助申请公示", "海拉尔东路街道", "王五", "最低生活保障", notice,
                     "公示期内，对公示对象有异议的，可以向海拉尔东路街道人民政府"):  # fmt: skip
        assert expected in text.replace("\n", ""), expected
    assert head.id_number not in text
    assert head.id_number_masked not in text


def test_notice_pdf_input_and_scope(users, in_notice):
    client = client_for(users["caseworker"])
    assert client.get("/documents/notice.pdf?village=abc").status_code == 422
    assert (
        client.get("/documents/notice.pdf?village=152527201206").status_code == 404
    )  # another county's gacha
    empty = client.get("/documents/notice.pdf?village=150102001002")
    assert "本村（社区）目前没有公示中的申请" in pdf_text(empty.content)
