"""Registration records: the eligibility lookups (by blind index, installation-wide, answering only yes or
no), and the staff query of records — authorised staff only, every read in the personal-data access log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.marriage.models import MarriageRecord
from minzheng.marriage.rules import RecordKind
from minzheng.marriage.services.common import id_index


def _involving(index: str) -> Q:
    return Q(man_id_index=index) | Q(woman_id_index=index)


def currently_married(id_number: str) -> bool:
    """A marriage record of ours for this ID number that no divorce (or correction) has closed. Read across
    the installation, not the user's county: registration is 全国通办 (Order 804), and the answer is a yes/no
    that shows no record."""
    index = id_index(id_number)
    return MarriageRecord.objects.filter(
        _involving(index), kind=RecordKind.MARRIAGE, dissolved_on__isnull=True
    ).exists()


def open_marriage_of(man_index: str, woman_index: str) -> MarriageRecord | None:
    """The couple's current marriage record (by the two blind indexes), if ours (for a divorce
    application)."""
    return (
        MarriageRecord.objects.filter(
            kind=RecordKind.MARRIAGE,
            man_id_index=man_index,
            woman_id_index=woman_index,
            dissolved_on__isnull=True,
        )
        .order_by("-registered_on")
        .first()
    )


def _require(actor: User) -> None:
    if not actor.can(Capability.REGISTER_MARRIAGES):
        raise PermissionDenied("您的角色无权查询婚姻登记档案")


@dataclass(frozen=True)
class RecordQuery:
    id_number: str = ""  # exact, through the blind index
    certificate: str = ""
    name: str = ""
    kind: str = ""
    year: int | None = None


def record_search(
    *, actor: User, query: RecordQuery, ip_address: str | None = None
) -> QuerySet[MarriageRecord]:
    """Records of the actor's jurisdiction matching the query. A query is required (no browsing of the whole
    register) and logged in the personal-data access log with what was asked."""
    _require(actor)
    records = MarriageRecord.objects.visible_to(actor).select_related("office", "division")
    if not (query.id_number or query.certificate or query.name):
        return records.none()
    if query.id_number:
        records = records.filter(_involving(id_index(query.id_number)))
    if query.certificate:
        records = records.filter(certificate_number=query.certificate.strip().upper())
    if query.name:
        records = records.filter(Q(man_name=query.name) | Q(woman_name=query.name))
    if query.kind:
        records = records.filter(kind=query.kind)
    if query.year:
        records = records.filter(registered_on__year=query.year)
    asked = "身份证号码" if query.id_number else ("证书编号" if query.certificate else "姓名")
    personal_data_access_record(
        actor=actor,
        fields=["婚姻登记档案"],
        purpose=f"婚姻登记档案查询（按{asked}）",
        record_count=records.count(),
        ip_address=ip_address,
    )
    return records.order_by("-registered_on", "-id")


def record_get(*, actor: User, pk: int, ip_address: str | None = None) -> MarriageRecord:
    """One record of the jurisdiction; the read is logged (who, which record, when)."""
    _require(actor)
    record = (
        MarriageRecord.objects.visible_to(actor).select_related("office", "division").filter(pk=pk).first()
    )
    if record is None:
        raise NotFound("婚姻登记档案不存在或不在您的管辖范围内")
    personal_data_access_record(
        actor=actor,
        fields=["婚姻登记档案"],
        purpose=f"查看婚姻登记档案 {record.certificate_number}"[:60],
        ip_address=ip_address,
    )
    return record


def records_of_person(id_number_index: str) -> QuerySet[MarriageRecord]:
    """The portal: a person's own records (their own blind index only)."""
    if not id_number_index:
        return MarriageRecord.objects.none()
    return (
        MarriageRecord.objects.filter(_involving(id_number_index))
        .select_related("office")
        .order_by("-registered_on")
    )
