"""The online-application pages (Django test client): each section saved as a draft, the village chooser,
camera uploads, the pledge, submission (once), and the refusals with their Chinese messages."""

# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
from __future__ import annotations

import re

import pytest
from django.test import Client

from minzheng.applications.models import Application
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


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_pages_need_a_signed_in_account(db):
    response = Client().get("/portal/apply/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/signin/?next=%2Fportal%2Fapply%2F"


def test_the_start_page_offers_the_online_programmes_including_the_allowances(account):
    response = portal_client(account).get("/portal/apply/")
    assert response.status_code == 200
    page = text(response)
    for label in ("最低生活保障", "特困人员救助供养", "临时救助（急难型，先行救助）", "临时救助（支出型）", "高龄津贴",
                  "残疾人两项补贴", "孤儿基本生活保障", "事实无人抚养儿童基本生活补贴"):  # fmt: skip
        assert label in page
    assert '<input type="radio" name="workflow" value="disability_subsidies"' in page
    assert "请到乡镇（街道）窗口办理" not in page  # the allowances have workflows now


def test_a_bound_person_confirms_the_registry_household_and_the_draft_is_kept(account, home):
    client = portal_client(account)
    # when she starts 低保
    response = client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=account)
    assert response["Location"] == f"/portal/apply/{draft.pk}/?step=household"
    # then the household page lists the registry members, masked
    page = text(client.get(response["Location"]))
    assert f'<strong>李四</strong>（户主） <span class="muted">{home.head.id_number_masked}</span>' in page
    assert home.head.id_number not in page
    # when she confirms with a note and continues
    response = client.post(f"/portal/apply/{draft.pk}/?step=household",
                           {"confirmed": "on", "note": "儿子在外地上学", "action": "next"}, follow=True)  # fmt: skip
    assert messages_of(response) == ["已保存草稿"]
    assert response.redirect_chain == [(f"/portal/apply/{draft.pk}/?step=income", 302)]
    # and fills the income, then leaves
    client.post(f"/portal/apply/{draft.pk}/?step=income", {"wage": "1200", "pension": "", "action": "stay"})
    # then coming back later shows what she typed
    again = portal_client(account)
    page = text(again.get(f"/portal/apply/{draft.pk}/?step=income"))
    assert 'name="wage" value="1200.00"' in page
    assert text(again.get("/portal/apply/")).count(f'href="/portal/apply/{draft.pk}/"') == 1  # 未提交的申请


def test_a_refused_section_keeps_the_page_with_the_message(account):
    client = portal_client(account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=account)
    response = client.post(f"/portal/apply/{draft.pk}/?step=household", {"note": "", "action": "next"})
    assert response.status_code == 422
    assert "请核对家庭成员信息后勾选“以上信息属实”，有出入的请在说明中写明" in text(response)
    response = client.post(f"/portal/apply/{draft.pk}/?step=income", {"wage": "abc"})
    assert response.status_code == 422
    assert '<p class="error">输入一个数字。</p>' in text(response)
    draft.refresh_from_db()
    assert draft.data == {}


def test_the_village_chooser_goes_county_township_village_without_script(new_account):
    client = portal_client(new_account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=new_account)
    url = f"/portal/apply/{draft.pk}/?step=household"
    page = text(client.get(url))
    assert '<option value="150102000000" >呼和浩特市 新城区</option>' in page
    assert 'id="township-form"' not in page
    page = text(client.get(url + "&county=150102000000"))
    assert '<option value="150102001000" >海拉尔东路街道</option>' in page
    page = text(client.get(url + "&county=150102000000&township=150102001000"))
    assert '<option value="150102001002">东风路社区居委会</option>' in page
    # member 1 is prefilled from the sign-in
    assert 'name="members-0-name" value="王芳"' in page
    assert f'name="members-0-id_number" value="{NEW_ID}"' in page
    assert "capture" not in page


def _household_post(**overrides) -> dict[str, str]:
    data = {
        "county": "150102000000", "township": "150102001000", "village_code": "150102001002",
        "address": "东风路 8 号", "note": "", "action": "next",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
        "members-0-name": "王芳", "members-0-id_number": NEW_ID, "members-0-relation": "head",
        "members-0-employment_status": "unemployed",
        "members-1-name": "王小明", "members-1-id_number": CHILD_ID, "members-1-relation": "son",
        "members-1-employment_status": "student",
    }  # fmt: skip
    return {**data, **overrides}


def test_an_unbound_person_enters_the_household_and_a_bad_id_number_is_refused(new_account):
    client = portal_client(new_account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=new_account)
    url = f"/portal/apply/{draft.pk}/?step=household"
    # a wrong check digit for the child
    bad = CHILD_ID[:-1] + ("0" if CHILD_ID[-1] != "0" else "1")
    response = client.post(url, _household_post(**{"members-1-id_number": bad}))
    assert response.status_code == 422
    assert "第 2 位成员：身份证号码校验位错误，请核对后重新输入" in text(response)
    assert '<option value="150102001002" selected>东风路社区居委会</option>' in text(response)
    draft.refresh_from_db()
    assert draft.data == {}
    # corrected
    response = client.post(url, _household_post())
    assert response["Location"] == f"/portal/apply/{draft.pk}/?step=income"
    draft.refresh_from_db()
    assert [m["name"] for m in draft.data["household"]["members"]] == ["王芳", "王小明"]
    # a member is removed with the 删除 box
    response = client.post(url, _household_post(**{"members-1-DELETE": "on"}))
    draft.refresh_from_db()
    assert [m["name"] for m in draft.data["household"]["members"]] == ["王芳"]


