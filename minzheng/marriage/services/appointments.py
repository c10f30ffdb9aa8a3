"""Appointments (issue 18 §2): booked in the portal by either party, confirmed by the other, cancelled or
rescheduled by either, closed at the window (attended) or as a no-show.

No overbooking under a burst: a place is taken by one conditional ``UPDATE … SET booked = booked + 1
WHERE id = %s AND booked < capacity`` — the row lock it takes makes concurrent bookers of the same slot
wait for each other, and the condition is re-checked on the committed row (PostgreSQL's EvalPlanQual), so
exactly ``capacity`` succeed; a check constraint (``booked <= capacity``) backs it. A place is given back
only by a transition that ``releases_slot`` (cancel, or the old slot of a reschedule), under the locked
compare-and-set of the appointment's status, so it returns to the pool once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.marriage import rules
from minzheng.marriage.models import Appointment, AppointmentEvent, AppointmentParty, Slot
from minzheng.marriage.rules import AppointmentStatus, Service
from minzheng.marriage.selectors.records import currently_married
from minzheng.marriage.services.common import (
    capability_require,
    identity_parse,
    integer_parameter,
    seal_id,
    seal_phone,
)
from minzheng.portal.models import PortalAccount
from minzheng.portal.rules import phone_normalise
from minzheng.portal.services.outbox import sms_send

SLOT_FULL = "该时段号源已约满，请选择其他时段"


class AppointmentRefused(Conflict):
    code = "appointment_refused"


@dataclass(frozen=True)
class PartnerInput:
    name: str
    id_number: str
    phone: str


def _booker(account: PortalAccount) -> tuple[str, str, str]:
    """The signed-in account's own name, ID number and phone (the phone was proven by the SMS code)."""
    if not account.id_number_index or not account.id_number_encrypted:
        raise ValidationFailed("请先登记您的姓名和身份证号码", field="account", code="identity_missing")
    return account.name, crypto.decrypt(account.id_number_encrypted), crypto.decrypt(account.phone_encrypted)


def _take(slot_id: int) -> None:
    """One place of the slot, or ``SLOT_FULL`` (the single conditional UPDATE of the module docstring)."""
    if not Slot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        raise AppointmentRefused(SLOT_FULL, field="slot")


def _release(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _bookable(slot: Slot, service: str, now: dt.datetime) -> None:
    if slot.service != service:
        raise ValidationFailed("所选时段不办理该业务", field="slot")
    if not slot.office.is_active:
        raise ValidationFailed("该登记机关暂停预约", field="slot")
    if slot.booked >= slot.capacity:  # fast path under a burst; the conditional UPDATE is the guarantee
        raise AppointmentRefused(SLOT_FULL, field="slot")
    today = timezone.localdate(now)
    division = slot.office.division
    horizon = integer_parameter("marriage.booking_horizon_days", division, today)
    opening = integer_parameter("marriage.booking_opening_hour", division, today)
    problem = rules.booking_open(timezone.localtime(now), slot.day, slot.starts_at, horizon, opening)
    if problem:
        raise ValidationFailed(problem, field="slot")


def _marriage_checks(booker_number: str, partner_number: str, on: dt.date) -> None:
    """What can be told before the visit: both of legal age on the day, a man and a woman, and neither
    married per our records (issue 18: a person married per the records cannot book without a correction)."""
    parties = [parse_resident_id(booker_number), parse_resident_id(partner_number, field="partner_id_number")]
    if {p.sex.value for p in parties} != {"male", "female"}:
        raise ValidationFailed(
            "结婚登记须男女双方共同申请（《民法典》第一千零四十六条）", field="partner_id_number"
        )
    for label, party in zip(("您", "对方"), parties, strict=True):
        if not rules.has_legal_age(party.birth_date, party.sex.value, on):
            age = rules.LEGAL_AGE[party.sex.value]
            raise ValidationFailed(
                f"{label}在预约日尚未满{age}周岁，未达法定婚龄（《民法典》第一千零四十七条）", field="slot"
            )
    for label, number in (("您", booker_number), ("对方", partner_number)):
        if currently_married(number):
            raise AppointmentRefused(
                f"婚姻登记档案显示{label}为已婚，不能预约结婚登记；如档案有误，请携带证明材料到登记机关申请更正",
                field="partner_id_number",
            )


def _event(
    appointment: Appointment,
    action: str,
    message: str,
    *,
    source: str = "",
    target: str = "",
    actor: User | None = None,
    account: PortalAccount | None = None,
) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        from_status=source,
        to_status=target,
        actor=actor,
        account=account,
        message=message[:300],
    )
    event_record(
        actor=actor,
        verb=f"marriage.appointment_{action}",
        object_type="marriage.appointment",
        object_id=appointment.pk,
        division_code=appointment.office.division.code,
        summary=f"预约 {appointment.number}：{message}"[:300],
    )


