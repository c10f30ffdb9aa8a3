"""The self-check (自助测算): the benefit engine run on what a person typed, programme by programme, with
the parameters in force for the chosen place. Nothing is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AssistanceType, TemporaryRequest
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import AssessmentResult
from minzheng.catalogue.programmes import PROGRAMME_LABELS, Programme
from minzheng.common.errors import DomainError
from minzheng.policy.errors import ParameterMissing
from minzheng.portal import rules
from minzheng.portal.labels import label
from minzheng.registry.choices import DisabilityCategory

# Assessed with 低保 assumed when 低保 looked possible: the living subsidy is for 低保 households
# (国发〔2015〕52号).
_NEED_DIBAO = frozenset({Programme.DISABILITY_LIVING_SUBSIDY, Programme.SEVERE_DISABILITY_CARE_SUBSIDY})


@dataclass(frozen=True)
class SelfCheckRow:
    programme: str
    name: str
    outcome: str  # "try" (可以尝试申请), "unlikely" (可能不符合), "unknown" (无法估算)
    reasons: tuple[str, ...]
    monthly_amount: Decimal | None = None
    one_off_amount: Decimal | None = None
    unconfirmed: bool = False


def _member_text(text: str, count: int) -> str:
    """Engine messages name members by key (成员“1”) and disability by code; the person reads
    “第 1 位成员：” and the category's label."""
    for key in range(1, count + 1):
        text = text.replace(f"成员“{key}”", _("第 %(n)s 位成员：") % {"n": key})
    for category in DisabilityCategory:
        if category.value:
            text = text.replace(f"（{category.value} ", f"（{category.label} ")
    return text.replace("：：", "：")


def _main_reasons(result: AssessmentResult, count: int) -> tuple[str, ...]:
    if result.manual_review:
        chosen = list(result.manual_reasons[:3])
    elif result.eligible:
        chosen = [r for r in result.reasons if r.value not in (False, None)][-2:]
    else:
        chosen = [r for r in result.reasons if r.value is False][:3] or list(result.reasons[-1:])
    return tuple(_member_text(r.message_zh, count) for r in chosen)


def self_check_run(*, answers: rules.SelfCheckAnswers, today: dt.date | None = None) -> list[SelfCheckRow]:
    """Run the benefit engine (``benefits.engine.assess``) on the answers, programme by programme, with
    the parameters in force for the chosen place. Nothing is stored. A programme the engine cannot
    estimate (a parameter missing, an answer it needs) is listed as 无法估算 with the engine's message."""
    today = today or timezone.localdate()
    params = SelectorParams()
    try:
        months = int(params.get("income.reference_period_months", answers.division_code, "", today).value)
    except ParameterMissing:
        months = 12
    facts = rules.self_check_facts(answers, today=today, reference_months=months)
    count = len(answers.members)
    rows: list[SelfCheckRow] = []
    dibao_possible = False
    for programme in rules.SELF_CHECK_PROGRAMMES:
        request = None
        if programme == Programme.TEMPORARY_ASSISTANCE:
            if answers.large_expenses <= 0:
                continue
            request = TemporaryRequest(
                AssistanceType.EXPENDITURE, _("自助测算：近期大额必需支出"), answers.large_expenses
            )
        programme_facts = facts
        if programme in _NEED_DIBAO and dibao_possible:
            programme_facts = replace(
                facts, programmes_received=facts.programmes_received | {Programme.DIBAO}
            )
        try:
            result = assess(programme, programme_facts, params, temporary_request=request)
        except DomainError as error:
            name = label(PROGRAMME_LABELS[programme])
            rows.append(SelfCheckRow(programme, name, "unknown", (error.message,)))
            continue
        if programme == Programme.DIBAO:
            dibao_possible = result.eligible
        rows.append(
            SelfCheckRow(
                programme=programme,
                name=label(PROGRAMME_LABELS[programme]),
                # 需人工核定 (ADR 0029): a figure left to the local authority is not configured — the portal
                # cannot estimate it, which is not the same as “unlikely”
                outcome="unknown" if result.manual_review else "try" if result.eligible else "unlikely",
                reasons=_main_reasons(result, count),
                monthly_amount=result.monthly_amount if result.eligible and result.monthly_amount else None,
                one_off_amount=result.one_off_amount if result.eligible and result.one_off_amount else None,
                unconfirmed=result.unconfirmed,
            )
        )
    return rows
