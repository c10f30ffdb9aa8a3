"""Shapes of the applications API (input parsing and output only; the workflow rules live in services).

Staff outputs name the applicant but carry no ID number. The applicant's progress output
(``ProgressOut``) carries only what the applicant may know about their own application: no other
person's name or data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from minzheng.applications.inputs import INPUTS, input_fields
from minzheng.applications.models import VerificationOutcome, VerificationSource
from minzheng.applications.rules import HANDOVER_TO, SUBSIDY_LABELS, WORKFLOW_LABELS, Channel, Step, Workflow
from minzheng.common.schemas import BodyIn, IsoDate
from minzheng.registry.schemas import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT


def _choice(values: Iterable[str]) -> Any:
    """A ``Literal`` of the catalogue's codes, built from the enums so that no code is spelt here; pydantic
    reads it at run time and OpenAPI lists the values."""
    return Literal[tuple(str(value) for value in values)]


if TYPE_CHECKING:
    WorkflowChoice: TypeAlias = str
    SubsidyChoice: TypeAlias = str
    HandoverChoice: TypeAlias = str
else:
    WorkflowChoice = _choice(Workflow)
    SubsidyChoice = _choice(SUBSIDY_LABELS)
    HandoverChoice = _choice(HANDOVER_TO)
ChannelChoice = Literal["window", "online", "entrusted", "proactive"]
StepChoice = Literal[
    "submitted",
    "materials_pending",
    "accepted",
    "investigating",
    "verifying",
    "village_review",
    "first_review",
    "township_review",
    "federation_review",
    "public_notice",
    "appraisal",
    "county_review",
    "case_by_case",
    "aid_paid",
    "approved",
    "rejected",
    "withdrawn",
    "terminated",
]
SourceChoice = Literal[
    "civil_affairs",
    "human_resources",
    "tax",
    "housing_fund",
    "real_estate",
    "vehicle",
    "market",
    "bank",
    "securities",
    "insurance",
    "disability_fed",
    "public_security",
    "justice",
    "court",
    "medical_insurance",
    "disability_cert",
    "other",
]
OutcomeChoice = Literal["consistent", "inconsistent", "no_record", "no_data"]
DeadlineChoice = Literal["overdue", "due_soon", "on_time"]

# The Literals above repeat the enums so that OpenAPI lists the values; a test keeps them equal.
CHOICES_OF: dict[Any, Any] = {
    WorkflowChoice: Workflow,
    ChannelChoice: Channel,
    StepChoice: Step,
    SourceChoice: VerificationSource,
    OutcomeChoice: VerificationOutcome,
}


# --- inputs -------------------------------------------------------------------------------------


class ApplicationIn(BodyIn):
    workflow: WorkflowChoice = Field(..., description="救助类别（工作流程）")
    household_id: StrictInt
    applicant_id: StrictInt = Field(..., description="申请人（须为该家庭的共同生活成员）")
    channel: ChannelChoice = Field(..., description="申请渠道")
    submitted_on: IsoDate | None = Field(None, description="申请日期，默认今天")
    subject_id: StrictInt | None = Field(
        None,
        description="救助对象：特困人员供养为申请人本人；津贴补贴为该家庭成员（默认申请人本人），"
        "孤儿、事实无人抚养儿童为未满 18 周岁的儿童（申请人为其监护人）",
    )
    subsidies: list[SubsidyChoice] = Field(
        default_factory=list, description="残疾人两项补贴：申请的补贴（生活补贴、护理补贴，可同时申请）"
    )
    entrusted_name: str = Field("", max_length=50, description="委托申请：受托人姓名")
    entrusted_relation: str = Field("", max_length=50, description="委托申请：受托人身份")
    entrustment_note: str = Field("", max_length=200)
    source_note: str = Field("", max_length=200, description="主动发现：线索来源")
    hardship: str = Field("", max_length=200, description="临时救助：遭遇的困难情形")
    requested_amount: Decimal | None = Field(None, max_digits=12, decimal_places=2, ge=0)
    pledge_signed: StrictBool = Field(False, description="已签署承诺书和家庭经济状况核对授权书")
    complaint: StrictBool = Field(False, description="有投诉举报（县级须入户核查）")


class ApplicationQuery(Schema):
    workflow: WorkflowChoice | None = None
    step: StepChoice | None = None
    division: str = Field("", pattern=r"^\d{0,12}$", description="受理乡镇（街道）区划代码前缀")
    deadline: DeadlineChoice | None = Field(
        None, description="按今天判断的环节或总时限：已超期、即将到期、未到期"
    )
    limit: int = Field(DEFAULT_PAGE_LIMIT, ge=1, le=MAX_PAGE_LIMIT, description="每页条数，最多 200")
    offset: int = Field(0, ge=0)


def _inputs_described() -> str:
    """Each operation's fields, from the one table the pages and the services use (``inputs.INPUTS``)."""
    return "；".join(f"{code}：{'、'.join(input_fields(code))}" for code in INPUTS)


