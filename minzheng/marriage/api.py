"""婚姻登记 endpoints of the JSON API (read-only): the offices of the registrar's jurisdiction, an office's
appointments of a day (masked ID numbers only), and the divorce applications with their stored cooling-off
dates. Another county's office or application is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import refusals
from minzheng.marriage import rules
from minzheng.marriage.models import Appointment, DivorceApplication, Office
from minzheng.marriage.selectors import staff as selectors

router = Router(tags=["婚姻登记"])
DENIED = "您的角色无权办理婚姻登记"


class OfficeOut(Schema):
    id: int
    name: str
    division_code: str
    address: str
    phone: str
    is_active: bool


class AppointmentOut(Schema):
    id: int
    number: str
    service: str
    status: str
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time
    booker_name: str
    booker_id_masked: str
    partner_name: str
    partner_id_masked: str


class QueueQuery(Schema):
    day: dt.date | None = Field(None, description="日期，默认今天")


class DivorceOut(Schema):
    id: int
    number: str
    office_id: int
    status: str
    phase: str = Field(description="cooling_off 冷静期内 / window 可申领离婚证 / expired 已逾期")
    man_name: str
    man_id_masked: str
    woman_name: str
    woman_id_masked: str
    received_on: dt.date
    withdraw_until: dt.date
    register_from: dt.date
    register_by: dt.date
    dates_provisional: bool


class DivorceQuery(Schema):
    status: str = Field("pending", description="pending / withdrawn / registered / lapsed；空为全部")
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码，每页 100 条")


class DivorcePage(Schema):
    page: int
    has_next: bool
    results: list[DivorceOut]


def _office(office: Office) -> OfficeOut:
    return OfficeOut(
        id=office.pk,
        name=office.name,
        division_code=office.division.code,
        address=office.address,
        phone=office.phone,
        is_active=office.is_active,
    )


def _appointment(a: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=a.pk,
        number=a.number,
        service=a.service,
        status=a.status,
        day=a.slot.day,
        starts_at=a.slot.starts_at,
        ends_at=a.slot.ends_at,
        booker_name=a.booker_name,
        booker_id_masked=a.booker_id_masked,
        partner_name=a.partner_name,
        partner_id_masked=a.partner_id_masked,
    )


def _divorce(a: DivorceApplication, today: dt.date) -> DivorceOut:
    return DivorceOut(
        id=a.pk,
        number=a.number,
        office_id=a.office_id,
        status=a.status,
        phase=rules.divorce_phase(a.withdraw_until, a.register_by, today).value,
        man_name=a.man_name,
        man_id_masked=a.man_id_masked,
        woman_name=a.woman_name,
        woman_id_masked=a.woman_id_masked,
        received_on=a.received_on,
        withdraw_until=a.withdraw_until,
        register_from=a.register_from,
        register_by=a.register_by,
        dates_provisional=a.dates_provisional,
    )


@router.get("/marriage/offices", response={200: list[OfficeOut], **refusals()}, summary="婚姻登记机关")
def office_list(request: HttpRequest) -> list[OfficeOut]:
    actor = request_actor(request, Capability.REGISTER_MARRIAGES, denied=DENIED)
    return [_office(o) for o in selectors.office_list(actor=actor)]


@router.get(
    "/marriage/offices/{office_id}/appointments",
    response={200: list[AppointmentOut], **refusals(404)},
    summary="登记机关某日的预约",
)
def office_appointments(
    request: HttpRequest, office_id: int, query: Query[QueueQuery]
) -> list[AppointmentOut]:
    actor = request_actor(request, Capability.REGISTER_MARRIAGES, denied=DENIED)
    office = selectors.office_get(actor=actor, pk=office_id)
    day = query.day or timezone.localdate()
    return [_appointment(a) for a in selectors.queue(actor=actor, office=office, day=day)]


@router.get("/marriage/divorces", response={200: DivorcePage, **refusals()}, summary="离婚登记申请（冷静期）")
def divorce_list(request: HttpRequest, query: Query[DivorceQuery]) -> dict[str, Any]:
    actor = request_actor(request, Capability.REGISTER_MARRIAGES, denied=DENIED)
    today = timezone.localdate()
    status = query.status if query.status in {s.value for s in rules.DivorceStatus} else ""
    queryset = selectors.divorce_list(
        actor=actor, filters=selectors.DivorceFilters(status=status), today=today
    )
    size, page = 100, max(1, query.page)
    rows = list(queryset[(page - 1) * size : page * size + 1])
    return {"page": page, "has_next": len(rows) > size, "results": [_divorce(a, today) for a in rows[:size]]}
