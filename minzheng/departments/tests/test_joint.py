"""社会救助一件事 (issue 23 §3): one intake opens linked requests to 医保, 教育 and 住建, each with its own
limit and state; each department answers its own; civil affairs and the applicant's portal show one
progress list."""

from __future__ import annotations

import pytest

from minzheng.common.errors import NotFound, PermissionDenied, ValidationFailed
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.departments import joint
from minzheng.departments.models import JointRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(family, at_verification, users):
    application = at_verification(family())
    return joint.joint_case_open(actor=users["caseworker"], application_id=application.pk,
                                 items=["medical_aid", "education_aid", "housing_aid"])  # fmt: skip


def test_one_intake_opens_three_linked_requests(case, users, today):
    due = due_date(today, WorkingDays(10), working_calendar()).due_on
    assert list(case.requests.order_by("id").values_list("item", "department", "state", "due_on")) == [
        ("medical_aid", "medical", "open", due), ("education_aid", "education", "open", due),
        ("housing_aid", "housing", "open", due),
    ]  # fmt: skip
    assert case.number == f"YJS-{case.application.number}"
    with pytest.raises(ValidationFailed):
        joint.joint_case_open(
            actor=users["caseworker"], application_id=case.application_id, items=["medical_aid"]
        )
    with pytest.raises(PermissionDenied):
        joint.joint_case_open(
            actor=users["auditor"], application_id=case.application_id, items=["medical_aid"]
        )


def test_each_department_answers_its_own_and_the_progress_shows_it(case, make_user, divisions, users):
    yibao = make_user("yibao", "dept_medical_insurance", divisions["xincheng"])
    jiaoyu = make_user("jiaoyu", "dept_education", divisions["xincheng"])
    medical = JointRequest.objects.get(joint_case=case, item="medical_aid")
    assert list(joint.department_joint_requests(yibao)) == [medical]
    with pytest.raises(NotFound):
        joint.joint_request_answer(actor=jiaoyu, request_id=medical.pk, reply="不是本部门")
    joint.joint_request_answer(actor=yibao, request_id=medical.pk, reply="已纳入医疗救助")
    lines = joint.joint_progress(joint.joint_case_for_staff(users["county"], case.pk))
    assert [(x.item, x.department, x.state, x.reply) for x in lines] == [
        ("最低生活保障", "民政", "信息核对", ""), ("医疗救助", "医保", "已办结", "已纳入医疗救助"),
        ("教育资助", "教育", "待办理", ""), ("住房救助", "住建", "待办理", ""),
    ]  # fmt: skip
    with pytest.raises(NotFound):
        joint.joint_case_for_staff(users["taibus_county"], case.pk)


def test_staff_and_portal_pages(client, otp_login, case, users):
    from minzheng.portal.models import PortalAccount

    otp_login(client, users["county"])
    page = client.get(f"/departments/joint/{case.pk}/").content.decode()
    assert page.count('<tr data-item="') == 4
    household = case.household
    account = PortalAccount.objects.create(
        phone_encrypted="x", phone_index="idx-test", phone_masked="138****1111", person=household.head
    )
    session = client.session
    from minzheng.portal import auth as portal_auth

    session[portal_auth.SESSION_KEY] = account.pk
    session.save()
    portal = client.get("/portal/joint/")
    assert portal.status_code == 200
    assert "教育资助" in portal.content.decode()