class TransitionIn(BodyIn):
    code: str = Field(..., max_length=40, description="环节操作代码，见详情中的 transitions")
    expected_step: StepChoice = Field(..., description="办理人看到的当前环节；已被他人办理时返回 409")
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="操作所需内容（其他键不予理会）：amount 为字符串或数字（元）；missing_materials 为列表；"
        "临时救助批准可带 instalments（[{month: 'YYYY-MM-01', amount}]，合计等于 amount）；"
        "一事一议须带 meeting_note（会议纪要）；测算结果为需人工核定时，批准须带 amount 和 "
        "manual_reason（人工核定理由），可带 manual_level（核定档次）。各操作可带的内容："
        + _inputs_described(),
    )


class HomeVisitIn(BodyIn):
    visited_on: IsoDate
    investigators: list[str] = Field(..., description="调查人员姓名，至少 2 人")
    members_present: str = Field(..., max_length=200)
    findings: str = Field(..., max_length=5000)
    housing: str = Field("", max_length=500)


class CareAssessmentIn(BodyIn):
    """特困人员认定办法第 8 条、第 20—23 条; 社会救助暂行办法第 19 条."""

    assessed_on: IsoDate
    assessors: list[str] = Field(..., description="评估人员姓名")
    adl: dict[str, StrictBool] = Field(
        ...,
        description="六项指标，是否能自主完成：eating、dressing、getting_in_out_of_bed、toileting、"
        "walking_indoors、bathing",
    )
    supporter_status: Literal["none", "unable", "able"] = Field(
        ..., description="法定赡养、抚养、扶养义务人情况"
    )
    supporter_inability: str = Field(
        "", max_length=40, description="义务人无履行能力的情形（第 8 条），unable 时必填"
    )
    other_no_work_capacity: str = Field("", max_length=200)
    support_mode: Literal["home", "institutional"] = Field(..., description="本人选择：分散供养 / 集中供养")


class CareAssessmentOut(Schema):
    assessed_on: dt.date
    assessors: list[str]
    eating: bool
    dressing: bool
    getting_in_out_of_bed: bool
    toileting: bool
    walking_indoors: bool
    bathing: bool
    self_care: str = Field(..., description="评定结果：capable / partly_incapable / fully_incapable")
    supporter_status: str
    supporter_inability: str
    other_no_work_capacity: str
    support_mode: str


class ExpenseIn(BodyIn):
    kind: Literal["medical", "education", "rehabilitation", "accident", "basic_living", "other"]
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    incurred_on: IsoDate
    person_id: StrictInt | None = None
    note: str = Field("", max_length=200)


class ExpenseOut(Schema):
    id: int
    kind: str
    amount: Decimal
    incurred_on: dt.date
    person_id: int | None
    note: str


class HandoverIn(BodyIn):
    workflow: HandoverChoice
    consent: StrictBool = Field(..., description="申请人同意转入并沿用原申请材料")


class VerificationIn(BodyIn):
    source: SourceChoice
    outcome: OutcomeChoice
    detail: str = Field("", max_length=500)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)


class ObjectionIn(BodyIn):
    received_on: IsoDate
    content: str = Field(..., max_length=5000)


class ProgressIn(BodyIn):
    number: str = Field(..., max_length=24, description="申请编号（受理回执上）")
    id_number: str = Field(..., max_length=30, description="申请人本人的身份证号码")


# --- outputs ------------------------------------------------------------------------------------


