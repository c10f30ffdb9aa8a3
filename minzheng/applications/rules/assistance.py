"""The social-assistance procedures: 低保, 特困, the three 临时救助 procedures and the 低保边缘 / 刚性支出困难
identifications (policy-rules.md §1.2–1.7, §2.2–2.3, §3.3)."""

from __future__ import annotations

from typing import Final

from minzheng.applications.rules.steps import (
    ASSISTANCE_48,
    CASEWORK,
    CF,
    CONFIRMERS,
    COUNTY,
    DIBAO_MEASURES,
    EP_MEASURES,
    KEEP,
    MARGIN_RIGID_IM,
    RIGID_MEASURES,
    TEMPORARY_2018,
    TEMPORARY_2026,
    TEMPORARY_APPROVERS,
    TOWNSHIP,
    C,
    R,
    S,
    T,
    Transition,
    _t,
)
from minzheng.common.workdays import CalendarDays, WorkingDays

# Every workflow starts at SUBMITTED (online/entrusted) or goes through ``accept`` at the window at once.
_INTAKE = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED)
    .by(CASEWORK, T)
    .needs(R.PLEDGE)
    .deadline(WorkingDays(3))
    .cite(f"{DIBAO_MEASURES}第10条；第15条（3个工作日内启动调查）"),
    _t("request_materials", "一次性告知补齐材料", S.SUBMITTED, S.MATERIALS_PENDING)
    .by(CASEWORK, T)
    .needs(R.MATERIALS_LISTED)
    .cite(f"{DIBAO_MEASURES}第10条"),
    _t("materials_received", "材料已补齐", S.MATERIALS_PENDING, S.SUBMITTED)
    .by(CASEWORK, T)
    .cite(f"{DIBAO_MEASURES}第10条"),
)

DIBAO: Final = (
    *_INTAKE,
    _t("start_investigation", "启动家庭经济状况调查", S.ACCEPTED, S.INVESTIGATING)
    .by(CASEWORK, T)
    .cite(f"{DIBAO_MEASURES}第15—16条"),
    _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING)
    .by(CASEWORK, T)
    .needs(R.HOME_VISIT)
    .deadline(WorkingDays(3))
    .cite(f"{DIBAO_MEASURES}第17条（县级3个工作日内启动核对）"),
    _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW)
    .by(COUNTY, C)
    .needs(R.VERIFICATION)
    .cite(f"{DIBAO_MEASURES}第17—18条"),
    _t("publish_notice", "提出初审意见并公示", S.FIRST_REVIEW, S.PUBLIC_NOTICE)
    .by(TOWNSHIP, T)
    .needs(R.OPINION)
    .deadline(CalendarDays(7))
    .cite(f"{DIBAO_MEASURES}第19条（公示7天）"),
    _t("close_notice", "公示无异议，报送审核确认", S.PUBLIC_NOTICE, S.COUNTY_REVIEW)
    .by(TOWNSHIP, T)
    .needs(R.NOTICE_ENDED)
    .deadline(WorkingDays(10))
    .cite(f"{DIBAO_MEASURES}第19—20条（10个工作日内审核确认）"),
    _t("hold_appraisal", "公示有异议，组织民主评议", S.PUBLIC_NOTICE, S.APPRAISAL)
    .by(TOWNSHIP, T)
    .needs(R.OBJECTION)
    .cite(f"{DIBAO_MEASURES}第19条"),
    _t("reinvestigate", "公示有异议，重新调查", S.PUBLIC_NOTICE, S.INVESTIGATING)
    .by(TOWNSHIP, T)
    .needs(R.OBJECTION)
    .cite(f"{DIBAO_MEASURES}第19条"),
    _t("submit_after_appraisal", "评议后报送审核确认", S.APPRAISAL, S.COUNTY_REVIEW)
    .by(TOWNSHIP, T)
    .needs(R.OPINION)
    .deadline(WorkingDays(10))
    .cite(f"{DIBAO_MEASURES}第19—20条"),
    _t("approve", "审核确认：批准", S.COUNTY_REVIEW, S.APPROVED)
    .by(CONFIRMERS, CF)
    .needs(R.COUNTY_VISIT_IF_FLAGGED)
    .cite(f"{DIBAO_MEASURES}第20—21条（次月起发放）"),
    _t("reject", "审核确认：不予批准", S.COUNTY_REVIEW, S.REJECTED)
    .by(CONFIRMERS, CF)
    .needs(R.REASON)
    .deadline(WorkingDays(3))
    .cite(f"{DIBAO_MEASURES}第21条（3个工作日内书面告知理由）"),
)

