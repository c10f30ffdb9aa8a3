"""最低生活保障 (低保): eligibility, gap payment, 分类施保 supplements, rounding, 渐退期, and the
single-person application of 审核确认办法第 8 条 (policy-rules.md §1.3–1.11). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from minzheng.benefits.assets import assets_pass
from minzheng.benefits.errors import ParameterInconsistent
from minzheng.benefits.facts import HouseholdFacts, MemberFacts
from minzheng.benefits.means_test import IncomeSummary, counted_members, household_income
from minzheng.benefits.params import CENT, Params, apply_rounding, decimal_of, lookup
from minzheng.benefits.people import condition_matches, member_for
from minzheng.benefits.reasons import (
    DIBAO_MEASURES,
    INTERIM_MEASURES,
    MANUAL,
    NOTICE_2022,
    AssessmentResult,
    ManualDetermination,
    Reason,
    all_of,
    article,
    reason,
)
from minzheng.catalogue.programmes import Programme
from minzheng.policy.rules import ResolvedParameter

PROGRAMME = Programme.DIBAO
GAP_BASIS = f"{article(INTERIM_MEASURES, 12)}；{article(DIBAO_MEASURES, 23)}"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DibaoTest:
    members: tuple[MemberFacts, ...]
    income: IncomeSummary
    standard: ResolvedParameter
    assets_ok: bool | None  # None: 需人工核定 (a limit not configured)

    @property
    def standard_value(self) -> Decimal:
        return decimal_of(self.standard)

    @property
    def income_below(self) -> bool:
        return self.income.per_capita_monthly < self.standard_value

    @property
    def qualifies(self) -> bool | None:
        """Income below the standard and assets within the rules; ``None`` = 需人工核定."""
        return all_of(self.income_below, self.assets_ok)

    @property
    def eligible(self) -> bool:
        return self.qualifies is True


def dibao_test(
    facts: HouseholdFacts,
    params: Params,
    log: list[Reason],
    *,
    members: tuple[MemberFacts, ...] | None = None,
    programme: str = PROGRAMME,
) -> DibaoTest:
    """Per-capita monthly income below the local standard and assets within the rules
    (《社会救助暂行办法》第 9 条; 《最低生活保障审核确认办法》第 12—14 条). ``members`` restricts the
    household to a single applicant (art. 8); ``programme`` picks the income treatment."""
    alone = members is not None
    counted = members if members is not None else counted_members(facts, log)
    income = household_income(facts, programme, counted, params, log, include_unattributed=not alone)
    standard = lookup(params, facts, "dibao.standard_monthly")
    assets_ok = assets_pass(facts, counted, params, log, include_unattributed=not alone)
    test = DibaoTest(counted, income, standard, assets_ok)
    verdict = "低于" if test.income_below else "不低于"
    log.append(
        reason(
            "dibao.income_test",
            f"{article(INTERIM_MEASURES, 9)}；{DIBAO_MEASURES}第12—14条",
            f"人均月收入 {income.per_capita_monthly} 元{verdict}低保标准 {test.standard_value} 元",
            value=test.income_below,
            inputs={"per_capita": income.per_capita_monthly},
            parameters=(standard,),
        )
    )
    return test


def assess_dibao(facts: HouseholdFacts, params: Params, *, person_key: str | None = None) -> AssessmentResult:
    """The household's 低保 result. With ``person_key``: a single-person application (art. 8)."""
    if person_key is not None:
        return _assess_alone(facts, params, person_key)
    log: list[Reason] = []
    test = dibao_test(facts, params, log)
    if test.qualifies is None:
        log.append(
            reason(
                "dibao.manual_review",
                article(DIBAO_MEASURES, 14),
                "收入低于低保标准，但家庭财产条件无法按已配置规则判定：需人工核定",
                value=None,
                status=MANUAL,
            )
        )
        return _result(test, False, ZERO, log, manual=True)
    if test.eligible:
        try:
            amount, supplements = _payment(facts, params, test, log)
        except ManualDetermination:  # a 分类施保 amount is open: the income and members still show
            return _result(test, False, ZERO, log, manual=True)
        return _result(test, True, amount, log, level="supplemented" if supplements else "")
    if test.assets_ok is False:
        log.append(
            reason(
                "dibao.assets_exceed",
                article(DIBAO_MEASURES, 14),
                "家庭财产超过规定，不符合低保条件",
                value=False,
            )
        )
        return _result(test, False, ZERO, log)
    return _gradual_exit(facts, params, test, log)


