"""Offices, their opening calendar and slot generation (issue 18 §1).

Slots are generated set-based: one ``bulk_create`` of every (open day × timetable entry) of the range,
skipping those that exist (the unique key office/day/service/start), so generating again is harmless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.common.selectors import working_calendar
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.marriage import rules
from minzheng.marriage.models import Appointment, Office, OfficeDay, Slot
from minzheng.marriage.services.common import capability_require

MAX_GENERATE_DAYS = 400


def _office_locked(actor: User, office_id: int) -> Office:
    capability_require(actor)
    office = Office.objects.visible_to(actor).select_for_update().filter(pk=office_id).first()
    if office is None:
        raise NotFound("登记机关不存在或不在您的管辖范围内")
    return office


@transaction.atomic
def office_create(
    *, actor: User, division: Division, name: str, address: str = "", phone: str = "", slot_plan: Any = None
) -> Office:
    """A registration office of a banner/county within the actor's jurisdiction."""
    capability_require(actor)
    if not Division.objects.visible_to(actor).filter(pk=division.pk).exists():
        raise NotFound("区划不在您的管辖范围内")
    if division.level != Level.COUNTY:
        raise ValidationFailed("婚姻登记机关应设在旗县（市区）", field="division")
    plan = slot_plan if slot_plan is not None else []
    rules.slot_plan_parse(plan)
    office = Office.objects.create(
        name=name.strip(), division=division, address=address.strip(), phone=phone.strip(), slot_plan=plan
    )
    event_record(
        actor=actor,
        verb="marriage.office_create",
        object_type="marriage.office",
        object_id=office.pk,
        division_code=division.code,
        summary=f"新建婚姻登记机关：{office.name}",
    )
    return office


@transaction.atomic
def office_plan_set(*, actor: User, office_id: int, slot_plan: Any) -> Office:
    office = _office_locked(actor, office_id)
    rules.slot_plan_parse(slot_plan)
    office.slot_plan = slot_plan
    office.save(update_fields=["slot_plan"])
    event_record(
        actor=actor,
        verb="marriage.office_plan",
        object_type="marriage.office",
        object_id=office.pk,
        division_code=office.division.code,
        summary=f"{office.name}：修改每日号源安排",
    )
    return office


@transaction.atomic
def office_day_set(
    *, actor: User, office_id: int, date: dt.date, is_open: bool, reason: str = ""
) -> OfficeDay:
    """An extra open day or a closure. Closing a day with active appointments is refused (the couples must
    be told and moved first); a closed day's empty slots are removed, an extra open day gets its slots."""
    office = _office_locked(actor, office_id)
    if not is_open:
        active = Appointment.objects.filter(
            slot__office=office, slot__day=date, status__in=sorted(rules.ACTIVE_APPOINTMENT)
        ).count()
        if active:
            raise Conflict(
                f"{date:%Y年%m月%d日}已有 {active} 个有效预约，请先通知当事人改约后再闭馆", field="date"
            )
        Slot.objects.filter(office=office, day=date, booked=0).delete()
    day, _created = OfficeDay.objects.update_or_create(
        office=office, date=date, defaults={"is_open": is_open, "reason": reason.strip()[:60]}
    )
    if is_open:
        _generate(office, date, date)
    event_record(
        actor=actor,
        verb="marriage.office_day",
        object_type="marriage.office",
        object_id=office.pk,
        division_code=office.division.code,
        summary=f"{office.name}：{date:%Y-%m-%d} {'增开' if is_open else '闭馆'} {reason}".strip(),
    )
    return day


@transaction.atomic
def office_day_remove(*, actor: User, office_id: int, date: dt.date) -> None:
    office = _office_locked(actor, office_id)
    OfficeDay.objects.filter(office=office, date=date).delete()


def _generate(office: Office, start: dt.date, end: dt.date) -> int:
    plan = rules.slot_plan_parse(office.slot_plan)
    overrides = dict(
        OfficeDay.objects.filter(office=office, date__range=(start, end)).values_list("date", "is_open")
    )
    calendar = working_calendar()
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    rows = [
        Slot(
            office=office,
            day=day,
            service=entry.service.value,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            capacity=entry.capacity,
        )
        for day in days
        if rules.office_open(day, overrides, calendar)
        for entry in plan
    ]
    before = Slot.objects.filter(office=office, day__range=(start, end)).count()
    Slot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return Slot.objects.filter(office=office, day__range=(start, end)).count() - before


@transaction.atomic
def slots_generate(*, actor: User | None, office_id: int, start: dt.date, end: dt.date) -> int:
    """Slots of every open day from ``start`` to ``end`` per the office's timetable; returns how many were
    new. ``actor`` None: the scheduled task (every office, no scope)."""
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期", field="end")
    if (end - start).days > MAX_GENERATE_DAYS:
        raise ValidationFailed(f"一次最多生成 {MAX_GENERATE_DAYS} 天的号源", field="end")
    if actor is None:
        office = Office.objects.select_for_update().get(pk=office_id)
    else:
        office = _office_locked(actor, office_id)
    created = _generate(office, start, end)
    event_record(
        actor=actor,
        verb="marriage.slots_generate",
        object_type="marriage.office",
        object_id=office.pk,
        division_code=office.division.code,
        summary=f"{office.name}：生成 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 号源 {created} 个",
    )
    return created
