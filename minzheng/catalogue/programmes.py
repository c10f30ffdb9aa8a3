"""The programme catalogue: every benefit programme and every application workflow, once (issue 13).

A programme (救助项目) is what a person or household receives and what the payroll pays; a workflow (办理程序)
is the statutory procedure an application follows. Most programmes have one workflow; 临时救助 has three
procedures, and the two disability subsidies share one application form.

Every other module reads programme facts from here — the statutory label, the short label an SMS uses,
the payroll purpose, the monitoring category, the benefit rule, the portal guide and papers — and spells no
programme or workflow code as a literal. Adding a programme is one ``ProgrammeSpec`` (and, when it has its
own procedure, one ``WorkflowSpec``) plus its rule module, its transition table and its templates
(docs/adding-a-programme.md walks through it).

Pure: no ORM, nothing of ours imported, so any layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Programme(StrEnum):
    DIBAO = "dibao"
    EXTREME_POVERTY_SUPPORT = "extreme_poverty_support"
    TEMPORARY_ASSISTANCE = "temporary_assistance"
    MARGIN_HOUSEHOLD = "margin_household"
    RIGID_EXPENSE_HOUSEHOLD = "rigid_expense_household"
    SENIOR_ALLOWANCE = "senior_allowance"
    DISABILITY_LIVING_SUBSIDY = "disability_living_subsidy"
    SEVERE_DISABILITY_CARE_SUBSIDY = "severe_disability_care_subsidy"
    ORPHAN_ALLOWANCE = "orphan_allowance"
    DE_FACTO_ORPHAN_ALLOWANCE = "de_facto_orphan_allowance"


class Workflow(StrEnum):
    DIBAO = "dibao"
    EXTREME_POVERTY = "extreme_poverty_support"
    TEMPORARY_EMERGENCY = "temporary_emergency"
    TEMPORARY_SMALL_FAST = "temporary_small_fast"
    TEMPORARY_EXPENDITURE = "temporary_expenditure"
    MARGIN = "margin_household"
    RIGID_EXPENSE = "rigid_expense_household"
    SENIOR_ALLOWANCE = "senior_allowance"
    # One application for either or both disability subsidies; the application names which.
    DISABILITY_SUBSIDIES = "disability_subsidies"
    ORPHAN_ALLOWANCE = "orphan_allowance"
    DE_FACTO_ORPHAN_ALLOWANCE = "de_facto_orphan_allowance"


class Category(StrEnum):
    """社会救助 (means-tested, 《社会救助暂行办法》) or a 福利 allowance decided on the person."""

    SOCIAL_ASSISTANCE = "social_assistance"
    ALLOWANCE = "allowance"


class AssessedPer(StrEnum):
    """What the benefit rule assesses: the household; the household or one member of it (低保 for a
    single-person application, 特困 for the applicant); or one member (the allowances)."""

    HOUSEHOLD = "household"
    HOUSEHOLD_OR_MEMBER = "household_or_member"
    MEMBER = "member"


class Paper(StrEnum):
    """The papers an applicant is asked for (values of ``documents.models.DocumentKind``)."""

    IDENTITY = "identity"
    HOUSEHOLD_REGISTER = "household_register"
    INCOME = "income"
    PROPERTY = "property"
    MEDICAL = "medical"
    DISABILITY = "disability"


_MEANS_TESTED_PAPERS: Final = (Paper.IDENTITY, Paper.HOUSEHOLD_REGISTER, Paper.INCOME, Paper.PROPERTY)
_PERSON_PAPERS: Final = (Paper.IDENTITY, Paper.HOUSEHOLD_REGISTER)


@dataclass(frozen=True)
class ProgrammeSpec:
    """One programme. ``benefit_rule`` is the dotted path of the rule function the benefit engine calls
    (``benefits.engine``); ``portal_guide`` the dotted path of the function that writes its entry in the
    applicants' policy guide (``portal``). ``monitoring_category`` is the 低收入人口 category its recipients
    belong to (国办发〔2023〕39号 §二), if any. ``income_tested``: the household means test applies."""

    code: Programme
    label: str
    legal_basis: str
    category: Category
    assessed_per: AssessedPer
    benefit_rule: str
    payroll_purpose: str
    workflows: tuple[Workflow, ...]
    papers: tuple[Paper, ...]
    portal_guide: str
    income_tested: bool = False
    monitoring_category: str | None = None
    enrolled_from_registry: bool = False  # enrolled by the registry run without an application
    takes_request: bool = False  # the rule needs the applicant's request (临时救助: kind, hardship, amount)


@dataclass(frozen=True)
class WorkflowSpec:
    """One application procedure. ``short_label`` is how people say it (SMS; a neutral word for the
    disability subsidies, since an SMS can be read by others); ``programmes`` what approval may enrol.
    ``subject``: whose application it is — the household, the applicant only (特困人员认定办法第 10 条) or a
    member named on the form (the allowances; a child under 18 other than the applicant for ``child``)."""

    code: Workflow
    label: str
    short_label: str
    programmes: tuple[Programme, ...]
    subject: str = "household"  # household | self | member | child
    paid_from_application_month: bool = False
    paid_from_reserve: bool = False  # paid at once from the township reserve fund, not monthly
    temporary: bool = False
    assistance_type: str = ""  # 临时救助: emergency | small_fast | expenditure
    online: bool = True  # the applicant may apply in the portal (救助通)
    applicant_hint: str = ""  # who it is for, shown where the applicant chooses (portal)


def _guide(name: str) -> str:
    return f"minzheng.portal.guides.{name}"


PROGRAMMES: Final[dict[Programme, ProgrammeSpec]] = {
    spec.code: spec
    for spec in (
        ProgrammeSpec(
            Programme.DIBAO,
            "最低生活保障",
            "《社会救助暂行办法》第二章；民政部《最低生活保障审核确认办法》（民发〔2021〕57号）",
            Category.SOCIAL_ASSISTANCE,
            AssessedPer.HOUSEHOLD_OR_MEMBER,
            "minzheng.benefits.dibao.assess_dibao",
            "低保金",
            (Workflow.DIBAO,),
            _MEANS_TESTED_PAPERS,
            _guide("guide_dibao"),
            income_tested=True,
            monitoring_category="dibao",
        ),
        ProgrammeSpec(
            Programme.EXTREME_POVERTY_SUPPORT,
            "特困人员救助供养",
            "《社会救助暂行办法》第三章；《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）；"
            "民政部《特困人员认定办法》（2021）",
            Category.SOCIAL_ASSISTANCE,
            AssessedPer.HOUSEHOLD_OR_MEMBER,
            "minzheng.benefits.extreme_poverty.assess_extreme_poverty",
            "特困供养金",
            (Workflow.EXTREME_POVERTY,),
            (*_MEANS_TESTED_PAPERS, Paper.DISABILITY),
            _guide("guide_extreme_poverty"),
            income_tested=True,
            monitoring_category="extreme_poverty_support",
        ),
        ProgrammeSpec(
            Programme.TEMPORARY_ASSISTANCE,
            "临时救助",
            "《社会救助暂行办法》临时救助章；"
            "民政部 财政部《关于进一步加强和改进临时救助工作的意见》（民发〔2018〕23号）",
            Category.SOCIAL_ASSISTANCE,
            AssessedPer.HOUSEHOLD,
            "minzheng.benefits.temporary.assess_temporary",
            "临时救助金",
            (Workflow.TEMPORARY_SMALL_FAST, Workflow.TEMPORARY_EMERGENCY, Workflow.TEMPORARY_EXPENDITURE),
            (Paper.IDENTITY, Paper.HOUSEHOLD_REGISTER, Paper.MEDICAL),
            _guide("guide_temporary"),
            income_tested=True,
            takes_request=True,
        ),
        ProgrammeSpec(
            Programme.MARGIN_HOUSEHOLD,
            "最低生活保障边缘家庭",
            "《最低生活保障审核确认办法》第 8 条；国办发〔2023〕39号 第二部分；"
            "《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）",
            Category.SOCIAL_ASSISTANCE,
            AssessedPer.HOUSEHOLD,
            "minzheng.benefits.margin.assess_margin",
            "低保边缘救助金",
            (Workflow.MARGIN,),
            _MEANS_TESTED_PAPERS,
            _guide("guide_margin"),
            income_tested=True,
            monitoring_category="margin_household",
        ),
        ProgrammeSpec(
            Programme.RIGID_EXPENSE_HOUSEHOLD,
            "刚性支出困难家庭",
            "民政部《刚性支出困难家庭认定办法》（2024-10-24 印发，2025-01-01 施行）；"
            "国办发〔2023〕39号 第二部分",
            Category.SOCIAL_ASSISTANCE,
            AssessedPer.HOUSEHOLD,
            "minzheng.benefits.rigid_expense.assess_rigid_expense",
            "刚性支出救助金",
            (Workflow.RIGID_EXPENSE,),
            (*_MEANS_TESTED_PAPERS, Paper.MEDICAL),
            _guide("guide_rigid"),
            income_tested=True,
            monitoring_category="rigid_expense_household",
        ),
        ProgrammeSpec(
            Programme.SENIOR_ALLOWANCE,
            "高龄津贴",
            "《老年人权益保障法》第 33 条；内蒙古自治区高龄津贴制度（2017-01-01 起普惠）",
            Category.ALLOWANCE,
            AssessedPer.MEMBER,
            "minzheng.benefits.allowances.senior_allowance",
            "高龄津贴",
            (Workflow.SENIOR_ALLOWANCE,),
            _PERSON_PAPERS,
            _guide("guide_senior"),
            enrolled_from_registry=True,
        ),
        ProgrammeSpec(
            Programme.DISABILITY_LIVING_SUBSIDY,
            "困难残疾人生活补贴",
            "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
            Category.ALLOWANCE,
            AssessedPer.MEMBER,
            "minzheng.benefits.allowances.disability_living_subsidy",
            "残疾人生活补贴",
            (Workflow.DISABILITY_SUBSIDIES,),
            (*_PERSON_PAPERS, Paper.DISABILITY),
            _guide("guide_disability_living"),
        ),
        ProgrammeSpec(
            Programme.SEVERE_DISABILITY_CARE_SUBSIDY,
            "重度残疾人护理补贴",
            "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
            Category.ALLOWANCE,
            AssessedPer.MEMBER,
            "minzheng.benefits.allowances.severe_disability_care_subsidy",
            "重度残疾人护理补贴",
            (Workflow.DISABILITY_SUBSIDIES,),
            (*_PERSON_PAPERS, Paper.DISABILITY),
            _guide("guide_disability_care"),
        ),
        ProgrammeSpec(
            Programme.ORPHAN_ALLOWANCE,
            "孤儿基本生活保障",
            "《国务院办公厅关于加强孤儿保障工作的意见》（国办发〔2010〕54号）",
            Category.ALLOWANCE,
            AssessedPer.MEMBER,
            "minzheng.benefits.allowances.orphan_allowance",
            "孤儿基本生活费",
            (Workflow.ORPHAN_ALLOWANCE,),
            _PERSON_PAPERS,
            _guide("guide_orphan"),
        ),
        ProgrammeSpec(
            Programme.DE_FACTO_ORPHAN_ALLOWANCE,
            "事实无人抚养儿童基本生活补贴",
            "民政部等12部门《关于进一步加强事实无人抚养儿童保障工作的意见》（2019）",
            Category.ALLOWANCE,
            AssessedPer.MEMBER,
            "minzheng.benefits.allowances.de_facto_orphan_allowance",
            "事实无人抚养儿童补贴",
            (Workflow.DE_FACTO_ORPHAN_ALLOWANCE,),
            _PERSON_PAPERS,
            _guide("guide_de_facto_orphan"),
        ),
    )
}

WORKFLOWS: Final[dict[Workflow, WorkflowSpec]] = {
    spec.code: spec
    for spec in (
        WorkflowSpec(
            Workflow.DIBAO,
            "最低生活保障",
            "低保",
            (Programme.DIBAO,),
            applicant_hint="家庭人均收入低于当地低保标准、财产符合规定的家庭",
        ),
        WorkflowSpec(
            Workflow.EXTREME_POVERTY,
            "特困人员救助供养",
            "特困人员救助供养",
            (Programme.EXTREME_POVERTY_SUPPORT,),
            subject="self",
            applicant_hint="无劳动能力、无生活来源、无法定赡养抚养扶养义务人（或其无履行能力）的老年人、"
            "残疾人和未成年人，由本人申请",
        ),
        WorkflowSpec(
            Workflow.TEMPORARY_EMERGENCY,
            "临时救助（急难型，先行救助）",
            "临时救助",
            (Programme.TEMPORARY_ASSISTANCE,),
            paid_from_reserve=True,
            temporary=True,
            assistance_type="emergency",
            applicant_hint="因火灾、交通事故等意外或家庭成员突发重病，基本生活暂时出现严重困难",
        ),
        WorkflowSpec(
            Workflow.TEMPORARY_SMALL_FAST,
            "临时救助（小额快救）",
            "临时救助",
            (Programme.TEMPORARY_ASSISTANCE,),
            paid_from_reserve=True,
            temporary=True,
            assistance_type="small_fast",
            online=False,  # decided at the township on the spot
        ),
        WorkflowSpec(
            Workflow.TEMPORARY_EXPENDITURE,
            "临时救助（支出型）",
            "临时救助",
            (Programme.TEMPORARY_ASSISTANCE,),
            temporary=True,
            assistance_type="expenditure",
            applicant_hint="因教育、医疗等生活必需支出突然增加，超出家庭承受能力",
        ),
        WorkflowSpec(
            Workflow.MARGIN,
            "低保边缘家庭认定",
            "低保边缘家庭认定",
            (Programme.MARGIN_HOUSEHOLD,),
            online=False,  # identified by the township, often handed over from a 低保 application
        ),
        WorkflowSpec(
            Workflow.RIGID_EXPENSE,
            "刚性支出困难家庭认定",
            "刚性支出困难家庭认定",
            (Programme.RIGID_EXPENSE_HOUSEHOLD,),
            online=False,
        ),
        WorkflowSpec(
            Workflow.SENIOR_ALLOWANCE,
            "高龄津贴",
            "高龄津贴",
            (Programme.SENIOR_ALLOWANCE,),
            subject="member",
            paid_from_application_month=True,
            applicant_hint="年满 80 周岁的本自治区户籍老年人（按户籍登记已自动发放的无需申请）",
        ),
        WorkflowSpec(
            Workflow.DISABILITY_SUBSIDIES,
            "残疾人两项补贴",
            "补贴",
            (Programme.DISABILITY_LIVING_SUBSIDY, Programme.SEVERE_DISABILITY_CARE_SUBSIDY),
            subject="member",
            paid_from_application_month=True,
            applicant_hint="困难残疾人生活补贴：低保家庭中的残疾人；"
            "重度残疾人护理补贴：残疾等级为一级、二级且需要长期照护的残疾人（可同时申请）",
        ),
        WorkflowSpec(
            Workflow.ORPHAN_ALLOWANCE,
            "孤儿基本生活保障",
            "孤儿基本生活保障",
            (Programme.ORPHAN_ALLOWANCE,),
            subject="child",
            applicant_hint="失去父母或查找不到生父母的未满 18 周岁未成年人，由监护人申请",
        ),
        WorkflowSpec(
            Workflow.DE_FACTO_ORPHAN_ALLOWANCE,
            "事实无人抚养儿童基本生活补贴",
            "事实无人抚养儿童基本生活补贴",
            (Programme.DE_FACTO_ORPHAN_ALLOWANCE,),
            subject="child",
            applicant_hint="父母双方均不能履行抚养义务的未满 18 周岁儿童，由监护人申请",
        ),
    )
}

# --- derived views, so no reader rebuilds them --------------------------------------------------------------

PROGRAMME_CODES: Final = frozenset(PROGRAMMES)
INCOME_TESTED: Final = frozenset(p for p, s in PROGRAMMES.items() if s.income_tested)
PROGRAMME_LABELS: Final = {p: s.label for p, s in PROGRAMMES.items()}
WORKFLOW_LABELS: Final = {w: s.label for w, s in WORKFLOWS.items()}
ALLOWANCE_WORKFLOWS: Final = frozenset(w for w, s in WORKFLOWS.items() if s.subject in ("member", "child"))
CHILD_WORKFLOWS: Final = frozenset(w for w, s in WORKFLOWS.items() if s.subject == "child")
SELF_ONLY_WORKFLOWS: Final = frozenset(w for w, s in WORKFLOWS.items() if s.subject == "self")
PERSON_WORKFLOWS: Final = SELF_ONLY_WORKFLOWS | ALLOWANCE_WORKFLOWS
TEMPORARY_WORKFLOWS: Final = frozenset(w for w, s in WORKFLOWS.items() if s.temporary)
RESERVE_PAID: Final = frozenset(w for w, s in WORKFLOWS.items() if s.paid_from_reserve)
PAID_FROM_APPLICATION_MONTH: Final = frozenset(
    w for w, s in WORKFLOWS.items() if s.paid_from_application_month
)


def programme_of(workflow: Workflow) -> str:
    """The programme code an application of the workflow is filed under (``Application.programme``); the
    disability-subsidies form is filed under its workflow code and enrols each subsidy granted."""
    programmes = WORKFLOWS[workflow].programmes
    return programmes[0].value if len(programmes) == 1 else workflow.value


def spec_of(programme: str) -> ProgrammeSpec | None:
    """The catalogue entry of a stored programme code (a plain string), or ``None`` when it has none."""
    return PROGRAMMES.get(programme)  # type: ignore[call-overload]


def label(programme: str) -> str:
    """The statutory label of a programme code, or the code itself when it is not in the catalogue."""
    spec = spec_of(programme)
    return spec.label if spec else programme
