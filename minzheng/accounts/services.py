"""Writes for staff accounts: login outcome, second factor, password, user administration.

Login services take the ``request`` because logging in *is* a change of the session. Every
service records an audit event; administrative services check ``MANAGE_USERS`` and that both the
target user and the target division lie inside the administrator's jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import User
from minzheng.accounts.second_factor import second_factor_required
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability, Role
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.network import client_address
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division


class SecondFactorRejected(ValidationFailed):
    code = "otp_invalid"


def client_ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or client_address(request)


def _division_code(user: User | None) -> str:
    return user.division.code if user is not None and user.division_id and user.division else ""


# --- login -------------------------------------------------------------------------------------


def _confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def user_login(*, request: HttpRequest, user: User, otp_token: str) -> None:
    """Log in a user whose password was checked; a confirmed TOTP device requires a valid code.

    Raises ``SecondFactorRejected`` (nothing logged in) when the code is missing or wrong; the
    caller then records the failure with ``user_login_failure_record(reason="otp")``.
    """
    device = _confirmed_device(user)
    if device is not None and not (otp_token.isdigit() and device.verify_token(otp_token)):
        raise SecondFactorRejected("动态验证码错误", field="otp_token")
    auth_login(request, user)
    if device is not None:
        otp_login(request, device)
    event_record(
        actor=user,
        verb="login.succeeded",
        object_type="user",
        object_id=user.pk,
        division_code=_division_code(user),
        summary=f"{user.username} 登录成功" + ("（动态验证码）" if device else ""),
        ip_address=client_ip(request),
    )


def user_login_failure_record(*, request: HttpRequest, username: str, reason: str) -> None:
    """Record a refused login (``reason`` is ``password`` or ``otp``) or the lockout it caused.

    A wrong second factor counts as a failed attempt for django-axes, so codes cannot be guessed
    indefinitely. Must not run inside a transaction that is rolled back (axes writes its counter).
    """
    if reason == "otp":
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    user = User.objects.select_related("division").filter(username=username).first()
    locked_out = bool(getattr(request, "axes_locked_out", False))
    event_record(
        actor=None,
        verb="login.locked_out" if locked_out else "login.failed",
        object_type="user",
        object_id=user.pk if user else username[:40],
        division_code=_division_code(user),
        summary=(f"{username} 登录失败次数过多，账号已锁定" if locked_out else f"{username} 登录失败")[:300],
        data={"username": username[:150], "reason": reason},
        ip_address=client_ip(request),
    )


# --- second factor -----------------------------------------------------------------------------


def otp_device_begin(*, actor: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first call, reused afterwards)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="动态验证码", confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, actor: User, token: str, ip_address: str | None = None) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("id").first()
    if device is None:
        raise NotFound("没有待确认的动态验证码设备，请刷新页面重新扫码", field="token")
    if not (token.isdigit() and len(token) == device.digits and device.verify_token(token)):
        raise SecondFactorRejected("动态验证码错误，请输入验证器中当前显示的 6 位数字", field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    event_record(
        actor=actor,
        verb="otp.enabled",
        object_type="user",
        object_id=actor.pk,
        division_code=_division_code(actor),
        summary=f"{actor.username} 启用动态验证码",
        ip_address=ip_address,
    )
    return device


@transaction.atomic
def otp_device_disable(*, actor: User, token: str, ip_address: str | None = None) -> None:
    if second_factor_required(actor):
        raise PermissionDenied("您的角色必须使用动态验证码，不能停用", field="token")
    device = _confirmed_device(actor)
    if device is None:
        raise NotFound("您尚未启用动态验证码", field="token")
    if not (token.isdigit() and device.verify_token(token)):
        raise SecondFactorRejected("动态验证码错误", field="token")
    TOTPDevice.objects.filter(user=actor).delete()
    event_record(
        actor=actor,
        verb="otp.disabled",
        object_type="user",
        object_id=actor.pk,
        division_code=_division_code(actor),
        summary=f"{actor.username} 停用动态验证码",
        ip_address=ip_address,
    )


# --- password ----------------------------------------------------------------------------------


@transaction.atomic
def user_password_change(*, actor: User, new_password: str, ip_address: str | None = None) -> None:
    """Set a password already checked by the validators (``AUTH_PASSWORD_VALIDATORS``)."""
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    event_record(
        actor=actor,
        verb="password.changed",
        object_type="user",
        object_id=actor.pk,
        division_code=_division_code(actor),
        summary=f"{actor.username} 修改密码",
        ip_address=ip_address,
    )


# --- user administration -----------------------------------------------------------------------


@dataclass(frozen=True)
class StaffData:
    full_name: str
    role: str
    division_code: str
    is_active: bool = True


def _require_manager(actor: User) -> None:
    if not actor.can(Capability.MANAGE_USERS):
        raise PermissionDenied("您的角色无权管理工作人员账号")


def _division_in_scope(actor: User, code: str) -> Division:
    division = Division.objects.filter(code=code, abolished_on__isnull=True).first()
    if division is None:
        raise ValidationFailed(f"区划代码不存在或已撤销：{code}", field="division_code")
    if not code_in_scope(actor, division.code):
        raise PermissionDenied(
            f"区划 {division.name}（{division.code}）不在您的管辖范围内，不能在此创建或管理工作人员",
            field="division_code",
        )
    return division


def _validate_staff(actor: User, data: StaffData) -> Division:
    _require_manager(actor)
    if data.role not in Role.values:
        raise ValidationFailed(f"未知角色：{data.role}", field="role")
    if not data.full_name.strip():
        raise ValidationFailed("请填写姓名", field="full_name")
    return _division_in_scope(actor, data.division_code)


def _managed_user(actor: User, user_id: int) -> User:
    user = User.objects.select_for_update(of=("self",)).filter(pk=user_id).select_related("division").first()
    if user is None or not (user.division and code_in_scope(actor, user.division.code)):
        raise NotFound("工作人员不存在或不在您的管辖范围内")
    return user


def _staff_summary(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "division_code": _division_code(user),
        "is_active": user.is_active,
    }


@transaction.atomic
def user_create(
    *, actor: User, username: str, password: str, data: StaffData, ip_address: str | None = None
) -> User:
    division = _validate_staff(actor, data)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"用户名已存在：{username}", field="username")
    user = User(
        username=username,
        full_name=data.full_name.strip(),
        role=data.role,
        division=division,
        is_active=data.is_active,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    event_record(
        actor=actor,
        verb="user.created",
        object_type="user",
        object_id=user.pk,
        division_code=division.code,
        summary=f"创建工作人员 {username}（{user.get_role_display()}）",
        data=_staff_summary(user),
        ip_address=ip_address,
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user_id: int, data: StaffData, ip_address: str | None = None) -> User:
    division = _validate_staff(actor, data)
    user = _managed_user(actor, user_id)
    if user.pk == actor.pk and (
        data.role != user.role or not data.is_active or division.pk != user.division_id
    ):
        raise PermissionDenied("不能修改自己的角色、所属区划或停用自己的账号", field="role")
    before = _staff_summary(user)
    user.full_name, user.role, user.division, user.is_active = (
        data.full_name.strip(),
        data.role,
        division,
        data.is_active,
    )
    user.save(update_fields=["full_name", "role", "division", "is_active"])
    event_record(
        actor=actor,
        verb="user.updated",
        object_type="user",
        object_id=user.pk,
        division_code=division.code,
        summary=f"修改工作人员 {user.username}",
        data={"before": before, "after": _staff_summary(user)},
        ip_address=ip_address,
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user_id: int, ip_address: str | None = None) -> User:
    _require_manager(actor)
    user = _managed_user(actor, user_id)
    if user.pk == actor.pk:
        raise PermissionDenied("不能停用自己的账号")
    user.is_active = False
    user.save(update_fields=["is_active"])
    event_record(
        actor=actor,
        verb="user.deactivated",
        object_type="user",
        object_id=user.pk,
        division_code=_division_code(user),
        summary=f"停用工作人员 {user.username}",
        ip_address=ip_address,
    )
    return user


@transaction.atomic
def user_unlock(*, actor: User, user_id: int, ip_address: str | None = None) -> int:
    """Clear django-axes failures for the user (all client addresses); returns attempts removed."""
    _require_manager(actor)
    user = _managed_user(actor, user_id)
    removed = axes_reset(username=user.username)
    event_record(
        actor=actor,
        verb="user.unlocked",
        object_type="user",
        object_id=user.pk,
        division_code=_division_code(user),
        summary=f"解除工作人员 {user.username} 的登录锁定",
        data={"attempts_removed": removed},
        ip_address=ip_address,
    )
    return removed
