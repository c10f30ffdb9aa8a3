"""The application workflows as explicit transition tables (pure; architecture decision: one service per
transition, roles checked per step). policy-rules.md §1.2–1.7 (低保), §2.2–2.3 (特困), §3.3 (临时救助),
§6.1–6.3 (高龄津贴, 残疾人两项补贴, 孤儿 and 事实无人抚养儿童).

A workflow is a tuple of ``Transition``s. Each names its source and target step, who may take it, at
which level of the application's jurisdiction (the household's village, the accepting township, or the
county that confirms),
the deadline the *target* step gets (``due``; ``KEEP`` carries the running one over), the records it
requires, and the article it rests on. ``transition_for`` is the only way a service finds a transition,
so a step cannot be skipped or taken twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from django.db import models

from minzheng.common.workdays import CalendarDays, Period, WorkingDays

DIBAO_MEASURES = "《最低生活保障审核确认办法》"
EP_MEASURES = "《特困人员认定办法》"
TEMPORARY_2018 = "民发〔2018〕23号"
TEMPORARY_2026 = "《关于进一步健全完善临时救助制度的意见》（2026）"
NOTICE_2022 = "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）"
RIGID_MEASURES = "《刚性支出困难家庭认定办法》"
MARGIN_RIGID_IM = "《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）"
SENIOR_IM = "《内蒙古自治区80岁以上低收入老年人高龄津贴发放管理办法》（2012；2017-01-01起普惠）"
DISABILITY_2015 = "国发〔2015〕52号"
ORPHAN_2010 = "国办发〔2010〕54号"
DE_FACTO_2019 = "《关于进一步加强事实无人抚养儿童保障工作的意见》（2019）"


class Step(models.TextChoices):
    SUBMITTED = "submitted", "已提交待受理"
    MATERIALS_PENDING = "materials_pending", "待补齐材料"
    ACCEPTED = "accepted", "已受理"
    INVESTIGATING = "investigating", "家庭经济状况调查"
    VERIFYING = "verifying", "信息核对"
    VILLAGE_REVIEW = "village_review", "村（居）委会初审"
    FIRST_REVIEW = "first_review", "乡镇初审"
    TOWNSHIP_REVIEW = "township_review", "乡镇（街道）审核"
    FEDERATION_REVIEW = "federation_review", "县级残联审核"
    PUBLIC_NOTICE = "public_notice", "公示"
    APPRAISAL = "appraisal", "民主评议"
    COUNTY_REVIEW = "county_review", "审核确认"
    CASE_BY_CASE = "case_by_case", "一事一议"
    AID_PAID = "aid_paid", "已先行救助待补办手续"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"
    TERMINATED = "terminated", "已终止"


FINAL_STEPS: Final = frozenset({Step.APPROVED, Step.REJECTED, Step.WITHDRAWN, Step.TERMINATED})
OPEN_STEPS: Final = tuple(s for s in Step if s not in FINAL_STEPS)


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申请"
    ENTRUSTED = "entrusted", "委托申请"
    PROACTIVE = "proactive", "主动发现"


class Workflow(StrEnum):
    DIBAO = "dibao"
    EXTREME_POVERTY = "extreme_poverty_support"
    TEMPORARY_EMERGENCY = "temporary_emergency"
    TEMPORARY_SMALL_FAST = "temporary_small_fast"
    TEMPORARY_EXPENDITURE = "temporary_expenditure"
    MARGIN = "margin_household"
    RIGID_EXPENSE = "rigid_expense_household"
    # The allowances (policy-rules.md §6.1–6.3); the values are the engine's programme codes, except the
    # two disability subsidies, applied for together on one form (the application names which).
    SENIOR_ALLOWANCE = "senior_allowance"
    DISABILITY_SUBSIDIES = "disability_subsidies"
    ORPHAN_ALLOWANCE = "orphan_allowance"
    DE_FACTO_ORPHAN_ALLOWANCE = "de_facto_orphan_allowance"


class Level(StrEnum):
    """Where the actor must sit: the household's village (the village committee's first review, taken by
    the village assistant or by the township for the committee), the accepting township (or above it),
    or the confirming county."""

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    CONFIRMING = "confirming"  # the county, or the township when the county delegated confirmation


class Requirement(StrEnum):
    PLEDGE = "pledge"  # 承诺 + 授权核对 signed (审核确认办法第 9 条)
    MATERIALS_LISTED = "materials_listed"  # 一次性告知 lists every missing item (第 10 条)
    HOME_VISIT = "home_visit"  # 入户调查, ≥ 2 investigators (第 16 条)
    VERIFICATION = "verification"  # 信息核对 results entered (第 17 条)
    OPINION = "opinion"  # 初审意见 written (第 19 条)
    NOTICE_ENDED = "notice_ended"  # the 7-day notice is over (第 19 条)
    OBJECTION = "objection"  # an objection was recorded (第 19 条)
    COUNTY_VISIT_IF_FLAGGED = "county_visit_if_flagged"  # 第 20 条: staff relatives, complaints
    REASON = "reason"  # written reasons (第 21 条)
    SELF_CARE = "self_care"  # 特困 self-care assessed (特困人员认定办法第 20–23 条)
    AMOUNT = "amount"  # temporary assistance: amount decided, within the approval ceiling
    SPOT_CHECK_DRAWN = "spot_check_drawn"  # 特困: the county's ≥ 30 % sample drawn (第 16 条)
    MEETING = "meeting"  # 一事一议: the county coordination mechanism's collective decision recorded
    FEDERATION = "federation"  # 两项补贴: the county 残联's review recorded (国发〔2015〕52号)


class Keep:
    """Marker: the target step keeps the running deadline (e.g. 特困's 15 working days to first review)."""


KEEP: Final = Keep()
Due = Period | Keep | None

CASEWORK: Final = frozenset({"township_caseworker"})
TOWNSHIP: Final = frozenset({"township_caseworker", "township_reviewer"})
TOWNSHIP_LEAD: Final = frozenset({"township_reviewer"})
COUNTY: Final = frozenset({"county_approver"})
CONFIRMERS: Final = frozenset({"county_approver", "township_reviewer"})  # township only when delegated
TEMPORARY_APPROVERS: Final = frozenset({"county_approver", "township_reviewer"})  # 暂行办法第 48 条
VILLAGE: Final = frozenset({"village_assistant", "township_caseworker"})  # for the village committee


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    source: Step
    target: Step
    roles: frozenset[str]
    level: Level
    basis: str
    due: Due = None
    requires: tuple[Requirement, ...] = ()


def _t(code: str, label: str, source: Step, target: Step, roles: frozenset[str], level: Level, basis: str,
       due: Due = None, *requires: Requirement) -> Transition:  # fmt: skip
    return Transition(code, label, source, target, roles, level, basis, due, tuple(requires))


V, T, C, CF = Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CONFIRMING
S = Step
R = Requirement

# Every workflow starts at SUBMITTED (online/entrusted) or goes through ``accept`` at the window at once.
_INTAKE = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{DIBAO_MEASURES}第10条；第15条（3个工作日内启动调查）",
       WorkingDays(3), R.PLEDGE),
    _t("request_materials", "一次性告知补齐材料", S.SUBMITTED, S.MATERIALS_PENDING, CASEWORK, T,
       f"{DIBAO_MEASURES}第10条", None, R.MATERIALS_LISTED),
    _t("materials_received", "材料已补齐", S.MATERIALS_PENDING, S.SUBMITTED, CASEWORK, T, f"{DIBAO_MEASURES}第10条"),
)  # fmt: skip

