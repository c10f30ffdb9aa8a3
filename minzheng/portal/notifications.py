"""SMS to the applicant on every step change of an application and when materials are requested (救助通,
issue 7 item 5), received from ``applications.signals.timeline_recorded`` (connected in
``PortalConfig.ready``).

The text names the programme, the application number, the step and its time limit — nothing else: no name,
no ID number, and not even the list of missing papers (it could reveal an illness or a disability); the
applicant reads those on the progress page. The phone is the one of a portal account bound to the applicant,
else the applicant's mobile on file; landlines and missing phones get nothing.

A notification never breaks the staff transition it reports: the outbox row is written in a savepoint and
any error is logged and dropped, and ``sms_send`` hands the text to the gateway only after the transition
committed, marking the row 发送失败 when the gateway refuses.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from django.db import transaction

from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Channel, Step
from minzheng.catalogue.programmes import WORKFLOWS, Workflow
from minzheng.common import crypto
from minzheng.portal.models import PortalAccount, SmsMessage
from minzheng.portal.rules import MOBILE
from minzheng.portal.services import sms_send

logger = logging.getLogger("minzheng.portal.notifications")

SIGNATURE: Final = "【民政救助通】"
TEMPLATE_STEP: Final = "application_step"
TEMPLATE_MATERIALS: Final = "application_materials"
# What the first SMS says by channel: a proactive discovery was not asked for by the person.
SUBMITTED_TEXT: Final = {
    Channel.ONLINE: "已提交，等待乡镇（街道）受理。",
    Channel.PROACTIVE: "已由民政部门主动登记，工作人员将与您联系。",
}


def short_label(workflow: Workflow) -> str:
    """How people name the workflow (the catalogue's ``short_label``); the disability subsidies get a
    neutral name, since an SMS can be read by others (no illness, no disability)."""
    return WORKFLOWS[workflow].short_label


def notification_text(application: Application, event: ApplicationEvent) -> tuple[str, str]:
    """The template code and text of the SMS for a step change (pure apart from reading the two rows)."""
    subject = f"{SIGNATURE}您的{short_label(Workflow(application.workflow))}申请（编号{application.number}）"
    step = Step(event.to_step)
    if step == Step.MATERIALS_PENDING:
        return TEMPLATE_MATERIALS, f"{subject}需要补齐材料，请登录救助通查看清单并上传。"
    if step == Step.SUBMITTED and event.code == "submit":
        return TEMPLATE_STEP, subject + SUBMITTED_TEXT.get((event.data or {}).get("channel", ""), "已登记。")
    if step == Step.APPROVED:
        return TEMPLATE_STEP, f"{subject}已批准，请登录救助通查看决定。"
    if step in (Step.REJECTED, Step.TERMINATED, Step.WITHDRAWN):
        return TEMPLATE_STEP, f"{subject}{step.label}，请登录救助通查看理由。"
    limit = f"，办理时限至{event.due_on:%Y-%m-%d}" if event.due_on else ""
    return TEMPLATE_STEP, f"{subject}已进入“{step.label}”环节{limit}。"


def applicant_phone(application: Application) -> str:
    """The mobile to notify: a portal account bound to the applicant, else the registry's; '' if none."""
    account = (
        PortalAccount.objects.filter(person_id=application.applicant_id, is_active=True)
        .order_by("-bound_at")
        .first()
    )
    phone = crypto.decrypt(account.phone_encrypted) if account is not None else application.applicant.phone
    return phone if MOBILE.match(phone or "") else ""


def application_notify(*, event: ApplicationEvent) -> SmsMessage | None:
    """Queue the SMS for one step change (a timeline line of kind ``transition``); ``None`` when there is
    nothing to send (not a step change, no mobile)."""
    if event.kind != "transition" or not event.to_step:
        return None
    # the application the timeline line was written for, as the caller holds it (intake: with its applicant)
    application = event.application
    phone = applicant_phone(application)
    if not phone:
        return None
    template, body = notification_text(application, event)
    return sms_send(phone=phone, template=template, body=body, application=application)


def on_timeline_recorded(sender: Any, event: ApplicationEvent, **kwargs: Any) -> None:
    """Receiver of ``timeline_recorded``: notify, and never let a failure reach the staff transition."""
    if event.kind != "transition":
        return
    try:
        with transaction.atomic():
            application_notify(event=event)
    except Exception:  # a notification must not undo the decision it reports
        logger.exception("SMS notification for application %s failed", event.application_id)
