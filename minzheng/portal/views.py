"""Pages of the applicant portal (救助通, issue 7): sign-in by SMS code, binding, the policy guide, the
self-check, the entitlement list (幸福清单), the household QR link and the periodic self-report; and the
staff page that prints a household's QR code.

Mobile first: plain HTML forms that work without JavaScript on a 360-px screen. Every page that shows
anything personal is behind ``portal_login_required``/``portal_bound_required`` and reads only the
signed-in person's own household (selectors).
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.programmes import PROGRAMME_LABELS
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required
from minzheng.portal import rules, selectors, services
from minzheng.portal.auth import (
    portal_account,
    portal_bound_required,
    portal_login_required,
    portal_sign_in,
    portal_sign_out,
)
from minzheng.portal.forms import BindForm, SelfCheckForm, SelfReportForm, SignInForm
from minzheng.portal.labels import label
from minzheng.portal.models import PortalAccount

PHONE_SESSION_KEY = "portal_sign_in_phone"
LARGE_TYPE_COOKIE = "portal_large_type"
# A year, like Django's language cookie: the setting belongs to the phone, whoever signs in on it.
DISPLAY_COOKIE_AGE = 365 * 24 * 60 * 60


def _next_url(request: HttpRequest, default: str = "") -> str:
    """A safe place to return to: a path inside the portal on this host, else ``default`` (home)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if candidate and allowed and candidate.startswith("/portal/"):
        return candidate
    return default or reverse("portal:home")


def _account(request: HttpRequest) -> PortalAccount:
    account = getattr(request, "portal_account", None)
    assert isinstance(account, PortalAccount)  # set by the portal decorators
    return account