def _notify(phone: str, body: str) -> None:
    sms_send(phone=phone, template="marriage_appointment", body=body)


def _when(slot: Slot) -> str:
    return f"{slot.day:%Y年%m月%d日} {slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}"


@transaction.atomic
def appointment_book(
    *,
    account: PortalAccount,
    slot_id: int,
    service: str,
    partner: PartnerInput,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book ``slot_id`` for the signed-in party and ``partner``; the partner is told by SMS to confirm."""
    now = now or timezone.now()
    name, number, phone = _booker(account)
    other = identity_parse(partner.name, partner.id_number, field="partner")
    partner_phone = phone_normalise(partner.phone)
    if other.resident.number == number:
        raise ValidationFailed("对方身份证号码不能与您的相同", field="partner_id_number")
    slot = Slot.objects.select_related("office__division").filter(pk=slot_id).first()
    if slot is None:
        raise ValidationFailed("所选时段不存在", field="slot")
    _bookable(slot, service, now)
    if service == Service.MARRIAGE:
        _marriage_checks(number, other.resident.number, slot.day)
    booker_id, partner_id = seal_id(number), seal_id(other.resident.number)
    booker_phone, partner_phone_sealed = seal_phone(phone), seal_phone(partner_phone)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                office=slot.office,
                slot=slot,
                service=service,
                status=AppointmentStatus.PENDING,
                booker_account=account,
                booker_name=name,
                booker_id_encrypted=booker_id.encrypted,
                booker_id_index=booker_id.index,
                booker_id_masked=booker_id.masked,
                booker_phone_encrypted=booker_phone.encrypted,
                booker_phone_masked=booker_phone.masked,
                partner_name=other.name,
                partner_id_encrypted=partner_id.encrypted,
                partner_id_index=partner_id.index,
                partner_id_masked=partner_id.masked,
                partner_phone_encrypted=partner_phone_sealed.encrypted,
                partner_phone_masked=partner_phone_sealed.masked,
            )
            AppointmentParty.objects.bulk_create(
                [
                    AppointmentParty(appointment=appointment, service=service, id_index=index)
                    for index in (booker_id.index, partner_id.index)
                ]
            )
    except IntegrityError:
        label = rules.SERVICE_LABELS[Service(service)]
        raise AppointmentRefused(
            f"您或对方已有一个有效的“{label}”预约，请先取消或改约原预约", field="slot"
        ) from None
    _event(
        appointment,
        "book",
        f"{name}预约{_when(slot)}（{slot.office.name}）",
        target=AppointmentStatus.PENDING,
        account=account,
    )
    _notify(
        partner_phone,
        f"{name}为您预约了{slot.office.name}{_when(slot)}的{rules.SERVICE_LABELS[Service(service)]}，"
        "请登录救助通“婚姻登记预约”确认。",
    )
    _take(slot.pk)  # last: the slot's row lock is held only until the commit that follows
    return appointment


def _mine(account: PortalAccount, appointment_id: int) -> Appointment:
    """The appointment locked, if the account is one of its two parties (else it does not exist for them)."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("slot", "office__division")
        .filter(pk=appointment_id)
        .first()
    )
    if (
        appointment is None
        or account.id_number_index not in (appointment.booker_id_index, appointment.partner_id_index)
        or not account.id_number_index
    ):
        raise NotFound("预约不存在")
    return appointment


def _transition(appointment: Appointment, action: str, expected_status: str) -> rules.Transition:
    label = rules.APPOINTMENT_STATUS_LABELS[AppointmentStatus(appointment.status)]
    if expected_status and appointment.status != expected_status:
        raise AppointmentRefused(f"预约状态已变为“{label}”，请刷新后再操作", field="expected_status")
    transition = rules.transition_for(rules.APPOINTMENT_TRANSITIONS, appointment.status, action)
    if transition is None:
        raise AppointmentRefused(f"预约为“{label}”，不能办理此操作", field="expected_status")
    return transition


def _close(appointment: Appointment, transition: rules.Transition, now: dt.datetime) -> None:
    """Set the new status; a closing status ends the parties' active bookings, a releasing one gives the
    place back (once: the status compared above is the lock's witness)."""
    appointment.status = transition.target.value
    fields = ["status"]
    if transition.target not in rules.ACTIVE_APPOINTMENT:
        appointment.closed_at = now
        fields.append("closed_at")
        AppointmentParty.objects.filter(appointment=appointment).update(active=False)
    appointment.save(update_fields=fields)
    if transition.releases_slot:
        _release(appointment.slot_id)