def _payment(
    facts: HouseholdFacts, params: Params, test: DibaoTest, log: list[Reason]
) -> tuple[Decimal, Decimal]:
    """差额补助: (standard − per-capita income) × counted members, less the share of a member whose own
    payment the county stopped for refusing work (art. 34), plus supplements, then rounding."""
    gap = test.standard_value - test.income.per_capita_monthly
    refusing = [m.key for m in test.members if m.refused_suitable_work]
    persons = len(test.members) - len(refusing)
    base = gap * persons
    log.append(
        reason(
            "dibao.gap_payment",
            GAP_BASIS,
            f"（{test.standard_value} − {test.income.per_capita_monthly}）× {persons} 人 = {base} 元",
            value=base,
            inputs={"gap": gap, "persons": persons},
            parameters=(test.standard,),
        )
    )
    log.append(
        reason(
            "dibao.whole_household",
            f"{NOTICE_2022}§一(四)",
            "低保按户整体纳入，不得只保家庭中的部分成员",
            value=len(test.members),
        )
    )
    for key in refusing:
        log.append(
            reason(
                "dibao.refused_work",
                f"{article(DIBAO_MEASURES, 34)}；{article(INTERIM_MEASURES, 45)}",
                f"成员“{key}”连续 3 次拒绝适当工作，县级民政部门决定减发其本人低保金 {gap} 元",
                value=-gap,
                inputs={"person": key},
            )
        )
    supplements = _supplements(facts, params, test, log)
    rounding = lookup(params, facts, "rounding")
    total = apply_rounding(base + supplements, rounding.value)
    log.append(
        reason(
            "dibao.monthly_amount",
            f"{GAP_BASIS}；取整规则",
            f"月低保金 {base} + 分类施保 {supplements} = {base + supplements} 元，取整后 {total} 元",
            value=total,
            inputs=rounding.value,
            parameters=(rounding,),
        )
    )
    return total, supplements


def _supplements(facts: HouseholdFacts, params: Params, test: DibaoTest, log: list[Reason]) -> Decimal:
    """分类施保 (《最低生活保障审核确认办法》第 27 条; 《社会救助暂行办法》第 12 条): every rule in
    ``supplements`` whose ``when`` holds adds its amount, or its share of the standard, per person."""
    resolved = lookup(params, facts, "supplements")
    cited = f"{article(DIBAO_MEASURES, 27)}；{article(INTERIM_MEASURES, 12)}"
    if not resolved.value:
        log.append(
            reason(
                "dibao.supplements_unconfigured",
                cited,
                "未配置分类施保规则（supplements 为空）：是否加发无法判定，需人工核定",
                value=None,
                parameters=(resolved,),
                status=MANUAL,
            )
        )
        raise ManualDetermination(log)
    programmes = facts.programmes_received | {PROGRAMME}
    total = ZERO
    for member in test.members:
        for rule in resolved.value:
            if member.refused_suitable_work or not condition_matches(rule["when"], member, facts, programmes):
                continue
            if rule.get("amount", "") is None:
                log.append(
                    reason(
                        f"dibao.supplement.{rule['code']}",
                        cited,
                        f"成员“{member.key}”符合“{rule['label']}”，但本地加发标准未配置：需人工核定",
                        value=None,
                        inputs={"person": member.key, "rule": rule["code"]},
                        parameters=(resolved,),
                        status=MANUAL,
                    )
                )
                raise ManualDetermination(log)
            if "amount" in rule:
                amount = Decimal(rule["amount"])
            else:
                amount = (Decimal(rule["percent_of_standard"]) * test.standard_value).quantize(CENT)
            total += amount
            log.append(
                reason(
                    f"dibao.supplement.{rule['code']}",
                    cited,
                    f"成员“{member.key}”符合“{rule['label']}”，加发 {amount} 元",
                    value=amount,
                    inputs={"person": member.key, "rule": rule["code"]},
                    parameters=(resolved, test.standard),
                )
            )
    return total


