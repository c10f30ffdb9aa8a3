"""Changes of an enrolment split into entitlement periods, gradual exit (渐退), and the set-based close of
finished schedules. Each change locks the enrolment row, checks the change table of ``rules`` and records an
``EnrolmentChange`` and an audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.enrolments import rules
from minzheng.enrolments.errors import ChangeNotAllowed, EnrolmentInvalid
from minzheng.enrolments.models import (
    ChangeKind,
    ChangeState,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
)
from minzheng.enrolments.rules import Span, add_months, month_start
from minzheng.enrolments.services._base import (
    DIBAO,
    _audit,
    _locked,
    _period_add,
    _require,
    _split_at,
    _today,
    money_parse,
    period_spans,
)

# --- changes ------------------------------------------------------------------------------------------


def _check_change(enrolment: Enrolment, rule: rules.ChangeRule, effective_month: dt.date) -> None:
    if enrolment.status not in rule.sources:
        raise ChangeNotAllowed(
            f"当前状态为“{EnrolmentStatus(enrolment.status).label}”，不能办理“{rule.kind.label}”",
            field="kind",
        )
    if effective_month < enrolment.starts_month:
        raise EnrolmentInvalid(
            f"生效月份不能早于起始月份 {enrolment.starts_month:%Y-%m}", field="effective_month"
        )
    if enrolment.ends_month is not None and effective_month > enrolment.ends_month:
        raise EnrolmentInvalid(
            f"生效月份不能晚于待遇截止月份 {enrolment.ends_month:%Y-%m}", field="effective_month"
        )
    latest = (
        enrolment.changes.filter(state=ChangeState.APPLIED, effective_month__isnull=False)
        .order_by("-effective_month")
        .values_list("effective_month", flat=True)
        .first()
    )
    if latest is not None and effective_month < latest:
        raise ChangeNotAllowed(
            f"已有 {latest:%Y-%m} 起生效的变更，新的变更不能早于该月（如需更正请先核实已登记的变更）",
            field="effective_month",
        )


def _new_amount(
    enrolment: Enrolment, kind: str, effective_month: dt.date, new_amount: Any
) -> tuple[Decimal | None, Decimal | None]:
    """(amount before, amount after) for the change; refuses an increase that does not increase etc."""
    before = rules.amount_on(period_spans(enrolment), effective_month)
    if kind == ChangeKind.RESUME:
        return before, money_parse(new_amount) if new_amount not in (None, "") else enrolment.monthly_amount
    if kind not in (ChangeKind.INCREASE, ChangeKind.DECREASE):
        return before, None
    if new_amount in (None, ""):
        raise EnrolmentInvalid("请填写变更后的月金额", field="new_amount")
    after = money_parse(new_amount)
    if before is None:
        raise EnrolmentInvalid(
            f"{effective_month:%Y-%m} 没有发放待遇（已暂停或未开始），不能增发或减发", field="effective_month"
        )
    if kind == ChangeKind.INCREASE and after <= before:
        raise EnrolmentInvalid(f"增发后的金额须高于当前的 {before} 元", field="new_amount")
    if kind == ChangeKind.DECREASE and after >= before:
        raise EnrolmentInvalid(f"减发后的金额须低于当前的 {before} 元", field="new_amount")
    return before, after


@transaction.atomic
def enrolment_change(
    *,
    actor: User,
    enrolment_id: int,
    kind: str,
    effective_month: dt.date,
    reason: str,
    new_amount: Decimal | str | None = None,
    basis: str = "",
) -> EnrolmentChange:
    """增发 / 减发 / 停发 / 暂停 / 恢复 from ``effective_month`` (the 1st of a month; may be in the past).

    Checks ``rules.CHANGES`` (which statuses the kind may start from), locks the enrolment, refuses an
    effective month before the start, after the end or before an already recorded change, closes the
    running period at the month and replaces later ones. Reductions and stops need written reasons
    (审核确认办法第 32 条): ``reason`` is required; ``basis`` defaults to the kind's article."""
    _require(actor)
    rule = rules.CHANGES.get(kind)
    if rule is None or kind in (ChangeKind.GRADUAL_EXIT, ChangeKind.TERMINATION):
        raise EnrolmentInvalid(f"未知的变更类型“{kind}”（可选：增发、减发、停发、暂停、恢复）", field="kind")
    if not reason.strip():
        raise EnrolmentInvalid("请填写变更原因", field="reason")
    if effective_month.day != 1:
        raise EnrolmentInvalid("生效月份须为某月 1 日", field="effective_month")
    enrolment = _locked(actor, enrolment_id)
    _check_change(enrolment, rule, effective_month)
    if kind == ChangeKind.STOP and effective_month <= enrolment.starts_month:
        raise EnrolmentInvalid(
            "停发月份须晚于起始月份；尚未发放的请核实后停发下月起待遇", field="effective_month"
        )
    before, after = _new_amount(enrolment, kind, effective_month, new_amount)
    basis = basis.strip() or rule.basis
    status_before = enrolment.status
    removed = _split_at(enrolment, effective_month)
    until = add_months(enrolment.ends_month, 1) if enrolment.ends_month else None
    if after is not None:
        _period_add(
            enrolment, Span(effective_month, until, after), f"{rule.kind.label}：{reason}", basis, actor
        )
        enrolment.monthly_amount = after
    if kind == ChangeKind.STOP:
        enrolment.ends_month, enrolment.end_reason = add_months(effective_month, -1), reason[:200]
    enrolment.status = rule.target
    enrolment.save(update_fields=["monthly_amount", "status", "ends_month", "end_reason", "updated_at"])
    change = EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=kind,
        effective_month=effective_month,
        amount_before=before,
        amount_after=after,
        status_before=status_before,
        status_after=enrolment.status,
        reason=reason.strip()[:200],
        basis=basis[:200],
        removed_periods=removed,
        recorded_by=actor,
    )
    _audit(
        actor,
        enrolment,
        f"enrolment.{kind}",
        f"{rule.kind.label}：{effective_month:%Y-%m} 起，{reason}",
        change_id=change.pk,
    )
    return change


