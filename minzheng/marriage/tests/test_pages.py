"""Every page through Django's client: the registrar's pages (and their scoping: another county's registrar
gets 404, other roles 403), the records query in the access log, the import report, the statistics Excel,
and the citizen pages (own bookings only)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.audit.models import PersonalDataAccess
from minzheng.marriage import services
from minzheng.marriage.models import (
    Appointment,
    DivorceApplication,
    ImportBatch,
    MarriageRecord,
    Office,
    Slot,
)
from minzheng.portal.auth import SESSION_KEY

from .conftest import man_id, portal_person, slot_of, woman_id

pytestmark = pytest.mark.django_db


def sign_in_portal(client, account) -> None:
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()


@pytest.fixture
def booked(office, couple):
    slot = slot_of(office, "marriage", timezone.localdate())
    Slot.objects.filter(pk=slot.pk).update(starts_at=dt.time(23, 58), ends_at=dt.time(23, 59))
    appointment = services.appointment_book(
        account=couple["he"],
        slot_id=slot.pk,
        service="marriage",
        partner=services.PartnerInput("李小红", woman_id(), "13900000002"),
    )
    services.appointment_confirm(account=couple["she"], appointment_id=appointment.pk)
    return appointment


def test_queue_register_and_certificate(client, registrars, office, booked):
    client.force_login(registrars["xincheng"])
    page = client.get("/marriage/")
    assert page.status_code == 200
    assert f'data-appointment="{booked.pk}"' in page.content.decode()
    form = client.get(f"/marriage/register/?appointment={booked.pk}")
    assert "王大明" in form.content.decode()
    data = {
        "office": office.pk,
        "appointment": booked.pk,
        "first_name": "王大明",
        "first_id_number": man_id(),
        "second_name": "李小红",
        "second_id_number": woman_id(71),
        "declaration_signed": "on",
        "both_present": "on",
    }
    wrong = client.post("/marriage/register/", data)
    assert wrong.status_code == 422
    assert "身份证号码与预约的当事人不一致" in wrong.content.decode()
    done = client.post("/marriage/register/", data | {"second_id_number": woman_id()})
    record = MarriageRecord.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/marriage/records/{record.pk}/"
    detail = client.get(done["Location"])
    assert record.certificate_number in detail.content.decode()
    assert PersonalDataAccess.objects.filter(purpose__contains=record.certificate_number).count() == 1
    assert client.get(f"/marriage/records/{record.pk}/certificate/").status_code == 200
    assert Appointment.objects.get(pk=booked.pk).status == "attended"


def test_register_refusal_shows_every_reason(client, registrars, office):
    client.force_login(registrars["xincheng"])
    page = client.post(
        "/marriage/register/",
        {
            "office": office.pk,
            "first_name": "王小明",
            "first_id_number": man_id(81, dt.date(2010, 1, 1)),
            "second_name": "李小红",
            "second_id_number": woman_id(),
            "both_present": "on",
        },
    )
    text = page.content.decode()
    assert page.status_code == 422
    assert "未达法定婚龄" in text
    assert "直系血亲" in text
    assert not MarriageRecord.objects.exists()


def test_bad_id_number_is_a_field_error(client, registrars, office):
    client.force_login(registrars["xincheng"])
    page = client.post(
        "/marriage/register/",
        {
            "office": office.pk,
            "first_name": "王",
            "first_id_number": "150102199503040011",
            "second_name": "李",
            "second_id_number": woman_id(),
            "declaration_signed": "on",
            "both_present": "on",
        },
    )
    assert page.status_code == 422
    assert "校验位错误" in page.content.decode()


def test_other_county_and_other_roles(client, registrars, office, booked, users):
    client.force_login(registrars["taibus"])
    assert client.get(f"/marriage/register/?appointment={booked.pk}").status_code == 404
    assert client.get(f"/marriage/offices/{office.pk}/").status_code == 404
    assert client.post(f"/marriage/appointments/{booked.pk}/no-show/").status_code == 404
    assert f'data-appointment="{booked.pk}"' not in client.get("/marriage/").content.decode()
    client.force_login(users["county"])
    assert client.get("/marriage/").status_code == 403
    assert client.get("/marriage/records/").status_code == 403


def test_no_show_from_the_queue(client, registrars, booked):
    client.force_login(registrars["xincheng"])
    response = client.post(f"/marriage/appointments/{booked.pk}/no-show/", {"expected_status": "confirmed"})
    assert response.status_code == 302
    assert Appointment.objects.get(pk=booked.pk).status == "no_show"
    again = client.post(
        f"/marriage/appointments/{booked.pk}/no-show/", {"expected_status": "confirmed"}, follow=True
    )
    assert "预约状态已变为“未到场”" in again.content.decode()


def test_divorce_pages(client, registrars, office):
    client.force_login(registrars["xincheng"])
    data = {
        "office": office.pk,
        "first_name": "王大明",
        "first_id_number": man_id(),
        "second_name": "李小红",
        "second_id_number": woman_id(),
        "marriage_certificate": "J150102-2020-000001",
        "agreement_signed": "on",
        "both_present": "on",
    }
    response = client.post("/marriage/divorces/new/", data)
    application = DivorceApplication.objects.get()
    assert response["Location"] == f"/marriage/divorces/{application.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert f"{application.withdraw_until:%Y年%-m月%-d日}" in detail
    assert 'id="withdraw-form"' in detail
    listing = client.get(
        "/marriage/divorces/?status=pending&phase=cooling_off&sort=-received"
    ).content.decode()
    assert f'data-divorce="{application.pk}"' in listing
    excel = client.get("/marriage/divorces/?status=pending&format=xlsx")
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert (sheet["A2"].value, sheet["D2"].value) == (application.number, application.man_id_masked)
    assert PersonalDataAccess.objects.filter(purpose="导出离婚登记申请名单", record_count=1).exists()
    early = client.post(
        f"/marriage/divorces/{application.pk}/register/", {"expected_status": "pending", "both_present": "on"}
    )
    assert early.status_code == 422
    assert "冷静期尚未届满" in early.content.decode()
    withdrawn = client.post(
        f"/marriage/divorces/{application.pk}/withdraw/", {"expected_status": "pending", "party": "man"}
    )
    assert withdrawn.status_code == 302
    assert DivorceApplication.objects.get().status == "withdrawn"
    client.force_login(registrars["taibus"])
    assert client.get(f"/marriage/divorces/{application.pk}/").status_code == 404


def test_records_query_is_logged_and_requires_a_term(client, registrars, office):
    services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=services.CoupleInput("王大明", man_id(), "李小红", woman_id()),
        declaration_signed=True,
        both_present=True,
    )
    client.force_login(registrars["xincheng"])
    assert client.get("/marriage/records/").status_code == 200
    assert client.get("/marriage/records/?kind=marriage").status_code == 422
    page = client.get(f"/marriage/records/?id_number={woman_id()}")
    assert page.content.decode().count("data-record=") == 1
    access = PersonalDataAccess.objects.get(purpose__startswith="婚姻登记档案查询")
    assert (access.record_count, access.actor) == (1, registrars["xincheng"])
    client.force_login(registrars["taibus"])
    assert (
        client.get(f"/marriage/records/?id_number={woman_id()}").content.decode().count("data-record=") == 0
    )


def test_correction_and_reissue_pages(client, registrars, office):
    record = services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=services.CoupleInput("王大明", man_id(), "李小红", woman_id()),
        declaration_signed=True,
        both_present=True,
    )
    client.force_login(registrars["xincheng"])
    bad = client.post(
        f"/marriage/records/{record.pk}/correct/",
        {"field": "registered_on", "new_value": "x", "reason": "笔误"},
    )
    assert bad.status_code == 422
    assert "日期应写成" in bad.content.decode()
    good = client.post(
        f"/marriage/records/{record.pk}/correct/",
        {"field": "woman_name", "new_value": "李晓红", "reason": "户籍证明"},
    )
    assert good.status_code == 302
    assert "李晓红" in client.get(f"/marriage/records/{record.pk}/").content.decode()
    reissue = client.post(f"/marriage/records/{record.pk}/reissue/", {"office": office.pk, "holder": "man"})
    assert reissue.status_code == 302
    assert "BJ150102-" in client.get(f"/marriage/records/{record.pk}/").content.decode()


def _csv(rows: list[list[str]]) -> SimpleUploadedFile:
    header = "登记类别,登记日期,证书编号,男方姓名,男方身份证号码,女方姓名,女方身份证号码\n"
    body = "".join(",".join(r) + "\n" for r in rows)
    return SimpleUploadedFile("old.csv", (header + body).encode(), content_type="text/csv")


def test_import_with_errors_then_duplicates(client, registrars, office):
    client.force_login(registrars["xincheng"])
    good = ["结婚", "2015-05-20", "J150102-2015-000100", "王大明", man_id(), "李小红", woman_id()]
    bad = ["结婚", "2015-02-30", "", "张三", "150102199001011234", "李四", woman_id(13)]
    rejected = client.post("/marriage/imports/", {"office": office.pk, "file": _csv([good, bad])})
    batch = ImportBatch.objects.get()
    assert rejected["Location"] == f"/marriage/imports/{batch.pk}/"
    report = client.get(rejected["Location"]).content.decode()
    assert batch.status == "rejected"
    assert not MarriageRecord.objects.exists()
    assert "登记日期应为" in report
    assert "校验位错误" in report
    excel = client.get(f"/marriage/imports/{batch.pk}/?format=xlsx")
    assert load_workbook(io.BytesIO(excel.content)).active["A1"].value == "行号"
    divorce = ["离婚", "2019年3月1日", "L150102-2019-000007", "王大明", man_id(), "李小红", woman_id()]
    client.post("/marriage/imports/", {"office": office.pk, "file": _csv([good, divorce, good])})
    loaded = ImportBatch.objects.filter(status="loaded").get()
    assert (loaded.rows_total, loaded.rows_created, loaded.rows_duplicate) == (3, 2, 1)
    marriage = MarriageRecord.objects.get(kind="marriage")
    assert marriage.dissolved_on == dt.date(2019, 3, 1)
    client.post("/marriage/imports/", {"office": office.pk, "file": _csv([good])})
    assert ImportBatch.objects.filter(status="loaded").latest("id").rows_duplicate == 1


def test_statistics_page_and_excel(client, registrars, office, booked):
    services.marriage_register(
        actor=registrars["xincheng"],
        office_id=office.pk,
        couple=services.CoupleInput("王大明", man_id(), "李小红", woman_id()),
        declaration_signed=True,
        both_present=True,
        appointment_id=booked.pk,
    )
    client.force_login(registrars["xincheng"])
    page = client.get("/marriage/statistics/")
    assert page.status_code == 200
    assert 'id="stats-chart-data"' in page.content.decode()
    excel = client.get(f"/marriage/statistics/?year={timezone.localdate().year}&format=xlsx")
    book = load_workbook(io.BytesIO(excel.content))
    assert book["按登记机关"]["B2"].value == 1
    assert book["结婚年龄"]["B2"].value + book["结婚年龄"]["B3"].value + book["结婚年龄"]["B4"].value == 1


def test_office_pages(client, registrars, office):
    client.force_login(registrars["xincheng"])
    assert office.name in client.get("/marriage/offices/").content.decode()
    start = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        f"/marriage/offices/{office.pk}/generate/", {"start": start, "end": start + dt.timedelta(days=6)}
    )
    assert response.status_code == 302
    assert Slot.objects.filter(office=office).exists()
    assert (
        client.post(
            f"/marriage/offices/{office.pk}/generate/", {"start": start, "end": start - dt.timedelta(days=1)}
        ).status_code
        == 422
    )
    day = client.post(
        f"/marriage/offices/{office.pk}/days/",
        {"date": start + dt.timedelta(days=10), "is_open": "1", "reason": "5·20"},
    )
    assert day.status_code == 302
    assert "5·20" in client.get(f"/marriage/offices/{office.pk}/").content.decode()


# --- citizen pages ----------------------------------------------------------------------------------------


def test_portal_requires_sign_in_and_identity(client, office):
    assert client.get("/portal/marriage/").status_code == 302
    nobody = portal_person("", man_id(91))
    nobody.id_number_index = ""
    nobody.save()
    sign_in_portal(client, nobody)
    response = client.get("/portal/marriage/book/")
    assert response["Location"].startswith("/portal/bind/")


def test_portal_book_confirm_cancel(client, office, couple):
    slot = slot_of(office, "marriage")
    sign_in_portal(client, couple["he"])
    query = f"?service=marriage&office={office.pk}&day={slot.day:%Y-%m-%d}"
    page = client.get(f"/portal/marriage/book/{query}")
    assert page.status_code == 200
    assert f'value="{slot.pk}"' in page.content.decode()
    bad = client.post(
        f"/portal/marriage/book/{query}",
        {
            "slot": slot.pk,
            "service": "marriage",
            "partner_name": "李小红",
            "partner_id_number": "123",
            "partner_phone": "13900000002",
        },
    )
    assert bad.status_code == 422
    assert "身份证号码应为 18 位" in bad.content.decode()
    done = client.post(
        f"/portal/marriage/book/{query}",
        {
            "slot": slot.pk,
            "service": "marriage",
            "partner_name": "李小红",
            "partner_id_number": woman_id(),
            "partner_phone": "13900000002",
        },
    )
    appointment = Appointment.objects.get()
    assert done["Location"] == f"/portal/marriage/{appointment.pk}/"
    assert 'id="confirm"' not in client.get(done["Location"]).content.decode()  # the booker cannot confirm
    # she signs in and confirms
    client.logout()
    sign_in_portal(client, couple["she"])
    assert 'id="confirm"' in client.get(done["Location"]).content.decode()
    client.post(f"/portal/marriage/{appointment.pk}/confirm/", {"expected_status": "pending"})
    assert Appointment.objects.get().status == "confirmed"
    stale = client.post(f"/portal/marriage/{appointment.pk}/confirm/", {"expected_status": "pending"})
    assert stale.status_code == 409
    client.post(f"/portal/marriage/{appointment.pk}/cancel/", {"expected_status": "confirmed"})
    assert Appointment.objects.get().status == "cancelled"
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_portal_shows_only_own_appointments(client, office, couple, booked):
    stranger = portal_person("赵某", man_id(95))
    sign_in_portal(client, stranger)
    assert client.get(f"/portal/marriage/{booked.pk}/").status_code == 404
    assert "data-appointment=" not in client.get("/portal/marriage/").content.decode()
    assert client.post(f"/portal/marriage/{booked.pk}/cancel/").status_code == 404
    sign_in_portal(client, couple["she"])
    assert f'data-appointment="{booked.pk}"' in client.get("/portal/marriage/").content.decode()


def test_portal_reschedule(client, office, couple, booked):
    other = slot_of(office, "marriage", timezone.localdate() + dt.timedelta(days=3))
    sign_in_portal(client, couple["she"])
    page = client.get(
        f"/portal/marriage/{booked.pk}/?reschedule=1&office={office.pk}&day={other.day:%Y-%m-%d}"
    )
    assert f'value="{other.pk}"' in page.content.decode()
    client.post(
        f"/portal/marriage/{booked.pk}/reschedule/", {"expected_status": "confirmed", "slot": other.pk}
    )
    assert Appointment.objects.get(pk=booked.pk).slot_id == other.pk


def test_divorce_application_from_an_appointment_and_attend_button(client, registrars, office, couple):
    today = timezone.localdate()
    divorce_slot = slot_of(office, "divorce_application", today)
    Slot.objects.filter(pk=divorce_slot.pk).update(starts_at=dt.time(23, 58), ends_at=dt.time(23, 59))
    # she books this time: the form still puts 男方 first
    appointment = services.appointment_book(
        account=couple["she"],
        slot_id=divorce_slot.pk,
        service="divorce_application",
        partner=services.PartnerInput("王大明", man_id(), "13900000001"),
    )
    services.appointment_confirm(account=couple["he"], appointment_id=appointment.pk)
    client.force_login(registrars["xincheng"])
    form = client.get(f"/marriage/divorces/new/?appointment={appointment.pk}").content.decode()
    assert form.index('value="王大明"') < form.index('value="李小红"')
    client.post(
        "/marriage/divorces/new/",
        {
            "office": office.pk,
            "appointment": appointment.pk,
            "first_name": "王大明",
            "first_id_number": man_id(),
            "second_name": "李小红",
            "second_id_number": woman_id(),
            "marriage_certificate": "J1",
            "agreement_signed": "on",
            "both_present": "on",
        },
    )
    assert Appointment.objects.get(pk=appointment.pk).status == "attended"
    reissue_slot = slot_of(office, "reissue", today)
    Slot.objects.filter(pk=reissue_slot.pk).update(starts_at=dt.time(23, 58), ends_at=dt.time(23, 59))
    reissue = services.appointment_book(
        account=couple["he"],
        slot_id=reissue_slot.pk,
        service="reissue",
        partner=services.PartnerInput("李小红", woman_id(), "13900000002"),
    )
    services.appointment_confirm(account=couple["she"], appointment_id=reissue.pk)
    queue = client.get(f"/marriage/?office={office.pk}&day={today:%Y-%m-%d}").content.decode()
    assert f"/marriage/appointments/{reissue.pk}/attend/" in queue
    client.post(f"/marriage/appointments/{reissue.pk}/attend/", {"expected_status": "confirmed"})
    assert Appointment.objects.get(pk=reissue.pk).status == "attended"


def test_office_create_and_timetable(client, registrars, divisions, parameters):
    client.force_login(registrars["taibus"])
    page = client.get("/marriage/offices/").content.decode()
    assert "太仆寺旗" in page
    assert "新城区" not in page  # only counties of the jurisdiction
    created = client.post(
        "/marriage/offices/", {"division": divisions["taibus"].pk, "name": "太仆寺旗婚姻登记处"}
    )
    office = Office.objects.get()
    assert created["Location"] == f"/marriage/offices/{office.pk}/"
    other = client.post("/marriage/offices/", {"division": divisions["xincheng"].pk, "name": "越权"})
    assert other.status_code == 422
    bad = client.post(f"/marriage/offices/{office.pk}/plan/", {"slot_plan": "结婚 9点 10"})
    assert bad.status_code == 422
    assert "第 1 行应写成" in bad.content.decode()
    client.post(
        f"/marriage/offices/{office.pk}/plan/",
        {"slot_plan": "结婚登记 09:00-10:00 12\n补领婚姻登记证 14:00-15:00 3"},
    )
    office.refresh_from_db()
    assert office.slot_plan == [
        {"service": "marriage", "starts_at": "09:00", "ends_at": "10:00", "capacity": 12},
        {"service": "reissue", "starts_at": "14:00", "ends_at": "15:00", "capacity": 3},
    ]
    assert "结婚登记 09:00-10:00 12" in client.get(f"/marriage/offices/{office.pk}/").content.decode()