class ApplicationOut(Schema):
    id: int
    number: str
    workflow: str
    workflow_label: str
    programme: str
    step: str
    step_label: str
    household_id: int
    applicant_id: int
    applicant_name: str
    subject_id: int | None
    division_code: str
    division_name: str
    channel: str
    submitted_on: dt.date
    accepted_on: dt.date | None
    step_due_on: dt.date | None
    step_due_provisional: bool
    overall_due_on: dt.date | None
    overall_due_provisional: bool
    deadline_status: str
    extension_reason: str
    staff_relative: bool
    complaint: bool
    spot_checked: bool | None
    missing_materials: list[str]
    notice_starts_on: dt.date | None
    notice_ends_on: dt.date | None
    notice_ends_provisional: bool
    decided_on: dt.date | None
    decision_reason: str
    manually_determined: bool = Field(..., description="需人工核定的案件由审批人人工核定金额（ADR 0031）")
    manual_reason: str = Field(..., description="人工核定理由")
    monthly_amount: Decimal | None
    one_off_amount: Decimal | None
    level: str
    starts_month: dt.date | None
    instalments: list[dict[str, str]] = Field(..., description="临时救助分阶段发放计划")
    support_mode: str = Field(..., description="特困供养方式：home / institutional")
    meeting_note: str = Field(..., description="一事一议会议纪要")
    valid_until: dt.date | None = Field(..., description="认定有效期至（刚性支出困难家庭不超过 12 个月）")
    handed_over_from_id: int | None = Field(..., description="由哪一申请直接转入")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def fields_of(application: Any) -> dict[str, Any]:
        """Output values of an ``Application`` (load ``applicant`` and ``division``)."""
        names = set(ApplicationOut.model_fields) - {
            "workflow_label",
            "step_label",
            "applicant_name",
            "division_code",
            "division_name",
            "number",
        }
        values = {name: getattr(application, name) for name in names}
        return {
            **values,
            "number": application.number or "",
            "workflow_label": WORKFLOW_LABELS[Workflow(application.workflow)],
            "step_label": Step(application.step).label,
            "applicant_name": application.applicant.name,
            "division_code": application.division.code,
            "division_name": application.division.name,
        }


class TransitionOut(Schema):
    code: str
    label: str
    target: str
    target_label: str
    requires: list[str] = Field(..., description="需要的记录或内容：reason、opinion、amount、home_visit…")
    basis: str


class EventOut(Schema):
    at: dt.datetime
    actor: str = Field(..., description="办理人姓名；系统操作为空")
    kind: str = Field(..., description="transition / record / deadline / comment")
    code: str
    from_step: str
    to_step: str
    message: str
    basis: str
    due_on: dt.date | None
    due_provisional: bool
    data: dict[str, Any]


class HomeVisitOut(Schema):
    id: int
    visited_on: dt.date
    investigators: list[str]
    by_county: bool
    members_present: str
    housing: str
    findings: str
    recorded_at: dt.datetime


class VerificationOut(Schema):
    id: int
    source: str
    outcome: str
    detail: str
    amount: Decimal | None
    recorded_at: dt.datetime


class ObjectionOut(Schema):
    id: int
    received_on: dt.date
    content: str
    resolution: str
    recorded_at: dt.datetime


class ApplicationDetailOut(ApplicationOut):
    transitions: list[TransitionOut] = Field(..., description="当前用户在当前环节可以办理的操作")
    timeline: list[EventOut]
    home_visits: list[HomeVisitOut]
    verifications: list[VerificationOut]
    objections: list[ObjectionOut]
    care_assessment: CareAssessmentOut | None


class ApplicationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class DecisionOut(Schema):
    result: str = Field(..., description="approved / rejected / withdrawn / terminated")
    result_label: str
    decided_on: dt.date | None
    reasons: str = Field(..., description="决定理由（不予批准时为书面理由）")


class ProgressOut(Schema):
    number: str
    programme: str = Field(..., description="申请的救助项目（中文）")
    step: str
    step_label: str = Field(..., description="当前环节（中文）")
    step_description: str = Field(..., description="当前环节的通俗说明")
    missing_materials: list[str] = Field(..., description="一次性告知需补齐的材料；没有则为空")
    step_due_on: dt.date | None = Field(..., description="当前环节的办理时限")
    step_due_provisional: bool = Field(..., description="环节时限为暂定（该年节假日安排未知）")
    overall_due_on: dt.date | None = Field(..., description="预计作出决定的最晚日期（总办结时限）")
    overall_due_provisional: bool = Field(..., description="总办结时限为暂定（同上）")
    decision: DecisionOut | None = Field(..., description="已作出决定时的结果和理由")
