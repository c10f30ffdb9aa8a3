"""Reads of family care beds and home adaptation (issue 17 §6), scoped with ``visible_to(actor)``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.eldercare.choices import ProviderStatus
from minzheng.eldercare.models import HomeCareProject, Provider


def _require(actor: User) -> None:
    if not actor.can(Capability.VIEW_ELDERCARE):
        raise PermissionDenied("您的角色无权查看智慧养老")


@dataclass(frozen=True)
class ProjectFilters:
    kind: str = ""
    status: str = ""
    division: str = ""
    name: str = ""
    sort: str = "-applied"


SORTS = {"applied": "applied_on", "status": "status", "subsidy": "subsidy_amount", "kind": "kind"}


def project_list(*, actor: User, filters: ProjectFilters | None = None) -> QuerySet[HomeCareProject]:
    _require(actor)
    filters = filters or ProjectFilters()
    rows = HomeCareProject.objects.visible_to(actor, within=filters.division).select_related(
        "older_person__person", "division", "provider"
    )
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.name.strip():
        rows = rows.filter(older_person__person__name__contains=filters.name.strip())
    order = SORTS.get(filters.sort.lstrip("-"), "applied_on")
    prefix = "-" if filters.sort.startswith("-") else ""
    return rows.order_by(f"{prefix}{order}", f"{prefix}id")


def project_get(*, actor: User, pk: int) -> HomeCareProject:
    _require(actor)
    row = (
        HomeCareProject.objects.visible_to(actor)
        .select_related("older_person__person", "division", "provider", "applied_by")
        .prefetch_related("photos")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise NotFound("项目不存在或不在您的管辖范围内")
    return row


def provider_choices(*, actor: User, division_code: str) -> list[tuple[int, str]]:
    """Active providers serving the place (a provider area whose code prefixes the village's code)."""
    rows = Provider.objects.filter(status=ProviderStatus.ACTIVE).prefetch_related("areas__division")
    return [
        (p.pk, p.name)
        for p in rows.order_by("name")[:200]
        if any(division_code.startswith(a.division.short_code) for a in p.areas.all())
    ]
