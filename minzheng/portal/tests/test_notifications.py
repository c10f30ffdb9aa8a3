# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
"""SMS to the applicant on each step change and when materials are requested (救助通 issue 7 item 5):
the text, the phone chosen, no personal data, and a failing gateway or notification that never undoes the
staff transition."""

from __future__ import annotations

import pytest

from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Step, Workflow
from minzheng.applications.services import ApplicationData, application_create, application_transition
from minzheng.portal import apply
from minzheng.portal.models import PortalAccount, SmsMessage
from minzheng.portal.notifications import notification_text
from minzheng.portal.sms import SmsGatewayError
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    APPLICANT_PHONE,
    OTHER_PHONE,
    account,
    fill_bound_dibao,
    home,
    make_account,
    media,
    other_home,
    outbox,
)

pytestmark = pytest.mark.django_db


class FailingGateway:
    """An SMS provider that refuses everything (a fake behind the gateway interface)."""

    name = "failing"

    def send(self, phone: str, body: str, *, template: str = "") -> str:
        raise SmsGatewayError("短信通道拒绝发送（HTTP 503）")


def go(users, application: Application, who: str, code: str, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


def test_online_submission_and_each_step_change_send_an_sms(account, users, outbox,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    with django_capture_on_commit_callbacks(execute=True):
        accepted = go(users, application, "caseworker", "accept")
    with django_capture_on_commit_callbacks(execute=True):
        go(users, application, "caseworker", "start_investigation")

    number = application.number
    assert [(e.phone, e.template, e.body) for e in outbox] == [
        (APPLICANT_PHONE, "application_step", f"【民政救助通】您的低保申请（编号{number}）已提交，等待乡镇（街道）受理。"),
        (APPLICANT_PHONE, "application_step",
         f"【民政救助通】您的低保申请（编号{number}）已进入“已受理”环节，办理时限至{accepted.step_due_on:%Y-%m-%d}。"),
        (APPLICANT_PHONE, "application_step", f"【民政救助通】您的低保申请（编号{number}）已进入“家庭经济状况调查”环节。"),
    ]  # fmt: skip
    rows = SmsMessage.objects.order_by("pk")
    assert [(m.application_id, m.status, m.phone_masked) for m in rows] == [
        (application.pk, "sent", "139****5678")
    ] * 3


def test_a_materials_request_sends_no_list_of_papers(
    account, users, outbox, django_capture_on_commit_callbacks
):
    application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        go(users, application, "caseworker", "request_materials", missing_materials=["残疾证", "诊断证明"])
    [entry] = outbox
    assert entry.template == "application_materials"
    assert entry.body == (
        f"【民政救助通】您的低保申请（编号{application.number}）需要补齐材料，请登录救助通查看清单并上传。"
    )
    assert "残疾证" not in entry.body
    assert "李四" not in entry.body


def test_without_a_portal_account_the_registry_mobile_is_used(
    home, users, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(actor=users["caseworker"], data=ApplicationData(
            workflow="temporary_expenditure", household_id=home.pk, applicant_id=home.head_id,
            channel="window", hardship="孩子住院", pledge_signed=True))  # fmt: skip
    assert [(e.phone, e.body) for e in outbox] == [
        (
            APPLICANT_PHONE,
            f"【民政救助通】您的临时救助申请（编号{application.number}）已登记。",
        )
    ]


def test_a_proactive_discovery_is_announced_as_such(home, users, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(actor=users["caseworker"], data=ApplicationData(
            workflow="dibao", household_id=home.pk, applicant_id=home.head_id, channel="proactive",
            source_note="预警：收入骤降"))  # fmt: skip
    assert [e.body for e in outbox] == [
        f"【民政救助通】您的低保申请（编号{application.number}）已由民政部门主动登记，工作人员将与您联系。"
    ]


def test_the_bound_portal_phone_wins_over_the_registry_phone(home, users, outbox, media,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    make_account(OTHER_PHONE, person=home.head)
    with django_capture_on_commit_callbacks(execute=True):
        application_create(actor=users["caseworker"], data=ApplicationData(
            workflow="dibao", household_id=home.pk, applicant_id=home.head_id, channel="window"))  # fmt: skip
    assert [e.phone for e in outbox] == [OTHER_PHONE]


def test_no_mobile_no_sms(household_factory, users, outbox, django_capture_on_commit_callbacks):
    silent = household_factory(head_name="钱八")  # no phone on file
    with django_capture_on_commit_callbacks(execute=True):
        application_create(actor=users["caseworker"], data=ApplicationData(
            workflow="dibao", household_id=silent.pk, applicant_id=silent.head_id, channel="window"))  # fmt: skip
    assert outbox == []
    assert not SmsMessage.objects.exists()


def test_a_failing_gateway_does_not_break_the_transition(account, users, settings, outbox,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    settings.PORTAL_SMS_GATEWAY = "minzheng.portal.tests.test_notifications.FailingGateway"
    with django_capture_on_commit_callbacks(execute=True):
        go(users, application, "caseworker", "accept")
    assert Application.objects.get(pk=application.pk).step == Step.ACCEPTED
    message = SmsMessage.objects.filter(application=application).order_by("-pk").first()
    assert (message.status, message.gateway, message.error) == (
        "failed",
        "failing",
        "短信通道拒绝发送（HTTP 503）",
    )


def test_a_broken_notification_is_dropped_and_the_transition_stands(account, users, outbox,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    PortalAccount.objects.filter(pk=account.pk).update(phone_encrypted="unknown-key$AAAA")  # cannot be read
    before = SmsMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = go(users, application, "caseworker", "accept")
    assert accepted.step == Step.ACCEPTED
    assert Application.objects.get(pk=application.pk).step == Step.ACCEPTED
    assert application.events.filter(code="accept").count() == 1
    assert SmsMessage.objects.count() == before


@pytest.mark.parametrize("workflow", list(Workflow))
def test_every_workflow_has_an_sms_text(workflow):
    """A workflow added later (the allowances were) must not silently lose its notifications."""
    application = Application(workflow=workflow.value, number="150102-2026-0000009")
    event = ApplicationEvent(kind="transition", code="accept", to_step=Step.ACCEPTED)
    template, body = notification_text(application, event)
    assert template == "application_step"
    assert body.startswith("【民政救助通】您的")
    assert body.endswith("申请（编号150102-2026-0000009）已进入“已受理”环节。")


def test_the_disability_subsidies_sms_does_not_name_the_disability():
    application = Application(workflow=Workflow.DISABILITY_SUBSIDIES.value, number="150102-2026-0000010")
    event = ApplicationEvent(kind="transition", code="accept", to_step=Step.ACCEPTED)
    assert notification_text(application, event)[1] == (
        "【民政救助通】您的补贴申请（编号150102-2026-0000010）已进入“已受理”环节。"
    )