EXTREME_POVERTY: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED)
    .by(CASEWORK, T)
    .needs(R.PLEDGE)
    .deadline(WorkingDays(15))
    .cite(f"{EP_MEASURES}第12—13条（15个工作日内调查并初审）"),
    *_INTAKE[1:],
    _t("start_investigation", "启动调查", S.ACCEPTED, S.INVESTIGATING)
    .by(CASEWORK, T)
    .deadline(KEEP)
    .cite(f"{EP_MEASURES}第13条"),
    _t("publish_notice", "提出初审意见并公示", S.INVESTIGATING, S.PUBLIC_NOTICE)
    .by(TOWNSHIP, T)
    .needs(R.HOME_VISIT, R.SELF_CARE, R.OPINION)
    .deadline(CalendarDays(7))
    .cite(f"{EP_MEASURES}第13—15条（公示7天）"),
    _t("close_notice", "公示无异议，报送审核确认", S.PUBLIC_NOTICE, S.COUNTY_REVIEW)
    .by(TOWNSHIP, T)
    .needs(R.NOTICE_ENDED)
    .deadline(WorkingDays(15))
    .cite(f"{EP_MEASURES}第16条（15个工作日内审核确认）"),
    _t("reinvestigate", "公示有异议，重新调查", S.PUBLIC_NOTICE, S.INVESTIGATING)
    .by(TOWNSHIP, T)
    .needs(R.OBJECTION)
    .deadline(WorkingDays(15))
    .cite(f"{EP_MEASURES}第15条（15个工作日内重新提出意见）"),
    _t("approve", "审核确认：批准", S.COUNTY_REVIEW, S.APPROVED)
    .by(CONFIRMERS, CF)
    .needs(R.SPOT_CHECK_DRAWN, R.COUNTY_VISIT_IF_FLAGGED)
    .cite(f"{EP_MEASURES}第16—17条（次月起供养）"),
    _t("reject", "审核确认：不予批准", S.COUNTY_REVIEW, S.REJECTED)
    .by(CONFIRMERS, CF)
    .needs(R.REASON)
    .deadline(WorkingDays(3))
    .cite(f"{EP_MEASURES}第18条（3个工作日内书面告知理由）"),
)

TEMPORARY_EMERGENCY: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED).by(CASEWORK, T).cite(f"{TEMPORARY_2018}§二(二)"),
    _t("pay_aid_first", "先行救助", S.ACCEPTED, S.AID_PAID)
    .by(TOWNSHIP, T)
    .needs(R.AMOUNT)
    .cite(f"{TEMPORARY_2018}§二(二)（急难型先行救助，简化核对、评议和公示）"),
    _t("complete_paperwork", "补办审批手续", S.AID_PAID, S.APPROVED)
    .by(TEMPORARY_APPROVERS, T)
    .needs(R.PLEDGE)
    .cite(f"{TEMPORARY_2018}§二(二)（紧急情况解除后补齐手续）；{ASSISTANCE_48}"),
)

TEMPORARY_SMALL_FAST: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED)
    .by(CASEWORK, T)
    .deadline(CalendarDays(3))
    .cite(f"{TEMPORARY_2026}（小额快救一般不超过3天）"),
    _t("approve", "小额快救：直接救助", S.ACCEPTED, S.APPROVED)
    .by(TOWNSHIP, T)
    .needs(R.AMOUNT)
    .cite(f"{TEMPORARY_2026}（免于家庭经济状况核对和公示）"),
    _t("reject", "不予救助", S.ACCEPTED, S.REJECTED)
    .by(TOWNSHIP, T)
    .needs(R.REASON)
    .cite(f"{TEMPORARY_2026}"),
)

