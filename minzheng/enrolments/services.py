"""Writes of enrolments (issue 5 §1): enrolment from a decision, changes split into entitlement periods,
gradual exit, 特困 termination with its notice, transfer, and the set-based close of finished schedules.

Every change locks the enrolment row (``select_for_update``), checks the change table of ``rules`` against
the status it finds, rewrites the periods from the effective month on (closing the running one, replacing
later ones — a back-dated change is allowed: the payroll compares owed with paid) and records an
``EnrolmentChange`` and an audit event in the same transaction. Services use ``transaction.atomic`` so
they nest (as a savepoint) inside a caller's transaction, e.g. the approval of an application.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.timeline import timeline_record
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import ALLOWANCE_WORKFLOWS, Programme
from minzheng.catalogue.roles import Capability, Role
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.divisions.selectors import division_ancestor
from minzheng.enrolments import rules
from minzheng.enrolments.errors import AlreadyEnrolled, ChangeNotAllowed, EnrolmentInvalid
from minzheng.enrolments.models import (
    ChangeKind,
    ChangeState,
    Enrolment,
    EnrolmentChange,
    EnrolmentSource,
    EnrolmentStatus,
    EntitlementPeriod,
    SupportMode,
)
from minzheng.enrolments.rules import Span, add_months, month_start

TEMPORARY = Programme.TEMPORARY_ASSISTANCE
EXTREME_POVERTY = Programme.EXTREME_POVERTY_SUPPORT
DIBAO = Programme.DIBAO
APPROVED_STEPS = frozenset({"approved", "aid_paid"})  # aid_paid: 急难型先行救助 already decided
# Allowance applications (applications.rules.ALLOWANCE_WORKFLOWS): the person is enrolled in each programme
# the approval granted (``application.assessment["granted"]``; 两项补贴 may grant both subsidies).
ALLOWANCE_APPLICATIONS = ALLOWANCE_WORKFLOWS


def _today() -> dt.date:
    return timezone.localdate()


def township_of(division: Division) -> Division:
    """The paying township of a village (the division itself when it is a township or above)."""
    return division_ancestor(division, Level.TOWNSHIP)


def _require(actor: User) -> None:
    if not actor.can(Capability.MANAGE_ENROLMENTS):
        raise PermissionDenied("您的角色不能办理在保对象的变更")


def _locked(actor: User, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("household__hukou_division")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None or not Enrolment.objects.visible_to(actor).filter(pk=enrolment_id).exists():
        raise NotFound("在保对象不存在或不在您的管辖范围内", field="enrolment")
    return enrolment


def period_spans(enrolment: Enrolment) -> dict[int, Span]:
    return {
        pk: Span(start, until, amount)
        for pk, start, until, amount in enrolment.periods.values_list(
            "id", "from_month", "until_month", "monthly_amount"
        )
    }


def _period_add(enrolment: Enrolment, span: Span, reason: str, basis: str, actor: User | None) -> None:
    EntitlementPeriod.objects.create(
        enrolment=enrolment,
        from_month=span.from_month,
        until_month=span.until_month,
        monthly_amount=span.amount,
        reason=reason[:200],
        basis=basis[:200],
        recorded_by=actor,
    )


def _split_at(enrolment: Enrolment, effective_month: dt.date) -> list[dict[str, str | None]]:
    """Close the period covering ``effective_month`` at it and remove the later ones; returns the removed
    periods as JSON for the change record."""
    spans = period_spans(enrolment)
    split = rules.period_split(spans, effective_month)
    EntitlementPeriod.objects.filter(pk__in=split.close).update(until_month=effective_month)
    removed = [
        {
            "from_month": spans[pk].from_month.isoformat(),
            "until_month": until.isoformat() if (until := spans[pk].until_month) else None,
            "amount": str(spans[pk].amount),
        }
        for pk in split.remove
    ]
    EntitlementPeriod.objects.filter(pk__in=split.remove).delete()
    return removed


def money_parse(value: Any, field: str = "new_amount") -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EnrolmentInvalid("金额不是有效数字", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise EnrolmentInvalid("金额不能为负数", field=field)
    if amount != amount.quantize(rules.CENT):
        raise EnrolmentInvalid("金额最多两位小数（元、角、分）", field=field)
    return amount.quantize(rules.CENT)


def _audit(actor: User | None, enrolment: Enrolment, verb: str, summary: str, **data: Any) -> None:
    event_record(
        actor=actor,
        verb=verb,
        object_type="enrolment",
        object_id=enrolment.pk,
        division_code=enrolment.division.code if enrolment.division_id else "",
        summary=summary,
        data=data,
    )


# --- enrolment from a decision ------------------------------------------------------------------------


def _create(
    actor: User | None, values: dict[str, Any], spans: list[Span], reason: str, basis: str
) -> Enrolment:
    """Insert the enrolment and its periods in a savepoint; a second current enrolment of the same
    household (person) and programme is refused by the partial unique indexes."""
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(created_by=actor, **values)
    except IntegrityError:
        who = "该人员" if values.get("person") is not None else "该家庭"
        raise AlreadyEnrolled(f"{who}已有在保的同一救助项目，不能重复纳入", field="programme") from None
    for span in spans:
        _period_add(enrolment, span, reason, basis, actor)
    return enrolment


def _instalment_spans(application: Any) -> list[Span]:
    """临时救助 一次审批、分阶段发放: one one-month period per instalment; otherwise one payment in the month
    after the decision (or ``starts_month`` when set)."""
    spans = []
    for item in application.instalments or []:
        month = rules.parse_month(str(item.get("month", "")))
        if month is None:
            raise EnrolmentInvalid(f"分阶段发放计划中的月份“{item.get('month')}”无效", field="instalments")
        spans.append(Span(month, add_months(month, 1), money_parse(item.get("amount"), "instalments")))
    if spans:
        months = [s.from_month for s in spans]
        if len(set(months)) != len(months):
            raise EnrolmentInvalid("分阶段发放计划中有重复的月份", field="instalments")
        return sorted(spans, key=lambda s: s.from_month)
    if application.one_off_amount is None:
        raise EnrolmentInvalid("临时救助没有批准金额，不能纳入发放", field="one_off_amount")
    decided = application.decided_on or _today()
    month = application.starts_month or add_months(month_start(decided), 1)
    return [Span(month, add_months(month, 1), money_parse(application.one_off_amount, "one_off_amount"))]


def _support_mode(application: Any) -> str:
    mode = (
        getattr(application, "support_mode", "") or (application.assessment or {}).get("support_mode") or ""
    )
    return mode if mode in SupportMode.values else SupportMode.NONE


def enrolment_from_application(*, actor: User | None, application: Any) -> Enrolment | None:
    """Enrol the beneficiary of an approved application; idempotent (a second call returns the enrolment
    already created). 低保 → the household from ``starts_month`` at ``monthly_amount`` (审核确认办法第 21 条:
    paid from the month after approval); 特困 → the subject person, level = care tier, support mode as chosen
    (特困人员认定办法第 17 条); 临时救助 → one-month periods per instalment, ending after the last one.
    The allowances → the subject person in each programme granted, from ``starts_month`` (高龄津贴 and
    两项补贴: the month of application; 孤儿 and 事实无人抚养儿童: the month after confirmation); returns the
    first. Other programmes (低保边缘, 刚性支出) pay nothing monthly: returns None. Runs inside the caller's
    transaction (a savepoint); needs no request."""
    existing = Enrolment.objects.filter(application=application).order_by("pk").first()
    if existing is not None:
        return existing
    if application.step not in APPROVED_STEPS:
        raise EnrolmentInvalid(f"申请 {application.number} 尚未批准，不能纳入在保", field="application")
    programme = application.programme
    if programme in ALLOWANCE_APPLICATIONS:
        return _allowances_from_application(actor, application)
    if programme not in (DIBAO, EXTREME_POVERTY, TEMPORARY):
        return None
    with transaction.atomic():
        enrolment = _from_application(actor, application, programme)
        timeline_record(
            application,
            actor,
            "record",
            "enrolled",
            f"纳入在保：自 {enrolment.starts_month:%Y年%m月} 起每月 {enrolment.monthly_amount} 元"
            if programme != TEMPORARY
            else f"纳入临时救助发放：{enrolment.starts_month:%Y年%m月}—{enrolment.ends_month:%Y年%m月}",
            data={"enrolment_id": enrolment.pk},
        )
        _audit(actor, enrolment, "enrolment.created", f"{application.number} 纳入在保")
    return enrolment


def _from_application(actor: User | None, application: Any, programme: str) -> Enrolment:
    basis = f"申请 {application.number} 审批决定"
    values: dict[str, Any] = {
        "programme": programme,
        "household": application.household,
        "division": application.division,
        "source": EnrolmentSource.APPLICATION,
        "application": application,
        "decision_ref": (application.number or "")[:100],
        "level": application.level or "",
    }
    if programme == TEMPORARY:
        spans = _instalment_spans(application)
        values |= {
            "starts_month": spans[0].from_month,
            "ends_month": spans[-1].from_month,
            "monthly_amount": spans[0].amount,
        }
        return _create(actor, values, spans, "临时救助", basis)
    if application.monthly_amount is None or application.starts_month is None:
        raise EnrolmentInvalid("审批结果缺少月救助金额或起始发放月份", field="monthly_amount")
    amount = money_parse(application.monthly_amount, "monthly_amount")
    start = month_start(application.starts_month)
    if programme == EXTREME_POVERTY:
        if application.subject_id is None:
            raise EnrolmentInvalid("特困人员供养申请没有救助对象", field="subject")
        values |= {"person": application.subject, "support_mode": _support_mode(application)}
    values |= {"starts_month": start, "monthly_amount": amount}
    return _create(actor, values, [Span(start, None, amount)], "审批纳入", basis)


def _allowances_from_application(actor: User | None, application: Any) -> Enrolment:
    if application.subject_id is None or application.starts_month is None:
        raise EnrolmentInvalid("津贴补贴申请缺少救助对象或起始发放月份", field="subject")
    grants = (application.assessment or {}).get("granted") or [
        {"programme": application.programme, "monthly_amount": application.monthly_amount,
         "level": application.level}
    ]  # fmt: skip
    start = month_start(application.starts_month)
    basis = f"申请 {application.number} 审批决定"
    created = []
    with transaction.atomic():
        for grant in grants:
            amount = money_parse(grant.get("monthly_amount"), "monthly_amount")
            values: dict[str, Any] = {
                "programme": grant["programme"], "household": application.household,
                "person": application.subject, "division": application.division,
                "source": EnrolmentSource.APPLICATION, "application": application,
                "decision_ref": (application.number or "")[:100], "level": str(grant.get("level") or "")[:40],
                "starts_month": start, "monthly_amount": amount,
            }  # fmt: skip
            enrolment = _create(actor, values, [Span(start, None, amount)], "审批纳入", basis)
            label = grant.get("label") or grant["programme"]
            timeline_record(application, actor, "record", "enrolled",
                            f"纳入在保（{label}）：自 {start:%Y年%m月} 起每月 {amount} 元",
                            data={"enrolment_id": enrolment.pk})  # fmt: skip
            _audit(actor, enrolment, "enrolment.created", f"{application.number} 纳入在保（{label}）")
            created.append(enrolment)
    return created[0]


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


# --- 特困 termination and transfer ----------------------------------------------------------------------


@transaction.atomic
def extreme_poverty_termination_propose(
    *, actor: User, enrolment_id: int, ground: str, reason: str, today: dt.date | None = None
) -> EnrolmentChange:
    """Publicise a proposed 特困 termination for 7 days (特困人员认定办法第 24—25 条). The notice starts the
    day
    after (民法典第 201 条); ``extreme_poverty_termination_confirm`` ends support from the next month once the
    notice is over without objection, ``…_withdraw`` drops it when an objection is upheld."""
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
    change = EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=ChangeKind.TERMINATION,
        state=ChangeState.NOTICE,
        ground=ground,
        status_before=enrolment.status,
        reason=reason.strip()[:200],
        basis=rule.basis,
        notice_starts_on=today + dt.timedelta(days=1),
        notice_ends_on=today + dt.timedelta(days=rules.TERMINATION_NOTICE_DAYS),
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
    assert change.notice_ends_on is not None
    if today <= change.notice_ends_on:
        raise ChangeNotAllowed(
            f"公示期至 {change.notice_ends_on} 止，期满无异议后才能终止", field="notice_ends_on"
        )
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
