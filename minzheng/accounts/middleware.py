"""Every page requires a logged-in staff user, except the few listed here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from minzheng.accounts.second_factor import refusal_message, second_factor_required, session_verified

PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/static/",
    "/api/",
    "/i18n/",
    "/healthz",
    "/portal/",
    "/eldercare/public/",
)


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
    "/eldercare/public/",
)


class OtpEnrolmentMiddleware:
    """Users who must use a second factor (``accounts.second_factor``) are verified with a TOTP device.

    Without a device they are sent to enrolment; with one but an unverified session (which the login page
    does not produce) they are logged out and must log in again with a code. A write (any method but GET,
    HEAD, OPTIONS) from such a session is refused with 403 and a Chinese message instead of a redirect, so
    an approval or a bank file cannot slip through. Runs after ``OTPMiddleware`` (``user.is_verified``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            not request.path.startswith(OTP_EXEMPT_PREFIXES)
            and second_factor_required(user)
            and not session_verified(user)
        ):
            from django.contrib.auth import logout
            from django_otp import user_has_device

            if request.method not in ("GET", "HEAD", "OPTIONS"):
                return _refused()
            if user_has_device(user):
                logout(request)
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            return redirect("accounts:otp")
        return self.get_response(request)


def _refused() -> HttpResponse:
    body = format_html(
        '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{}</title>'
        '<p>{}</p><p><a href="{}">{}</a></p></html>',
        _("需要动态验证码"),
        refusal_message(),
        reverse("accounts:otp"),
        _("启用或验证动态验证码"),
    )
    return HttpResponseForbidden(body)


# Languages with a catalogue for the citizen pages only (ADR 0040: traditional Mongolian covers the portal and
# the printed receipt and public notice). Elsewhere a person who chose one sees the site language, not a
# half-translated staff page in another script.
PORTAL_ONLY_LANGUAGES = {"mn": ("/portal/", "/i18n/")}


class PreferredLanguageMiddleware(LocaleMiddleware):
    """Chinese first (issue 14 §8): the interface starts in the site language (简体中文) whatever the browser
    asks for; English is the user's own choice — the language switch, remembered on the staff user's account
    (so it follows them to another computer) and, for applicants and before login, in the language cookie.
    Must run after ``AuthenticationMiddleware``; replaces Django's ``LocaleMiddleware``, whose
    ``Accept-Language`` negotiation it deliberately skips."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = getattr(request.user, "language", "") if hasattr(request, "user") else ""
        chosen = chosen or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = (
                translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
            )
        except LookupError:
            language = settings.LANGUAGE_CODE
        if language in PORTAL_ONLY_LANGUAGES and not request.path.startswith(PORTAL_ONLY_LANGUAGES[language]):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            request.method == "POST"
            and request.path == reverse("set_language")
            and response.status_code < 400
        ):
            _remember(request)
        return super().process_response(request, response)


def _remember(request: HttpRequest) -> None:
    """Store the language the staff user just chose on the account (the switch posts to ``set_language``)."""
    from minzheng.accounts.models import User

    user = getattr(request, "user", None)
    chosen = request.POST.get("language", "")
    if isinstance(user, User) and translation.check_for_language(chosen):
        User.objects.filter(pk=user.pk).update(language=chosen)