@transaction.atomic
def appointment_confirm(
    *, account: PortalAccount, appointment_id: int, expected_status: str = ""
) -> Appointment:
    """The other party confirms with their own signed-in account (their ID number must be the one booked)."""
    appointment = _mine(account, appointment_id)
    if account.id_number_index != appointment.partner_id_index:
        raise AppointmentRefused("预约须由对方登录后确认", field="expected_status")
    transition = _transition(appointment, "confirm", expected_status)
    now = timezone.now()
    appointment.partner_account = account
    appointment.confirmed_at = now
    appointment.save(update_fields=["partner_account", "confirmed_at"])
    _close(appointment, transition, now)
    _event(
        appointment,
        "confirm",
        f"{appointment.partner_name}确认预约",
        source=transition.source.value,
        target=transition.target.value,
        account=account,
    )
    _notify(
        appointment.booker_phone,
        f"{appointment.partner_name}已确认{appointment.office.name}"
        f"{_when(appointment.slot)}的预约，请双方携带身份证按时到场。",
    )
    return appointment


@transaction.atomic
def appointment_cancel(
    *, account: PortalAccount, appointment_id: int, expected_status: str = ""
) -> Appointment:
    """Either party cancels; the place returns to the pool once."""
    appointment = _mine(account, appointment_id)
    transition = _transition(appointment, "cancel", expected_status)
    _close(appointment, transition, timezone.now())
    _event(
        appointment,
        "cancel",
        f"{account.name or account.phone_masked}取消预约",
        source=transition.source.value,
        target=transition.target.value,
        account=account,
    )
    other = (
        appointment.partner_phone
        if account.id_number_index == appointment.booker_id_index
        else appointment.booker_phone
    )
    _notify(other, f"{appointment.office.name}{_when(appointment.slot)}的婚姻登记预约已被取消。")
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    account: PortalAccount,
    appointment_id: int,
    slot_id: int,
    expected_status: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Move to another slot of the same service (any office: 全国通办 within the installation): the new
    place is taken first, then the old one given back."""
    now = now or timezone.now()
    appointment = _mine(account, appointment_id)
    transition = _transition(appointment, "reschedule", expected_status)
    slot = Slot.objects.select_related("office__division").filter(pk=slot_id).first()
    if slot is None:
        raise ValidationFailed("所选时段不存在", field="slot")
    if slot.pk == appointment.slot_id:
        raise ValidationFailed("新时段与原时段相同", field="slot")
    _bookable(slot, appointment.service, now)
    old = appointment.slot
    _take(slot.pk)
    _release(old.pk)
    appointment.slot, appointment.office = slot, slot.office
    appointment.reminded_at = None
    appointment.save(update_fields=["slot", "office", "reminded_at"])
    _event(
        appointment,
        "reschedule",
        f"由{_when(old)}改约至{slot.office.name}{_when(slot)}",
        source=transition.source.value,
        target=transition.target.value,
        account=account,
    )
    other = (
        appointment.partner_phone
        if account.id_number_index == appointment.booker_id_index
        else appointment.booker_phone
    )
    _notify(other, f"您的婚姻登记预约已改至{slot.office.name}{_when(slot)}。")
    return appointment


def _staff_locked(actor: User, appointment_id: int) -> Appointment:
    capability_require(actor)
    appointment = (
        Appointment.objects.visible_to(actor)
        .select_for_update()
        .select_related("slot", "office__division")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound("预约不存在或不在您的管辖范围内")
    return appointment


@transaction.atomic
def appointment_no_show(*, actor: User, appointment_id: int, expected_status: str = "") -> Appointment:
    """The registrar records that the couple did not come (the place is not given back: the time is gone)."""
    appointment = _staff_locked(actor, appointment_id)
    transition = _transition(appointment, "no_show", expected_status)
    _close(appointment, transition, timezone.now())
    _event(
        appointment,
        "no_show",
        "登记员记录：当事人未到场",
        source=transition.source.value,
        target=transition.target.value,
        actor=actor,
    )
    return appointment


def appointment_attend(*, actor: User, appointment_id: int, service: str) -> Appointment:
    """Close the appointment as handled; called inside the registering service's transaction."""
    appointment = _staff_locked(actor, appointment_id)
    if appointment.service != service:
        raise ValidationFailed("该预约不是此项业务", field="appointment")
    transition = _transition(appointment, "attend", "")
    _close(appointment, transition, timezone.now())
    _event(
        appointment,
        "attend",
        "到场办理",
        source=transition.source.value,
        target=transition.target.value,
        actor=actor,
    )
    return appointment


@transaction.atomic
def appointment_attend_at_window(
    *, actor: User, appointment_id: int, expected_status: str = ""
) -> Appointment:
    """The registrar closes an appointment as handled from the queue (services whose work is recorded on
    another page: 离婚登记 in the divorce application, 补领 on the record)."""
    appointment = _staff_locked(actor, appointment_id)
    transition = _transition(appointment, "attend", expected_status)
    _close(appointment, transition, timezone.now())
    _event(
        appointment,
        "attend",
        "到场办理（登记员办结）",
        source=transition.source.value,
        target=transition.target.value,
        actor=actor,
    )
    return appointment
