"""Races on real PostgreSQL connections: a burst of bookings for one slot gives exactly ``capacity`` places,
and registrars registering at once get consecutive certificate numbers without gaps."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from minzheng.marriage import services
from minzheng.marriage.models import Appointment, MarriageRecord, Slot

from .conftest import man_id, portal_person, slot_of, woman_id

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_burst_books_exactly_the_capacity(office):
    slot = slot_of(office, "marriage")  # capacity 3
    bookers = [portal_person(f"男{i}", man_id(101 + 2 * i)) for i in range(12)]

    def booking(i: int) -> Callable[[], Any]:
        return lambda: services.appointment_book(
            account=bookers[i],
            slot_id=slot.pk,
            service="marriage",
            partner=services.PartnerInput(f"女{i}", woman_id(200 + 2 * i), f"1380000{i:04d}"),
        )

    outcomes = race([booking(i) for i in range(12)])

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, services.appointments.AppointmentRefused)]
    assert (len(booked), len(refused)) == (3, 9), outcomes
    assert {e.message for e in refused} == {services.appointments.SLOT_FULL}
    assert Slot.objects.get(pk=slot.pk).booked == 3
    assert Appointment.objects.count() == 3


def test_two_cancellations_at_once_return_the_place_once(office):
    slot = slot_of(office, "marriage")
    he, she = portal_person("王", man_id(301)), portal_person("李", woman_id(302))
    appointment = services.appointment_book(
        account=he,
        slot_id=slot.pk,
        service="marriage",
        partner=services.PartnerInput("李", woman_id(302), "13800009999"),
    )
    outcomes = race(
        [
            lambda: services.appointment_cancel(account=he, appointment_id=appointment.pk),
            lambda: services.appointment_cancel(account=she, appointment_id=appointment.pk),
        ]
    )
    assert sum(isinstance(o, Appointment) for o in outcomes) == 1, outcomes
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_certificate_numbers_without_gaps_under_concurrency(office, registrars, make_user, divisions):
    clerks = [make_user(f"clerk{i}", "marriage_registrar", divisions["xincheng"]) for i in range(6)]

    def register(i: int) -> Callable[[], Any]:
        couple = services.CoupleInput(f"男{i}", man_id(401 + 2 * i), f"女{i}", woman_id(500 + 2 * i))
        declaration = i != 5  # the sixth couple has not signed the declaration: refused, no number used
        return lambda: services.marriage_register(
            actor=clerks[i],
            office_id=office.pk,
            couple=couple,
            declaration_signed=declaration,
            both_present=True,
            on=dt.date(2026, 5, 20),
        )

    outcomes = race([register(i) for i in range(6)])

    assert sum(isinstance(o, MarriageRecord) for o in outcomes) == 5, outcomes
    numbers = sorted(MarriageRecord.objects.values_list("certificate_number", flat=True))
    assert numbers == [f"J150102-2026-{n:06d}" for n in range(1, 6)]


def test_two_people_grab_the_last_place(office):
    slot = slot_of(office, "marriage")
    Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity - 1)
    bookers = [portal_person("甲", man_id(601)), portal_person("乙", man_id(603))]

    def booking(i: int) -> Callable[[], Any]:
        return lambda: services.appointment_book(
            account=bookers[i],
            slot_id=slot.pk,
            service="marriage",
            partner=services.PartnerInput(f"女{i}", woman_id(700 + 2 * i), f"1370000{i:04d}"),
        )

    outcomes = race([booking(0), booking(1)])

    assert sum(isinstance(o, Appointment) for o in outcomes) == 1, outcomes
    assert [o.message for o in outcomes if not isinstance(o, Appointment)] == [
        services.appointments.SLOT_FULL
    ]
    assert Slot.objects.get(pk=slot.pk).booked == slot.capacity