DIBAO: Final = (
    *_INTAKE,
    _t("start_investigation", "启动家庭经济状况调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T,
       f"{DIBAO_MEASURES}第15—16条"),
    _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING, CASEWORK, T,
       f"{DIBAO_MEASURES}第17条（县级3个工作日内启动核对）", WorkingDays(3), R.HOME_VISIT),
    _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW, COUNTY, C, f"{DIBAO_MEASURES}第17—18条",
       None, R.VERIFICATION),
    _t("publish_notice", "提出初审意见并公示", S.FIRST_REVIEW, S.PUBLIC_NOTICE, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19条（公示7天）", CalendarDays(7), R.OPINION),
    _t("close_notice", "公示无异议，报送审核确认", S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19—20条（10个工作日内审核确认）", WorkingDays(10), R.NOTICE_ENDED),
    _t("hold_appraisal", "公示有异议，组织民主评议", S.PUBLIC_NOTICE, S.APPRAISAL, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19条", None, R.OBJECTION),
    _t("reinvestigate", "公示有异议，重新调查", S.PUBLIC_NOTICE, S.INVESTIGATING, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19条", None, R.OBJECTION),
    _t("submit_after_appraisal", "评议后报送审核确认", S.APPRAISAL, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{DIBAO_MEASURES}第19—20条", WorkingDays(10), R.OPINION),
    _t("approve", "审核确认：批准", S.COUNTY_REVIEW, S.APPROVED, CONFIRMERS, CF,
       f"{DIBAO_MEASURES}第20—21条（次月起发放）", None, R.COUNTY_VISIT_IF_FLAGGED),
    _t("reject", "审核确认：不予批准", S.COUNTY_REVIEW, S.REJECTED, CONFIRMERS, CF,
       f"{DIBAO_MEASURES}第21条（3个工作日内书面告知理由）", WorkingDays(3), R.REASON),
)  # fmt: skip

EXTREME_POVERTY: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{EP_MEASURES}第12—13条（15个工作日内调查并初审）",
       WorkingDays(15), R.PLEDGE),
    *_INTAKE[1:],
    _t("start_investigation", "启动调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T, f"{EP_MEASURES}第13条", KEEP),
    _t("publish_notice", "提出初审意见并公示", S.INVESTIGATING, S.PUBLIC_NOTICE, TOWNSHIP, T,
       f"{EP_MEASURES}第13—15条（公示7天）", CalendarDays(7), R.HOME_VISIT, R.SELF_CARE, R.OPINION),
    _t("close_notice", "公示无异议，报送审核确认", S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{EP_MEASURES}第16条（15个工作日内审核确认）", WorkingDays(15), R.NOTICE_ENDED),
    _t("reinvestigate", "公示有异议，重新调查", S.PUBLIC_NOTICE, S.INVESTIGATING, TOWNSHIP, T,
       f"{EP_MEASURES}第15条（15个工作日内重新提出意见）", WorkingDays(15), R.OBJECTION),
    _t("approve", "审核确认：批准", S.COUNTY_REVIEW, S.APPROVED, CONFIRMERS, CF,
       f"{EP_MEASURES}第16—17条（次月起供养）", None, R.SPOT_CHECK_DRAWN, R.COUNTY_VISIT_IF_FLAGGED),
    _t("reject", "审核确认：不予批准", S.COUNTY_REVIEW, S.REJECTED, CONFIRMERS, CF,
       f"{EP_MEASURES}第18条（3个工作日内书面告知理由）", WorkingDays(3), R.REASON),
)  # fmt: skip

TEMPORARY_EMERGENCY: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{TEMPORARY_2018}§二(二)", None),
    _t("pay_aid_first", "先行救助", S.ACCEPTED, S.AID_PAID, TOWNSHIP, T,
       f"{TEMPORARY_2018}§二(二)（急难型先行救助，简化核对、评议和公示）", None, R.AMOUNT),
    _t("complete_paperwork", "补办审批手续", S.AID_PAID, S.APPROVED, TEMPORARY_APPROVERS, T,
       f"{TEMPORARY_2018}§二(二)（紧急情况解除后补齐手续）；《社会救助暂行办法》第48条", None, R.PLEDGE),
)  # fmt: skip

TEMPORARY_SMALL_FAST: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{TEMPORARY_2026}（小额快救一般不超过3天）",
       CalendarDays(3)),
    _t("approve", "小额快救：直接救助", S.ACCEPTED, S.APPROVED, TOWNSHIP, T,
       f"{TEMPORARY_2026}（免于家庭经济状况核对和公示）", None, R.AMOUNT),
    _t("reject", "不予救助", S.ACCEPTED, S.REJECTED, TOWNSHIP, T, f"{TEMPORARY_2026}", None, R.REASON),
)  # fmt: skip

# No national time limit was found for the 支出型 procedure (policy-rules.md §3.3), so acceptance sets none.
TEMPORARY_EXPENDITURE: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED, CASEWORK, T, f"{TEMPORARY_2018}§二(二)", None, R.PLEDGE),
    *_INTAKE[1:],
    _t("start_investigation", "启动调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T, f"{TEMPORARY_2018}§二(二)"),
    _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING, CASEWORK, T,
       f"{TEMPORARY_2018}§二(二)", WorkingDays(3), R.HOME_VISIT),
    _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW, COUNTY, C, f"{TEMPORARY_2018}§二(二)",
       None, R.VERIFICATION),
    _t("publish_notice", "提出审核意见并公示", S.FIRST_REVIEW, S.PUBLIC_NOTICE, TOWNSHIP, T,
       f"{TEMPORARY_2018}§二(二)", CalendarDays(7), R.OPINION),
    _t("close_notice", "公示无异议，报送审批", S.PUBLIC_NOTICE, S.COUNTY_REVIEW, TOWNSHIP, T,
       f"{TEMPORARY_2018}§二(二)", None, R.NOTICE_ENDED),
    # Not a 低保 confirmation: the township approves up to its ceiling whatever the county delegated; the
    # amount decides whether the county must (services._temporary_amount).
    _t("approve", "审批：批准", S.COUNTY_REVIEW, S.APPROVED, TEMPORARY_APPROVERS, T,
       "《社会救助暂行办法》第48条（乡镇审批额度内由乡镇审批，超出由县级审批）", None, R.AMOUNT),
    _t("reject", "审批：不予救助", S.COUNTY_REVIEW, S.REJECTED, TEMPORARY_APPROVERS, T,
       "《社会救助暂行办法》第48条", WorkingDays(3), R.REASON),
    # Complex or major hardship: the county's coordination mechanism decides collectively and may go
    # above the tier (民发〔2018〕23号 §二(三); 2020 opinion item 15; 国办发〔2023〕39号 §三(四)).
    _t("refer_case_by_case", "提请一事一议", S.COUNTY_REVIEW, S.CASE_BY_CASE, TEMPORARY_APPROVERS, T,
       f"{TEMPORARY_2018}§二(三)（一事一议）", None, R.REASON),
    _t("approve", "一事一议：批准", S.CASE_BY_CASE, S.APPROVED, COUNTY, C,
       f"{TEMPORARY_2018}§二(三)（县级困难群众基本生活保障工作协调机制一事一议，可提高救助额度）", None,
       R.MEETING, R.AMOUNT),
    _t("reject", "一事一议：不予救助", S.CASE_BY_CASE, S.REJECTED, COUNTY, C, f"{TEMPORARY_2018}§二(三)",
       WorkingDays(3), R.MEETING, R.REASON),
)  # fmt: skip


