"""Reads for the registrar's pages: offices, the day's queue, divorce applications, imports and the
statistics. Everything through ``visible_to(actor)``: another county's rows do not exist (404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.marriage import rules
from minzheng.marriage.models import (
    Appointment,
    DivorceApplication,
    ImportBatch,
    MarriageRecord,
    Office,
    Slot,
)
from minzheng.marriage.rules import RecordKind


def _require(actor: User) -> None:
    if not actor.can(Capability.REGISTER_MARRIAGES):
        raise PermissionDenied("您的角色无权办理婚姻登记")


def office_list(*, actor: User) -> QuerySet[Office]:
    _require(actor)
    return Office.objects.visible_to(actor).select_related("division")


def office_get(*, actor: User, pk: int) -> Office:
    office = office_list(actor=actor).filter(pk=pk).first()
    if office is None:
        raise NotFound("登记机关不存在或不在您的管辖范围内")
    return office


def queue(*, actor: User, office: Office, day: dt.date) -> QuerySet[Appointment]:
    """The office's appointments of the day (all statuses), by time."""
    _require(actor)
    return (
        Appointment.objects.visible_to(actor)
        .filter(office=office, slot__day=day)
        .select_related("slot")
        .order_by("slot__starts_at", "service", "id")
    )


def appointment_get(*, actor: User, pk: int) -> Appointment:
    _require(actor)
    appointment = Appointment.objects.visible_to(actor).select_related("slot", "office").filter(pk=pk).first()
    if appointment is None:
        raise NotFound("预约不存在或不在您的管辖范围内")
    return appointment


def slot_days(*, actor: User, office: Office, start: dt.date, days: int = 14) -> list[dict[str, Any]]:
    """Per day and service of the next ``days``: capacity and places booked (for the office page)."""
    _require(actor)
    rows = (
        Slot.objects.visible_to(actor)
        .filter(office=office, day__gte=start, day__lt=start + dt.timedelta(days=days))
        .values("day", "service")
        .annotate(capacity=Sum("capacity"), booked=Sum("booked"))
        .order_by("day", "service")
    )
    by_day: dict[dt.date, dict[str, Any]] = {}
    for row in rows:
        entry = by_day.setdefault(row["day"], {"day": row["day"], "services": {}})
        entry["services"][row["service"]] = (row["booked"], row["capacity"])
    return list(by_day.values())


@dataclass(frozen=True)
class DivorceFilters:
    status: str = "pending"
    phase: str = ""
    office: int | None = None
    sort: str = "register_by"


DIVORCE_SORTS = {
    "register_by": ("register_by", "id"),
    "-register_by": ("-register_by", "-id"),
    "received": ("received_on", "id"),
    "-received": ("-received_on", "-id"),
}


def divorce_list(*, actor: User, filters: DivorceFilters, today: dt.date) -> QuerySet[DivorceApplication]:
    _require(actor)
    applications = DivorceApplication.objects.visible_to(actor).select_related("office")
    if filters.status:
        applications = applications.filter(status=filters.status)
    if filters.office:
        applications = applications.filter(office_id=filters.office)
    if filters.phase == rules.DivorcePhase.COOLING_OFF:
        applications = applications.filter(withdraw_until__gte=today)
    elif filters.phase == rules.DivorcePhase.WINDOW:
        applications = applications.filter(withdraw_until__lt=today, register_by__gte=today)
    elif filters.phase == rules.DivorcePhase.EXPIRED:
        applications = applications.filter(register_by__lt=today)
    return applications.order_by(*DIVORCE_SORTS.get(filters.sort, DIVORCE_SORTS["register_by"]))


