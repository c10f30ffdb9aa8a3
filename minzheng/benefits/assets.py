"""家庭财产 test shared by the income-tested programmes (《最低生活保障审核确认办法》第 14 条;
policy-rules.md §1.6). Pure."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from minzheng.benefits.facts import AssetFact, HouseholdFacts, MemberFacts
from minzheng.benefits.params import CENT, Params, decimal_of, fraction_to_yuan, lookup
from minzheng.benefits.reasons import DIBAO_MEASURES, INTERIM_MEASURES, MANUAL, Reason, article, reason
from minzheng.policy.rules import ResolvedParameter

ART_14 = article(DIBAO_MEASURES, 14)


def assets_pass(
    facts: HouseholdFacts,
    members: tuple[MemberFacts, ...],
    params: Params,
    log: list[Reason],
    *,
    include_unattributed: bool = True,
) -> bool | None:
    """家庭财产 within ``assets.rules`` (《最低生活保障审核确认办法》第 14 条; thresholds set by the province
    or prefecture, 《社会救助暂行办法》第 10 条). Exempt property (needed for production and daily life)
    is left out. ``True`` within every rule, ``False`` over a configured limit, ``None`` = 需人工核定:
    the rule set is empty, or the household holds property of a category whose limit is open (``max``
    null: the Inner Mongolia limits were not found, policy-figures.md §4). Never a silent pass."""
    resolved = lookup(params, facts, "assets.rules")
    if not resolved.value:
        log.append(
            reason(
                "assets.unconfigured",
                f"{ART_14}；{article(INTERIM_MEASURES, 10)}",
                "未配置家庭财产认定规则：财产条件无法判定，需人工核定",
                value=None,
                parameters=(resolved,),
                status=MANUAL,
            )
        )
        return None
    keys = {m.key for m in members}
    held = [
        a
        for a in facts.assets
        if (a.person_key in keys if a.person_key is not None else include_unattributed)
    ]
    for asset in held:
        if asset.exempt:
            log.append(
                reason(
                    "assets.exempt",
                    ART_14,
                    f"{asset.category} {asset.value} 元为生产生活必需财产，不计",
                    inputs={"category": asset.category, "value": asset.value},
                )
            )
    counted = [a for a in held if not a.exempt]
    verdicts = [
        _asset_rule(rule, counted, len(members), facts, params, resolved, log) for rule in resolved.value
    ]
    if False in verdicts:
        return False  # refused under a configured limit, whatever the open ones would say
    return None if None in verdicts else True


def _asset_rule(
    rule: dict[str, Any],
    assets: list[AssetFact],
    persons: int,
    facts: HouseholdFacts,
    params: Params,
    resolved: ResolvedParameter,
    log: list[Reason],
) -> bool | None:
    matching = [a for a in assets if a.category in rule["categories"]]
    total = sum((a.value for a in matching), Decimal(0))
    measures = {
        "value_total": total,
        "value_per_capita": fraction_to_yuan(Fraction(total) / persons),
        "count": Decimal(len(matching)),
    }
    measured = measures[rule["measure"]]
    used = [resolved]
    if rule.get("max", 0) is None:
        return _open_limit(rule, matching, resolved, log)
    if "max_dibao_months" in rule:
        standard = lookup(params, facts, "dibao.standard_monthly")
        used.append(standard)
        limit = (Decimal(rule["max_dibao_months"]) * decimal_of(standard)).quantize(CENT)
    else:
        limit = Decimal(str(rule["max"]))
    within = measured <= limit
    verdict = "符合" if within else "超过规定"
    log.append(
        reason(
            f"assets.{rule['code']}",
            ART_14,
            f"{rule['label']}：{measured}，上限 {limit}，{verdict}",
            value=within,
            inputs={"measure": rule["measure"], "measured": measured, "limit": limit},
            parameters=tuple(used),
        )
    )
    return within


def _open_limit(
    rule: dict[str, Any], matching: list[AssetFact], resolved: ResolvedParameter, log: list[Reason]
) -> bool | None:
    """A category whose limit is not configured: holding none of it passes (no limit can be exceeded by
    nothing); holding any needs a manual determination with the items named."""
    if not matching:
        log.append(
            reason(
                f"assets.{rule['code']}",
                ART_14,
                f"{rule['label']}：无",
                value=True,
                inputs={"measure": rule["measure"], "measured": Decimal(0), "limit": None},
                parameters=(resolved,),
            )
        )
        return True
    held = "、".join(f"{a.category} {a.value} 元" for a in matching)
    log.append(
        reason(
            f"assets.{rule['code']}",
            ART_14,
            f"{rule['label']}：持有 {held}，本地未配置限额（未找到当地规定），需人工核定",
            value=None,
            inputs={"measure": rule["measure"], "items": len(matching), "limit": None},
            parameters=(resolved,),
            status=MANUAL,
        )
    )
    return None
