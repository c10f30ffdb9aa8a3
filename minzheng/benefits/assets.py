"""家庭财产 test shared by the income-tested programmes (《最低生活保障审核确认办法》第 14 条;
policy-rules.md §1.6). Pure."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from minzheng.benefits.facts import AssetFact, HouseholdFacts, MemberFacts
from minzheng.benefits.params import CENT, Params, decimal_of, fraction_to_yuan, lookup
from minzheng.benefits.reasons import DIBAO_MEASURES, INTERIM_MEASURES, UNCONFIGURED, Reason, article, reason
from minzheng.policy.rules import ResolvedParameter

ART_14 = article(DIBAO_MEASURES, 14)


def assets_pass(
    facts: HouseholdFacts,
    members: tuple[MemberFacts, ...],
    params: Params,
    log: list[Reason],
    *,
    include_unattributed: bool = True,
) -> bool:
    """家庭财产 within ``assets.rules`` (《最低生活保障审核确认办法》第 14 条; thresholds set by the province
    or prefecture, 《社会救助暂行办法》第 10 条). Exempt property (needed for production and daily life)
    is left out. An empty rule set passes with an 未配置 reason — the limits for Inner Mongolia were not
    found (policy-rules.md §8 item 4) and must be configured before relying on it."""
    resolved = lookup(params, facts, "assets.rules")
    if not resolved.value:
        log.append(
            reason(
                "assets.unconfigured",
                f"{ART_14}；{article(INTERIM_MEASURES, 10)}",
                "未配置家庭财产认定规则（assets.rules 为空）：财产条件暂按符合处理，须按当地规定配置后再依赖",
                value=True,
                parameters=(resolved,),
                status=UNCONFIGURED,
            )
        )
        return True
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
    return all(
        [_asset_rule(rule, counted, len(members), facts, params, resolved, log) for rule in resolved.value]
    )


def _asset_rule(
    rule: dict[str, Any],
    assets: list[AssetFact],
    persons: int,
    facts: HouseholdFacts,
    params: Params,
    resolved: ResolvedParameter,
    log: list[Reason],
) -> bool:
    matching = [a for a in assets if a.category in rule["categories"]]
    total = sum((a.value for a in matching), Decimal(0))
    measures = {
        "value_total": total,
        "value_per_capita": fraction_to_yuan(Fraction(total) / persons),
        "count": Decimal(len(matching)),
    }
    measured = measures[rule["measure"]]
    used = [resolved]
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