# 低保边缘 and 刚性支出困难 households: 申请 → 受理 → 家庭经济状况调查 → 审核确认, no public notice (Inner
# Mongolia 2024 measures); 30 working days from acceptance, 45 for the special cases (刚性支出困难家庭认定办法
# 第 8 条; the margin procedure follows the local 低保 rules, 国办发〔2023〕39号 §二). A household rejected for
# 低保/特困 is handed over at first review with its records (``services.application_handover``).
def _identification(basis: str) -> tuple[Transition, ...]:
    return (
        *_INTAKE,
        _t("start_investigation", "启动家庭经济状况调查", S.ACCEPTED, S.INVESTIGATING, CASEWORK, T, basis),
        _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING, CASEWORK, T, basis,
           WorkingDays(3), R.HOME_VISIT),
        _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW, COUNTY, C, basis, None, R.VERIFICATION),
        _t("submit_review", "提出初审意见，报送审核确认", S.FIRST_REVIEW, S.COUNTY_REVIEW, TOWNSHIP, T, basis,
           None, R.OPINION),
        _t("approve", "审核确认：认定", S.COUNTY_REVIEW, S.APPROVED, CONFIRMERS, CF, basis, None,
           R.COUNTY_VISIT_IF_FLAGGED),
        _t("reject", "审核确认：不予认定", S.COUNTY_REVIEW, S.REJECTED, CONFIRMERS, CF, basis, WorkingDays(3),
           R.REASON),
    )  # fmt: skip


