"""特困 termination with its notice (特困人员认定办法第 24—25 条) and transfer between counties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Role
from minzheng.common.errors import NotFound, NoticeRunning, PermissionDenied
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import notice_over, notice_period
from minzheng.enrolments import rules
from minzheng.enrolments.errors import ChangeNotAllowed, EnrolmentInvalid
from minzheng.enrolments.models import (
    ChangeKind,
    ChangeState,
    Enrolment,
    EnrolmentChange,
    EnrolmentSource,
    EnrolmentStatus,
)
from minzheng.enrolments.rules import Span, add_months, month_start
from minzheng.enrolments.services._base import (
    EXTREME_POVERTY,
    TEMPORARY,
    _audit,
    _create,
    _locked,
    _require,
    _split_at,
    _today,
    money_parse,
    period_spans,
    township_of,
)

# --- 特困 termination and transfer ----------------------------------------------------------------------


@transaction.atomic
def extreme_poverty_termination_propose(
    *, actor: User, enrolment_id: int, ground: str, reason: str, today: dt.date | None = None
) -> EnrolmentChange:
    """Publicise a proposed 特困 termination for 7 days (特困人员认定办法第 24—25 条). The notice starts the
    day after, and a last day on a holiday moves to the next working day (民法典第 201、203 条);
    ``extreme_poverty_termination_confirm`` ends support from the next month once the notice is over
    without objection, ``…_withdraw`` drops it when an objection is upheld."""
    _require(actor)
    today = today or _today()
    if ground not in rules.TERMINATION_GROUNDS:
        raise EnrolmentInvalid("请选择终止情形（特困人员认定办法第 24 条）", field="ground")
    if not reason.strip():
        raise EnrolmentInvalid("请填写终止理由（须书面告知本人和村（居）委会）", field="reason")
    enrolment = _locked(actor, enrolment_id)
    if enrolment.programme != EXTREME_POVERTY:
        raise EnrolmentInvalid("只有特困人员救助供养适用终止公示程序", field="kind")
    rule = rules.CHANGES[ChangeKind.TERMINATION]
    if enrolment.status not in rule.sources:
        raise ChangeNotAllowed("该对象已退出，不能再次终止", field="kind")
    if enrolment.changes.filter(state=ChangeState.NOTICE).exists():
        raise ChangeNotAllowed("该对象已有公示中的终止", field="kind")
    # 民法典第 201 条 (starts the next day) and 第 203 条 (a last day on a holiday moves to the next workday)
    notice = notice_period(today, rules.TERMINATION_NOTICE_DAYS, working_calendar())
    change = EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=ChangeKind.TERMINATION,
        state=ChangeState.NOTICE,
        ground=ground,
        status_before=enrolment.status,
        reason=reason.strip()[:200],
        basis=rule.basis,
        notice_starts_on=notice.starts_on,
        notice_ends_on=notice.ends_on,
        notice_ends_provisional=notice.provisional,
        recorded_by=actor,
    )
    _audit(
        actor,
        enrolment,
        "enrolment.termination_proposed",
        f"拟终止特困供养（{rules.TERMINATION_GROUNDS[ground]}），公示至 {change.notice_ends_on}",
        change_id=change.pk,
    )
    return change


def _notice_locked(actor: User, change_id: int) -> tuple[EnrolmentChange, Enrolment]:
    change = EnrolmentChange.objects.select_for_update().filter(pk=change_id).first()
    if change is None:
        raise NotFound("终止公示不存在", field="change")
    enrolment = _locked(actor, change.enrolment_id)
    if change.state != ChangeState.NOTICE:
        raise ChangeNotAllowed(f"该终止已{ChangeState(change.state).label}，不能再办理", field="state")
    return change, enrolment


@transaction.atomic
def extreme_poverty_termination_confirm(
    *, actor: User, change_id: int, today: dt.date | None = None
) -> EnrolmentChange:
    """The notice is over without objection: support ends from the next month (特困人员认定办法第 25 条).
    The county decides (第 25 条), so only a county approver confirms."""
    _require(actor)
    if actor.role != Role.COUNTY_APPROVER:
        raise PermissionDenied("特困人员终止救助供养由县级民政部门决定")
    today = today or _today()
    change, enrolment = _notice_locked(actor, change_id)
    if not notice_over(change.notice_ends_on, today):
        raise NoticeRunning(change.notice_ends_on)  # 民法典第 203 条
    effective = add_months(month_start(today), 1)
    change.amount_before = rules.amount_on(period_spans(enrolment), effective)
    change.removed_periods = _split_at(enrolment, effective)
    enrolment.status, enrolment.ends_month = EnrolmentStatus.ENDED, month_start(today)
    enrolment.end_reason = f"{rules.TERMINATION_GROUNDS[change.ground]}：{change.reason}"[:200]
    enrolment.save(update_fields=["status", "ends_month", "end_reason", "updated_at"])
    change.state, change.effective_month, change.status_after = (
        ChangeState.APPLIED,
        effective,
        enrolment.status,
    )
    change.save(
        update_fields=["state", "effective_month", "status_after", "amount_before", "removed_periods"]
    )
    _audit(
        actor,
        enrolment,
        "enrolment.terminated",
        f"终止特困供养，{effective:%Y-%m} 起停止",
        change_id=change.pk,
    )
    return change


@transaction.atomic
def extreme_poverty_termination_withdraw(*, actor: User, change_id: int, reason: str) -> EnrolmentChange:
    """An objection to the notice was upheld after investigation (第 25 条: within 15 working days): the
    proposed termination is dropped and support continues."""
    _require(actor)
    if not reason.strip():
        raise EnrolmentInvalid("请填写撤回理由（异议调查结论）", field="reason")
    change, enrolment = _notice_locked(actor, change_id)
    change.state, change.reason = ChangeState.WITHDRAWN, f"{change.reason}；撤回：{reason.strip()}"[:200]
    change.save(update_fields=["state", "reason"])
    _audit(actor, enrolment, "enrolment.termination_withdrawn", f"撤回终止：{reason}", change_id=change.pk)
    return change


@transaction.atomic
def extreme_poverty_transfer(
    *,
    actor: User,
    enrolment_id: int,
    programme: str,
    monthly_amount: Decimal | str,
    reason: str,
    starts_month: dt.date | None = None,
    level: str = "",
) -> Enrolment:
    """Move a terminated 特困 person into 低保 or 临时救助 (特困人员认定办法第 27 条): a new enrolment with
    source
    ``transfer`` linked to the ended one, from the month after the termination at the decided amount. 低保
    enrols the person's household (one current 低保 per household); 临时救助 is a one-month payment."""
    _require(actor)
    if programme not in rules.TRANSFER_PROGRAMMES:
        raise EnrolmentInvalid("只能转入最低生活保障或临时救助", field="programme")
    if not reason.strip():
        raise EnrolmentInvalid("请填写转入依据（审核确认结论或决定文号）", field="reason")
    old = _locked(actor, enrolment_id)
    if old.programme != EXTREME_POVERTY or old.status != EnrolmentStatus.ENDED or old.ends_month is None:
        raise ChangeNotAllowed("只有已终止的特困人员可以转入低保或临时救助", field="enrolment")
    first = add_months(old.ends_month, 1)
    start = starts_month or first
    if start.day != 1 or start < first:
        raise EnrolmentInvalid(f"转入起始月份须为 {first:%Y-%m} 或之后某月的 1 日", field="starts_month")
    amount = money_parse(monthly_amount, "monthly_amount")
    household = old.person.household if old.person and old.person.household else old.household
    values: dict[str, Any] = {
        "programme": programme,
        "household": household,
        "division": township_of(household.hukou_division),
        "source": EnrolmentSource.TRANSFER,
        "transferred_from": old,
        "decision_ref": reason.strip()[:100],
        "starts_month": start,
        "monthly_amount": amount,
        "level": level,
    }
    until = add_months(start, 1) if programme == TEMPORARY else None
    if programme == TEMPORARY:
        values["ends_month"] = start
    enrolment = _create(
        actor, values, [Span(start, until, amount)], "特困终止后转入", rules.EP_MEASURES + "第27条"
    )
    _audit(actor, enrolment, "enrolment.transferred", f"特困终止后转入，自 {start:%Y-%m} 起", from_id=old.pk)
    return enrolment
