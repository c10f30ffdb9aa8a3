# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
"""Progress pages (救助通 issue 7 item 5): every application of the signed-in person's household with its
step, time limits, missing materials and decisions — only what the applicant may know — and the upload of
missing papers; someone else's application is a neutral 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import id_number
from minzheng.applications.models import Application
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    home_visit_record,
)
from minzheng.common.templatetags.due_dates import due_with_marker
from minzheng.documents.errors import DocumentRefused
from minzheng.documents.models import Document
from minzheng.portal import apply
from minzheng.portal.rules import NotYours
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    OTHER_PHONE,
    account,
    fill_bound_dibao,
    home,
    make_account,
    media,
    new_account,
    other_home,
    outbox,
    png_bytes,
    portal_client,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def window(users, household, workflow: str = "dibao", **extra) -> Application:
    return application_create(actor=users["caseworker"], data=ApplicationData(
        workflow=workflow, household_id=household.pk, applicant_id=household.head_id, channel="window",
        pledge_signed=True, **extra))  # fmt: skip


def go(users, application: Application, who: str, code: str, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


@pytest.fixture
def online(account) -> Application:
    return apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))


def test_the_list_shows_every_application_of_the_household_with_step_and_limits(account, home, users, online):
    temporary = window(users, home, "temporary_expenditure", hardship="孩子住院")
    accepted = go(users, online, "caseworker", "accept")
    rows = apply.progress_list(account=account)
    assert [(r.application.pk, r.workflow_label, r.step_label) for r in rows] == [
        (temporary.pk, "临时救助（支出型）", "已提交待受理"),
        (online.pk, "最低生活保障", "已受理"),
    ]
    page = text(portal_client(account).get("/portal/progress/"))
    assert f"<dt>申请编号</dt><dd>{online.number}</dd>" in page
    assert f"<dt>本环节时限</dt><dd>{accepted.step_due_on:%Y-%m-%d}" in page
    overall = due_with_marker(accepted.overall_due_on, accepted.overall_due_provisional)
    assert f"<dt>总办结时限</dt><dd>{overall}</dd>" in page


def test_the_timeline_shows_steps_missing_materials_and_reasons_but_no_internal_records(
    account, users, online
):
    go(users, online, "caseworker", "request_materials", missing_materials=["户口簿", "近 6 个月工资流水"])
    go(users, online, "caseworker", "materials_received")
    go(users, online, "caseworker", "accept")
    go(users, online, "caseworker", "start_investigation")
    home_visit_record(actor=users["caseworker"], application_id=online.pk, visited_on=online.submitted_on,
                      investigators=["调查员甲", "调查员乙"], members_present="李四",
                      findings="邻居反映其子在外务工收入较高")  # fmt: skip
    go(users, online, "reviewer", "withdraw", reason="申请人已就业，主动撤回")

    detail = apply.progress_detail(account=account, pk=online.pk)

    assert [(line.title, line.detail) for line in detail.lines] == [
        ("提交申请", ""),
        ("进入“待补齐材料”环节", "需补齐材料：户口簿、近 6 个月工资流水"),
        ("进入“已提交待受理”环节", ""),
        ("进入“已受理”环节", ""),
        ("进入“家庭经济状况调查”环节", ""),
        ("进入“已撤回”环节", "理由：申请人已就业，主动撤回"),
    ]
    assert detail.decision == "已撤回，理由：申请人已就业，主动撤回"
    assert (detail.missing, detail.may_upload) == ([], False)
    page = text(portal_client(account).get(f"/portal/progress/{online.pk}/"))
    for internal in ("调查员甲", "邻居反映", "caseworker", "reviewer", "入户调查"):
        assert internal not in page
    assert 'id="upload-form"' not in page


def test_missing_materials_are_listed_and_uploaded_from_the_progress_page(account, users, online, media):
    go(users, online, "caseworker", "request_materials", missing_materials=["户口簿"])
    client = portal_client(account)
    page = text(client.get(f"/portal/progress/{online.pk}/"))
    assert '<h2 id="missing-title">需要补齐的材料</h2> <ul><li>户口簿</li></ul>' in page
    assert 'accept="image/*,application/pdf" capture="environment"' in page

    response = client.post(f"/portal/progress/{online.pk}/",
                           {"kind": "household_register", "file": upload("户口簿.png", png_bytes("green"))},
                           follow=True)  # fmt: skip

    document = Document.objects.get(application=online)
    assert (document.kind, document.uploaded_by, document.uploaded_online, document.step) == (
        "household_register",
        None,
        True,
        "materials_pending",
    )
    assert [str(m) for m in response.context["messages"]] == ["已上传“户口簿.png”，经办人员会尽快核对"]
    line = online.events.get(code="document_uploaded")
    assert (line.message, line.actor) == ("申请人网上上传材料：户口簿“户口簿.png”", None)
    assert "户口簿：户口簿.png" in text(response)


def test_a_wrong_file_on_the_progress_page_is_refused_with_the_message(account, online, media):
    response = portal_client(account).post(f"/portal/progress/{online.pk}/",
                                           {"kind": "identity", "file": upload("x.png", b"MZ\x90\x00" * 10)})  # fmt: skip
    assert response.status_code == 422
    assert "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）" in text(response)
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_decided_application_takes_no_more_uploads(account, users, online, media):
    go(users, online, "reviewer", "withdraw", reason="撤回")
    with pytest.raises(DocumentRefused, match=r"申请已办结（已撤回），不能再上传材料"):
        apply.progress_document_upload(account=account, pk=online.pk, kind="identity",
                                       file=upload("a.png", png_bytes()))  # fmt: skip
    assert not Document.objects.exists()


def test_an_approved_temporary_aid_shows_the_amount(account, home, users):
    from minzheng.applications.tests.figures import temporary_configure
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    temporary_configure(users["region"])  # the test jurisdiction's tiers (the region's are open, ADR 0029)
    application = window(users, home, "temporary_small_fast", hardship="突发疾病")
    go(users, application, "caseworker", "accept")
    go(users, application, "caseworker", "approve", amount="500")
    detail = apply.progress_detail(account=account, pk=application.pk)
    assert detail.decision == "已批准，救助金额 500.00 元"
    assert detail.lines[-1].title == "进入“已批准”环节"
    assert detail.lines[-1].detail == "已批准，救助金额 500.00 元"


def test_another_households_application_is_a_neutral_404(account, users, other_home, media):
    theirs = window(users, other_home)
    client = portal_client(account)
    for response in (client.get(f"/portal/progress/{theirs.pk}/"),
                     client.post(f"/portal/progress/{theirs.pk}/",
                                 {"kind": "identity", "file": upload("a.png", png_bytes())})):  # fmt: skip
        assert response.status_code == 404
        page = text(response)
        assert "未找到该申请，请核对后重试" in page
        assert theirs.number not in page
        assert "赵六" not in page
    assert "赵六" not in text(client.get("/portal/progress/"))
    with pytest.raises(NotYours):
        apply.progress_detail(account=account, pk=theirs.pk)
    assert not Document.objects.exists()


def test_an_application_is_found_by_its_number_only_in_the_own_household(account, users, other_home, online):
    theirs = window(users, other_home)
    client = portal_client(account)
    response = client.get("/portal/progress/", {"number": online.number})
    assert response["Location"] == f"/portal/progress/{online.pk}/"
    for number in (theirs.number, "150102-2026-9999999"):
        response = client.get("/portal/progress/", {"number": number})
        assert response.status_code == 404
        assert "未找到该申请，请核对后重试" in text(response)
        assert "赵六" not in text(response)


def test_an_account_not_bound_is_sent_to_binding(new_account):
    response = portal_client(new_account).get("/portal/progress/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/bind/?next=%2Fportal%2Fprogress%2F"


def test_someone_who_left_the_household_no_longer_sees_it(account, home, users, online):
    from minzheng.registry.services import PersonData, membership_end, person_add_to_household

    spouse = person_add_to_household(actor=users["caseworker"], household=home, relation="spouse",
                                     joined_on=home.created_at.date(),
                                     data=PersonData(name="孙七", id_number=id_number("150102", dt.date(1970, 1, 1), 33),
                                                     employment_status="unemployed"))  # fmt: skip
    leaver = make_account(OTHER_PHONE, person=spouse)
    assert [r.application.pk for r in apply.progress_list(account=leaver)] == [online.pk]
    membership_end(actor=users["caseworker"], person=spouse, left_on=home.created_at.date(), reason="离婚")
    assert apply.progress_list(account=leaver) == []
    with pytest.raises(NotYours):
        apply.progress_detail(account=leaver, pk=online.pk)
