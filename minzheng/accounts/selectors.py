"""Reads for staff accounts. Administrators see only staff bound to their jurisdiction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import User
from minzheng.common.errors import NotFound


@dataclass(frozen=True)
class UserFilters:
    query: str = ""
    role: str = ""
    active: str = ""  # "", "1" or "0"


def user_list(*, actor: User, filters: UserFilters) -> QuerySet[User]:
    users = User.objects.visible_to(actor).select_related("division")
    if filters.query:
        users = users.filter(Q(username__icontains=filters.query) | Q(full_name__icontains=filters.query))
    if filters.role:
        users = users.filter(role=filters.role)
    if filters.active in ("0", "1"):
        users = users.filter(is_active=filters.active == "1")
    return users.order_by("division__code", "username")


def user_get(*, actor: User, user_id: int) -> User:
    user = user_list(actor=actor, filters=UserFilters()).filter(pk=user_id).first()
    if user is None:
        raise NotFound("工作人员不存在或不在您的管辖范围内")
    return user


def locked_out_usernames(*, usernames: Iterable[str]) -> set[str]:
    """Usernames with at least ``AXES_FAILURE_LIMIT`` recent failures from one client address."""
    attempts = AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return set(attempts.values_list("username", flat=True).distinct())


def otp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
