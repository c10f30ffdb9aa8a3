"""Department users (issue 23 §2): a 医保 user sees only the referrals to 医保 in their division, the fields
医保 needs in clear and the rest masked, every read logged; replies (read by civil affairs on the alert),
attaches and closes. Other departments and other divisions see nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.audit.models import Event, PersonalDataAccess
from minzheng.common.errors import NotFound, PermissionDenied, ValidationFailed
from minzheng.departments import selectors, services
from minzheng.departments.tests.conftest import HEAD_ID
from minzheng.monitoring.models import Alert, MonitoringRun, Referral, WarningRule
from minzheng.monitoring.services import monitoring_parameters_load, rule_builtin_load

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def referral(family, users, make_user, divisions):
    monitoring_parameters_load()
    rule_builtin_load()
    home = family(son=False)
    run = MonitoringRun.objects.create(kind="manual", as_of=timezone.localdate(), division_code="150102")
    rule = WarningRule.objects.filter(status="published").first()
    alert = Alert.objects.create(
        number="YJ-TEST-1",
        rule=rule,
        rule_code=rule.code,
        rule_version=rule.version,
        severity=rule.severity,
        subject_key=f"p:{home.head_id}",
        household=home,
        person=home.head,
        division=divisions["community"],
        run=run,
        raised_on=timezone.localdate(),
        due_on=timezone.localdate(),
        status="referred",
    )
    return Referral.objects.create(
        alert=alert, department="medical", note="请落实医疗救助", referred_by=users["county"]
    )


@pytest.fixture
def staff(make_user, divisions):
    return {
        "yibao": make_user("yibao", "dept_medical_insurance", divisions["xincheng"]),
        "taibus_yibao": make_user("taibus_yibao", "dept_medical_insurance", divisions["taibus"]),
        "canlian": make_user("canlian", "dept_disabled_federation", divisions["xincheng"]),
    }


def test_a_department_sees_its_own_referrals_with_the_fields_it_needs(referral, staff):
    yibao = staff["yibao"]
    assert list(selectors.department_referrals(yibao)) == [referral]
    assert list(selectors.department_referrals(staff["taibus_yibao"])) == []  # another county
    assert list(selectors.department_referrals(staff["canlian"])) == []  # another department
    with pytest.raises(NotFound):
        selectors.referral_for_department(staff["canlian"], referral.pk)
    shown = selectors.referral_person(yibao, referral, "10.0.0.8")
    assert shown.values["姓名"] == "王五"
    assert shown.values["身份证号码"] == HEAD_ID  # 医保 looks the person up by ID number
    assert shown.values["住址"] in ("", "（不向本部门提供）")
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.fields, access.person_id) == (
        yibao,
        "id_number,name",
        referral.alert.person_id,
    )
    assert access.purpose == f"部门办理转办事项 {referral.pk}"


def test_reply_attach_close_and_civil_affairs_reads_the_reply(referral, staff, users):
    yibao = staff["yibao"]
    with pytest.raises(ValidationFailed):
        services.referral_close(actor=yibao, referral_id=referral.pk)  # no reply yet
    with pytest.raises(NotFound):
        services.referral_reply(
            actor=staff["taibus_yibao"],
            referral_id=referral.pk,
            feedback="已办",
            feedback_on=timezone.localdate(),
        )
    with pytest.raises(PermissionDenied):
        services.referral_reply(
            actor=users["county"], referral_id=referral.pk, feedback="已办", feedback_on=timezone.localdate()
        )
    services.referral_reply(
        actor=yibao,
        referral_id=referral.pk,
        feedback="已纳入医疗救助，报销 3,200.00 元",
        feedback_on=timezone.localdate() - dt.timedelta(days=1),
    )
    attachment = services.referral_attach(actor=yibao, referral_id=referral.pk, name="结算单.pdf", data=PDF)
    assert (attachment.size, attachment.scan_status) == (len(PDF), "not_scanned")
    services.referral_close(actor=yibao, referral_id=referral.pk)
    referral.refresh_from_db()
    assert (referral.feedback, referral.feedback_by) == ("已纳入医疗救助，报销 3,200.00 元", yibao)
    assert referral.handling.state == "closed"
    # civil affairs reads the reply on the alert's timeline, nobody typed it again
    assert referral.alert.events.get(code="feedback").message == (
        "医疗保障部门（医疗救助）反馈：已纳入医疗救助，报销 3,200.00 元"
    )
    verbs = list(
        Event.objects.filter(verb__startswith="departments.").order_by("pk").values_list("verb", flat=True)
    )
    assert verbs == [
        "departments.referral_replied",
        "departments.referral_attached",
        "departments.referral_closed",
    ]
    with pytest.raises(ValidationFailed):
        services.referral_close(actor=yibao, referral_id=referral.pk)


def test_department_pages(client, otp_login, referral, staff, users):
    otp_login(client, staff["yibao"])
    listing = client.get("/departments/referrals/")
    assert listing.status_code == 200
    assert "请落实医疗救助" in listing.content.decode()
    page = client.get(f"/departments/referrals/{referral.pk}/")
    assert HEAD_ID in page.content.decode()
    response = client.post(
        f"/departments/referrals/{referral.pk}/reply/",
        {"feedback": "已办理", "feedback_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert client.get("/monitoring/").status_code == 403  # no other page of civil affairs
    otp_login(client, staff["canlian"])
    assert client.get(f"/departments/referrals/{referral.pk}/").status_code == 404
    otp_login(client, users["county"])
    alert_page = client.get(f"/monitoring/alerts/{referral.alert_id}/").content.decode()
    assert "已办理" in alert_page
    assert "yibao" in alert_page
