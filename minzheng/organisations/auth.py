"""The organisation's sign-in state: an ``OrganisationAccount`` id in the session, never a staff login (ADR
0034). Pages live under ``/portal/organisations/``, which the staff middleware lets through; every page
that shows the organisation's own data is wrapped in ``organisation_login_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from minzheng.organisations.models import OrganisationAccount

SESSION_KEY = "organisation_account_id"


def organisation_sign_in(request: HttpRequest, account: OrganisationAccount) -> None:
    request.session.cycle_key()  # no session fixation
    request.session[SESSION_KEY] = account.pk
    request.session.set_expiry(settings.PORTAL_SESSION_SECONDS)


def organisation_sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def organisation_account(request: HttpRequest) -> OrganisationAccount | None:
    pk = request.session.get(SESSION_KEY)
    if not pk:
        return None
    return (
        OrganisationAccount.objects.select_related("organisation", "organisation__division")
        .filter(pk=pk, is_active=True)
        .first()
    )


def organisation_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = organisation_account(request)
        if account is None:
            target = reverse("organisations_public:sign_in")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        request.organisation_account = account  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
