"""Pure rules of the monthly provider settlement (issue 17 §7): statuses, the transition table with
maker-checker, why an order is left out, the statement number and the bank 用途. No ORM here.

The statement pays a provider, per county and month, the government share (``subsidy``, 政府补贴 =
quantity × unit price − the older person's co-payment) of every confirmed order served that month — the
purchase-of-service model of 《关于做好政府购买养老服务工作的通知》（财社〔2014〕105号）§三 (pay by the
quantity and quality of services actually delivered, after verification) and 《政府购买服务管理办法》
（财政部令第102号）第二十八条 (payment per the contract after acceptance of the service). Orders the older
person disputes, or whose electronic visit verification raised a flag the township has not accepted, are
not paid and are listed with the reason (第102号令 第三十条: performance verified before payment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from django.db import models

from minzheng.common.months import month_label


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "已审核（锁定）"
    EXPORTED = "exported", "已生成银行文件"
    RECONCILED = "reconciled", "已对账"


class PaymentOutcome(models.TextChoices):
    PENDING = "pending", "待支付"
    PAID = "paid", "已到账"
    FAILED = "failed", "支付失败"


class ExclusionReason(models.TextChoices):
    """Why an order of the month is not on the statement (shown to the provider)."""

    DISPUTED = "disputed", "服务对象有异议"
    FLAGGED = "flagged", "签到核验存疑，乡镇未认可"
    UNCONFIRMED = "unconfirmed", "服务对象尚未确认"


@dataclass(frozen=True)
class SettlementTransition:
    code: str
    label: str
    source: SettlementStatus
    target: SettlementStatus
    needs_other_actor: bool  # maker-checker: the checker must not be the maker


TRANSITIONS: Final[tuple[SettlementTransition, ...]] = (
    SettlementTransition("submit", "提交审核", SettlementStatus.DRAFT, SettlementStatus.SUBMITTED, False),
    SettlementTransition("approve", "审核通过", SettlementStatus.SUBMITTED, SettlementStatus.APPROVED, True),
    SettlementTransition("reject", "退回修改", SettlementStatus.SUBMITTED, SettlementStatus.DRAFT, True),
    SettlementTransition(
        "export", "生成银行文件", SettlementStatus.APPROVED, SettlementStatus.EXPORTED, False
    ),
    SettlementTransition(
        "reconcile", "导入回盘对账", SettlementStatus.EXPORTED, SettlementStatus.RECONCILED, False
    ),
)
# Only a draft is (re)generated; from approval on the statement and its lines are locked.
REGENERABLE: Final = frozenset({SettlementStatus.DRAFT})
LOCKED: Final = frozenset({SettlementStatus.APPROVED, SettlementStatus.EXPORTED, SettlementStatus.RECONCILED})


def transition_for(code: str) -> SettlementTransition | None:
    return next((t for t in TRANSITIONS if t.code == code), None)


def transitions_from(status: str) -> tuple[SettlementTransition, ...]:
    return tuple(t for t in TRANSITIONS if t.source == status)


def can_transition(source: str, target: str) -> bool:
    return any(t.source == source and t.target == target for t in TRANSITIONS)


def maker_checker_ok(transition: SettlementTransition, *, maker_id: int, actor_id: int) -> bool:
    """Approval and sending back need a second person (编制与审核分离, 《行政事业单位内部控制规范（试行）》
    财会〔2012〕21号 第十二条: incompatible posts separated — the one who draws up a payment does not
    approve it)."""
    return not transition.needs_other_actor or maker_id != actor_id


def settlement_number(county_code: str, month: dt.date, provider_id: int) -> str:
    """``YL`` + county (6) + yyyymm + provider id (6): also the bank batch number (≤ 20 characters)."""
    return f"YL{county_code[:6]}{month:%Y%m}{provider_id:06d}"


def payment_purpose(month: dt.date) -> str:
    """The 用途 printed on the bank statement, e.g. ``养老服务补贴2026年11月``."""
    return f"养老服务补贴{month_label(month)}"