def _gradual_exit(
    facts: HouseholdFacts, params: Params, test: DibaoTest, log: list[Reason]
) -> AssessmentResult:
    """渐退期 (《最低生活保障审核确认办法》第 33 条; 2022 notice §一(三), ≤ 6 months): a household whose
    income rose above the standard because a member found work keeps ``gradual_exit.taper[i]`` × its
    previous amount in month i of ``gradual_exit.months``."""
    previous = facts.previous_enrolment
    cited = f"{article(DIBAO_MEASURES, 33)}；{NOTICE_2022}§一(三)"
    if previous is None or not previous.after_employment:
        if previous is not None:
            log.append(
                reason(
                    "dibao.no_gradual_exit", cited, "收入超过标准并非因成员就业，不适用渐退期", value=False
                )
            )
        return _result(test, False, ZERO, log)
    months = lookup(params, facts, "gradual_exit.months")
    taper = lookup(params, facts, "gradual_exit.taper")
    index = previous.months_since_exceeded
    if index >= int(months.value):
        log.append(
            reason(
                "dibao.gradual_exit_ended",
                cited,
                f"渐退期 {months.value} 个月已满，停发",
                value=False,
                inputs={"months_since_exceeded": index},
                parameters=(months,),
            )
        )
        return _result(test, False, ZERO, log)
    if len(taper.value) < int(months.value):
        raise ParameterInconsistent(
            f"渐退期为 {months.value} 个月，但渐退比例（gradual_exit.taper）只列了 {len(taper.value)} 个月",
            field="gradual_exit.taper",
        )
    share = Decimal(taper.value[index])
    rounding = lookup(params, facts, "rounding")
    amount = apply_rounding(previous.monthly_amount * share, rounding.value)
    log.append(
        reason(
            "dibao.gradual_exit",
            cited,
            f"成员就业后收入超过标准，渐退期第 {index + 1} 个月按原低保金 {previous.monthly_amount} 元的 "
            f"{share} 发放 {amount} 元",
            value=amount,
            inputs={"previous_amount": previous.monthly_amount, "month": index + 1, "share": share},
            parameters=(months, taper, rounding),
        )
    )
    return _result(test, False, amount, log, level="gradual_exit")


ALONE_GRADES = {1, 2}
ALONE_GRADE_3_CATEGORIES = {"intellectual", "mental"}


def _assess_alone(facts: HouseholdFacts, params: Params, person_key: str) -> AssessmentResult:
    """单独提出申请 (《最低生活保障审核确认办法》第 8 条第 (一)(二) 项; 2022 notice §一(一)): a member of a
    低保边缘家庭 with a grade 1–2 disability, a grade 3 intellectual or mental disability, or a serious
    illness is assessed as a one-person household."""
    from minzheng.benefits.margin import margin_test

    log: list[Reason] = []
    member = member_for(facts, person_key)
    severe = member.disability_grade in ALONE_GRADES or (
        member.disability_grade == 3 and member.disability_category in ALONE_GRADE_3_CATEGORIES
    )
    cited = f"{article(DIBAO_MEASURES, 8)}；{NOTICE_2022}§一(一)"
    household_margin = margin_test(facts, params, log).eligible
    if household_margin is None and (severe or member.serious_illness):
        log.append(reason("dibao.alone_manual", cited, "家庭是否为低保边缘家庭需人工核定", status=MANUAL))
        raise ManualDetermination(log)
    if not (severe or member.serious_illness) or not household_margin:
        log.append(
            reason(
                "dibao.alone_refused",
                cited,
                "只有低保边缘家庭中的重度残疾人或重病患者可以单独申请低保",
                value=False,
                inputs={"person": person_key, Programme.MARGIN_HOUSEHOLD: household_margin},
            )
        )
        return AssessmentResult(PROGRAMME, False, None, (person_key,), ZERO, tuple(log))
    log.append(reason("dibao.alone", cited, f"成员“{person_key}”按单人户单独申请", value=True))
    test = dibao_test(facts, params, log, members=(member,))
    if test.qualifies is None:
        return _result(test, False, ZERO, log, manual=True)
    if not test.eligible:
        return _result(test, False, ZERO, log)
    try:
        amount, _ = _payment(facts, params, test, log)
    except ManualDetermination:
        return _result(test, False, ZERO, log, manual=True, level="single_person")
    return _result(test, True, amount, log, level="single_person")


def _result(
    test: DibaoTest,
    eligible: bool,
    amount: Decimal,
    log: list[Reason],
    level: str = "",
    *,
    manual: bool = False,
) -> AssessmentResult:
    return AssessmentResult(
        programme=PROGRAMME,
        eligible=eligible,
        per_capita_monthly_income=test.income.per_capita_monthly,
        counted_members=tuple(m.key for m in test.members),
        monthly_amount=max(amount, ZERO),
        reasons=tuple(log),
        level=level,
        manual_review=manual,
    )