# No national time limit was found for the 支出型 procedure (policy-rules.md §3.3), so acceptance sets none.
TEMPORARY_EXPENDITURE: Final = (
    _t("accept", "受理", S.SUBMITTED, S.ACCEPTED)
    .by(CASEWORK, T)
    .needs(R.PLEDGE)
    .cite(f"{TEMPORARY_2018}§二(二)"),
    *_INTAKE[1:],
    _t("start_investigation", "启动调查", S.ACCEPTED, S.INVESTIGATING)
    .by(CASEWORK, T)
    .cite(f"{TEMPORARY_2018}§二(二)"),
    _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING)
    .by(CASEWORK, T)
    .needs(R.HOME_VISIT)
    .deadline(WorkingDays(3))
    .cite(f"{TEMPORARY_2018}§二(二)"),
    _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW)
    .by(COUNTY, C)
    .needs(R.VERIFICATION)
    .cite(f"{TEMPORARY_2018}§二(二)"),
    _t("publish_notice", "提出审核意见并公示", S.FIRST_REVIEW, S.PUBLIC_NOTICE)
    .by(TOWNSHIP, T)
    .needs(R.OPINION)
    .deadline(CalendarDays(7))
    .cite(f"{TEMPORARY_2018}§二(二)"),
    _t("close_notice", "公示无异议，报送审批", S.PUBLIC_NOTICE, S.COUNTY_REVIEW)
    .by(TOWNSHIP, T)
    .needs(R.NOTICE_ENDED)
    .cite(f"{TEMPORARY_2018}§二(二)"),
    # Not a 低保 confirmation: the township approves up to its ceiling whatever the county delegated; the
    # amount decides whether the county must (services.decisions.temporary_amount).
    _t("approve", "审批：批准", S.COUNTY_REVIEW, S.APPROVED)
    .by(TEMPORARY_APPROVERS, T)
    .needs(R.AMOUNT)
    .cite(f"{ASSISTANCE_48}（乡镇审批额度内由乡镇审批，超出由县级审批）"),
    _t("reject", "审批：不予救助", S.COUNTY_REVIEW, S.REJECTED)
    .by(TEMPORARY_APPROVERS, T)
    .needs(R.REASON)
    .deadline(WorkingDays(3))
    .cite(ASSISTANCE_48),
    # Complex or major hardship: the county's coordination mechanism decides collectively and may go
    # above the tier (民发〔2018〕23号 §二(三); 2020 opinion item 15; 国办发〔2023〕39号 §三(四)).
    _t("refer_case_by_case", "提请一事一议", S.COUNTY_REVIEW, S.CASE_BY_CASE)
    .by(TEMPORARY_APPROVERS, T)
    .needs(R.REASON)
    .cite(f"{TEMPORARY_2018}§二(三)（一事一议）"),
    _t("approve", "一事一议：批准", S.CASE_BY_CASE, S.APPROVED)
    .by(COUNTY, C)
    .needs(R.MEETING, R.AMOUNT)
    .cite(f"{TEMPORARY_2018}§二(三)（县级困难群众基本生活保障工作协调机制一事一议，可提高救助额度）"),
    _t("reject", "一事一议：不予救助", S.CASE_BY_CASE, S.REJECTED)
    .by(COUNTY, C)
    .needs(R.MEETING, R.REASON)
    .deadline(WorkingDays(3))
    .cite(f"{TEMPORARY_2018}§二(三)"),
)


# 低保边缘 and 刚性支出困难 households: 申请 → 受理 → 家庭经济状况调查 → 审核确认, no public notice (Inner
# Mongolia 2024 measures); 30 working days from acceptance, 45 for the special cases (刚性支出困难家庭认定办法
# 第 8 条; the margin procedure follows the local 低保 rules, 国办发〔2023〕39号 §二). A household rejected
# for 低保/特困 is handed over at first review with its records (``services.application_handover``).
def _identification(basis: str) -> tuple[Transition, ...]:
    return (
        *_INTAKE,
        _t("start_investigation", "启动家庭经济状况调查", S.ACCEPTED, S.INVESTIGATING)
        .by(CASEWORK, T)
        .cite(basis),
        _t("request_verification", "提请信息核对", S.INVESTIGATING, S.VERIFYING)
        .by(CASEWORK, T)
        .needs(R.HOME_VISIT)
        .deadline(WorkingDays(3))
        .cite(basis),
        _t("record_verification", "核对完成", S.VERIFYING, S.FIRST_REVIEW)
        .by(COUNTY, C)
        .needs(R.VERIFICATION)
        .cite(basis),
        _t("submit_review", "提出初审意见，报送审核确认", S.FIRST_REVIEW, S.COUNTY_REVIEW)
        .by(TOWNSHIP, T)
        .needs(R.OPINION)
        .cite(basis),
        _t("approve", "审核确认：认定", S.COUNTY_REVIEW, S.APPROVED)
        .by(CONFIRMERS, CF)
        .needs(R.COUNTY_VISIT_IF_FLAGGED)
        .cite(basis),
        _t("reject", "审核确认：不予认定", S.COUNTY_REVIEW, S.REJECTED)
        .by(CONFIRMERS, CF)
        .needs(R.REASON)
        .deadline(WorkingDays(3))
        .cite(basis),
    )


MARGIN: Final = _identification(f"{MARGIN_RIGID_IM}；{DIBAO_MEASURES}第8条")
RIGID_EXPENSE: Final = _identification(f"{MARGIN_RIGID_IM}；{RIGID_MEASURES}第7—8条")