@transaction.atomic
def enrolment_gradual_exit(
    *,
    actor: User,
    enrolment_id: int,
    effective_month: dt.date,
    reason: str,
    months: int | None = None,
    basis: str = "",
    params: Any = None,
) -> EnrolmentChange:
    """渐退: a 低保 household whose income rose above the standard after a member found work keeps a
    tapering payment for up to ``gradual_exit.months`` months, then stops (审核确认办法第 33 条; 2022 通知
    §一(三) "原则上不超过6个月"). The length cap and the monthly shares (``gradual_exit.taper``, UNCONFIRMED
    for Inner Mongolia) are effective-dated policy parameters read for the household's place on the
    effective month. ``months`` shortens the period; it may not exceed the parameter."""
    from minzheng.benefits.providers import SelectorParams

    _require(actor)
    rule = rules.CHANGES[ChangeKind.GRADUAL_EXIT]
    if not reason.strip():
        raise EnrolmentInvalid("请填写渐退原因（如家庭成员就业后收入超过低保标准）", field="reason")
    if effective_month.day != 1:
        raise EnrolmentInvalid("生效月份须为某月 1 日", field="effective_month")
    enrolment = _locked(actor, enrolment_id)
    if enrolment.programme != DIBAO:
        raise EnrolmentInvalid("渐退期只适用于最低生活保障", field="kind")
    _check_change(enrolment, rule, effective_month)
    place = enrolment.household.hukou_division
    provider = params or SelectorParams()
    cap = int(
        provider.get(
            "gradual_exit.months", place.code, enrolment.household.urban_rural, effective_month
        ).value
    )
    taper = list(
        provider.get("gradual_exit.taper", place.code, enrolment.household.urban_rural, effective_month).value
    )
    months = cap if months is None else months
    if cap < 1:
        raise EnrolmentInvalid("本地未设渐退期（渐退期参数为 0），请直接办理停发", field="months")
    if not 1 <= months <= cap:
        raise EnrolmentInvalid(f"渐退期须为 1—{cap} 个月", field="months")
    before = rules.amount_on(period_spans(enrolment), effective_month)
    if before is None:
        raise EnrolmentInvalid(f"{effective_month:%Y-%m} 没有发放待遇，不能安排渐退", field="effective_month")
    schedule = rules.taper_schedule(before, effective_month, months, taper)
    basis = basis.strip() or rule.basis
    removed = _split_at(enrolment, effective_month)
    for span in schedule:
        _period_add(enrolment, span, f"渐退：{reason}", basis, actor)
    enrolment.ends_month = add_months(effective_month, months - 1)
    enrolment.end_reason = f"渐退期满：{reason}"[:200]
    enrolment.save(update_fields=["ends_month", "end_reason", "updated_at"])
    change = EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=ChangeKind.GRADUAL_EXIT,
        effective_month=effective_month,
        amount_before=before,
        amount_after=schedule[0].amount,
        status_before=enrolment.status,
        status_after=enrolment.status,
        reason=reason.strip()[:200],
        basis=basis[:200],
        removed_periods=removed,
        recorded_by=actor,
    )
    _audit(
        actor,
        enrolment,
        "enrolment.gradual_exit",
        f"渐退：{effective_month:%Y-%m} 起 {months} 个月，{enrolment.ends_month:%Y-%m} 后停发",
        change_id=change.pk,
    )
    return change


# --- housekeeping ---------------------------------------------------------------------------------------


def enrolments_close_finished(*, today: dt.date | None = None) -> int:
    """End (set-based) every enrolment whose schedule is over — the last month of a gradual exit or of a
    temporary-assistance instalment plan has passed — recording a 停发 change for each. Idempotent; run
    daily (or before a payroll). Returns how many were ended."""
    current = month_start(today or _today())
    with transaction.atomic():
        finished = Enrolment.objects.select_for_update().filter(
            ~Q(status=EnrolmentStatus.ENDED), ends_month__lt=current
        )
        rows = list(finished.values_list("id", "status", "ends_month", "monthly_amount"))
        EnrolmentChange.objects.bulk_create(
            EnrolmentChange(
                enrolment_id=pk,
                kind=ChangeKind.STOP,
                effective_month=add_months(ends, 1) if ends else None,
                amount_before=amount,
                status_before=status,
                status_after=EnrolmentStatus.ENDED,
                reason="待遇期满（渐退期满或发放完毕）",
                basis=rules.CHANGES[ChangeKind.STOP].basis,
            )
            for pk, status, ends, amount in rows
        )
        Enrolment.objects.filter(pk__in=[r[0] for r in rows]).update(
            status=EnrolmentStatus.ENDED, updated_at=timezone.now()
        )
    return len(rows)