MARGIN: Final = _identification(f"{MARGIN_RIGID_IM}；{DIBAO_MEASURES}第8条")
RIGID_EXPENSE: Final = _identification(f"{MARGIN_RIGID_IM}；{RIGID_MEASURES}第7—8条")


# --- the allowances (policy-rules.md §6.1–6.3) ------------------------------------------------------------
# No public notice in any of them, and no household means test: the engine decides each allowance on the
# person (benefits.allowances). Where the notes give no time limit, none is set (as for 支出型 acceptance).

# 高龄津贴 (Inner Mongolia, universal since 2017-01-01 for registered residents aged 80+): application at the
# village (嘎查村/社区) of registration, the village committee's first review within 5 working days, then the
# township and the banner/county civil affairs review in turn; paid from the month of application. The
# registry run (enrolments.allowances) enrols most; this path is for those it missed (e.g. newly moved in).
SENIOR_ALLOWANCE: Final = (
    _t("accept", "受理", S.SUBMITTED, S.VILLAGE_REVIEW, VILLAGE, V,
       f"{SENIOR_IM}（向户籍所在嘎查村、社区申请；村（居）委会5个工作日内初审）", WorkingDays(5)),
    _t("village_review", "村（居）委会初审，报乡镇（街道）审核", S.VILLAGE_REVIEW, S.TOWNSHIP_REVIEW, VILLAGE, V,
       f"{SENIOR_IM}（村（居）委会初审）", None, R.OPINION),
    _t("township_review", "乡镇（街道）审核，报旗县民政部门审核", S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, TOWNSHIP,
       T, f"{SENIOR_IM}（苏木乡镇、街道审核）", None, R.OPINION),
    _t("approve", "旗县民政部门审核：批准", S.COUNTY_REVIEW, S.APPROVED, COUNTY, C,
       f"{SENIOR_IM}（旗县民政部门审核；自申请当月起发放）；《老年人权益保障法》第33条"),
    _t("reject", "旗县民政部门审核：不予批准", S.COUNTY_REVIEW, S.REJECTED, COUNTY, C, SENIOR_IM, None,
       R.REASON),
)  # fmt: skip