def test_camera_upload_list_and_remove(account, media):
    client = portal_client(account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=account)
    page = text(client.get(f"/portal/apply/{draft.pk}/?step=documents"))
    assert '<input type="file" name="file" accept="image/*,application/pdf" capture="environment"' in page
    response = client.post(f"/portal/apply/{draft.pk}/documents/",
                           {"kind": "household_register", "file": upload("户口簿.png", png_bytes())},
                           follow=True)  # fmt: skip
    assert messages_of(response) == ["已上传“户口簿.png”，已保存草稿"]
    assert "户口簿：户口簿.png" in text(response)
    document = DraftDocument.objects.get()
    client.post(f"/portal/apply/{draft.pk}/documents/{document.pk}/remove/")
    assert not DraftDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.png", EXE, "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）"),
        ("大.png", png_bytes() + b"\x00" * 2048, "文件超过 1 KB 上限"),
    ],
)
def test_a_wrong_or_oversized_upload_gets_a_clear_message_and_stores_nothing(
    account, media, settings, name, content, message
):
    settings.DOCUMENT_MAX_BYTES = 1024
    client = portal_client(account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=account)
    response = client.post(f"/portal/apply/{draft.pk}/documents/", {"kind": "identity", "file": upload(name, content)},
                           follow=True)  # fmt: skip
    assert messages_of(response) == [message]
    assert not DraftDocument.objects.exists()
    assert stored_files(media) == []


def test_the_pledge_page_shows_the_statutory_text_and_article(account):
    client = portal_client(account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=account)
    page = text(client.get(f"/portal/apply/{draft.pk}/?step=pledge"))
    assert "《最低生活保障审核确认办法》第9条" in page
    assert "家庭经济状况核对授权书" in page
    response = client.post(f"/portal/apply/{draft.pk}/?step=pledge", {"pledge": "on", "authorisation": "on"})
    assert response["Location"] == f"/portal/apply/{draft.pk}/?step=submit"


def test_submit_once_then_a_second_click_is_sent_to_the_progress_page(account, home):
    pk = fill_bound_dibao(account)
    client = portal_client(account)
    summary = text(client.get(f"/portal/apply/{pk}/?step=submit"))
    assert "工资性收入</dt><dd>800.00 元" in summary
    assert "<strong>1100.50 元</strong>" in summary
    response = client.post(f"/portal/apply/{pk}/submit/", follow=True)
    application = Application.objects.get()
    assert response.redirect_chain == [(f"/portal/progress/{application.pk}/", 302)]
    assert messages_of(response) == [f"申请已提交，申请编号：{application.number}"]
    # a second click (or the other tab)
    response = client.post(f"/portal/apply/{pk}/submit/", follow=True)
    assert response.redirect_chain == [(f"/portal/progress/{application.pk}/", 302)]
    assert messages_of(response) == ["该申请已提交，请勿重复提交"]
    assert Application.objects.count() == 1
    # and the draft page itself now leads to the progress page
    response = client.get(f"/portal/apply/{pk}/")
    assert response["Location"] == f"/portal/progress/{application.pk}/"


def test_an_incomplete_draft_is_not_submitted(account):
    client = portal_client(account)
    client.post("/portal/apply/", {"workflow": "dibao"})
    draft = ApplicationDraft.objects.get(account=account)
    response = client.post(f"/portal/apply/{draft.pk}/submit/", follow=True)
    assert messages_of(response) == ["请先填写“申请人与家庭”、“收入”、“财产”、“承诺与授权”，再提交申请"]
    assert response.redirect_chain == [(f"/portal/apply/{draft.pk}/?step=household", 302)]
    assert not Application.objects.exists()


def test_someone_elses_draft_is_a_neutral_404(account, other_home, media):
    other = make_account(OTHER_PHONE, person=other_home.head)
    pk = fill_bound_dibao(other)
    client = portal_client(account)
    for response in (
        client.get(f"/portal/apply/{pk}/"),
        client.post(f"/portal/apply/{pk}/?step=income", {"wage": "1"}),
        client.post(
            f"/portal/apply/{pk}/documents/", {"kind": "identity", "file": upload("a.png", png_bytes())}
        ),
        client.post(f"/portal/apply/{pk}/submit/"),
    ):
        assert response.status_code == 404
        assert "未找到该申请草稿" in text(response)
        assert "赵六" not in text(response)
    assert not Application.objects.exists()
    assert not DraftDocument.objects.exists()
