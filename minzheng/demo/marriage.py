"""Demo marriage registration for ``minzheng demo-setup``: the built-in parameters, a registration office in
the demo county with a timetable and 30 days of slots, a few portal couples with appointments for today
(so the registrar's queue is never empty), some registrations of the past months, and two divorce
applications (one in the cooling-off period, one in its registration window).

Synthetic people only (ID numbers from ``make_resident_id``, phones 1370000xxxx), never the registry's.
Idempotent: the office, records and divorces are made once; today's appointments are topped up when today
has none; if today is not a working day the demo office opens it (an extra open day marked 演示).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.errors import DomainError
from minzheng.common.identity import make_resident_id
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.demo.accounts import COUNTY_CODE
from minzheng.divisions.models import Division
from minzheng.marriage import services
from minzheng.marriage.models import Appointment, DivorceApplication, ImportBatch, Office, OfficeDay, Slot
from minzheng.portal.models import PortalAccount
from minzheng.registry.services import ID_INDEX, PHONE_INDEX

DEMO_OFFICE = "新城区婚姻登记处"
DEMO_PLAN = [
    {"service": "marriage", "starts_at": "09:00", "ends_at": "10:00", "capacity": 10},
    {"service": "marriage", "starts_at": "10:00", "ends_at": "11:30", "capacity": 10},
    {"service": "marriage", "starts_at": "14:30", "ends_at": "16:00", "capacity": 10},
    {"service": "divorce_application", "starts_at": "09:00", "ends_at": "11:30", "capacity": 4},
    {"service": "divorce_registration", "starts_at": "14:30", "ends_at": "16:00", "capacity": 4},
    {"service": "reissue", "starts_at": "14:30", "ends_at": "16:00", "capacity": 4},
]
COUPLES = (
    ("赵志强", "孙丽娜"),
    ("钱伟", "周静"),
    ("吴海涛", "郑雪"),
    ("冯立军", "陈晓燕"),
    ("褚国华", "卫春梅"),
)
PAST = (
    ("蒋文斌", "沈佳"),
    ("韩磊", "杨柳"),
    ("朱鹏", "秦月"),
    ("许浩", "何琳"),
    ("吕明", "施雯"),
    ("张军", "孔萍"),
)


def _id(index: int, male: bool) -> str:
    birth = dt.date(1990 + index % 8, 1 + index % 12, 1 + index % 27)
    sequence = (index * 2 + (1 if male else 0)) % 1000
    return make_resident_id("150102", birth, sequence)


def _account(name: str, id_number: str, phone: str) -> PortalAccount:
    index = crypto.blind_index(phone, purpose=PHONE_INDEX)
    existing = PortalAccount.objects.filter(phone_index=index).first()
    if existing is not None:
        return existing
    return PortalAccount.objects.create(
        phone_encrypted=crypto.encrypt(phone),
        phone_index=index,
        phone_masked=mask_phone(phone),
        name=name,
        id_number_encrypted=crypto.encrypt(id_number),
        id_number_index=crypto.blind_index(id_number, purpose=ID_INDEX),
        id_number_masked=mask_id_number(id_number),
    )


def _office(registrar: User, county: Division) -> Office:
    office = Office.objects.filter(division=county, name=DEMO_OFFICE).first()
    if office is None:
        office = services.office_create(
            actor=registrar,
            division=county,
            name=DEMO_OFFICE,
            address="呼和浩特市新城区（演示地址）",
            phone="0471-0000000",
            slot_plan=DEMO_PLAN,
        )
    return office


def _today_open(registrar: User, office: Office, today: dt.date) -> None:
    closed = not Slot.objects.filter(office=office, day=today).exists()
    if closed and not OfficeDay.objects.filter(office=office, date=today).exists():
        services.office_day_set(
            actor=registrar, office_id=office.pk, date=today, is_open=True, reason="演示数据"
        )


def _appointments_today(office: Office, today: dt.date) -> int:
    """Five couples booked for today's slots (booked as of midnight, so every slot of the day is open), four
    confirmed by the other party."""
    if Appointment.objects.filter(office=office, slot__day=today).exists():
        return 0
    slots = list(Slot.objects.filter(office=office, day=today, service="marriage").order_by("starts_at"))
    if not slots:
        return 0
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0)))
    made = 0
    for number, (man, woman) in enumerate(COUPLES):
        seed = today.toordinal() % 50 * 10 + number  # new people each day: yesterday's are closed as no-shows
        he = _account(man, _id(seed, True), f"1370000{seed * 2:04d}")
        she = _account(woman, _id(seed, False), f"1370000{seed * 2 + 1:04d}")
        try:
            appointment = services.appointment_book(
                account=he,
                slot_id=slots[number % len(slots)].pk,
                service="marriage",
                now=midnight,
                partner=services.PartnerInput(
                    woman, crypto.decrypt(she.id_number_encrypted), crypto.decrypt(she.phone_encrypted)
                ),
            )
            if number < 4:
                services.appointment_confirm(account=she, appointment_id=appointment.pk)
        except DomainError:
            continue  # e.g. the pair already has an active booking from an earlier run
        made += 1
    return made


def _records(registrar: User, office: Office, today: dt.date) -> None:
    if office.records.exists():
        return
    for number, (man, woman) in enumerate(PAST):
        services.marriage_register(
            actor=registrar,
            office_id=office.pk,
            declaration_signed=True,
            both_present=True,
            couple=services.CoupleInput(man, _id(600 + number, True), woman, _id(600 + number, False)),
            on=today - dt.timedelta(days=20 + number * 9),
        )
    # two older marriages now being dissolved by agreement
    for number, received in ((0, today - dt.timedelta(days=10)), (1, today - dt.timedelta(days=40))):
        man, woman = ("刘建国", "马丽") if number == 0 else ("高强", "林芳")
        couple = services.CoupleInput(man, _id(700 + number, True), woman, _id(700 + number, False))
        record = services.marriage_register(
            actor=registrar,
            office_id=office.pk,
            declaration_signed=True,
            both_present=True,
            couple=couple,
            on=today - dt.timedelta(days=400 + number * 30),
        )
        if not DivorceApplication.objects.filter(marriage_record=record).exists():
            services.divorce_apply(
                actor=registrar,
                office_id=office.pk,
                couple=couple,
                marriage_certificate=record.certificate_number,
                agreement_signed=True,
                both_present=True,
                on=received,
            )


HISTORY_NAMES = ("李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴")


def _history_import(registrar: User, office: Office) -> None:
    """A small old register (2010–2019, 40 marriages and 6 divorces) through the ordinary import, so the
    补录 page shows a batch and the statistics of those years have figures."""
    if ImportBatch.objects.filter(office=office).exists():
        return
    lines = ["登记类别,登记日期,证书编号,男方姓名,男方身份证号码,女方姓名,女方身份证号码"]
    for n in range(40):
        day = dt.date(2010 + n % 10, 1 + n % 12, 1 + n % 28)
        man, woman = _id(800 + n, True), _id(800 + n, False)
        family = HISTORY_NAMES[n % 10]
        lines.append(f"结婚,{day},J150102-{day.year}-{n + 1:06d},{family}建{n},{man},{family}芳{n},{woman}")
        if n % 7 == 0:
            later = day + dt.timedelta(days=900)
            lines.append(
                f"离婚,{later},L150102-{later.year}-{n + 1:06d},{family}建{n},{man},{family}芳{n},{woman}"
            )
    services.records_import(
        actor=registrar,
        office_id=office.pk,
        file_name="新城区婚姻登记档案（2010-2019，演示）.csv",
        content="\n".join(lines).encode(),
    )


@transaction.atomic
def demo_marriage_ensure() -> list[str]:
    """Idempotent; returns the lines ``demo-setup`` prints."""
    services.marriage_parameters_load()
    registrar = User.objects.filter(username="registrar").first()
    county = Division.objects.filter(code=COUNTY_CODE).first()
    if registrar is None or county is None:
        return []
    today = timezone.localdate()
    office = _office(registrar, county)
    services.slots_generate(
        actor=registrar, office_id=office.pk, start=today, end=today + dt.timedelta(days=30)
    )
    _today_open(registrar, office, today)
    services.appointments_no_show_scan(today=today)
    made = _appointments_today(office, today)
    _records(registrar, office, today)
    _history_import(registrar, office)
    he = COUPLES[0]
    return [
        f"婚姻登记演示：登记员 registrar；今日新增预约 {made} 个；市民端 /portal/marriage/（预约人 {he[0]}）"
    ]
