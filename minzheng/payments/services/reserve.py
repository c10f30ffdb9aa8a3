"""The township reserve funds for temporary assistance paid at once (policy-rules.md §3.6): allocation,
draws and settlement. A draw runs inside the caller's transaction (the applications workflow), with the
fund row locked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability, Role
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.money import yuan
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.payments.errors import (
    ReserveError,
    ReserveFundMissing,
    ReserveInsufficient,
)
from minzheng.payments.models import ReserveEntry, ReserveFund
from minzheng.payments.rules import ReserveEntryKind
from minzheng.payments.services._access import _require

TEMPORARY_PROGRAMME = Programme.TEMPORARY_ASSISTANCE
RESERVE_ROLES = frozenset({Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


class AidClaim(Protocol):
    """What a draw needs of the application it pays (``applications.models.Application`` has it); payments sit
    below applications in the import layers, so the fund names the shape, not the model."""

    @property
    def pk(self) -> Any: ...

    @property
    def number(self) -> str | None: ...

    @property
    def programme(self) -> str: ...

    @property
    def division_id(self) -> int: ...


# --- reserve funds (policy-rules.md §3.6) ----------------------------------------------------------------


def _require_township(actor: User, township: Division) -> None:
    if township.level != Level.TOWNSHIP:
        raise ReserveError(f"备用金设在乡镇（街道），{township.name} 不是乡镇级区划", field="township")
    prefix = actor.scope_prefix
    if not prefix or not township.code.startswith(prefix):
        raise PermissionDenied(f"{township.name} 不在您的管辖范围内", code="forbidden")


def _amount(amount: Decimal) -> Decimal:
    value = yuan(amount)
    if value <= 0:
        raise ReserveError("金额必须大于 0", field="amount")
    return value


def _fund_locked(township: Division) -> ReserveFund:
    fund = ReserveFund.objects.select_for_update().filter(township=township).first()
    if fund is None:
        raise ReserveFundMissing(
            f"{township.name} 尚未设立临时救助备用金，请先由旗县民政部门拨付", field="township"
        )
    return fund


def _entry(
    fund: ReserveFund,
    actor: User,
    kind: ReserveEntryKind,
    amount: Decimal,
    day: dt.date,
    *,
    application_id: int | None = None,
    settles: ReserveEntry | None = None,
    note: str = "",
) -> ReserveEntry:
    delta = -amount if kind == ReserveEntryKind.DRAW else amount
    ReserveFund.objects.filter(pk=fund.pk).update(balance=F("balance") + delta, updated_at=timezone.now())
    fund.refresh_from_db(fields=["balance"])
    entry = ReserveEntry.objects.create(
        fund=fund,
        kind=kind,
        amount=amount,
        balance_after=fund.balance,
        entry_date=day,
        application_id=application_id,
        settles=settles,
        note=note.strip()[:200],
        recorded_by=actor,
    )
    event_record(
        actor=actor,
        verb=f"reserve.{kind}",
        object_type="reserve_fund",
        object_id=fund.pk,
        division_code=fund.township.code,
        summary=f"{ReserveEntryKind(kind).label} {amount} 元，余额 {fund.balance} 元",
        data={"entry": entry.pk},
    )
    return entry


def reserve_allocate(
    *,
    actor: User,
    township: Division,
    amount: Decimal,
    allocated_on: dt.date,
    note: str = "",
    top_up: bool = False,
) -> ReserveEntry:
    """The county allocates (``top_up``: replenishes) a township's reserve fund, creating the fund the
    first time (民发〔2018〕23号 §三(三))."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    _require_township(actor, township)
    value = _amount(amount)
    with transaction.atomic():
        ReserveFund.objects.get_or_create(township=township)
        fund = _fund_locked(township)
        kind = ReserveEntryKind.TOP_UP if top_up else ReserveEntryKind.ALLOCATION
        return _entry(fund, actor, kind, value, allocated_on, note=note)


def reserve_draw(
    *,
    actor: User,
    township: Division,
    application: AidClaim,
    amount: Decimal,
    drawn_on: dt.date,
    note: str = "",
) -> ReserveEntry:
    """Pay aid-first temporary assistance (先行救助) out of the township's reserve fund.

    Works inside the caller's transaction (a savepoint): the fund row is locked, so two draws at once are
    serialised and the second sees the first's balance. Refused (``ReserveInsufficient``, with the
    balance in the message) when the amount exceeds the balance; ``ReserveFundMissing`` when the township
    has no fund; the CHECK ``balance >= 0`` backs both. Basis: 民发〔2018〕23号 §二(二), §三(三);
    2020 opinion item 15 (policy-rules.md §3.3, §3.6)."""
    if actor.role not in RESERVE_ROLES:
        raise PermissionDenied("您的角色无权动用备用金", code="forbidden")
    _require_township(actor, township)
    value = _amount(amount)
    if application.programme != TEMPORARY_PROGRAMME:
        raise ReserveError("备用金只用于临时救助的先行救助和小额救助", field="application")
    if application.division_id != township.pk:
        raise ReserveError(f"申请 {application.number} 不是由 {township.name} 受理的", field="application")
    with transaction.atomic():
        fund = _fund_locked(township)
        if value > fund.balance:
            raise ReserveInsufficient(
                f"{township.name}临时救助备用金余额不足：当前余额 {fund.balance} 元，本次支出 {value} 元",
                field="amount",
            )
        return _entry(
            fund, actor, ReserveEntryKind.DRAW, value, drawn_on, application_id=application.pk, note=note
        )


def reserve_settle(
    *, actor: User, draw_id: int, settled_on: dt.date, amount: Decimal | None = None, note: str = ""
) -> ReserveEntry:
    """The approved assistance was paid from the regular budget: the draw is reimbursed (归垫) into the
    fund, at most the drawn amount, once per draw."""
    if actor.role not in RESERVE_ROLES:
        raise PermissionDenied("您的角色无权办理备用金归垫", code="forbidden")
    with transaction.atomic():
        draw = ReserveEntry.objects.select_related("fund__township").filter(pk=draw_id, kind="draw").first()
        if draw is None:
            raise NotFound("备用金支出记录不存在")
        _require_township(actor, draw.fund.township)
        value = _amount(amount if amount is not None else draw.amount)
        if value > draw.amount:
            raise ReserveError(f"归垫金额 {value} 元超过支出金额 {draw.amount} 元", field="amount")
        fund = _fund_locked(draw.fund.township)
        if ReserveEntry.objects.filter(settles=draw).exists():
            raise ReserveError("该笔支出已归垫，不能重复归垫")
        try:
            with transaction.atomic():
                return _entry(
                    fund,
                    actor,
                    ReserveEntryKind.SETTLEMENT,
                    value,
                    settled_on,
                    settles=draw,
                    application_id=draw.application_id,
                    note=note,
                )
        except IntegrityError:
            raise ReserveError("该笔支出已归垫，不能重复归垫") from None
