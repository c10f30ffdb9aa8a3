"""What the organisation services share: the actor guards, the locked loads, and the file upload."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.base import ContentFile

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied, ValidationFailed
from minzheng.documents.services import upload_read, upload_scan
from minzheng.organisations.models import AnnualReport, Organisation, OrganisationFile

MOBILE = re.compile(r"1[3-9]\d{9}")


def registrar_check(actor: User) -> None:
    if not actor.can(Capability.REGISTER_ORGANISATIONS):
        raise PermissionDenied("您的角色无权办理社会组织登记和年检")


def organisation_locked(actor: User, pk: int) -> Organisation:
    """The organisation, row-locked, if it is in the registrar's jurisdiction (else 不存在: no leak)."""
    found = Organisation.objects.visible_to(actor).select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound("社会组织不存在或不在您的管辖范围内")
    return found


def mobile_check(phone: str, *, field: str = "phone") -> str:
    phone = (phone or "").strip()
    if phone and not MOBILE.fullmatch(phone):
        raise ValidationFailed("手机号应为11位数字，以1开头", field=field)
    return phone


def file_store(
    *,
    organisation: Organisation,
    file: Any,
    actor: User | None,
    ip_address: str | None,
    change_id: int | None = None,
    report: AnnualReport | None = None,
) -> OrganisationFile:
    """Check (type by content, size, PDF sanity) and scan one upload like every other upload
    (``documents.rules``, ``documents.services.upload_scan``), then store it for its change or report."""
    read = upload_read(file)
    checked = read.checked
    sha256 = checked.sha256
    outcome, scanner = upload_scan(
        data=read.data,
        name=read.name,
        sha256=sha256,
        actor=actor,
        object_type="organisation",
        object_id=organisation.pk,
        division_code=organisation.division.code,
        subject=organisation.name,
        ip_address=ip_address,
    )
    del outcome
    stored = OrganisationFile(
        organisation=organisation,
        change_id=change_id,
        report=report,
        original_name=read.name[:200],
        content_type=checked.file_type.value,
        size=len(read.data),
        sha256=sha256,
        scanner=scanner,
    )
    stored.file.save(f"{sha256[:16]}.{checked.extension}", ContentFile(read.data), save=False)
    stored.save()
    return stored
