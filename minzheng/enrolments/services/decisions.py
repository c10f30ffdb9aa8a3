"""Enrolment from an approved application's decision (审核确认办法第 21 条; 特困人员认定办法第 17 条; the
allowances). Runs inside the caller's transaction as a savepoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.enrolments import rules
from minzheng.enrolments.errors import EnrolmentInvalid
from minzheng.enrolments.models import (
    Enrolment,
    EnrolmentSource,
    SupportMode,
)
from minzheng.enrolments.rules import Span, add_months, month_start
from minzheng.enrolments.services._base import (
    ALLOWANCE_APPLICATIONS,
    APPROVED_STEPS,
    DIBAO,
    EXTREME_POVERTY,
    TEMPORARY,
    _audit,
    _create,
    _today,
    money_parse,
)

# --- enrolment from a decision ------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolled:
    """What a decision enrolled: the enrolments (the existing one when called again) and, for each one just
    created, the line for the application's timeline. The caller (``applications.services.enrolment``)
    writes those lines: applications sit above enrolments in the import layers."""

    enrolments: list[Enrolment]
    notes: list[tuple[Enrolment, str]] = field(default_factory=list)


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


def enrolment_from_decision(*, actor: User | None, application: Any) -> Enrolled:
    """Enrol the beneficiary of an approved application; idempotent (a second call returns the enrolment
    already created, with no timeline line). 低保 → the household from ``starts_month`` at
    ``monthly_amount`` (审核确认办法第 21 条: paid from the month after approval); 特困 → the subject
    person, level = care tier, support mode as chosen (特困人员认定办法第 17 条); 临时救助 → one-month
    periods per instalment, ending after the last one. The allowances → the subject person in each programme
    granted, from ``starts_month`` (高龄津贴 and 两项补贴: the month of application; 孤儿 and
    事实无人抚养儿童: the month after confirmation). Other programmes (低保边缘, 刚性支出) pay nothing
    monthly: nothing is enrolled. Runs inside the caller's transaction (a savepoint); needs no request."""
    existing = Enrolment.objects.filter(application=application).order_by("pk").first()
    if existing is not None:
        return Enrolled([existing])
    if application.step not in APPROVED_STEPS:
        raise EnrolmentInvalid(f"申请 {application.number} 尚未批准，不能纳入在保", field="application")
    programme = application.programme
    if programme in ALLOWANCE_APPLICATIONS:
        return _allowances_from_application(actor, application)
    if programme not in (DIBAO, EXTREME_POVERTY, TEMPORARY):
        return Enrolled([])
    with transaction.atomic():
        enrolment = _from_application(actor, application, programme)
        _audit(actor, enrolment, "enrolment.created", f"{application.number} 纳入在保")
    note = (
        f"纳入在保：自 {enrolment.starts_month:%Y年%m月} 起每月 {enrolment.monthly_amount} 元"
        if programme != TEMPORARY
        else f"纳入临时救助发放：{enrolment.starts_month:%Y年%m月}—{enrolment.ends_month:%Y年%m月}"
    )
    return Enrolled([enrolment], [(enrolment, note)])


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


def _allowances_from_application(actor: User | None, application: Any) -> Enrolled:
    if application.subject_id is None or application.starts_month is None:
        raise EnrolmentInvalid("津贴补贴申请缺少救助对象或起始发放月份", field="subject")
    grants = (application.assessment or {}).get("granted") or [
        {
            "programme": application.programme,
            "monthly_amount": application.monthly_amount,
            "level": application.level,
        }
    ]
    start = month_start(application.starts_month)
    basis = f"申请 {application.number} 审批决定"
    enrolled = Enrolled([])
    with transaction.atomic():
        for grant in grants:
            amount = money_parse(grant.get("monthly_amount"), "monthly_amount")
            values: dict[str, Any] = {
                "programme": grant["programme"],
                "household": application.household,
                "person": application.subject,
                "division": application.division,
                "source": EnrolmentSource.APPLICATION,
                "application": application,
                "decision_ref": (application.number or "")[:100],
                "level": str(grant.get("level") or "")[:40],
                "starts_month": start,
                "monthly_amount": amount,
            }
            enrolment = _create(actor, values, [Span(start, None, amount)], "审批纳入", basis)
            label = grant.get("label") or grant["programme"]
            _audit(actor, enrolment, "enrolment.created", f"{application.number} 纳入在保（{label}）")
            enrolled.enrolments.append(enrolment)
            enrolled.notes.append((enrolment, f"纳入在保（{label}）：自 {start:%Y年%m月} 起每月 {amount} 元"))
    return enrolled
