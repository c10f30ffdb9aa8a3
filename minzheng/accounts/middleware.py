"""Every page requires a logged-in staff user, except the few listed here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/api/", "/i18n/", "/healthz", "/portal/")


class StaffOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PUBLIC_PREFIXES) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


OTP_EXEMPT_PREFIXES = (
    "/accounts/otp/",
    "/accounts/logout/",
    "/accounts/login/",
    "/static/",
    "/i18n/",
    "/api/",
    "/portal/",
)


class OtpEnrolmentMiddleware:
    """Roles in ``settings.OTP_REQUIRED_ROLES`` must be verified with a TOTP device.

    Without a device they are sent to enrolment; with one but an unverified session (which the
    login page does not produce) they are logged out and must log in again with a code.
    Runs after ``OTPMiddleware`` (``request.user.is_verified``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        required = getattr(settings, "OTP_REQUIRED_ROLES", [])
        if (
            user.is_authenticated
            and getattr(user, "role", None) in required
            and not request.path.startswith(OTP_EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[attr-defined]
        ):
            from django.contrib.auth import logout
            from django_otp import user_has_device

            if user_has_device(user):
                logout(request)
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            return redirect("accounts:otp")
        return self.get_response(request)
