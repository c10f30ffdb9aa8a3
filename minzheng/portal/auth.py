"""Portal sign-in state: a ``PortalAccount`` id in the session, never a staff login.

The staff middleware lets ``/portal/`` through; every portal view that shows anything personal is
wrapped in ``portal_login_required`` (any signed-in account) or ``portal_bound_required`` (an account
bound to a registry person, which is what household data needs). The session expires after
``PORTAL_SESSION_SECONDS`` of inactivity.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from ninja.security import APIKeyCookie

from minzheng.portal.models import PortalAccount

SESSION_KEY = "portal_account_id"


def portal_sign_in(request: HttpRequest, account: PortalAccount) -> None:
    """A new session id (no fixation), bound to the account, expiring on inactivity."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = account.pk
    request.session.set_expiry(settings.PORTAL_SESSION_SECONDS)


def portal_sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def portal_account(request: HttpRequest) -> PortalAccount | None:
    """The signed-in, active account of this request, cached on the request."""
    if not hasattr(request, "_portal_account"):
        pk = request.session.get(SESSION_KEY)
        account = PortalAccount.objects.filter(pk=pk, is_active=True).first() if pk else None
        request._portal_account = account  # type: ignore[attr-defined]
    return request._portal_account  # type: ignore[attr-defined]


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('portal:sign_in')}?{urlencode({'next': request.get_full_path()})}")


def portal_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = portal_account(request)
        if account is None:
            return _to_sign_in(request)
        request.portal_account = account  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def portal_bound_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in *and* bound to a registry person; otherwise to the binding page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = portal_account(request)
        if account is None:
            return _to_sign_in(request)
        if account.person_id is None:
            return redirect(f"{reverse('portal:bind')}?{urlencode({'next': request.get_full_path()})}")
        request.portal_account = account  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


class PortalSessionAuth(APIKeyCookie):
    """django-ninja auth for ``/api/v1/portal/``: the portal session cookie, with CSRF on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> PortalAccount | None:
        account = portal_account(request)
        if account is not None:
            request.portal_account = account  # type: ignore[attr-defined]
        return account
