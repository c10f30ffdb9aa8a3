"""What the portal offers online (救助通): the sections of each workflow applied for online (the means-tested
programmes and, since the allowances have workflows, 高龄津贴, 残疾人两项补贴, 孤儿 and 事实无人抚养儿童), the
pledge texts, and the errors of the online application."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from django.utils.translation import gettext_lazy as _

from minzheng.catalogue.programmes import (
    ALLOWANCE_WORKFLOWS,
    PROGRAMMES,
    WORKFLOW_LABELS,
    WORKFLOWS,
    Workflow,
    WorkflowSpec,
)
from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.documents.models import DocumentKind
from minzheng.portal.rules import documents_of
from minzheng.registry.choices import IncomeCategory

PLEDGE_BASIS: Final = "《最低生活保障审核确认办法》第9条"
# The applicant's duties under 审核确认办法第 9 条 (民发〔2021〕57号), summarised (policy-rules.md §1.2), not
# the verbatim article: the pledge and the authorisation below are what the applicant signs.
PLEDGE_ARTICLE: Final = (
    "申请人及共同生活的家庭成员应当按规定提交申请材料，书面声明家庭收入和财产状况并对其真实性负责，"
    "履行授权核对家庭经济状况的手续，并配合开展家庭经济状况调查。"
)
PLEDGE_TEXT: Final = (
    "本人承诺：所填写的家庭成员、收入和财产情况及上传的材料真实、完整，如有隐瞒、虚报，"
    "愿意承担相应的法律责任，并退还违规领取的救助款物。"
)
AUTHORISATION_TEXT: Final = (
    "本人及共同生活的家庭成员授权民政部门向银行、税务、不动产登记、车辆管理、社会保险、住房公积金等"
    "单位核对家庭经济状况，核对结果仅用于社会救助审核确认。"
)
# The allowances have no household means test: the applicant pledges the truth of what is declared and
# authorises the checks the procedure makes on the person (残联 for the disability subsidies, 公安 and 司法
# data matching for children, 2019 opinion); there is no 低保 article behind it, so none is quoted.
ALLOWANCE_PLEDGE_TEXT: Final = (
    "本人承诺：所填写的申请对象和家庭成员信息及上传的材料真实、完整，如有隐瞒、虚报，"
    "愿意承担相应的法律责任，并退还违规领取的津贴补贴。"
)
ALLOWANCE_AUTHORISATION_TEXT: Final = (
    "本人同意民政部门向公安、残联、司法行政、卫生健康等单位核对申请对象的户籍、残疾、羁押服刑等相关信息，"
    "核对结果仅用于本次申请的审核。"
)
MAX_MEMBERS: Final = 20
MAX_DRAFT_DOCUMENTS: Final = 20
DECLARED_INCOME_MONTHS: Final = 12  # the form asks for the average month of the last 12 months
ALREADY_SUBMITTED: Final = "该申请已提交，请勿重复提交"


# --- errors ----------------------------------------------------------------------------------------------


class AlreadySubmitted(Conflict):
    """The draft became an application already (a second click, a second tab)."""

    code = "already_submitted"

    def __init__(self, application_id: int | None) -> None:
        super().__init__(ALREADY_SUBMITTED, field=None)
        self.application_id = application_id


class DraftIncomplete(ValidationFailed):
    code = "draft_incomplete"


class DraftInvalid(ValidationFailed):
    code = "draft_invalid"


# --- what is offered online ------------------------------------------------------------------------------


class Section(StrEnum):
    HOUSEHOLD = "household"
    SUBJECT = "subject"  # the allowances: which member it is for (and which disability subsidies)
    INCOME = "income"
    ASSETS = "assets"
    HARDSHIP = "hardship"
    DOCUMENTS = "documents"
    PLEDGE = "pledge"
    SUBMIT = "submit"


SECTION_LABELS: Final = {
    Section.HOUSEHOLD: _("申请人与家庭"),
    Section.SUBJECT: _("申请对象"),
    Section.INCOME: _("收入"),
    Section.ASSETS: _("财产"),
    Section.HARDSHIP: _("困难情形与申请金额"),
    Section.DOCUMENTS: _("材料"),
    Section.PLEDGE: _("承诺与授权"),
    Section.SUBMIT: _("提交"),
}


def _online_sections(spec: WorkflowSpec) -> tuple[Section, ...]:
    """The sections of a workflow applied for online, in order: the household; the person it is for (the
    allowances); income and assets where the programme is means-tested and not paid first and checked
    after (急难型 needs no means test up front, 民发〔2018〕23号 §二(二); 支出型 does, §二(一)); the
    hardship and amount (临时救助); the papers; the pledge; submission. The allowances are granted on the
    person, without a household means test (policy-rules.md §6.1–6.3)."""
    means_tested = any(PROGRAMMES[p].income_tested for p in spec.programmes) and not spec.paid_from_reserve
    return (
        Section.HOUSEHOLD,
        *((Section.SUBJECT,) if spec.subject in ("member", "child") else ()),
        *((Section.INCOME, Section.ASSETS) if means_tested else ()),
        *((Section.HARDSHIP,) if spec.temporary else ()),
        Section.DOCUMENTS,
        Section.PLEDGE,
        Section.SUBMIT,
    )


# The workflows applied for online (catalogue ``WorkflowSpec.online``) and their sections.
ONLINE_SECTIONS: Final[dict[Workflow, tuple[Section, ...]]] = {
    workflow: _online_sections(spec) for workflow, spec in WORKFLOWS.items() if spec.online
}
# The programme whose papers the documents section lists (portal.rules.documents_of): the workflow's first
# (the two disability subsidies need the same papers, with the disability certificate).
ONLINE_PROGRAMME: Final = {workflow: WORKFLOWS[workflow].programmes[0] for workflow in ONLINE_SECTIONS}
ONLINE_HINTS: Final = {workflow: WORKFLOWS[workflow].applicant_hint for workflow in ONLINE_SECTIONS}
# Allowances applied for only at the window: none since the allowances have workflows (kept so the start
# page can list any that come without one).
WINDOW_ALLOWANCES: Final[tuple[tuple[str, str, str], ...]] = ()
# What an applicant may upload: not the office's own papers (decision letters, home-visit photos).
ONLINE_KINDS: Final = tuple(
    kind for kind in DocumentKind if kind not in (DocumentKind.DECISION, DocumentKind.HOME_VISIT_PHOTO)
)
# Monthly income asked for, per category (审核确认办法第 13 条); the rest is rare enough for 其他收入.
INCOME_CATEGORIES: Final = (
    IncomeCategory.WAGE,
    IncomeCategory.BUSINESS,
    IncomeCategory.PROPERTY,
    IncomeCategory.SUPPORT_PAYMENT,
    IncomeCategory.PENSION,
    IncomeCategory.BASIC_PENSION,
    IncomeCategory.UNEMPLOYMENT_INSURANCE,
    IncomeCategory.OTHER_TRANSFER,
    IncomeCategory.OTHER,
)


def workflow_of(value: str) -> Workflow:
    try:
        workflow = Workflow(value)
    except ValueError:
        workflow = None
    if workflow not in ONLINE_SECTIONS:
        offered = "、".join(WORKFLOW_LABELS[w] for w in ONLINE_SECTIONS)
        raise DraftInvalid(f"该救助类别不能在网上申请，可网上申请：{offered}", field="workflow")
    return workflow


@dataclass(frozen=True)
class PledgeTexts:
    basis: str  # "" = no article is quoted
    article: str
    pledge: str
    authorisation_title: str
    authorisation: str


def pledge_texts(workflow: Workflow) -> PledgeTexts:
    """What the applicant signs: the 低保 pledge and authorisation (审核确认办法第 9 条) for the means-tested
    programmes; for the allowances a truthfulness pledge and the authorisation of the checks on the person."""
    if workflow in ALLOWANCE_WORKFLOWS:
        return PledgeTexts("", "", ALLOWANCE_PLEDGE_TEXT, "信息核对授权书", ALLOWANCE_AUTHORISATION_TEXT)
    return PledgeTexts(
        PLEDGE_BASIS, PLEDGE_ARTICLE, PLEDGE_TEXT, "家庭经济状况核对授权书", AUTHORISATION_TEXT
    )


@dataclass(frozen=True)
class WindowAllowance:
    code: str
    label: str
    who: str
    papers: tuple[str, ...]


def window_allowances() -> list[WindowAllowance]:
    """The allowances applied for at the township window, with the papers to bring (portal.rules)."""
    return [
        WindowAllowance(code, label, who, tuple(kind.label for kind in documents_of(code)))
        for code, label, who in WINDOW_ALLOWANCES
    ]