# 残疾人两项补贴 (国发〔2015〕52号, 申领程序): a written application at the township of registration (the person,
# a guardian, a near relative or the village committee may file); township first review → county 残联
# review (recorded by the county user as a 县残联审核 result) → county civil affairs decision; paid from the
# month the application was filed.
DISABILITY_SUBSIDIES: Final = (
    _t("accept", "受理", S.SUBMITTED, S.FIRST_REVIEW, CASEWORK, T,
       f"{DISABILITY_2015}（向户籍所在地乡镇（街道）书面申请，本人、监护人、近亲属或村（居）委会可代为申请）"),
    _t("submit_federation", "乡镇初审，报县级残联审核", S.FIRST_REVIEW, S.FEDERATION_REVIEW, TOWNSHIP, T,
       f"{DISABILITY_2015}（乡镇（街道）受理、初审）", None, R.OPINION),
    _t("record_federation", "残联审核完成，报县级民政部门审定", S.FEDERATION_REVIEW, S.COUNTY_REVIEW, COUNTY, C,
       f"{DISABILITY_2015}（县级残联审核）", None, R.FEDERATION),
    _t("approve", "县级民政部门审定：批准", S.COUNTY_REVIEW, S.APPROVED, COUNTY, C,
       f"{DISABILITY_2015}（县级民政部门审定；自申请当月起计发）"),
    _t("reject", "县级民政部门审定：不予批准", S.COUNTY_REVIEW, S.REJECTED, COUNTY, C, DISABILITY_2015, None,
       R.REASON),
)  # fmt: skip


