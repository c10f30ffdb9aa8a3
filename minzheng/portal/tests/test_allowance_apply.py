"""Applying online for an allowance through the portal pages (救助通, Django test client): the sections are
household → subject → documents → pledge → submit (no income or assets: the allowances have no household
means test), the subject chooser offers the household's members, a child's application is made by the
guardian, and the submission goes through ``application_create_online`` into the allowance workflow."""

# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from conftest import id_number
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.portal.models import ApplicationDraft
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    CHILD_ID,
    NEW_ID,
    account,
    home,
    media,
    new_account,
    outbox,
    png_bytes,
    portal_client,
    upload,
)
from minzheng.registry.models import Person
from minzheng.registry.services import PersonData, person_add_to_household

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def steps(page: str) -> list[str]:
    return re.findall(
        r'<li>(?:<span class="current" aria-current="step">|<a[^>]*>)\d+\. ([^<✓]+?)(?: ✓)?<', page
    )


@pytest.fixture
def mother(users, home):
    """李四's mother, 85 or 86 this year, in his household; the registry run has not enrolled her."""
    born = dt.date(timezone.localdate().year - 86, 6, 15)
    data = PersonData(name="李老太", id_number=id_number("150102", born, 27), employment_status="retired")
    return person_add_to_household(actor=users["caseworker"], household=home, data=data, relation="parent",
                                   joined_on=dt.date(2020, 1, 1))  # fmt: skip


def test_a_son_applies_online_for_his_mothers_senior_allowance(account, home, mother):
    client = portal_client(account)
    # when he starts the senior allowance
    response = client.post("/portal/apply/", {"workflow": "senior_allowance"})
    draft = ApplicationDraft.objects.get(account=account)
    assert response["Location"] == f"/portal/apply/{draft.pk}/?step=household"
    page = text(client.get(response["Location"]))
    assert steps(page) == ["申请人与家庭", "申请对象", "材料", "承诺与授权", "提交"]
    # and confirms the registry household
    response = client.post(f"/portal/apply/{draft.pk}/?step=household", {"confirmed": "on", "action": "next"})
    assert response["Location"] == f"/portal/apply/{draft.pk}/?step=subject"
    # then the subject chooser lists the members
    page = text(client.get(response["Location"]))
    assert f'value="p{mother.pk}"' in page
    assert f"李老太（父母，{mother.id_number_masked}）" in page
    assert f'value="p{home.head_id}"' in page
    # when he chooses his mother
    response = client.post(
        f"/portal/apply/{draft.pk}/?step=subject", {"member": f"p{mother.pk}", "action": "next"}
    )
    assert response["Location"] == f"/portal/apply/{draft.pk}/?step=documents"
    client.post(
        f"/portal/apply/{draft.pk}/documents/",
        {"kind": "identity", "file": upload("身份证.png", png_bytes())},
    )
    # the pledge is the allowance's: no 低保 article, the checks on the person
    page = text(client.get(f"/portal/apply/{draft.pk}/?step=pledge"))
    assert "<h3>信息核对授权书</h3>" in page
    assert "审核确认办法" not in page
    client.post(
        f"/portal/apply/{draft.pk}/?step=pledge", {"pledge": "on", "authorisation": "on", "action": "next"}
    )
    page = text(client.get(f"/portal/apply/{draft.pk}/?step=submit"))
    assert f'<p id="summary-subject">李老太（{mother.id_number_masked}）</p>' in page
    # and submits
    response = client.post(f"/portal/apply/{draft.pk}/submit/")

    # then an online senior-allowance application for the mother waits for the village's first review
    application = Application.objects.get()
    assert response["Location"] == f"/portal/progress/{application.pk}/"
    assert (application.workflow, application.programme, application.channel, application.step) == (
        "senior_allowance", "senior_allowance", "online", Step.SUBMITTED,
    )  # fmt: skip
    assert (application.applicant_id, application.subject_id) == (home.head_id, mother.pk)
    assert application.pledge_signed_at is not None
    assert application.documents.count() == 1
    assert "高龄津贴" in text(client.get(response["Location"]))


def test_a_guardian_applies_online_for_a_de_facto_orphan_declared_in_the_draft(new_account):
    client = portal_client(new_account)
    client.post("/portal/apply/", {"workflow": "de_facto_orphan_allowance"})
    draft = ApplicationDraft.objects.get(account=new_account)
    subject_url = f"/portal/apply/{draft.pk}/?step=subject"
    # before the household is declared there is nobody to choose
    assert 'id="subject-needs-household"' in text(client.get(subject_url))
    household = {
        "county": "150102000000", "township": "150102001000", "village_code": "150102001002",
        "address": "东风路 8 号", "note": "", "action": "next",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
        "members-0-name": "王芳", "members-0-id_number": NEW_ID, "members-0-relation": "head",
        "members-0-employment_status": "unemployed",
        "members-1-name": "王小明", "members-1-id_number": CHILD_ID, "members-1-relation": "grandchild",
        "members-1-employment_status": "student",
    }  # fmt: skip
    response = client.post(f"/portal/apply/{draft.pk}/?step=household", household)
    assert response["Location"] == subject_url
    # choosing herself is refused: the guardian applies for the child
    response = client.post(subject_url, {"member": "m0", "action": "next"})
    assert response.status_code == 422
    assert (
        '<p class="problem" role="alert" id="problem" data-field="member">'
        "孤儿、事实无人抚养儿童保障由监护人申请：请选择儿童，您为其监护人</p>"
    ) in text(response)
    response = client.post(subject_url, {"member": "m1", "action": "next"})
    assert response.status_code == 302
    client.post(
        f"/portal/apply/{draft.pk}/?step=pledge", {"pledge": "on", "authorisation": "on", "action": "next"}
    )

    client.post(f"/portal/apply/{draft.pk}/submit/")

    application = Application.objects.get()
    child = Person.objects.get(name="王小明")
    assert (application.workflow, application.applicant.name, application.subject_id, application.channel) == (
        "de_facto_orphan_allowance", "王芳", child.pk, "online",
    )  # fmt: skip


def test_the_disability_subsidies_are_named_on_the_subject_page(account, home):
    client = portal_client(account)
    client.post("/portal/apply/", {"workflow": "disability_subsidies"})
    draft = ApplicationDraft.objects.get(account=account)
    client.post(f"/portal/apply/{draft.pk}/?step=household", {"confirmed": "on", "action": "next"})
    url = f"/portal/apply/{draft.pk}/?step=subject"
    page = text(client.get(url))
    assert 'value="severe_disability_care_subsidy"' in page
    assert "请在“材料”一步拍照上传残疾人证。" in page
    response = client.post(url, {"member": f"p{home.head_id}", "action": "next"})
    assert response.status_code == 422
    assert "请选择申请的补贴：困难残疾人生活补贴、重度残疾人护理补贴（可同时申请）" in text(response)
    client.post(
        url, {"member": f"p{home.head_id}", "subsidies": ["severe_disability_care_subsidy"], "action": "next"}
    )
    draft.refresh_from_db()
    assert draft.data["subject"] == {
        "member": f"p{home.head_id}",
        "subsidies": ["severe_disability_care_subsidy"],
    }
    page = text(client.get(f"/portal/apply/{draft.pk}/?step=documents"))
    assert "残疾证" in page
