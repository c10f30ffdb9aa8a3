"""临时救助 (temporary assistance; policy-rules.md §3.1–3.4): type, eligibility, tier, one-off amount and the
approval level it needs, including 2026's 小额快救. Pure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from minzheng.benefits.assets import assets_pass
from minzheng.benefits.errors import AssessmentInputMissing, ParameterMissing
from minzheng.benefits.facts import AssistanceType, HouseholdFacts, TemporaryRequest, amount_check
from minzheng.benefits.means_test import counted_members, household_income
from minzheng.benefits.params import CENT, Params, apply_rounding, decimal_of, lookup
from minzheng.benefits.reasons import (
    INTERIM_MEASURES,
    MANUAL,
    TEMPORARY_OPINION_2018,
    TEMPORARY_OPINION_2026,
    AssessmentResult,
    ManualDetermination,
    Reason,
    article,
    reason,
)
from minzheng.catalogue.programmes import Programme
from minzheng.policy.rules import ResolvedParameter

PROGRAMME = Programme.TEMPORARY_ASSISTANCE
TYPES = f"{TEMPORARY_OPINION_2018}§二(一)；{article(INTERIM_MEASURES, 47)}"
AMOUNTS = f"{TEMPORARY_OPINION_2018}§二(三)；{article(INTERIM_MEASURES, 49)}"
# 2026 opinion: already identified households are checked for the spending only, not re-tested.
IDENTIFIED = frozenset({Programme.DIBAO, Programme.MARGIN_HOUSEHOLD, Programme.RIGID_EXPENSE_HOUSEHOLD})
SMALL_FAST_MAX_MULTIPLE = Decimal(1)  # 2026 opinion: top tier ≤ one month of the local 低保 standard
ZERO = Decimal("0.00")


def _request_check(request: TemporaryRequest | None) -> TemporaryRequest:
    if request is None:
        raise AssessmentInputMissing(
            "临时救助须给出救助申请（类型、困难情形、所需金额）", field="temporary_request"
        )
    if request.assistance_type not in list(AssistanceType):
        raise AssessmentInputMissing(
            f"临时救助类型“{request.assistance_type}”无效（emergency、expenditure 或 small_fast）",
            field="temporary_request.assistance_type",
        )
    if not request.hardship.strip():
        raise AssessmentInputMissing(
            "请说明遭遇的困难情形（火灾、交通事故、突发重病、教育医疗支出等）",
            field="temporary_request.hardship",
        )
    if request.requested_amount is not None:
        amount_check(request.requested_amount, "temporary_request.requested_amount", "所需救助金额")
    return request


def _eligible(
    facts: HouseholdFacts, params: Params, request: TemporaryRequest, log: list[Reason]
) -> tuple[bool, Decimal | None]:
    """急难型 / 小额快救: the emergency itself qualifies; aid first, paperwork after (§二(一)(二)).
    支出型: households already identified as 低保, 边缘 or 刚性支出 are not re-tested (2026 opinion);
    others need per-capita income below the previous year's per-capita disposable income and assets
    within the rules (§二(一))."""
    if request.assistance_type != AssistanceType.EXPENDITURE:
        log.append(
            reason(
                "temporary.emergency",
                TYPES,
                f"遭遇急难情形：{request.hardship}，基本生活暂时出现严重困难",
                value=True,
                inputs={"hardship": request.hardship},
            )
        )
        return True, None
    identified = sorted(str(p) for p in IDENTIFIED & facts.programmes_received)
    if identified:
        log.append(
            reason(
                "temporary.identified",
                TEMPORARY_OPINION_2026,
                f"已认定为{'、'.join(identified)}，不再重复核查收入和财产，重点核查必需支出",
                value=True,
                inputs={"programmes": identified},
            )
        )
        return True, None
    members = counted_members(facts, log)
    income = household_income(facts, PROGRAMME, members, params, log)
    disposable = lookup(params, facts, "income.previous_year_disposable_per_capita_annual")
    limit = (decimal_of(disposable) / 12).quantize(CENT)
    below = income.per_capita_monthly < limit
    log.append(
        reason(
            "temporary.income_test",
            f"{TEMPORARY_OPINION_2018}§二(一)",
            f"支出型：人均月收入 {income.per_capita_monthly} 元{'低于' if below else '不低于'}"
            f"上年度人均可支配收入 {decimal_of(disposable)} ÷ 12 = {limit} 元",
            value=below,
            parameters=(disposable,),
        )
    )
    if not below:
        return False, income.per_capita_monthly
    assets = assets_pass(facts, members, params, log)
    if assets is None:
        log.append(
            reason(
                "temporary.manual_review", TYPES, "财产条件无法按已配置规则判定：需人工核定", status=MANUAL
            )
        )
        raise ManualDetermination(log)
    return assets, income.per_capita_monthly


def _tier(
    resolved: ResolvedParameter, request: TemporaryRequest, standard: Decimal, log: list[Reason]
) -> dict[str, Any]:
    """The tier asked for, or the lowest tier of the type whose ceiling covers the need (the highest when
    none does; 一事一议 may then raise the amount, §二(三)). A tier of the type whose multiple is not
    configured (the Inner Mongolia multiples were not found) → 需人工核定."""
    of_type = [t for t in resolved.value if t["assistance_type"] == request.assistance_type]
    open_tiers = [t for t in of_type if t["max_multiple"] is None]
    if open_tiers:
        log.append(
            reason(
                "temporary.tier_unconfigured",
                AMOUNTS,
                f"临时救助档次“{open_tiers[0]['label']}”的救助倍数本地未配置：救助金额需人工核定",
                inputs={"tier": open_tiers[0]["code"]},
                parameters=(resolved,),
                status=MANUAL,
            )
        )
        raise ManualDetermination(log)
    tiers = sorted(of_type, key=lambda t: Decimal(t["max_multiple"]))
    if not tiers:
        raise ParameterMissing(
            f"临时救助档次（temporary.tiers，第 {resolved.version} 版）"
            f"没有“{request.assistance_type}”类型的档次"
        )
    if request.tier_code is not None:
        for tier in tiers:
            if tier["code"] == request.tier_code:
                return dict(tier)
        raise AssessmentInputMissing(
            f"没有“{request.assistance_type}”类型的档次“{request.tier_code}”",
            field="temporary_request.tier_code",
        )
    if request.requested_amount is None:
        if len(tiers) > 1:
            raise AssessmentInputMissing(
                "该类型有多个档次：请给出所需金额或档次代码", field="temporary_request.tier_code"
            )
        return dict(tiers[0])
    need = request.requested_amount
    covering = [t for t in tiers if Decimal(t["max_multiple"]) * standard >= need]
    return dict(covering[0] if covering else tiers[-1])


def _approval(
    facts: HouseholdFacts,
    params: Params,
    request: TemporaryRequest,
    amount: Decimal,
    standard: ResolvedParameter,
    log: list[Reason],
) -> str:
    """Township approves small amounts (《社会救助暂行办法》第 48 条) up to
    ``temporary.township_ceiling_multiple`` × the standard, and always 小额快救; above → county."""
    if request.assistance_type == AssistanceType.SMALL_FAST:
        log.append(
            reason(
                "temporary.approval",
                TEMPORARY_OPINION_2026,
                "小额快救由乡镇（街道）直接救助",
                value="township",
            )
        )
        return "township"
    multiple = lookup(params, facts, "temporary.township_ceiling_multiple")
    ceiling = (decimal_of(multiple) * decimal_of(standard)).quantize(CENT)
    level = "township" if amount <= ceiling else "county"
    log.append(
        reason(
            "temporary.approval",
            article(INTERIM_MEASURES, 48),
            f"救助金额 {amount} 元{'未超过' if level == 'township' else '超过'}乡镇审批额度 {ceiling} 元，"
            f"由{'乡镇（街道）' if level == 'township' else '县级民政部门'}审批",
            value=level,
            parameters=(multiple, standard),
        )
    )
    return level


PROCEDURES = {
    AssistanceType.SMALL_FAST: ("no_financial_verification", "no_publicity", "decide_within_3_days"),
    AssistanceType.EMERGENCY: ("aid_first", "complete_paperwork_after"),
    AssistanceType.EXPENDITURE: ("financial_verification", "publicity"),
}


def assess_temporary(
    facts: HouseholdFacts, params: Params, request: TemporaryRequest | None
) -> AssessmentResult:
    """One-off amount = the need, capped at the tier's ``max_multiple`` × the monthly 低保 standard
    (小额快救 at most 1 ×, 2026 opinion), rounded; with the approval level and the procedure it needs."""
    request = _request_check(request)
    log: list[Reason] = []
    eligible, per_capita = _eligible(facts, params, request, log)
    members = tuple(m.key for m in counted_members(facts, []))
    if not eligible:
        return AssessmentResult(PROGRAMME, False, per_capita, members, ZERO, tuple(log))
    standard = lookup(params, facts, "dibao.standard_monthly")
    tiers = lookup(params, facts, "temporary.tiers")
    tier = _tier(tiers, request, decimal_of(standard), log)
    multiple = Decimal(tier["max_multiple"])
    if request.assistance_type == AssistanceType.SMALL_FAST and multiple > SMALL_FAST_MAX_MULTIPLE:
        log.append(
            reason(
                "temporary.small_fast_cap",
                TEMPORARY_OPINION_2026,
                f"小额快救最高档不超过一个月低保标准：档次倍数 {multiple} 按 1 计",
                value=SMALL_FAST_MAX_MULTIPLE,
                parameters=(tiers,),
            )
        )
        multiple = SMALL_FAST_MAX_MULTIPLE
    ceiling = (multiple * decimal_of(standard)).quantize(CENT)
    need = request.requested_amount if request.requested_amount is not None else ceiling
    rounding = lookup(params, facts, "rounding")
    amount = apply_rounding(min(need, ceiling), rounding.value)
    log.append(
        reason(
            "temporary.amount",
            AMOUNTS,
            f"“{tier['label']}”上限 {multiple} × 月低保标准 {decimal_of(standard)} = {ceiling} 元；"
            f"所需 {need} 元，救助 {amount} 元",
            value=amount,
            inputs={"tier": tier["code"], "need": need, "ceiling": ceiling},
            parameters=(tiers, standard, rounding),
        )
    )
    approval = _approval(facts, params, request, amount, standard, log)
    procedure = PROCEDURES[AssistanceType(request.assistance_type)]
    if request.assistance_type == AssistanceType.EXPENDITURE and IDENTIFIED & facts.programmes_received:
        procedure = ("spending_check_only", "publicity")
    return AssessmentResult(
        PROGRAMME,
        True,
        per_capita,
        members,
        ZERO,
        tuple(log),
        level=tier["code"],
        approval_level=approval,
        one_off_amount=amount,
        procedure=procedure,
    )
