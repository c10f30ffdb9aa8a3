"""Daily work (``tasks.py`` and ``minzheng marriage daily``): no-shows of past days, SMS reminders for the
next day's appointments and for divorce windows about to close, and the divorce lapse scan."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.marriage import rules
from minzheng.marriage.models import Appointment, AppointmentEvent, AppointmentParty, DivorceApplication
from minzheng.marriage.rules import AppointmentStatus, DivorceStatus, Service
from minzheng.marriage.services.divorces import divorce_lapse_scan
from minzheng.portal.services.outbox import sms_send


def appointments_no_show_scan(*, today: dt.date | None = None) -> int:
    """Active appointments of days before ``today`` become 未到场 (set-based: one UPDATE of the appointments,
    one of their parties, one bulk insert of timeline rows). Their places are not given back: the day is
    over."""
    today = today or timezone.localdate()
    now = timezone.now()
    active = sorted(rules.ACTIVE_APPOINTMENT)
    with transaction.atomic():
        rows = list(
            Appointment.objects.select_for_update()
            .filter(status__in=active, slot__day__lt=today)
            .values_list("id", "status")
        )
        if not rows:
            return 0
        ids = [pk for pk, _status in rows]
        Appointment.objects.filter(pk__in=ids).update(status=AppointmentStatus.NO_SHOW, closed_at=now)
        AppointmentParty.objects.filter(appointment_id__in=ids).update(active=False)
        AppointmentEvent.objects.bulk_create(
            [
                AppointmentEvent(
                    appointment_id=pk,
                    action="no_show",
                    from_status=status,
                    to_status=AppointmentStatus.NO_SHOW,
                    message="预约日已过，当事人未到场",
                )
                for pk, status in rows
            ],
            batch_size=2000,
        )
        event_record(
            actor=None,
            verb="marriage.no_show_scan",
            object_type="marriage.appointment",
            object_id="scan",
            summary=f"{today:%Y-%m-%d} 预约未到场扫描：{len(ids)} 个",
        )
    return len(ids)


def appointment_reminders_send(*, day: dt.date) -> int:
    """One SMS to each party of every confirmed appointment on ``day`` not yet reminded."""
    sent = 0
    with transaction.atomic():
        due = list(
            Appointment.objects.select_for_update()
            .select_related("slot", "office")
            .filter(status=AppointmentStatus.CONFIRMED, slot__day=day, reminded_at__isnull=True)
        )
        for appointment in due:
            slot = appointment.slot
            body = (
                f"提醒：您预约了{appointment.office.name}{slot.day:%m月%d日} {slot.starts_at:%H:%M}的"
                f"{rules.SERVICE_LABELS[Service(appointment.service)]}，请双方携带身份证按时到场。"
            )
            for phone in (appointment.booker_phone, appointment.partner_phone):
                sms_send(phone=phone, template="marriage_reminder", body=body)
                sent += 1
        Appointment.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=timezone.now())
    return sent


def _phone_of(index: str) -> str:
    """The phone a person gave with their latest appointment (as booker or as the other party), or ""."""
    appointment = (
        Appointment.objects.filter(Q(booker_id_index=index) | Q(partner_id_index=index))
        .order_by("-created_at")
        .first()
    )
    if appointment is None:
        return ""
    return appointment.booker_phone if appointment.booker_id_index == index else appointment.partner_phone


def divorce_reminders_send(*, today: dt.date) -> int:
    """Both parties of every pending application whose registration window closes in three days get an SMS
    — those who ever booked through the portal (an application taken at the window records no phone)."""
    soon = today + dt.timedelta(days=3)
    sent = 0
    for application in DivorceApplication.objects.filter(status=DivorceStatus.PENDING, register_by=soon):
        for index in (application.man_id_index, application.woman_id_index):
            phone = _phone_of(index)
            if phone:
                sms_send(
                    phone=phone,
                    template="marriage_divorce_window",
                    body=f"提醒：离婚登记申请须于{application.register_by:%Y年%m月%d日}前双方共同到场申领离婚证，"
                    "逾期视为撤回申请。",
                )
                sent += 1
    return sent


def marriage_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """Everything the area does once a day, in order."""
    today = today or timezone.localdate()
    return {
        "no_shows": appointments_no_show_scan(today=today),
        "lapsed": divorce_lapse_scan(today=today),
        "reminders": appointment_reminders_send(day=today + dt.timedelta(days=1)),
        "divorce_reminders": divorce_reminders_send(today=today),
    }
