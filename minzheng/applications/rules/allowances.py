"""The allowance procedures: 高龄津贴, 残疾人两项补贴, 孤儿 and 事实无人抚养儿童 (policy-rules.md §6.1–6.3).
No public notice in any of them, and no household means test: the engine decides each allowance on the
person (benefits.allowances). Where the notes give no time limit, none is set (as for 支出型 acceptance)."""

from __future__ import annotations

from typing import Final

from minzheng.applications.rules.steps import (
    CASEWORK,
    COUNTY,
    DE_FACTO_2019,
    DISABILITY_2015,
    ORPHAN_2010,
    SENIOR_IM,
    TOWNSHIP,
    VILLAGE,
    C,
    R,
    S,
    T,
    Transition,
    V,
    _t,
)
from minzheng.common.workdays import Period, WorkingDays

# 高龄津贴 (Inner Mongolia, universal since 2017-01-01 for registered residents aged 80+): application at the
# village (嘎查村/社区) of registration, the village committee's first review within 5 working days, then the
# township and the banner/county civil affairs review in turn; paid from the month of application. The
# registry run (enrolments.allowances) enrols most; this path is for those it missed (e.g. newly moved in).
SENIOR_ALLOWANCE: Final = (
    _t("accept", "受理", S.SUBMITTED, S.VILLAGE_REVIEW)
    .by(VILLAGE, V)
    .deadline(WorkingDays(5))
    .cite(f"{SENIOR_IM}（向户籍所在嘎查村、社区申请；村（居）委会5个工作日内初审）"),
    _t("village_review", "村（居）委会初审，报乡镇（街道）审核", S.VILLAGE_REVIEW, S.TOWNSHIP_REVIEW)
    .by(VILLAGE, V)
    .needs(R.OPINION)
    .cite(f"{SENIOR_IM}（村（居）委会初审）"),
    _t("township_review", "乡镇（街道）审核，报旗县民政部门审核", S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW)
    .by(TOWNSHIP, T)
    .needs(R.OPINION)
    .cite(f"{SENIOR_IM}（苏木乡镇、街道审核）"),
    _t("approve", "旗县民政部门审核：批准", S.COUNTY_REVIEW, S.APPROVED)
    .by(COUNTY, C)
    .cite(f"{SENIOR_IM}（旗县民政部门审核；自申请当月起发放）；《老年人权益保障法》第33条"),
    _t("reject", "旗县民政部门审核：不予批准", S.COUNTY_REVIEW, S.REJECTED)
    .by(COUNTY, C)
    .needs(R.REASON)
    .cite(SENIOR_IM),
)

# 残疾人两项补贴 (国发〔2015〕52号, 申领程序): a written application at the township of registration (the
# person, a guardian, a near relative or the village committee may file); township first review → county 残联
# review (recorded by the county user as a 县残联审核 result) → county civil affairs decision; paid from the
# month the application was filed.
DISABILITY_SUBSIDIES: Final = (
    _t("accept", "受理", S.SUBMITTED, S.FIRST_REVIEW)
    .by(CASEWORK, T)
    .cite(
        f"{DISABILITY_2015}（向户籍所在地乡镇（街道）书面申请，本人、监护人、近亲属或村（居）委会可代为申请）"
    ),
    _t("submit_federation", "乡镇初审，报县级残联审核", S.FIRST_REVIEW, S.FEDERATION_REVIEW)
    .by(TOWNSHIP, T)
    .needs(R.OPINION)
    .cite(f"{DISABILITY_2015}（乡镇（街道）受理、初审）"),
    _t("record_federation", "残联审核完成，报县级民政部门审定", S.FEDERATION_REVIEW, S.COUNTY_REVIEW)
    .by(COUNTY, C)
    .needs(R.FEDERATION)
    .cite(f"{DISABILITY_2015}（县级残联审核）"),
    _t("approve", "县级民政部门审定：批准", S.COUNTY_REVIEW, S.APPROVED)
    .by(COUNTY, C)
    .cite(f"{DISABILITY_2015}（县级民政部门审定；自申请当月起计发）"),
    _t("reject", "县级民政部门审定：不予批准", S.COUNTY_REVIEW, S.REJECTED)
    .by(COUNTY, C)
    .needs(R.REASON)
    .cite(DISABILITY_2015),
)


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
        _t("accept", "受理", S.SUBMITTED, S.VERIFYING)
        .by(CASEWORK, T)
        .deadline(township_due)
        .cite(f"{basis}（监护人向儿童户籍所在地乡镇（街道）申请）"),
        _t("submit_review", "核查完成，提出意见报县级民政部门确认", S.VERIFYING, S.COUNTY_REVIEW)
        .by(TOWNSHIP, T)
        .needs(R.VERIFICATION, R.OPINION)
        .deadline(county_due)
        .cite(f"{basis}（乡镇（街道）主要通过部门间信息比对核查{township_limit}）"),
        _t("approve", "县级民政部门确认：认定", S.COUNTY_REVIEW, S.APPROVED)
        .by(COUNTY, C)
        .cite(approve_basis),
        _t("reject", "县级民政部门确认：不予认定", S.COUNTY_REVIEW, S.REJECTED)
        .by(COUNTY, C)
        .needs(R.REASON)
        .cite(basis),
    )


DE_FACTO_ORPHAN: Final = _child(
    DE_FACTO_2019,
    WorkingDays(15),
    WorkingDays(15),
    f"{DE_FACTO_2019}（县级民政部门15个工作日内确认；确认的次月起发放；不公示）",
)
# 孤儿 are identified by county-level (or higher) civil affairs (国办发〔2010〕54号); the start month and the
# absence of a notice follow the de-facto-orphan procedure.
ORPHAN: Final = _child(
    f"{ORPHAN_2010}；程序比照{DE_FACTO_2019}",
    None,
    None,
    f"{ORPHAN_2010}（县级以上民政部门认定孤儿）；确认的次月起发放、不公示比照{DE_FACTO_2019}",
)
