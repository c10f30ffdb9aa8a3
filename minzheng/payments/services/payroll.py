"""Payroll generation and its transitions (maker-checker, locked after approval); the payroll row is locked
(``select_for_update``) before it changes, so two users acting at once produce one outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound
from minzheng.common.money import yuan
from minzheng.common.months import month_label, month_start
from minzheng.divisions.models import Division
from minzheng.payments import generation, rules
from minzheng.payments import sqlnames as n
from minzheng.payments.errors import (
    MakerIsChecker,
    PayrollInvalid,
    PayrollLocked,
    PayrollTransitionNotAllowed,
)
from minzheng.payments.models import Payroll, PayrollLine
from minzheng.payments.rules import PayrollStatus
from minzheng.payments.services._access import _require, _require_county
from minzheng.payments.sqlportable import fen

Progress = Callable[[str, int], None]


# --- payroll generation --------------------------------------------------------------------------------


def _payroll_locked(county: Division, month: dt.date) -> Payroll | None:
    return Payroll.objects.select_for_update().filter(county=county, month=month).first()


def _check_order(county: Division, month: dt.date) -> None:
    """Months are paid in order: no later payroll exists, every earlier one is approved — so "booked" (the
    lines of approved payrolls) is complete when the adjustments are computed."""
    later = Payroll.objects.filter(county=county, month__gt=month).order_by("month").first()
    if later is not None:
        raise PayrollInvalid(
            f"{county.name} 已有 {month_label(later.month)} 的发放批次，不能再生成更早月份的批次；"
            "追溯的变化会在下一批次中以补发/扣减体现",
            field="month",
        )
    open_earlier = Payroll.objects.filter(county=county, month__lt=month).exclude(
        status=PayrollStatus.APPROVED
    )
    pending = open_earlier.order_by("month").first()
    if pending is not None:
        raise PayrollInvalid(
            f"{month_label(pending.month)} 的发放批次尚未审核，请先完成审核再生成下月批次",
            field="month",
        )


def _payroll_start(actor: User, county: Division, month: dt.date) -> Payroll:
    """The county's draft for the month (created, or taken for regeneration), locked."""
    payroll = _payroll_locked(county, month)
    now = timezone.now()
    if payroll is None:
        try:
            with transaction.atomic():
                return Payroll.objects.create(
                    number=f"{county.code[:6]}{month:%Y%m}",
                    county=county,
                    month=month,
                    generated_by=actor,
                    generated_at=now,
                )
        except IntegrityError:
            raise PayrollTransitionNotAllowed(
                f"{county.name}{month_label(month)}的发放批次正在由他人生成，请稍后刷新"
            ) from None
    if payroll.status not in rules.REGENERABLE:
        raise PayrollLocked(
            f"发放批次 {payroll.number} 处于“{PayrollStatus(payroll.status).label}”状态，不能重新生成或修改；"
            + ("审核后发现的变化将作为补发/扣减列入下月批次" if payroll.is_locked else "请先退回修改")
        )
    payroll.generated_by, payroll.generated_at, payroll.rejected_reason = actor, now, ""
    payroll.save(update_fields=["generated_by", "generated_at", "rejected_reason", "updated_at"])
    return payroll


def payroll_generate(
    *, actor: User, county: Division, month: dt.date, progress: Progress | None = None
) -> Payroll:
    """Generate (or regenerate, while draft) the county's payroll for ``month`` set-based.

    One transaction: a run that stops part-way (error, killed process) leaves nothing, and running it
    again writes exactly the same lines; a draft is emptied and regenerated, so generating twice gives
    the same lines too. Paid monthly to the household account (《最低生活保障审核确认办法》第 25 条).
    ``progress(stage, lines_written)`` is called after each statement (for a background job's progress).
    """
    _require(actor, Capability.MANAGE_PAYMENTS)
    _require_county(actor, county)
    month = month_start(month)
    with transaction.atomic():
        generation.batch_settings()
        _check_order(county, month)
        payroll = _payroll_start(actor, county, month)
        first = Payroll.objects.filter(county=county).order_by("month").values_list("month", flat=True)[0]
        # A draft that has lines is regenerated through the stage: only the difference reaches its lines.
        staged = PayrollLine.objects.filter(payroll=payroll).exists()
        if staged:
            generation.stage_create()
        written: dict[str, int] = {}
        for stage, sql in generation.STAGES:
            written[stage] = generation.stage_run(
                sql,
                payroll_id=payroll.pk,
                county_id=county.pk,
                county_prefix=county.code[:6],
                month=month,
                first_month=first,
                staged=staged,
            )
            if progress is not None:
                progress(stage, written[stage])
        changes = generation.stage_apply(payroll.pk) if staged else {}
        generation.lines_analyze()
        totals = PayrollLine.objects.filter(payroll=payroll).aggregate(n=Count("id"), total=Sum("amount"))
        payroll.line_count, payroll.total_amount = totals["n"], yuan(totals["total"] or 0)
        payroll.save(update_fields=["line_count", "total_amount", "updated_at"])
        event_record(
            actor=actor,
            verb="payroll.generate",
            object_type="payroll",
            object_id=payroll.pk,
            division_code=county.code,
            summary=f"生成发放批次 {payroll.number}：{payroll.line_count} 条，合计 {payroll.total_amount} 元",
            data={"lines": written, **({"changes": changes} if staged else {})},
        )
    return payroll


