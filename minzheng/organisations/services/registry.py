"""The register: 成立登记 of a social organisation and its later 变更, 注销 and 撤销, each a history row with
its
documents, one locked compare-and-set per change (``rules.STATUS_TRANSITIONS``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.credit_code import civil_affairs_code_check
from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.organisations import rules
from minzheng.organisations.models import Organisation, OrganisationChange, SupervisorUnit
from minzheng.organisations.services.common import (
    file_store,
    mobile_check,
    organisation_locked,
    registrar_check,
)

LEGAL_REP_ID_INDEX = "organisation_legal_rep_id"
LEVEL_OF_DIVISION = {
    Level.REGION: rules.AuthorityLevel.REGION,
    Level.PREFECTURE: rules.AuthorityLevel.PREFECTURE,
    Level.COUNTY: rules.AuthorityLevel.COUNTY,
}


@dataclass(frozen=True)
class OrganisationData:
    credit_code: str
    name: str
    organisation_type: str
    division_code: str  # the registration authority's division (region, league/city or county)
    legal_representative: str
    domicile: str
    business_scope: str
    registered_capital: Decimal | str
    established_on: dt.date
    supervisor_id: int | None = None
    legal_rep_id_number: str = ""
    legal_rep_phone: str = ""
    document_number: str = ""


def _capital(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("注册资金应为金额（元）", field="registered_capital") from None
    if amount < 0:
        raise ValidationFailed("注册资金不能为负数", field="registered_capital")
    return amount


def _authority_division(actor: User, code: str) -> Division:
    division = Division.objects.filter(code=code.ljust(12, "0")).first()
    if division is None or not code_in_scope(actor, division.code):
        raise ValidationFailed("登记管理机关所在区划不存在或不在您的管辖范围内", field="division")
    if division.level not in LEVEL_OF_DIVISION:
        raise ValidationFailed("登记管理机关应为自治区、盟市或旗县（市、区）民政部门", field="division")
    return division


def _supervisor(actor: User, pk: int | None) -> SupervisorUnit | None:
    if pk is None:
        return None
    unit = SupervisorUnit.objects.visible_to(actor).filter(pk=pk).first()
    if unit is None:
        # a league's bureau may supervise an organisation registered by the region: look up the chain too
        unit = SupervisorUnit.objects.filter(pk=pk).first()
        if unit is None:
            raise ValidationFailed("业务主管单位不存在", field="supervisor")
    return unit


def _division_matches_code(division: Division, code: str) -> None:
    """Positions 3–8 name the registering authority's GB/T 2260 code: they must be this division's."""
    if code[2:8] != division.code[:6]:
        raise ValidationFailed(
            f"第3至8位登记管理机关代码应为{division.code[:6]}（{division.name}），实为{code[2:8]}",
            field="credit_code",
            code="credit_code_division",
        )


def _personal(data: OrganisationData) -> dict[str, str]:
    values = {"legal_rep_id_encrypted": "", "legal_rep_id_index": "", "legal_rep_id_masked": ""}
    if data.legal_rep_id_number.strip():
        number = parse_resident_id(data.legal_rep_id_number, field="legal_rep_id_number").number
        values = {
            "legal_rep_id_encrypted": crypto.encrypt(number),
            "legal_rep_id_index": crypto.blind_index(number, purpose=LEGAL_REP_ID_INDEX),
            "legal_rep_id_masked": mask_id_number(number),
        }
    phone = mobile_check(data.legal_rep_phone, field="legal_rep_phone")
    values["legal_rep_phone_encrypted"] = crypto.encrypt(phone) if phone else ""
    values["legal_rep_phone_masked"] = mask_phone(phone) if phone else ""
    return values


def _required(data: OrganisationData) -> None:
    for field, label in (
        ("name", "名称"),
        ("legal_representative", "法定代表人"),
        ("domicile", "住所"),
        ("business_scope", "业务范围"),
    ):
        if not str(getattr(data, field)).strip():
            raise ValidationFailed(f"请填写{label}", field=field)
    if data.organisation_type not in rules.TYPE_CODES:
        raise ValidationFailed("请选择组织类型", field="organisation_type")


@transaction.atomic
def organisation_register(
    *, actor: User, data: OrganisationData, files: list[Any] | None = None, ip_address: str | None = None
) -> Organisation:
    """成立登记: the credit code is checked (GB 32100-2015: check character, 5 = 民政, position 2 the type,
    positions 3–8 the authority's division), the legal representative's ID number encrypted."""
    registrar_check(actor)
    _required(data)
    code = civil_affairs_code_check(data.credit_code, rules.TYPE_CODES[data.organisation_type]).code
    division = _authority_division(actor, data.division_code)
    _division_matches_code(division, code)
    if Organisation.objects.filter(credit_code=code).exists():
        raise Conflict(f"统一社会信用代码 {code} 已登记", field="credit_code")
    organisation = Organisation(
        credit_code=code,
        name=data.name.strip(),
        organisation_type=data.organisation_type,
        authority_level=LEVEL_OF_DIVISION[Level(division.level)],
        division=division,
        supervisor=_supervisor(actor, data.supervisor_id),
        legal_representative=data.legal_representative.strip(),
        domicile=data.domicile.strip(),
        business_scope=data.business_scope.strip(),
        registered_capital=_capital(data.registered_capital),
        established_on=data.established_on,
        status_changed_on=data.established_on,
        **_personal(data),
    )
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        raise Conflict(f"统一社会信用代码 {code} 已登记", field="credit_code") from None
    change = OrganisationChange.objects.create(
        organisation=organisation,
        kind=rules.ChangeKind.ESTABLISHED,
        occurred_on=data.established_on,
        document_number=data.document_number.strip(),
        summary="成立登记",
        from_status="",
        to_status=rules.OrganisationStatus.ACTIVE,
        actor=actor,
    )
    for file in files or []:
        file_store(
            organisation=organisation, file=file, actor=actor, ip_address=ip_address, change_id=change.pk
        )
    event_record(
        actor=actor,
        verb="organisation.registered",
        object_type="organisation",
        object_id=organisation.pk,
        division_code=division.code,
        summary=f"社会组织成立登记：{organisation.name}（{code}）",
        ip_address=ip_address,
    )
    return organisation


@transaction.atomic
def organisation_change_record(
    *,
    actor: User,
    pk: int,
    kind: str,
    expected_status: str,
    occurred_on: dt.date,
    summary: str,
    document_number: str = "",
    files: list[Any] | None = None,
    ip_address: str | None = None,
) -> OrganisationChange:
    """变更, 注销 or 撤销 registration: the row is locked, its status compared with what the registrar saw
    (a second registrar acting at once gets a clear error) and moved per ``STATUS_TRANSITIONS``."""
    registrar_check(actor)
    organisation = organisation_locked(actor, pk)
    if organisation.status != expected_status:
        raise Conflict(
            f"该社会组织的登记状态已变为“{organisation.get_status_display()}”，请刷新后重试", field="kind"
        )
    target = rules.STATUS_TRANSITIONS.get((organisation.status, kind))
    if target is None:
        raise Conflict(f"“{organisation.get_status_display()}”的社会组织不能办理该事项", field="kind")
    if not summary.strip():
        raise ValidationFailed("请填写登记事项内容或理由", field="summary")
    if occurred_on < organisation.established_on:
        raise ValidationFailed("日期不能早于成立登记日期", field="occurred_on")
    change = OrganisationChange.objects.create(
        organisation=organisation,
        kind=kind,
        occurred_on=occurred_on,
        document_number=document_number.strip(),
        summary=summary.strip()[:300],
        from_status=organisation.status,
        to_status=target,
        actor=actor,
    )
    Organisation.objects.filter(pk=organisation.pk).update(status=target, status_changed_on=occurred_on)
    for file in files or []:
        file_store(
            organisation=organisation, file=file, actor=actor, ip_address=ip_address, change_id=change.pk
        )
    event_record(
        actor=actor,
        verb=f"organisation.{kind}",
        object_type="organisation",
        object_id=organisation.pk,
        division_code=organisation.division.code,
        summary=f"{organisation.name}：{change.get_kind_display()}（{summary.strip()[:80]}）",
        ip_address=ip_address,
    )
    return change
