"""Pure rules of the payroll: its transition table (maker ≠ checker), month arithmetic, the purpose text
printed on the bank file, and how a deduction is offset (policy-rules.md §1.9, §1.12, §2.6–2.8, §3.6).
No ORM here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from django.db import models

from minzheng.catalogue.programmes import spec_of
from minzheng.common.months import month_label

PAYMENT_BASIS = "《最低生活保障审核确认办法》第 25 条（按月社会化发放至家庭账户）"
STOP_BASIS = "《特困人员认定办法》第 26 条（无异议的，自下月起终止）"


class PayrollStatus(models.TextChoices):
    # A first generation on PostgreSQL commits its lines in parts on two connections before the payroll is
    # complete (ADR 0007): until its last step the payroll is "generating" — its lines are shown to no one,
    # it cannot be submitted, and the next generation regenerates it (``services.payroll_generate``).
    GENERATING = "generating", "生成中"
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待审核"
    APPROVED = "approved", "已审核（锁定）"


class LineKind(models.TextChoices):
    REGULAR = "regular", "当月发放"
    ADJUSTMENT = "adjustment", "补发/扣减"
    RETRY = "retry", "失败重发"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待发放"
    PAID = "paid", "已到账"
    FAILED = "failed", "发放失败"
    PAID_OTHERWISE = "paid_otherwise", "已以其他方式发放"
    OFFSET = "offset", "已冲抵（净额为零）"


# The bank reason recorded for a failed payment whose result row gives none: a failed line always carries a
# reason (CHECK ``payroll_line_failed_has_reason``; the retry statement finds failed lines by it).
FAILED_WITHOUT_REASON = "银行未注明原因"


class ReserveEntryKind(models.TextChoices):
    ALLOCATION = "allocation", "拨付"
    TOP_UP = "top_up", "补充"
    DRAW = "draw", "先行救助支出"
    SETTLEMENT = "settlement", "审批后归垫"


RESERVE_BASIS = (
    "民政部 财政部《关于进一步加强和改进临时救助工作的意见》（民发〔2018〕23号）§三(三)；"
    "《关于改革完善社会救助制度的意见》（2020）第 15 条：乡镇（街道）建立临时救助备用金，用于先行救助"
)


@dataclass(frozen=True)
class PayrollTransition:
    code: str
    label: str
    source: PayrollStatus
    target: PayrollStatus
    needs_other_actor: bool  # maker-checker: the checker must not be the maker


TRANSITIONS: Final[tuple[PayrollTransition, ...]] = (
    PayrollTransition("submit", "提交审核", PayrollStatus.DRAFT, PayrollStatus.SUBMITTED, False),
    PayrollTransition("approve", "审核通过", PayrollStatus.SUBMITTED, PayrollStatus.APPROVED, True),
    PayrollTransition("reject", "退回修改", PayrollStatus.SUBMITTED, PayrollStatus.DRAFT, True),
)
ALLOWED_TRANSITIONS: Final[dict[PayrollStatus, frozenset[PayrollStatus]]] = {
    status: frozenset(t.target for t in TRANSITIONS if t.source == status) for status in PayrollStatus
}
REGENERABLE: Final = frozenset({PayrollStatus.GENERATING, PayrollStatus.DRAFT})


def transition_for(code: str) -> PayrollTransition | None:
    return next((t for t in TRANSITIONS if t.code == code), None)


def can_transition(source: str, target: str) -> bool:
    return PayrollStatus(target) in ALLOWED_TRANSITIONS[PayrollStatus(source)]


def maker_checker_ok(transition: PayrollTransition, *, maker_id: int, actor_id: int) -> bool:
    """The payroll is approved (or sent back) by a second county user, never by the one who generated it
    (architecture decision: maker-checker is a transition requiring a different actor)."""
    return not transition.needs_other_actor or maker_id != actor_id


def _purpose_name(programme: str) -> str:
    spec = spec_of(programme)
    return spec.payroll_purpose if spec else "救助金"


def payment_purpose(programme: str, month: dt.date) -> str:
    """The 用途 printed on the bank statement, e.g. ``低保金2026年12月``."""
    return f"{_purpose_name(programme)}{month_label(month)}"


def capped_deduction(deduction: Decimal, *, positive_total: Decimal, deducted_before: Decimal) -> Decimal:
    """How much of a deduction (a negative adjustment, given as a positive number) this payroll carries.

    A recipient's net for a payroll never goes below zero: deductions are taken, oldest month first, only
    up to what the payroll pays the same enrolment; the rest stays owed-minus-booked and is carried by the
    next payroll (or listed for recovery, 《社会救助暂行办法》第 68 条, when the enrolment has ended). The
    SQL of ``services.payroll_generate`` implements the same formula with a window sum; this function
    states it and is tested against it.
    """
    room = max(Decimal("0"), positive_total - deducted_before)
    return min(deduction, room)