# 事实无人抚养儿童 (2019 opinion): the guardian applies at the child's township, which checks mainly by
# inter-departmental data matching (recorded as verification results) and concludes within 15 working days;
# the county confirms within 15 working days; support from the month after confirmation; no public notice
# (the child's privacy). 孤儿: identified by county-level civil affairs (国办发〔2010〕54号); the notes give
# no procedure of its own, so the same shape without time limits.
def _child(
    basis: str, township_due: Period | None, county_due: Period | None, approve_basis: str
) -> tuple[Transition, ...]:
    township_limit = "，15个工作日内提出意见" if township_due else ""
    return (
        _t("accept", "受理", S.SUBMITTED, S.VERIFYING, CASEWORK, T,
           f"{basis}（监护人向儿童户籍所在地乡镇（街道）申请）", township_due),
        _t("submit_review", "核查完成，提出意见报县级民政部门确认", S.VERIFYING, S.COUNTY_REVIEW, TOWNSHIP, T,
           f"{basis}（乡镇（街道）主要通过部门间信息比对核查{township_limit}）", county_due, R.VERIFICATION,
           R.OPINION),
        _t("approve", "县级民政部门确认：认定", S.COUNTY_REVIEW, S.APPROVED, COUNTY, C, approve_basis),
        _t("reject", "县级民政部门确认：不予认定", S.COUNTY_REVIEW, S.REJECTED, COUNTY, C, basis, None, R.REASON),
    )  # fmt: skip


DE_FACTO_ORPHAN: Final = _child(DE_FACTO_2019, WorkingDays(15), WorkingDays(15),
                                f"{DE_FACTO_2019}（县级民政部门15个工作日内确认；确认的次月起发放；不公示）")  # fmt: skip
# 孤儿 are identified by county-level (or higher) civil affairs (国办发〔2010〕54号); the start month and the
# absence of a notice follow the de-facto-orphan procedure.
ORPHAN: Final = _child(f"{ORPHAN_2010}；程序比照{DE_FACTO_2019}", None, None,
                       f"{ORPHAN_2010}（县级以上民政部门认定孤儿）；确认的次月起发放、不公示比照{DE_FACTO_2019}")  # fmt: skip

# Leaving: the applicant withdraws at any open step; the county ends the procedure when the household
# refuses to cooperate without good reason (审核确认办法第 29 条).
_EXITS = (
    ("withdraw", "申请人撤回申请", Step.WITHDRAWN, TOWNSHIP, T, f"{DIBAO_MEASURES}第9条", R.REASON),
    ("terminate", "无正当理由拒不配合，终止审核确认", Step.TERMINATED, COUNTY, C, f"{DIBAO_MEASURES}第29条", R.REASON),
)  # fmt: skip

