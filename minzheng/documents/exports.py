"""The case file (审批表) of one application as Excel and PDF, and a village's public notice as PDF.

The case file is the archive copy of everything done on the application (issue 4 §7): the header with
the household, the decision, the whole timeline, the home visits, the verification results, the
objections and the documents. Personal data is masked (name and ID number) unless the user's role has
``REVEAL_PERSONAL_DATA``; either way the export is logged as a personal-data access and an audit event.
The public notice PDF has the same columns as the page and no ID numbers (审核确认办法第 24 条).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import User
from minzheng.applications import exports as application_exports
from minzheng.applications import selectors as application_selectors
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Channel, Step
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.catalogue.programmes import WORKFLOW_LABELS, Workflow
from minzheng.catalogue.roles import Capability
from minzheng.common import pdf
from minzheng.common.masking import mask_name
from minzheng.common.spreadsheets import xlsx_append
from minzheng.common.templatetags.due_dates import due_text
from minzheng.documents.models import Document
from minzheng.documents.selectors import document_list

XLSX = application_exports.XLSX
TITLE = "社会救助审批表"
EVENT_HEADERS = ("时间", "经办人", "原环节", "新环节", "事项", "依据", "时限")
VISIT_HEADERS = ("调查日期", "调查人员", "县级入户核查", "在场家庭成员", "居住情况", "调查结论")
VERIFICATION_HEADERS = ("核对数据来源", "核对结果", "说明", "金额（元）", "录入时间")
OBJECTION_HEADERS = ("收到日期", "异议内容", "处理结果")
DOCUMENT_HEADERS = ("上传时间", "上传时环节", "材料类别", "文件名", "大小（字节）", "文件类型", "病毒扫描",
                    "上传人", "状态")  # fmt: skip
STEP_LABELS = dict(Step.choices)

Cell = str | int | dt.date | object


@dataclass(frozen=True)
class Section:
    title: str
    headers: Sequence[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class CaseFile:
    application: Application
    facts: list[tuple[str, Cell]]  # header and decision, label → value
    sections: list[Section]
    revealed: bool


def _workflow_label(workflow: str) -> str:
    try:
        return WORKFLOW_LABELS[Workflow(workflow)]
    except ValueError:
        return workflow


def _user_name(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else "系统"


def _when(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _person_facts(application: Application, revealed: bool) -> list[tuple[str, Cell]]:
    head = application.household.head
    applicant = application.applicant
    if revealed:
        return [("户主", head.name if head else ""), ("户主身份证号码", head.id_number if head else ""),
                ("申请人", applicant.name), ("申请人身份证号码", applicant.id_number)]  # fmt: skip
    return [("户主", mask_name(head.name) if head else ""),
            ("户主身份证号码", head.id_number_masked if head else ""),
            ("申请人", mask_name(applicant.name)),
            ("申请人身份证号码", applicant.id_number_masked)]  # fmt: skip


def _facts(application: Application, revealed: bool) -> list[tuple[str, Cell]]:
    household = application.household
    return [
        ("申请编号", application.number or ""), ("救助类别", _workflow_label(application.workflow)),
        *_person_facts(application, revealed), ("在户人数", household.member_count),
        ("受理乡镇（街道）", application.division.name), ("户籍村（社区）", household.hukou_division.name),
        ("申请渠道", Channel(application.channel).label), ("申请日期", application.submitted_on),
        ("受理日期", application.accepted_on or ""), ("当前环节", Step(application.step).label),
        ("初审（审核）意见", application.opinion),
        ("决定日期", application.decided_on or ""), ("决定人", _user_name(application.decided_by)
                                                     if application.decided_by else ""),
        ("决定理由", application.decision_reason), ("月救助金额（元）", application.monthly_amount or ""),
        ("一次性救助金额（元）", application.one_off_amount or ""), ("档次", application.level),
        ("起始发放月份", f"{application.starts_month:%Y-%m}" if application.starts_month else ""),
    ]  # fmt: skip


def _event_row(event: ApplicationEvent) -> list[Cell]:
    return [
        _when(event.at), _user_name(event.actor), STEP_LABELS.get(event.from_step, event.from_step),
        STEP_LABELS.get(event.to_step, event.to_step), event.message, event.basis,
        due_text(event.due_on, event.due_provisional),
    ]  # fmt: skip


def _document_row(document: Document) -> list[Cell]:
    state = f"已移除（{document.removal_reason}）" if document.removed_at else "有效"
    return [
        _when(document.uploaded_at), STEP_LABELS.get(document.step, document.step),
        document.get_kind_display(),
        document.original_name, document.size, document.content_type, document.get_scan_status_display(),
        _user_name(document.uploaded_by), state,
    ]  # fmt: skip


def case_file_get(*, actor: User, pk: int, file_format: str, ip_address: str | None = None) -> CaseFile:
    """Gather the case file of a visible application (404 otherwise) and log the export."""
    detail = application_selectors.application_detail(actor=actor, pk=pk)
    application = detail.application
    revealed = actor.can(Capability.REVEAL_PERSONAL_DATA)
    sections = [
        Section("办理记录", EVENT_HEADERS, [_event_row(e) for e in detail.events]),
        Section("入户调查", VISIT_HEADERS, [
            [v.visited_on, "、".join(v.investigators), "是" if v.by_county else "", v.members_present,
             v.housing, v.findings] for v in detail.home_visits]),
        Section("信息核对", VERIFICATION_HEADERS, [
            [r.get_source_display(), r.get_outcome_display(), r.detail,
             r.amount if r.amount is not None else "", _when(r.recorded_at)] for r in detail.verifications]),
        Section("公示异议", OBJECTION_HEADERS, [
            [o.received_on, o.content, o.resolution or "待处理"] for o in detail.objections]),
        Section("申请材料", DOCUMENT_HEADERS, [
            _document_row(d) for d in document_list(actor=actor, application_id=application.pk)]),
    ]  # fmt: skip
    personal_data_access_record(
        actor=actor, household_id=application.household_id, ip_address=ip_address, purpose="case_file",
        fields=["name", "id_number"] if revealed else ["name_masked", "id_number_masked"],
    )  # fmt: skip
    event_record(actor=actor, verb="application.case_file_exported", object_type="application",
                 object_id=application.pk, division_code=application.division.code,
                 summary=f"{application.number}：导出审批表（{file_format}）", data={"format": file_format},
                 ip_address=ip_address)  # fmt: skip
    return CaseFile(application, _facts(application, revealed), sections, revealed)


def _bold_last_row(sheet: Any) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def case_file_xlsx(case_file: CaseFile) -> bytes:
    """Sheet 审批表: A1 the title, then one ``label | value`` row per fact from row 3; one sheet per section
    with a bold header row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "审批表"
    xlsx_append(sheet, [TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    xlsx_append(sheet, [])
    for label, value in case_file.facts:
        xlsx_append(sheet, [label, value])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 60
    for section in case_file.sections:
        part = book.create_sheet(section.title)
        xlsx_append(part, list(section.headers))
        _bold_last_row(part)
        for row in section.rows:
            xlsx_append(part, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: Cell) -> str:
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return "" if value is None else str(value)


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def case_file_pdf(case_file: CaseFile) -> bytes:
    application = case_file.application
    facts = case_file.facts
    pairs = [[facts[i][0], _text(facts[i][1]), *(
        [facts[i + 1][0], _text(facts[i + 1][1])] if i + 1 < len(facts) else ["", ""])]
        for i in range(0, len(facts), 2)]  # fmt: skip
    blocks: list[pdf.Block] = [
        pdf.Heading(TITLE),
        pdf.Text(
            f"申请编号：{application.number}　　打印日期：{timezone.localdate():%Y-%m-%d}", align="center"
        ),
        pdf.Table(("项目", "内容", "项目", "内容"), pairs, widths=(2, 4, 2, 4)),
    ]
    for section in case_file.sections:
        blocks += [pdf.Heading(section.title, level=2),
                   pdf.Table(section.headers, [[_text(v) for v in row] for row in section.rows])]  # fmt: skip
    return pdf.pdf_render(title=f"{TITLE} {application.number}", blocks=blocks, wide=True)


def public_notice_pdf(notice: application_selectors.PublicNotice) -> bytes:
    """The printable notice: the same columns as the page, the objection window and the township."""
    township = notice.township.name if notice.township else ""
    rows = [
        [str(n), a.applicant.name, str(a.household.member_count), _workflow_label(a.workflow),
         _text(application_exports.proposed_amount(notice, a) or "—"),
         application_exports.notice_period_text(a)]
        for n, a in enumerate(notice.applications, start=1)
    ]  # fmt: skip
    blocks: list[pdf.Block] = [
        pdf.Heading(f"{notice.village.name}社会救助申请公示"),
        pdf.Text(township, align="center"),
        pdf.Table(application_exports.NOTICE_HEADERS, rows, widths=(1, 2, 1.2, 2.5, 2, 3.2),
                  numeric=frozenset({2, 4}), empty="本村（社区）目前没有公示中的申请"),
        pdf.Text(f"公示期内，对公示对象有异议的，可以向{township}人民政府（街道办事处）民政部门反映，"
                 "我们将依法调查核实并保护反映人的个人信息。"),
        pdf.Text(f"{township}　{_chinese_date(timezone.localdate())}", align="right"),
    ]  # fmt: skip
    return pdf.pdf_render(title=f"公示名单 {notice.village.code}", blocks=blocks)
