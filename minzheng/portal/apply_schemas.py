"""Shapes of the portal's online-application API (救助通 ``/api/v1/portal/``): input parsing and output only;
the rules are the services' (``portal.apply``). Outputs carry masked ID numbers only, and of an application
only what the applicant may know (step, time limits, missing materials, decision and reasons)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from minzheng.applications.rules import Step
from minzheng.catalogue.programmes import WORKFLOW_LABELS, WORKFLOWS, Workflow
from minzheng.common.schemas import BodyIn
from minzheng.documents.models import Document, DocumentKind
from minzheng.portal import apply
from minzheng.portal.models import ApplicationDraft, DraftDocument, PortalAccount

if TYPE_CHECKING:  # mypy cannot read a Literal built at run time; to it these are strings
    OnlineWorkflow = str
    Subsidy = str
else:
    # The workflows applied for online (apply.ONLINE_SECTIONS) and the two disability subsidies, as Literals
    # of the plain codes: the schema lists them as an enum and a refusal names them as they are typed.
    OnlineWorkflow = Literal[tuple(w.value for w in apply.ONLINE_SECTIONS)]
    Subsidy = Literal[tuple(p.value for p in WORKFLOWS[Workflow.DISABILITY_SUBSIDIES].programmes)]
Money = Decimal


class DraftCreateIn(BodyIn):
    workflow: OnlineWorkflow = Field(..., description="救助类别")


class MemberIn(BodyIn):
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=18, description="居民身份证号码（18 位或 15 位）")
    relation: str = Field(..., description="与户主关系（registry RelationToHead），第 1 位为申请人本人")
    employment_status: str = Field(..., description="就业状况（registry EmploymentStatus）")


class HouseholdIn(BodyIn):
    """Bound accounts confirm the registry household (``confirmed``, corrections in ``note``); others
    declare the village (12-digit code), the address and the members."""

    confirmed: StrictBool = False
    note: str = Field("", max_length=500)
    village_code: str = Field("", max_length=12)
    address: str = Field("", max_length=200)
    members: list[MemberIn] = Field(default_factory=list, max_length=apply.MAX_MEMBERS)


class AssetsIn(BodyIn):
    deposit: Money = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    vehicle_count: StrictInt = Field(0, ge=0, le=99)
    vehicle_value: Money = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    house_count: StrictInt = Field(0, ge=0, le=99)
    house_area: Money = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)


class HardshipIn(BodyIn):
    text: str = Field(..., max_length=200)
    requested_amount: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class SubjectIn(BodyIn):
    """The allowances: the member applied for and, for 残疾人两项补贴, the subsidies (one or both)."""

    member: str = Field(
        ...,
        max_length=12,
        description="家庭成员：p<人员 id>（已绑定的登记家庭）或 m<序号>（草稿中填写的成员）",
    )
    subsidies: list[Subsidy] = Field(
        default_factory=list, description="残疾人两项补贴：生活补贴、护理补贴，可同时申请"
    )


class PledgeIn(BodyIn):
    pledge: StrictBool = Field(..., description="承诺书（《最低生活保障审核确认办法》第 9 条）")
    authorisation: StrictBool = Field(..., description="家庭经济状况核对授权书")


class DraftUpdateIn(BodyIn):
    """The sections to save; an omitted section is left as it is. All given sections are saved, or none."""

    household: HouseholdIn | None = None
    subject: SubjectIn | None = None
    income: dict[str, Money] | None = Field(None, description="近 12 个月月均收入（元），按收入类别")
    assets: AssetsIn | None = None
    hardship: HardshipIn | None = None
    pledge: PledgeIn | None = None


class SectionOut(Schema):
    code: str
    label: str
    done: bool


class MemberOut(Schema):
    name: str
    id_number_masked: str
    relation: str
    birth_date: dt.date | None


class DraftDocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    content_type: str
    size: int
    scan_status: str
    uploaded_at: dt.datetime

    @classmethod
    def of(cls, document: DraftDocument) -> DraftDocumentOut:
        return cls(id=document.pk, kind=document.kind, kind_label=DocumentKind(document.kind).label,
                   original_name=document.original_name, content_type=document.content_type,
                   size=document.size, scan_status=document.scan_status,
                   uploaded_at=document.uploaded_at)  # fmt: skip


class DraftOut(Schema):
    id: int
    workflow: str
    workflow_label: str
    sections: list[SectionOut]
    members: list[MemberOut]
    village: str
    address: str
    note: str
    income: dict[str, str]
    assets: dict[str, str | int]
    hardship: str
    requested_amount: Decimal | None
    pledge_signed_at: str
    documents: list[DraftDocumentOut]
    submitted_at: dt.datetime | None
    application_id: int | None

    @classmethod
    def of(cls, account: PortalAccount, draft: ApplicationDraft) -> DraftOut:
        summary = apply.draft_summary(account=account, draft=draft)
        return cls(
            id=draft.pk, workflow=draft.workflow, workflow_label=WORKFLOW_LABELS[Workflow(draft.workflow)],
            sections=[SectionOut(code=s.value, label=str(apply.SECTION_LABELS[s]),
                                 done=apply.section_done(draft, s)) for s in apply.sections_of(draft)],
            members=[MemberOut(name=m.name, id_number_masked=m.id_number_masked, relation=m.relation,
                               birth_date=m.birth_date) for m in summary.members],
            village=summary.village, address=summary.address, note=summary.note,
            income=dict(draft.data.get("income", {})), assets=dict(draft.data.get("assets", {})),
            hardship=summary.hardship, requested_amount=summary.requested_amount,
            pledge_signed_at=summary.pledge_signed_at,
            documents=[DraftDocumentOut.of(d) for d in apply.draft_documents(draft)],
            submitted_at=draft.submitted_at, application_id=draft.application_id,
        )  # fmt: skip


class OnlineDocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    uploaded_at: dt.datetime

    @classmethod
    def of(cls, document: Document) -> OnlineDocumentOut:
        return cls(id=document.pk, kind=document.kind, kind_label=document.get_kind_display(),
                   original_name=document.original_name, uploaded_at=document.uploaded_at)  # fmt: skip


class ProgressOut(Schema):
    id: int
    number: str
    workflow: str
    workflow_label: str
    step: str
    step_label: str
    submitted_on: dt.date
    step_due_on: dt.date | None
    step_due_provisional: bool = Field(..., description="环节时限为暂定（该年节假日安排未知）")
    overall_due_on: dt.date | None
    overall_due_provisional: bool = Field(..., description="总办结时限为暂定（该年节假日安排未知）")
    deadline: str = Field(..., description="按今天判断：''（正常）、due_soon（即将到期）、overdue（已超期）")
    missing_materials: list[str]

    @classmethod
    def of(cls, row: apply.ProgressRow) -> ProgressOut:
        a = row.application
        return cls(id=a.pk, number=a.number or "", workflow=a.workflow, workflow_label=row.workflow_label,
                   step=a.step, step_label=Step(a.step).label, submitted_on=a.submitted_on,
                   step_due_on=a.step_due_on, step_due_provisional=a.step_due_provisional,
                   overall_due_on=a.overall_due_on, overall_due_provisional=a.overall_due_provisional,
                   deadline=row.deadline,
                   missing_materials=[str(m) for m in a.missing_materials] if a.is_open else [])  # fmt: skip


class ProgressLineOut(Schema):
    at: dt.datetime
    title: str
    detail: str
    due_on: dt.date | None
    due_provisional: bool


class ProgressDetailOut(ProgressOut):
    decision: str
    timeline: list[ProgressLineOut]
    documents: list[OnlineDocumentOut]
    may_upload: bool

    @classmethod
    def of_detail(cls, detail: apply.ProgressDetail) -> ProgressDetailOut:
        base = ProgressOut.of(detail.row).dict()
        return cls(
            **base, decision=detail.decision, may_upload=detail.may_upload,
            timeline=[ProgressLineOut(at=x.at, title=x.title, detail=x.detail, due_on=x.due_on,
                                      due_provisional=x.due_provisional)
                      for x in detail.lines],
            documents=[OnlineDocumentOut.of(d) for d in detail.documents],
        )  # fmt: skip
