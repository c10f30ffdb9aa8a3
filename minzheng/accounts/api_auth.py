"""Authentication of the JSON API: bearer tokens for integrations, the Django session for pages.

Tokens are random secrets shown once; only their SHA-256 (``ApiToken.key_hash``) and an
8-character prefix for recognising them in lists are stored. The token services live here
(not in ``accounts/services.py``) because they exist only for the API.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from minzheng.accounts.models import ApiToken, User
from minzheng.accounts.second_factor import refusal_message, second_factor_required, session_verified
from minzheng.audit.services import event_record
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.selectors import unique_row

TOKEN_PREFIX = "mz_"  # noqa: S105 (a public marker, not a secret)
# Writing ``last_used_at`` on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# How long a token's user (role, division, active flag) may be served from the cache (``api_user``).
USER_CACHE_SECONDS = 10
MAX_TOKEN_DAYS = 3650


def _new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def api_token_create(
    *, username: str, name: str, days: int | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for the user ``username``; returns the row and the secret, which is never
    stored or shown again. ``days`` ``None``: valid until revoked."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed(
            _("用户 %(name)s 不存在") % {"name": username}, field="username", code="user_not_found"
        )
    name = name.strip()
    if not name:
        raise ValidationFailed(_("请填写令牌用途"), field="name", code="token_name_required")
    if len(name) > 80:
        raise ValidationFailed(_("令牌用途不能超过 80 个字"), field="name", code="token_name_length")
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            _("有效天数应在 1 到 %(max)d 之间") % {"max": MAX_TOKEN_DAYS}, field="days", code="token_days"
        )
    if not user.is_active:
        raise ValidationFailed(
            _("用户 %(name)s 已停用，不能签发令牌") % {"name": user.username},
            field="username",
            code="user_inactive",
        )
    secret = _new_secret()
    expires_at = timezone.now() + dt.timedelta(days=days) if days is not None else None
    token = ApiToken.objects.create(
        user=user, name=name, key_prefix=secret[:8], key_hash=ApiToken.hash_key(secret), expires_at=expires_at
    )
    event_record(
        actor=actor,
        verb="api_token.created",
        object_type="api_token",
        object_id=token.pk,
        summary=f"为 {user.username} 签发接口令牌 {token.key_prefix}…（{name}）",
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first revocation time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        event_record(
            actor=actor,
            verb="api_token.revoked",
            object_type="api_token",
            object_id=token.pk,
            summary=f"吊销 {token.user.username} 的接口令牌 {token.key_prefix}…",
        )
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user owning a valid (not revoked, not expired) token, or ``None``.

    The token itself is checked in the database on every request (one single-table read), so a
    revocation or an expiry takes effect on the next request. Only its user (role, division, active
    flag) comes from a short cache (``api_user``)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = unique_row(
        ApiToken.objects.filter(key_hash=ApiToken.hash_key(secret), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("pk", "user_id", "last_used_at")
    )
    if token is None:
        return None
    token_id, user_id, last_used_at = token
    user = api_user(user_id)
    if user is None or not user.is_active:
        return None
    if last_used_at is None or last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


def _user_key(user_id: int) -> str:
    return f"api-user:{user_id}"


def api_user(user_id: int) -> User | None:
    """The token's user with its division, from Django's cache for ``USER_CACHE_SECONDS``.

    Why it is safe: every save or delete of a user (the admin, the services: deactivation, role or
    division change) drops the entry at once and again on commit (``api_user_forget``), so the next
    request reads the row; with ``REDIS_URL`` (several server processes) the drop is seen by all of
    them. What the signals do not see — a queryset ``update()``, raw SQL, a change of the division row
    itself, or another process's drop when each process keeps its own local-memory cache — is seen at
    the latest ``USER_CACHE_SECONDS`` later. The token (revocation, expiry) is never cached."""
    key = _user_key(user_id)
    user: User | None = cache.get(key)
    if user is None:
        # the password hash stays out of the cache (shared Redis); reading it would read the row, and a
        # save() of a user read with a deferred field writes only the fields that were read
        user = unique_row(User.objects.select_related("division").defer("password").filter(pk=user_id))
        if user is not None:
            cache.set(key, user, USER_CACHE_SECONDS)
    return user


def api_user_forget(user_id: int) -> None:
    """Drop the cached user now and once more after commit (a request that read the old row before the
    commit may have cached it again meanwhile)."""
    key = _user_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer mz_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(token.strip())


class StaffSessionAuth(SessionAuth):
    """The logged-in page session (for htmx and the portal). CSRF is checked on unsafe methods.

    As on the pages, a user who has a TOTP device or whose role requires one (``accounts.second_factor``)
    must have passed the second factor in this session; a required one is refused with 403 and a message.
    Without a session this scheme steps aside (``None``), so a bad bearer token still gives 401, not a
    CSRF 403.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDenied(
                _("CSRF 校验失败：使用页面会话调用接口时须带 X-CSRFToken 请求头"), code="csrf_failed"
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return None
        if session_verified(user):
            return user
        if second_factor_required(user):
            # an approver's or payer's session without its code: refused outright, not "not logged in"
            raise PermissionDenied(refusal_message(), code="second_factor_required")
        if user_has_device(user):
            return None
        return user
