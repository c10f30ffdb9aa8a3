"""The progress of the household's applications as the applicant may see it, and missing papers sent
online."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet
from django.utils import timezone

from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Step
from minzheng.applications.selectors import urgency
from minzheng.catalogue.programmes import WORKFLOW_LABELS, Workflow
from minzheng.common.templatetags.due_dates import due_text
from minzheng.documents import services as documents
from minzheng.documents.errors import DocumentRefused
from minzheng.documents.models import Document
from minzheng.portal.apply.household import household_of
from minzheng.portal.apply.programmes import ONLINE_KINDS
from minzheng.portal.labels import label
from minzheng.portal.models import PortalAccount
from minzheng.portal.rules import NotYours

# --- progress --------------------------------------------------------------------------------------------


DEADLINE_LABELS: Final = {"overdue": "已超期", "due_soon": "即将到期", "": "正常"}


@dataclass(frozen=True)
class ProgressRow:
    application: Application
    workflow_label: str
    step_label: str
    deadline: str  # "", "due_soon", "overdue" judged today
    deadline_label: str


@dataclass(frozen=True)
class ProgressLine:
    """One applicant-safe line of the timeline: a step change with what the applicant may know of it."""

    at: dt.datetime
    title: str
    detail: str
    due_on: dt.date | None
    due_provisional: bool = False  # shown 暂定 (ADR 0004)


@dataclass(frozen=True)
class ProgressDetail:
    row: ProgressRow
    lines: list[ProgressLine]
    missing: list[str]
    documents: list[Document]
    may_upload: bool
    decision: str


def _row(application: Application, today: dt.date) -> ProgressRow:
    status = urgency(application.step_due_on, today) if application.is_open else ""
    return ProgressRow(application, label(WORKFLOW_LABELS[Workflow(application.workflow)]),
                       label(Step(application.step).label), status, DEADLINE_LABELS[status])  # fmt: skip


def _own_applications(account: PortalAccount) -> QuerySet[Application]:
    household = household_of(account)
    if household is None:
        return Application.objects.none()
    return Application.objects.filter(household=household)


def progress_row(*, account: PortalAccount, pk: int, today: dt.date | None = None) -> ProgressRow:
    return _row(_own(account, pk), today or timezone.localdate())


def progress_list(*, account: PortalAccount, today: dt.date | None = None) -> list[ProgressRow]:
    """Every application of the signed-in person's household, newest first."""
    today = today or timezone.localdate()
    return [_row(a, today) for a in _own_applications(account).order_by("-submitted_on", "-id")]


def progress_find(*, account: PortalAccount, number: str) -> int:
    """The id of the household's application with this number; any other number (someone else's, or
    none) is ``NotYours`` with the same message."""
    found = _own_applications(account).filter(number=number.strip()).values_list("pk", flat=True).first()
    if found is None:
        raise NotYours("未找到该申请，请核对后重试", field="number")
    return found


def _own(account: PortalAccount, pk: int) -> Application:
    application = _own_applications(account).filter(pk=pk).first()
    if application is None:
        raise NotYours("未找到该申请，请核对后重试", field="application")
    return application


def _decision(application: Application) -> str:
    if application.step == Step.APPROVED:
        amounts = [
            f"月救助金额 {application.monthly_amount} 元" if application.monthly_amount is not None else "",
            f"救助金额 {application.one_off_amount} 元" if application.one_off_amount is not None else "",
            f"自 {application.starts_month:%Y年%m月} 起发放" if application.starts_month else "",
        ]
        return "，".join(["已批准", *[a for a in amounts if a]])
    if application.step in (Step.REJECTED, Step.TERMINATED, Step.WITHDRAWN):
        reason = f"，理由：{application.decision_reason}" if application.decision_reason else ""
        return f"{Step(application.step).label}{reason}"
    return ""


def _line(event: ApplicationEvent, application: Application) -> ProgressLine:
    """Only what the applicant is entitled to see: the step entered, the materials asked for, the notice
    period, amounts and reasons of decisions (审核确认办法第 10、19、21 条) — never internal notes, staff
    names or verification details."""
    step = Step(event.to_step).label if event.to_step else ""
    title = "提交申请" if event.code == "submit" else f"进入“{step}”环节"
    data = event.data or {}
    detail = ""
    if event.code == "request_materials":
        detail = "需补齐材料：" + "、".join(str(item) for item in data.get("missing_materials", []))
    elif event.code == "publish_notice" and application.notice_starts_on:
        ends = due_text(application.notice_ends_on, application.notice_ends_provisional)
        detail = f"公示期：{application.notice_starts_on:%Y-%m-%d} 至 {ends}"
    elif event.to_step in (Step.REJECTED, Step.WITHDRAWN, Step.TERMINATED) and data.get("reason"):
        detail = f"理由：{data['reason']}"
    elif event.to_step in (Step.APPROVED, Step.AID_PAID):
        detail = (
            _decision(application)
            if event.to_step == Step.APPROVED
            else f"先行救助 {data.get('amount', '')} 元"
        )
    return ProgressLine(event.at, title, detail, event.due_on, event.due_provisional)


def progress_detail(*, account: PortalAccount, pk: int, today: dt.date | None = None) -> ProgressDetail:
    """One application of the household with its applicant-safe timeline, what is missing and the papers
    the applicant sent online; someone else's application is ``NotYours`` (as if it did not exist)."""
    application = _own(account, pk)
    today = today or timezone.localdate()
    events = application.events.filter(kind="transition").order_by("at", "id")
    return ProgressDetail(
        row=_row(application, today),
        lines=[_line(event, application) for event in events],
        missing=[str(item) for item in application.missing_materials] if application.is_open else [],
        documents=list(application.documents.filter(uploaded_online=True, removed_at__isnull=True)
                       .order_by("uploaded_at")),
        may_upload=application.is_open,
        decision=_decision(application),
    )  # fmt: skip


def progress_document_upload(*, account: PortalAccount, pk: int, kind: str, file: Any,
                             ip_address: str | None = None) -> Document:  # fmt: skip
    """The applicant sends a missing paper for an open application of the household (documents services,
    uploaded online); someone else's application is ``NotYours``."""
    application = _own(account, pk)
    if kind not in ONLINE_KINDS:
        raise DocumentRefused("请选择材料类别", field="kind", code="document_kind")
    return documents.document_upload_online(
        application_id=application.pk, kind=kind, file=file, ip_address=ip_address
    )
