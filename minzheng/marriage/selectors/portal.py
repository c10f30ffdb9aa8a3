"""Reads for the citizen pages: a person sees only the appointments where their own ID number (the blind
index of their signed-in account) is one of the two parties, and their own records. Offices and free places
are public (全国通办: any office of the installation)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from minzheng.common.errors import NotFound
from minzheng.marriage.models import Appointment, Office, Slot
from minzheng.portal.models import PortalAccount


def open_offices() -> QuerySet[Office]:
    return Office.objects.filter(is_active=True).select_related("division").order_by("division__code", "id")


def free_slots(*, office_id: int, service: str, day: dt.date) -> QuerySet[Slot]:
    return Slot.objects.filter(
        office_id=office_id, service=service, day=day, booked__lt=F("capacity")
    ).order_by("starts_at")


def _of(account: PortalAccount) -> Q:
    index = account.id_number_index
    return Q(booker_id_index=index) | Q(partner_id_index=index)


def my_appointments(*, account: PortalAccount) -> QuerySet[Appointment]:
    if not account.id_number_index:
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(_of(account))
        .select_related("slot", "office")
        .order_by("-slot__day", "-slot__starts_at", "-id")
    )


def my_appointment(*, account: PortalAccount, pk: int) -> Appointment:
    appointment = my_appointments(account=account).filter(pk=pk).first()
    if appointment is None:
        raise NotFound("预约不存在")
    return appointment