WORKFLOWS: Final[dict[Workflow, tuple[Transition, ...]]] = {
    Workflow.DIBAO: DIBAO,
    Workflow.EXTREME_POVERTY: EXTREME_POVERTY,
    Workflow.TEMPORARY_EMERGENCY: TEMPORARY_EMERGENCY,
    Workflow.TEMPORARY_SMALL_FAST: TEMPORARY_SMALL_FAST,
    Workflow.TEMPORARY_EXPENDITURE: TEMPORARY_EXPENDITURE,
    Workflow.MARGIN: MARGIN,
    Workflow.RIGID_EXPENSE: RIGID_EXPENSE,
    Workflow.SENIOR_ALLOWANCE: SENIOR_ALLOWANCE,
    Workflow.DISABILITY_SUBSIDIES: DISABILITY_SUBSIDIES,
    Workflow.ORPHAN_ALLOWANCE: ORPHAN,
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE: DE_FACTO_ORPHAN,
}
WORKFLOW_LABELS: Final = {
    Workflow.DIBAO: "最低生活保障",
    Workflow.EXTREME_POVERTY: "特困人员救助供养",
    Workflow.TEMPORARY_EMERGENCY: "临时救助（急难型，先行救助）",
    Workflow.TEMPORARY_SMALL_FAST: "临时救助（小额快救）",
    Workflow.TEMPORARY_EXPENDITURE: "临时救助（支出型）",
    Workflow.MARGIN: "低保边缘家庭认定",
    Workflow.RIGID_EXPENSE: "刚性支出困难家庭认定",
    Workflow.SENIOR_ALLOWANCE: "高龄津贴",
    Workflow.DISABILITY_SUBSIDIES: "残疾人两项补贴",
    Workflow.ORPHAN_ALLOWANCE: "孤儿基本生活保障",
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE: "事实无人抚养儿童基本生活补贴",
}
WORKFLOW_PROGRAMME: Final = {
    Workflow.DIBAO: "dibao",
    Workflow.EXTREME_POVERTY: "extreme_poverty_support",
    Workflow.TEMPORARY_EMERGENCY: "temporary_assistance",
    Workflow.TEMPORARY_SMALL_FAST: "temporary_assistance",
    Workflow.TEMPORARY_EXPENDITURE: "temporary_assistance",
    Workflow.MARGIN: "margin_household",
    Workflow.RIGID_EXPENSE: "rigid_expense_household",
    Workflow.SENIOR_ALLOWANCE: "senior_allowance",
    Workflow.DISABILITY_SUBSIDIES: "disability_subsidies",  # one application; enrolled per subsidy granted
    Workflow.ORPHAN_ALLOWANCE: "orphan_allowance",
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE: "de_facto_orphan_allowance",
}
# Who the application is for. 特困: the applicant is the subject (特困人员认定办法第 10 条). The allowances are
# for one person too: 两项补贴 may be filed by the person, a guardian, a near relative or the village
# committee (国发〔2015〕52号); the notes name no restriction for 高龄津贴, so a co-resident family member may
# file for the elderly person; for children the guardian applies (2019 opinion; 孤儿 the same shape), so
# the subject is a child under 18 other than the applicant.
ALLOWANCE_WORKFLOWS: Final = frozenset({
    Workflow.SENIOR_ALLOWANCE, Workflow.DISABILITY_SUBSIDIES, Workflow.ORPHAN_ALLOWANCE,
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE,
})  # fmt: skip
CHILD_WORKFLOWS: Final = frozenset({Workflow.ORPHAN_ALLOWANCE, Workflow.DE_FACTO_ORPHAN_ALLOWANCE})
PERSON_WORKFLOWS: Final = frozenset({Workflow.EXTREME_POVERTY}) | ALLOWANCE_WORKFLOWS
SELF_ONLY_WORKFLOWS: Final = frozenset({Workflow.EXTREME_POVERTY})
CHILD_AGE: Final = 18  # 国办发〔2010〕54号; 2019 opinion: 未满 18 周岁
# 两项补贴: which the application names (one or both); the engine decides each (国发〔2015〕52号).
DISABILITY_LIVING = "disability_living_subsidy"
DISABILITY_CARE = "severe_disability_care_subsidy"
SUBSIDY_LABELS: Final = {DISABILITY_LIVING: "困难残疾人生活补贴", DISABILITY_CARE: "重度残疾人护理补贴"}
# The programmes an allowance application may enrol (the disability one names its subsidies).
ALLOWANCE_PROGRAMMES: Final = {
    Workflow.SENIOR_ALLOWANCE: ("senior_allowance",),
    Workflow.DISABILITY_SUBSIDIES: (DISABILITY_LIVING, DISABILITY_CARE),
    Workflow.ORPHAN_ALLOWANCE: ("orphan_allowance",),
    Workflow.DE_FACTO_ORPHAN_ALLOWANCE: ("de_facto_orphan_allowance",),
}
# Paid from the month of application (高龄津贴: Inner Mongolia measures; 两项补贴: 国发〔2015〕52号), or from
# the month after the county's confirmation (事实无人抚养儿童: 2019 opinion; 孤儿 the same shape).
PAID_FROM_APPLICATION_MONTH: Final = frozenset({Workflow.SENIOR_ALLOWANCE, Workflow.DISABILITY_SUBSIDIES})
# 审核确认办法第 22 条: 30 working days from acceptance; 20 when the county delegated confirmation;
# up to 45 in the special cases of the 2022 notice §四(一).
# 刚性支出困难家庭认定办法第 8 条: 30 working days, 45 in the special cases; margin households follow it.
OVERALL_LIMIT: Final = {
    Workflow.DIBAO: WorkingDays(30), Workflow.MARGIN: WorkingDays(30), Workflow.RIGID_EXPENSE: WorkingDays(30),
}  # fmt: skip
OVERALL_LIMIT_DELEGATED: Final = {**OVERALL_LIMIT, Workflow.DIBAO: WorkingDays(20)}
OVERALL_LIMIT_EXTENDED: Final = WorkingDays(45)
# 刚性支出困难家庭认定办法第 10 条: an identification is valid for at most 12 months, then re-applied for.
VALIDITY_MONTHS: Final = {Workflow.RIGID_EXPENSE: 12}
# Inner Mongolia 2024 measures: a household rejected for 低保/特困 may, with its consent, move straight
# into the margin or rigid-expense procedure without re-submitting its papers.
HANDOVER_FROM: Final = frozenset({Workflow.DIBAO, Workflow.EXTREME_POVERTY})
HANDOVER_TO: Final = (Workflow.MARGIN, Workflow.RIGID_EXPENSE)
EXTENSION_REASONS: Final = {
    "objection": "公示有异议",
    "separated_household": "人户分离",
    "outside_registration_place": "在非户籍地申请",
    "hard_investigation": "调查核实难度较大",
}


def transitions(workflow: Workflow) -> tuple[Transition, ...]:
    """The workflow's table plus the exits from every open step."""
    table = WORKFLOWS[workflow]
    sources = sorted({t.source for t in table} | {t.target for t in table if t.target not in FINAL_STEPS})
    exits = tuple(
        _t(code, label, source, target, roles, level, basis, None, req)
        for code, label, target, roles, level, basis, req in _EXITS
        for source in sources
    )
    return table + exits


def transition_for(workflow: Workflow, step: str, code: str) -> Transition | None:
    """The transition ``code`` from ``step``, or ``None`` when the table has none (not allowed)."""
    return next((t for t in transitions(workflow) if t.code == code and t.source == step), None)


def available(workflow: Workflow, step: str, role: str) -> list[Transition]:
    """Transitions from ``step`` the role may take (the page shows only these)."""
    return [t for t in transitions(workflow) if t.source == step and role in t.roles]


def role_may(transition: Transition, role: str, *, delegated: bool) -> bool:
    """The role may take the transition; a township reviewer confirms only where the county delegated
    confirmation (审核确认办法第 2 条)."""
    if role not in transition.roles:
        return False
    return not (transition.level == Level.CONFIRMING and role == "township_reviewer" and not delegated)