# --- transitions ---------------------------------------------------------------------------------------


def payroll_transition(*, actor: User, payroll_id: int, code: str, reason: str = "") -> Payroll:
    """Submit, approve or send back a payroll (``rules.TRANSITIONS``). Approval and sending back need a
    county user other than the one who generated it (maker-checker); approval locks the payroll."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    transition = rules.transition_for(code)
    if transition is None:
        raise PayrollTransitionNotAllowed(f"未知的操作“{code}”")
    with transaction.atomic():
        payroll = Payroll.objects.select_for_update().filter(pk=payroll_id).first()
        if (
            payroll is None
            or not actor.scope_prefix
            or not payroll.county.code.startswith(actor.scope_prefix)
        ):
            raise NotFound("发放批次不存在或不在您的管辖范围内")
        if payroll.status != transition.source:
            raise PayrollTransitionNotAllowed(
                f"发放批次 {payroll.number} 当前为“{PayrollStatus(payroll.status).label}”，"
                f"不能“{transition.label}”（可能已由他人办理，请刷新）"
            )
        if not rules.maker_checker_ok(transition, maker_id=payroll.generated_by_id, actor_id=actor.pk):
            raise MakerIsChecker(
                f"发放批次由您编制，须由本级另一名审核人员{transition.label}（编制与审核分离）"
            )
        if code == "reject" and not reason.strip():
            raise PayrollInvalid("请填写退回理由", field="reason")
        _apply(payroll, transition, actor, reason.strip())
    return payroll


def _apply(payroll: Payroll, transition: rules.PayrollTransition, actor: User, reason: str) -> None:
    now = timezone.now()
    fields = ["status", "updated_at"]
    payroll.status = transition.target
    if transition.code == "submit":
        payroll.submitted_at = now
        fields.append("submitted_at")
    elif transition.code == "approve":
        payroll.approved_by, payroll.approved_at = actor, now
        fields += ["approved_by", "approved_at"]
        _offset_zero_nets(payroll)
    else:
        payroll.rejected_reason = reason[:200]
        fields.append("rejected_reason")
    payroll.save(update_fields=fields)
    event_record(
        actor=actor,
        verb=f"payroll.{transition.code}",
        object_type="payroll",
        object_id=payroll.pk,
        division_code=payroll.county.code,
        summary=f"{transition.label}：{payroll.number}" + (f"（{reason}）" if reason else ""),
    )


def _offset_zero_nets(payroll: Payroll) -> None:
    """Lines of an enrolment whose net for the payroll is zero (a deduction equal to the month's amount)
    are settled by offset: no bank row is written for them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {n.LINE} SET payment_status = '{n.OFFSET}'
               WHERE payroll_id = %s AND enrolment_id IN (
                   SELECT enrolment_id FROM {n.LINE} WHERE payroll_id = %s
                   GROUP BY enrolment_id HAVING sum({fen("amount")}) = 0)""",
            [payroll.pk, payroll.pk],
        )


def payroll_submit(*, actor: User, payroll_id: int) -> Payroll:
    return payroll_transition(actor=actor, payroll_id=payroll_id, code="submit")


def payroll_approve(*, actor: User, payroll_id: int) -> Payroll:
    return payroll_transition(actor=actor, payroll_id=payroll_id, code="approve")


def payroll_reject(*, actor: User, payroll_id: int, reason: str) -> Payroll:
    return payroll_transition(actor=actor, payroll_id=payroll_id, code="reject", reason=reason)