def divorce_get(*, actor: User, pk: int) -> DivorceApplication:
    _require(actor)
    application = (
        DivorceApplication.objects.visible_to(actor)
        .select_related("office", "divorce_record")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise NotFound("离婚登记申请不存在或不在您的管辖范围内")
    return application


def import_list(*, actor: User) -> QuerySet[ImportBatch]:
    _require(actor)
    return ImportBatch.objects.visible_to(actor).select_related("office", "imported_by")


def import_get(*, actor: User, pk: int) -> ImportBatch:
    batch = import_list(actor=actor).filter(pk=pk).first()
    if batch is None:
        raise NotFound("补录批次不存在或不在您的管辖范围内")
    return batch


# --- statistics -----------------------------------------------------------------------------------------

AGE_GROUPS = (
    (None, 24, "24岁及以下"),
    (25, 29, "25–29岁"),
    (30, 34, "30–34岁"),
    (35, 39, "35–39岁"),
    (40, None, "40岁及以上"),
)


def _age_bucket(birth_field: str) -> tuple[Any, Case]:
    """The age (registration year − birth year) and its group index, both as SQL expressions."""
    age = ExtractYear("registered_on") - ExtractYear(birth_field)
    whens = []
    for index, (low, high, _label) in enumerate(AGE_GROUPS):
        condition = Q()
        if low is not None:
            condition &= Q(_age__gte=low)
        if high is not None:
            condition &= Q(_age__lte=high)
        whens.append(When(condition, then=Value(index)))
    return age, Case(*whens, output_field=IntegerField())


@dataclass
class Statistics:
    year: int
    offices: list[dict[str, Any]] = field(default_factory=list)  # name, marriage, divorce
    months: list[dict[str, Any]] = field(default_factory=list)  # month, marriage, divorce
    ages: list[dict[str, Any]] = field(default_factory=list)  # label, man, woman (marriages)
    utilisation: list[dict[str, Any]] = field(default_factory=list)  # service label, capacity, booked, %
    appointments: list[dict[str, Any]] = field(default_factory=list)  # status label, count
    divorces: list[dict[str, Any]] = field(default_factory=list)  # status label, count

    @property
    def total_marriages(self) -> int:
        return sum(row["marriage"] for row in self.offices)

    @property
    def total_divorces(self) -> int:
        return sum(row["divorce"] for row in self.offices)

    def chart(self) -> dict[str, Any]:
        """The data of ``js/statistics.js``: the composition by kind and the trend by month."""
        return {
            "composition_unit": "对",
            "composition": [
                {"name": "结婚登记", "value": self.total_marriages},
                {"name": "离婚登记", "value": self.total_divorces},
            ],
            "trend": {
                "months": [f"{row['month']}月" for row in self.months],
                "series": [
                    {"name": "结婚登记", "data": [row["marriage"] for row in self.months]},
                    {"name": "离婚登记", "data": [row["divorce"] for row in self.months]},
                ],
            },
        }


def statistics(*, actor: User, year: int) -> Statistics:
    """Registrations by kind, office, month and age group; booking utilisation of the year's past slots;
    appointments and divorce applications by status — every figure one aggregate query."""
    _require(actor)
    result = Statistics(year=year)
    records = MarriageRecord.objects.visible_to(actor).filter(registered_on__year=year)
    marriage, divorce = (
        Count("id", filter=Q(kind=RecordKind.MARRIAGE)),
        Count("id", filter=Q(kind=RecordKind.DIVORCE)),
    )
    names = dict(Office.objects.visible_to(actor).values_list("id", "name"))
    for counted in records.values("office").annotate(marriage=marriage, divorce=divorce).order_by("office"):
        result.offices.append({"name": names.get(counted["office"], "（未指定登记机关）"), **counted})
    by_month: dict[int, dict[str, Any]] = {
        month["month"]: dict(month)
        for month in records.annotate(month=ExtractMonth("registered_on"))
        .values("month")
        .annotate(marriage=marriage, divorce=divorce)
    }
    result.months = [
        {
            "month": m,
            "marriage": by_month.get(m, {}).get("marriage", 0),
            "divorce": by_month.get(m, {}).get("divorce", 0),
        }
        for m in range(1, 13)
    ]
    marriages = records.filter(kind=RecordKind.MARRIAGE)
    counts: dict[str, dict[int, int]] = {}
    for side in ("man", "woman"):
        age, bucket = _age_bucket(f"{side}_birth_date")
        rows = marriages.annotate(_age=age).annotate(group=bucket).values("group").annotate(n=Count("id"))
        counts[side] = {row["group"]: row["n"] for row in rows}
    result.ages = [
        {"label": label, "man": counts["man"].get(i, 0), "woman": counts["woman"].get(i, 0)}
        for i, (_low, _high, label) in enumerate(AGE_GROUPS)
    ]
    slots = (
        Slot.objects.visible_to(actor)
        .filter(day__year=year)
        .values("service")
        .annotate(capacity=Sum("capacity"), booked=Sum("booked"))
        .order_by("service")
    )
    for used in slots:
        share = f"{used['booked'] * 100 / used['capacity']:.1f}%" if used["capacity"] else "—"
        label = rules.SERVICE_LABELS[rules.Service(used["service"])]
        result.utilisation.append(
            {"label": label, "capacity": used["capacity"], "booked": used["booked"], "share": share}
        )
    appointment_rows = (
        Appointment.objects.visible_to(actor)
        .filter(slot__day__year=year)
        .values("status")
        .annotate(n=Count("id"))
    )
    status_counts = {row["status"]: row["n"] for row in appointment_rows}
    result.appointments = [
        {"label": label, "count": status_counts.get(status.value, 0)}
        for status, label in rules.APPOINTMENT_STATUS_LABELS.items()
    ]
    divorce_rows = (
        DivorceApplication.objects.visible_to(actor)
        .filter(received_on__year=year)
        .values("status")
        .annotate(n=Count("id"))
    )
    divorce_counts = {row["status"]: row["n"] for row in divorce_rows}
    result.divorces = [
        {"label": label, "count": divorce_counts.get(status.value, 0)}
        for status, label in rules.DIVORCE_STATUS_LABELS.items()
    ]
    return result
