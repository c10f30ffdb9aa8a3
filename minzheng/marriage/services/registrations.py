"""Registration at the window (issue 18 §3), certificate numbers, corrections and replacement certificates.

A certificate number comes from the office's counter row (office, prefix, year), locked with
``SELECT … FOR UPDATE`` inside the registering transaction: two registrars at once get consecutive numbers,
and a registration that fails after taking a number rolls the counter back with it — no gaps, no reuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.marriage import rules
from minzheng.marriage.models import (
    CertificateCounter,
    CertificateReissue,
    MarriageRecord,
    Office,
    RecordCorrection,
)
from minzheng.marriage.rules import RecordKind, Service
from minzheng.marriage.selectors.records import currently_married
from minzheng.marriage.services.appointments import appointment_attend
from minzheng.marriage.services.common import Identity, capability_require, couple_fields, identity_parse


class RegistrationRefused(ValidationFailed):
    """The couple does not meet a condition; ``reasons`` lists every one (nothing was written)."""

    code = "registration_refused"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("不予登记：" + "；".join(reasons), field=None)
        self.reasons = reasons


def office_for(actor: User, office_id: int, *, lock: bool = False) -> Office:
    capability_require(actor)
    offices = Office.objects.visible_to(actor).select_related("division")
    office = (offices.select_for_update() if lock else offices).filter(pk=office_id).first()
    if office is None:
        raise NotFound("登记机关不存在或不在您的管辖范围内")
    return office


def certificate_number_take(office: Office, prefix: str, year: int) -> str:
    """The next number of the office's sequence (call inside the registering transaction)."""
    CertificateCounter.objects.get_or_create(office=office, prefix=prefix, year=year)
    counter = CertificateCounter.objects.select_for_update().get(office=office, prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return rules.certificate_number(prefix, office.code, year, counter.last)


@dataclass(frozen=True)
class CoupleInput:
    first_name: str
    first_id_number: str
    second_name: str
    second_id_number: str


def couple_parse(couple: CoupleInput) -> tuple[Identity, Identity]:
    return (
        identity_parse(couple.first_name, couple.first_id_number, field="first"),
        identity_parse(couple.second_name, couple.second_id_number, field="second"),
    )


def _party(identity: Identity) -> rules.Party:
    return rules.Party(
        name=identity.name,
        birth_date=identity.resident.birth_date,
        sex=identity.resident.sex.value,
        currently_married=currently_married(identity.resident.number),
    )


@transaction.atomic
def marriage_register(
    *,
    actor: User,
    office_id: int,
    couple: CoupleInput,
    declaration_signed: bool,
    both_present: bool,
    appointment_id: int | None = None,
    on: dt.date | None = None,
) -> MarriageRecord:
    """Register a marriage at the window: ID numbers checked, eligibility by ``rules.marriage_refusals`` on
    the registration day (ages from the IDs' birth dates), then the record with the next certificate number
    of the office, the appointment closed as attended, and an audit event — all or nothing."""
    office = office_for(actor, office_id)
    on = on or timezone.localdate()
    first, second = couple_parse(couple)
    check = rules.MarriageCheck(
        parties=(_party(first), _party(second)),
        same_person=first.resident.number == second.resident.number,
        declaration_signed=declaration_signed,
        both_present=both_present,
        on=on,
    )
    reasons = rules.marriage_refusals(check)
    if reasons:
        raise RegistrationRefused(reasons)
    if appointment_id:
        appointment_attend(actor=actor, appointment_id=appointment_id, service=Service.MARRIAGE)
    number = certificate_number_take(office, rules.CERTIFICATE_PREFIX[RecordKind.MARRIAGE], on.year)
    try:
        with transaction.atomic():
            record = MarriageRecord.objects.create(
                kind=RecordKind.MARRIAGE,
                certificate_number=number,
                registered_on=on,
                office=office,
                division=office.division,
                source=MarriageRecord.Source.WINDOW,
                registered_by=actor,
                **couple_fields(first, second),
            )
    except IntegrityError:
        raise Conflict("该对当事人今日已登记结婚，请勿重复登记", field=None) from None
    event_record(
        actor=actor,
        verb="marriage.register",
        object_type="marriage.record",
        object_id=record.pk,
        division_code=office.division.code,
        summary=f"结婚登记 {number}（{office.name}）",
    )
    return record


# --- corrections and replacement certificates ---------------------------------------------------------

CORRECTABLE = {
    "man_name": "男方姓名",
    "woman_name": "女方姓名",
    "registered_on": "登记日期",
    "certificate_number": "证书编号",
    "dissolved_on": "婚姻解除日期",
}


def _record_locked(actor: User, record_id: int) -> MarriageRecord:
    capability_require(actor)
    record = MarriageRecord.objects.visible_to(actor).select_for_update().filter(pk=record_id).first()
    if record is None:
        raise NotFound("婚姻登记档案不存在或不在您的管辖范围内")
    return record


def _parse_value(field: str, raw: str) -> object:
    if field in ("registered_on", "dissolved_on"):
        if not raw.strip() and field == "dissolved_on":
            return None
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValidationFailed("日期应写成 2026-05-20 的形式", field="new_value") from None
    if not raw.strip():
        raise ValidationFailed("请填写更正后的内容", field="new_value")
    return raw.strip()[:40]


@transaction.atomic
def record_correct(*, actor: User, record_id: int, field: str, new_value: str, reason: str) -> MarriageRecord:
    """Correct one item of a record with a written reason (e.g. a death or a divorce registered elsewhere:
    ``dissolved_on``, which lets the person book a marriage again). The correction row and the record's
    history keep the before and after."""
    record = _record_locked(actor, record_id)
    if field not in CORRECTABLE:
        raise ValidationFailed("该项目不能更正", field="field")
    if not reason.strip():
        raise ValidationFailed("请填写更正原因", field="reason")
    if field == "dissolved_on" and record.kind != RecordKind.MARRIAGE:
        raise ValidationFailed("只有结婚登记档案有婚姻解除日期", field="field")
    value = _parse_value(field, new_value)
    old = getattr(record, field)
    if old == value:
        raise ValidationFailed("更正后的内容与原内容相同", field="new_value")
    setattr(record, field, value)
    record._change_reason = reason.strip()[:100]  # type: ignore[attr-defined] # simple_history's reason
    try:
        with transaction.atomic():
            record.save(update_fields=[field])
    except IntegrityError:
        raise Conflict(
            "更正后与另一份档案重复（同一当事人、同一日期、同一类别）", field="new_value"
        ) from None
    RecordCorrection.objects.create(
        record=record,
        field=field,
        old_value="" if old is None else str(old)[:100],
        new_value="" if value is None else str(value)[:100],
        reason=reason.strip()[:300],
        corrected_by=actor,
    )
    event_record(
        actor=actor,
        verb="marriage.record_correct",
        object_type="marriage.record",
        object_id=record.pk,
        division_code=record.division.code,
        summary=f"更正档案 {record.certificate_number}：{CORRECTABLE[field]}",
        data={"field": field, "reason": reason.strip()[:300]},
    )
    return record


@transaction.atomic
def certificate_reissue(
    *, actor: User, record_id: int, office_id: int, holder: str, on: dt.date | None = None
) -> CertificateReissue:
    """补领: a replacement certificate for one party from the record, numbered BJ…/BL… from the issuing
    office's sequence (any office: 全国通办)."""
    record = _record_locked(actor, record_id)
    office = office_for(actor, office_id)
    if holder not in ("man", "woman"):
        raise ValidationFailed("请选择领证人（男方或女方）", field="holder")
    on = on or timezone.localdate()
    number = certificate_number_take(office, rules.REISSUE_PREFIX[RecordKind(record.kind)], on.year)
    reissue = CertificateReissue.objects.create(
        record=record,
        office=office,
        certificate_number=number,
        holder=holder,
        reissued_on=on,
        reissued_by=actor,
    )
    event_record(
        actor=actor,
        verb="marriage.reissue",
        object_type="marriage.record",
        object_id=record.pk,
        division_code=office.division.code,
        summary=f"补发 {number}（原证 {record.certificate_number}）",
    )
    return reissue