def _error_on(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


# --- home, sign-in, sign-out ----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    account = portal_account(request)
    context: dict[str, Any] = {"account": account, "household": None}
    if account is not None and account.person_id is not None:
        context["household"] = selectors.account_household(account=account)
    return render(request, "portal/home.html", context)


def _sign_in_page(request: HttpRequest, form: SignInForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "next": _next_url(request, ""),
        "code_sent": bool(request.session.get(PHONE_SESSION_KEY)),
        "ttl_minutes": max(1, settings.PORTAL_CODE_TTL_SECONDS // 60),
        "debug_console": settings.DEBUG and settings.PORTAL_SMS_GATEWAY.endswith("OutboxGateway"),
    }
    return render(request, "portal/sign_in.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Phone + code. GET shows the form (the phone kept from 获取验证码); POST signs in."""
    if request.method == "GET":
        form = SignInForm(initial={"phone": request.session.get(PHONE_SESSION_KEY, "")})
        return _sign_in_page(request, form)
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, 422)
    if not form.cleaned_data["code"]:
        form.add_error("code", _("请输入短信验证码"))
        return _sign_in_page(request, form, 422)
    try:
        account = services.sign_in_code_verify(
            phone=form.cleaned_data["phone"],
            code=form.cleaned_data["code"],
            ip_address=client_address(request),
        )
    except DomainError as error:
        _error_on(form, error)
        return _sign_in_page(request, form, error.http_status if error.http_status != 404 else 422)
    destination = _next_url(request)
    request.session.pop(PHONE_SESSION_KEY, None)
    portal_sign_in(request, account)
    if account.person_id is None and not account.id_number_index:
        return redirect(f"{reverse('portal:bind')}?{urlencode({'next': destination})}")
    return redirect(destination)


@require_POST
def code_send(request: HttpRequest) -> HttpResponse:
    """获取验证码: send a code, then back to the sign-in form with the phone filled in."""
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, 422)
    try:
        services.sign_in_code_send(phone=form.cleaned_data["phone"], ip_address=client_address(request))
    except DomainError as error:
        _error_on(form, error)
        return _sign_in_page(request, form, error.http_status)
    phone = rules.phone_normalise(form.cleaned_data["phone"])
    request.session[PHONE_SESSION_KEY] = phone
    minutes = max(1, settings.PORTAL_CODE_TTL_SECONDS // 60)
    messages.success(
        request,
        _("验证码已发送至 %(phone)s，%(minutes)s 分钟内有效")
        % {"phone": f"{phone[:3]}****{phone[-4:]}", "minutes": minutes},
    )
    query = urlencode({"next": _next_url(request, "")}) if request.POST.get("next") else ""
    return redirect(f"{reverse('portal:sign_in')}{'?' + query if query else ''}#id_code")


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        portal_sign_out(request)
        messages.success(request, _("您已安全退出"))
    return redirect("portal:home")


# --- binding --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_login_required
def bind(request: HttpRequest) -> HttpResponse:
    """First use: name and ID number, checked against the registry (services.account_bind)."""
    account = _account(request)
    form = BindForm(request.POST or None)
    status = 200
    if request.method == "POST" and account.person_id is None:
        if form.is_valid():
            try:
                account = services.account_bind(
                    account=account,
                    name=form.cleaned_data["name"],
                    id_number=form.cleaned_data["id_number"],
                    ip_address=client_address(request),
                )
            except DomainError as error:
                _error_on(form, error)
                status = error.http_status
            else:
                if account.person_id is not None:
                    messages.success(request, _("绑定成功，您现在可以查看本户的救助信息"))
                    return redirect(_next_url(request, reverse("portal:entitlements")))
                messages.info(
                    request,
                    _("已记录您的身份信息。救助登记系统中暂未找到您的家庭，您可以在网上申请救助。"),
                )
                return redirect("portal:home")
        else:
            status = 422
    context = {"form": form, "account": account, "next": _next_url(request, "")}
    return render(request, "portal/bind.html", context, status=status)


# --- policy guide ---------------------------------------------------------------------------------------


def _guide(request: HttpRequest) -> selectors.PolicyGuide:
    division, urban_rural = selectors.policy_place(
        account=portal_account(request), code=request.GET.get("division", "")
    )
    return selectors.policy_guide(division=division, urban_rural=urban_rural)


@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    """政策清单: every programme with who qualifies, what to bring, how long, how much — for the person's
    own place, or the county chosen."""
    try:
        guide = _guide(request)
    except NotFound as error:
        raise Http404(error.message) from None
    context = {"guide": guide, "places": selectors.policy_place_choices()}
    return render(request, "portal/policies.html", context)


@require_GET
def policy_detail(request: HttpRequest, programme: str) -> HttpResponse:
    try:
        guide = _guide(request)
    except NotFound as error:
        raise Http404(error.message) from None
    item = guide.programme(programme)
    if item is None:
        raise Http404(_("没有这个救助项目"))
    return render(request, "portal/policy_detail.html", {"guide": guide, "item": item})


# --- self-check -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    """自助测算: the questionnaire and, on POST, the engine's estimate. Nothing typed is stored."""
    divisions = selectors.policy_divisions()
    account = portal_account(request)
    initial: dict[str, Any] = {"household_size": 1, "has_able_supporter": "yes", "urban_rural": "rural"}
    if account is not None:
        household = selectors.account_household(account=account)
        if household is not None:
            county = household.hukou_division.code[:6].ljust(12, "0")
            initial |= {"division": county, "urban_rural": household.urban_rural}
    form = SelfCheckForm(request.POST or None, divisions=divisions, initial=initial)
    context: dict[str, Any] = {"form": form, "rows": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            context["rows"] = selectors.self_check_run(answers=form.answers())
        else:
            status = 422
    return render(request, "portal/self_check.html", context, status=status)


# --- entitlement list -----------------------------------------------------------------------------------


@require_GET
@portal_bound_required
def entitlements(request: HttpRequest) -> HttpResponse:
    """幸福清单: what the own household receives now and was paid in the last 12 months."""
    try:
        listing = selectors.entitlement_list(account=_account(request))
    except NotFound as error:
        return render(request, "portal/entitlements.html", {"listing": None, "problem": error.message})
    return render(request, "portal/entitlements.html", {"listing": listing, "problem": ""})


# --- household QR link ----------------------------------------------------------------------------------


@require_GET
def qr_open(request: HttpRequest, token: str) -> HttpResponse:
    """A scanned household QR code. Tampered, expired or revoked: a clear message. Not signed in: only
    non-personal information and a sign-in button that comes back here. The household's own member: the
    entitlement list. Anyone else: “此二维码不属于您的家庭”, nothing more."""
    found = selectors.qr_resolve(signed_value=token)
    if found.token is None:
        return render(request, "portal/qr.html", {"problem": found.problem}, status=410)
    account = portal_account(request)
    access = rules.qr_access(
        signed_in=account is not None,
        bound=account is not None and account.person_id is not None,
        member_of_household=account is not None
        and selectors.account_is_member(account=account, household_id=found.token.household_id),
    )
    here = request.get_full_path()
    if access is rules.QrAccess.OWN:
        return redirect("portal:entitlements")
    if access is rules.QrAccess.BIND:
        return redirect(f"{reverse('portal:bind')}?{urlencode({'next': here})}")
    if access is rules.QrAccess.FOREIGN:
        return render(request, "portal/qr.html", {"problem": _("此二维码不属于您的家庭")}, status=403)
    township = selectors.township_of(found.token.household.hukou_division)
    context = {
        "problem": "",
        "township": township,
        "programmes": [(code, label(PROGRAMME_LABELS[code])) for code in rules.GUIDE_ORDER],
        "sign_in_url": f"{reverse('portal:sign_in')}?{urlencode({'next': here})}",
    }
    return render(request, "portal/qr.html", context)


# --- periodic self-report -------------------------------------------------------------------------------


@require_GET
@portal_bound_required
def self_report_list(request: HttpRequest) -> HttpResponse:
    """定期报告: the household's 低保/特困 enrolments, the open review and whether it is due."""
    try:
        items = selectors.self_report_items(account=_account(request))
    except NotFound as error:
        return render(request, "portal/self_reports.html", {"items": [], "problem": error.message})
    return render(request, "portal/self_reports.html", {"items": items, "problem": ""})


@require_http_methods(["GET", "POST"])
@portal_bound_required
def self_report(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    account = _account(request)
    try:
        item = selectors.self_report_item(account=account, enrolment_id=enrolment_id)
        members = selectors.household_members(account=account)
    except NotFound as error:
        raise Http404(error.message) from None
    form = SelfReportForm(request.POST or None, members=members)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.self_report_submit(account=account, enrolment_id=enrolment_id, report=form.report())
            except DomainError as error:
                _error_on(form, error)
                status = error.http_status if error.http_status != 404 else 422
            else:
                messages.success(request, _("定期报告已提交，工作人员将进行核查，如有需要会与您联系"))
                return redirect("portal:self_reports")
        else:
            status = 422
    return render(request, "portal/self_report.html", {"form": form, "item": item}, status=status)


# --- staff: the household's QR code ---------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (no image file, no network)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@require_http_methods(["GET", "POST"])
@capability_required(rules.QR_VIEW_CAPABILITY)
def household_qr(request: HttpRequest, household_id: int) -> HttpResponse:
    """The printable QR page of a household; POST issues a new code (earlier ones are revoked)."""
    user = request_actor(request)
    if request.method == "POST":
        try:
            services.household_token_issue(actor=user, household_id=household_id)
        except NotFound as error:
            raise Http404(error.message) from None
        except DomainError as error:
            raise DjangoPermissionDenied(error.message) from None
        messages.success(request, _("已生成新的家庭二维码，原二维码已作废"))
        return redirect("portal_staff:household_qr", household_id=household_id)
    try:
        household, token = selectors.household_qr_get(actor=user, household_id=household_id)
    except NotFound as error:
        raise Http404(error.message) from None
    context: dict[str, Any] = {
        "household": household,
        "token": token,
        "can_issue": user.can(rules.QR_ISSUE_CAPABILITY),
        "township": selectors.township_of(household.hukou_division),
    }
    if token is not None:
        url = request.build_absolute_uri(reverse("portal:qr_open", args=[selectors.qr_signed(token)]))
        context |= {"url": url, "svg": mark_safe(qr_svg(url))}  # noqa: S308 - generated by qrcode
    return render(request, "portal/staff/household_qr.html", context)


@require_POST
@capability_required(rules.QR_VIEW_CAPABILITY)
def household_qr_revoke(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request_actor(request)
    try:
        revoked = services.household_token_revoke(actor=user, household_id=household_id)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        raise DjangoPermissionDenied(error.message) from None
    if revoked:
        messages.success(request, _("家庭二维码已撤销，扫码将提示已作废"))
    else:
        messages.info(request, _("该家庭没有有效的二维码"))
    return redirect("portal_staff:household_qr", household_id=household_id)


@require_POST
def large_type_toggle(request: HttpRequest) -> HttpResponse:
    """大字: switch large type on or off for this phone (ADR 0040). A cookie read when the page is written,
    so it needs no JavaScript and the page never first appears small; the stylesheet scales the root size."""
    response = redirect(_next_url(request))
    if request.COOKIES.get(LARGE_TYPE_COOKIE) == "1":
        response.delete_cookie(LARGE_TYPE_COOKIE, samesite="Lax")
    else:
        response.set_cookie(
            LARGE_TYPE_COOKIE, "1", max_age=DISPLAY_COOKIE_AGE, samesite="Lax", secure=request.is_secure()
        )
    return response
