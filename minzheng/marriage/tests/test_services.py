"""Services on PostgreSQL: booking, confirming, cancelling, rescheduling; registration with eligibility and
certificate numbers; divorce with the cooling-off dates and the lapse scan; corrections and replacements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.audit.models import Event
from minzheng.common.errors import NotFound, ValidationFailed
from minzheng.marriage import services
from minzheng.marriage.models import Appointment, AppointmentParty, MarriageRecord, Slot
from minzheng.marriage.services.appointments import SLOT_FULL, AppointmentRefused
from minzheng.portal.sms import outbox

from .conftest import man_id, portal_person, slot_of, woman_id

pytestmark = pytest.mark.django_db


def book(account, slot, partner_name="李小红", partner_id=None, phone="13900000002"):
    return services.appointment_book(
        account=account,
        slot_id=slot.pk,
        service=slot.service,
        partner=services.PartnerInput(partner_name, partner_id or woman_id(), phone),
    )


def couple_input(man=None, woman=None, man_name="王大明", woman_name="李小红"):
    return services.CoupleInput(man_name, man or man_id(), woman_name, woman or woman_id())


def test_book_confirm_and_sms(office, couple, django_capture_on_commit_callbacks):
    outbox.clear()
    slot = slot_of(office, "marriage")
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(couple["he"], slot)
    assert appointment.status == "pending"
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert appointment.partner_id_masked.startswith("1501")
    assert "请登录救助通" in outbox[-1].body
    assert outbox[-1].phone == "13900000002"
    confirmed = services.appointment_confirm(account=couple["she"], appointment_id=appointment.pk)
    assert (confirmed.status, confirmed.partner_account) == ("confirmed", couple["she"])
    assert Event.objects.filter(verb="marriage.appointment_confirm").count() == 1


def test_only_the_other_party_confirms_and_strangers_see_nothing(office, couple):
    appointment = book(couple["he"], slot_of(office, "marriage"))
    with pytest.raises(AppointmentRefused, match="须由对方登录后确认"):
        services.appointment_confirm(account=couple["he"], appointment_id=appointment.pk)
    stranger = portal_person("赵某", man_id(31))
    with pytest.raises(NotFound):
        services.appointment_cancel(account=stranger, appointment_id=appointment.pk)


def test_cancel_returns_the_place_once(office, couple):
    slot = slot_of(office, "marriage")
    appointment = book(couple["he"], slot)
    services.appointment_cancel(account=couple["she"], appointment_id=appointment.pk)
    assert Slot.objects.get(pk=slot.pk).booked == 0
    with pytest.raises(AppointmentRefused, match="不能办理此操作"):
        services.appointment_cancel(account=couple["he"], appointment_id=appointment.pk)
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert not AppointmentParty.objects.filter(active=True).exists()


def test_one_active_booking_per_person_and_service(office, couple):
    book(couple["he"], slot_of(office, "marriage"))
    other_day = slot_of(office, "marriage", timezone.localdate() + dt.timedelta(days=2))
    with pytest.raises(AppointmentRefused, match="已有一个有效的“结婚登记”预约"):
        book(couple["he"], other_day, "周某", woman_id(40))
    # the partner may not be booked by someone else either
    third = portal_person("孙某", man_id(41))
    with pytest.raises(AppointmentRefused, match="已有一个有效的"):
        book(third, other_day)
    assert Slot.objects.get(pk=other_day.pk).booked == 0


def test_full_slot_refused(office, couple):
    slot = slot_of(office, "marriage")
    Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity)
    with pytest.raises(AppointmentRefused, match=SLOT_FULL):
        book(couple["he"], slot)
    assert not Appointment.objects.exists()


def test_reschedule_moves_the_place(office, taibus_office, couple):
    first = slot_of(office, "marriage")
    second = slot_of(taibus_office, "marriage")  # any office: 全国通办
    appointment = book(couple["he"], first)
    moved = services.appointment_reschedule(
        account=couple["she"], appointment_id=appointment.pk, slot_id=second.pk
    )
    assert moved.office == taibus_office
    assert (Slot.objects.get(pk=first.pk).booked, Slot.objects.get(pk=second.pk).booked) == (0, 1)


def test_booking_beyond_the_horizon_or_before_opening(office, couple):
    far = slot_of(office, "marriage", timezone.localdate() + dt.timedelta(days=366))
    with pytest.raises(ValidationFailed, match="开放预约"):
        book(couple["he"], far)


def test_under_age_or_married_cannot_book(office, couple):
    young = portal_person("小王", man_id(51, dt.date(2010, 1, 1)))
    with pytest.raises(ValidationFailed, match="未达法定婚龄"):
        book(young, slot_of(office, "marriage"), "李某", woman_id(52))
    MarriageRecord.objects.create(
        kind="marriage",
        certificate_number="J150102-2020-000001",
        registered_on=dt.date(2020, 1, 1),
        office=office,
        division=office.division,
        source="import",
        **services.registrations.couple_fields(
            services.registrations.identity_parse("王大明", man_id(), field="a"),
            services.registrations.identity_parse("张某", woman_id(60), field="b"),
        ),
    )
    with pytest.raises(AppointmentRefused, match="婚姻登记档案显示您为已婚"):
        book(couple["he"], slot_of(office, "marriage"))


def test_register_marriage_with_appointment(office, couple, registrars):
    appointment = book(couple["he"], slot_of(office, "marriage"))
    services.appointment_confirm(account=couple["she"], appointment_id=appointment.pk)
    record = services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple_input(),
        declaration_signed=True,
        both_present=True,
        appointment_id=appointment.pk,
        on=dt.date(2026, 5, 20),
    )
    assert record.certificate_number == "J150102-2026-000001"
    assert (record.man_name, record.woman_name) == ("王大明", "李小红")
    assert Appointment.objects.get(pk=appointment.pk).status == "attended"
    second = services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple_input(man_id(71), woman_id(72), "周一", "吴二"),
        declaration_signed=True,
        both_present=True,
        on=dt.date(2026, 5, 20),
    )
    assert second.certificate_number == "J150102-2026-000002"


def test_register_refused_lists_every_reason_and_writes_nothing(office, registrars):
    young = man_id(81, dt.date(2005, 1, 1))
    with pytest.raises(services.RegistrationRefused) as caught:
        services.marriage_register(
            actor=registrars["xincheng"],
            office_id=office.pk,
            couple=couple_input(young),
            declaration_signed=False,
            both_present=True,
            on=dt.date(2026, 5, 20),
        )
    assert len(caught.value.reasons) == 2
    assert not MarriageRecord.objects.exists()
    from minzheng.marriage.models import CertificateCounter

    assert not CertificateCounter.objects.filter(last__gt=0).exists()


def test_other_county_registrar_cannot_use_the_office(office, registrars):
    with pytest.raises(NotFound):
        services.marriage_register(
            actor=registrars["taibus"],
            office_id=office.pk,
            couple=couple_input(),
            declaration_signed=True,
            both_present=True,
        )


def _married(office, registrars, on=dt.date(2025, 1, 10)):
    return services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple_input(),
        declaration_signed=True,
        both_present=True,
        on=on,
    )


def test_divorce_through_the_window(office, registrars):
    marriage = _married(office, registrars)
    application = services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple_input(),
        marriage_certificate=marriage.certificate_number,
        agreement_signed=True,
        both_present=True,
        on=dt.date(2026, 1, 30),
    )
    assert application.marriage_record == marriage
    assert (application.withdraw_until, application.register_from, application.register_by) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 3),
        dt.date(2026, 4, 1),
    )
    with pytest.raises(ValidationFailed, match="冷静期尚未届满"):
        services.divorce_register(
            actor=registrars["xincheng"],
            application_id=application.pk,
            both_present=True,
            on=dt.date(2026, 3, 2),
        )
    done = services.divorce_register(
        actor=registrars["xincheng"], application_id=application.pk, both_present=True, on=dt.date(2026, 3, 3)
    )
    assert done.status == "registered"
    assert done.divorce_record.certificate_number == "L150102-2026-000001"
    assert MarriageRecord.objects.get(pk=marriage.pk).dissolved_on == dt.date(2026, 3, 3)
    # free to marry again
    assert not services.registrations.currently_married(man_id())


def test_divorce_withdrawn_within_the_cooling_off(office, registrars):
    _married(office, registrars)
    application = services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple_input(),
        marriage_certificate="J1",
        agreement_signed=True,
        both_present=True,
        on=dt.date(2026, 1, 30),
    )
    with pytest.raises(ValidationFailed, match="不能再撤回"):
        services.divorce_withdraw(
            actor=registrars["xincheng"], application_id=application.pk, party="woman", on=dt.date(2026, 3, 3)
        )
    withdrawn = services.divorce_withdraw(
        actor=registrars["xincheng"], application_id=application.pk, party="woman", on=dt.date(2026, 3, 2)
    )
    assert (withdrawn.status, withdrawn.withdrawn_by) == ("withdrawn", "woman")


def test_lapse_scan_marks_only_expired_applications(office, registrars):
    _married(office, registrars)
    late = services.divorce_apply(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=couple_input(),
        marriage_certificate="J1",
        agreement_signed=True,
        both_present=True,
        on=dt.date(2026, 1, 30),
    )
    assert services.divorce_lapse_scan(today=dt.date(2026, 4, 1)) == 0
    assert services.divorce_lapse_scan(today=dt.date(2026, 4, 2)) == 1
    late.refresh_from_db()
    assert (late.status, late.closed_on) == ("lapsed", dt.date(2026, 4, 2))
    assert late.events.filter(action="lapse").count() == 1
    with pytest.raises(Exception, match="不能办理此操作"):
        services.divorce_register(
            actor=registrars["xincheng"], application_id=late.pk, both_present=True, on=dt.date(2026, 4, 2)
        )


def test_correction_with_history_lets_a_person_book_again(office, registrars, couple):
    record = _married(office, registrars)
    with pytest.raises(ValidationFailed, match="请填写更正原因"):
        services.record_correct(
            actor=registrars["xincheng"],
            record_id=record.pk,
            field="dissolved_on",
            new_value="2025-06-01",
            reason="",
        )
    services.record_correct(
        actor=registrars["xincheng"],
        record_id=record.pk,
        field="dissolved_on",
        new_value="2025-06-01",
        reason="配偶死亡（死亡医学证明）",
    )
    assert record.corrections.get().old_value == ""
    assert record.history.count() == 2
    assert book(couple["he"], slot_of(office, "marriage"), "周某", woman_id(90)).status == "pending"


def test_reissue_numbers_from_the_issuing_office(office, taibus_office, registrars):
    record = _married(office, registrars)
    reissue = services.certificate_reissue(
        actor=registrars["xincheng"],
        record_id=record.pk,
        office_id=office.pk,
        holder="woman",
        on=dt.date(2026, 6, 1),
    )
    assert reissue.certificate_number == "BJ150102-2026-000001"


def test_no_show_scan(office, couple):
    slot = slot_of(office, "marriage")
    appointment = book(couple["he"], slot)
    assert services.appointments_no_show_scan(today=slot.day) == 0
    assert services.appointments_no_show_scan(today=slot.day + dt.timedelta(days=1)) == 1
    assert Appointment.objects.get(pk=appointment.pk).status == "no_show"
    assert not AppointmentParty.objects.filter(active=True).exists()


def test_reminders(office, couple, django_capture_on_commit_callbacks):
    slot = slot_of(office, "marriage")
    appointment = book(couple["he"], slot)
    services.appointment_confirm(account=couple["she"], appointment_id=appointment.pk)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.appointment_reminders_send(day=slot.day) == 2
    assert services.appointment_reminders_send(day=slot.day) == 0
    assert {m.phone for m in outbox} == {"13900000001", "13900000002"}


def test_slots_generate_follows_the_calendar(office, registrars):
    from minzheng.marriage.models import OfficeDay

    # 2026-05-16 is a Saturday: closed unless the office opens it; 2026-05-20 (Wed) is closed for training
    services.office_day_set(
        actor=registrars["xincheng"],
        office_id=office.pk,
        date=dt.date(2026, 5, 16),
        is_open=True,
        reason="周末增开",
    )
    services.office_day_set(
        actor=registrars["xincheng"],
        office_id=office.pk,
        date=dt.date(2026, 5, 20),
        is_open=False,
        reason="培训",
    )
    created = services.slots_generate(
        actor=registrars["xincheng"],
        office_id=office.pk,
        start=dt.date(2026, 5, 16),
        end=dt.date(2026, 5, 22),
    )
    days = sorted(set(Slot.objects.filter(office=office).values_list("day", flat=True)))
    assert days == [
        dt.date(2026, 5, 16),
        dt.date(2026, 5, 18),
        dt.date(2026, 5, 19),
        dt.date(2026, 5, 21),
        dt.date(2026, 5, 22),
    ]
    assert created == 4 * 4  # the 16th's slots were made when it was opened
    assert OfficeDay.objects.count() == 2
    again = services.slots_generate(
        actor=registrars["xincheng"],
        office_id=office.pk,
        start=dt.date(2026, 5, 16),
        end=dt.date(2026, 5, 22),
    )
    assert again == 0
