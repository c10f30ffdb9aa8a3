"""Account pages: login with lockout and second factor, TOTP enrolment, password, user administration."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from minzheng.accounts import selectors, services
from minzheng.accounts.actors import request_actor
from minzheng.accounts.forms import (
    ROLE_LABELS,
    LoginForm,
    OtpTokenForm,
    StaffCreateForm,
    StaffForm,
    StaffPasswordChangeForm,
    UserFilterForm,
)
from minzheng.accounts.models import User
from minzheng.accounts.second_factor import second_factor_required
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound


def _add_domain_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


# --- login -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        try:
            services.user_login(
                request=self.request, user=form.get_user(), otp_token=form.cleaned_data.get("otp_token") or ""
            )
        except services.SecondFactorRejected as error:
            form.add_error("otp_token", error.message)
            self._record_failure(form, reason="otp")
            return self.render_to_response(self.get_context_data(form=form))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        if form.data.get("username") and form.data.get("password"):
            self._record_failure(form, reason="password")
        return super().form_invalid(form)

    def _record_failure(self, form: LoginForm, *, reason: str) -> None:
        services.user_login_failure_record(
            request=self.request, username=str(form.data.get("username", ""))[:150], reason=reason
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StaffPasswordChangeForm
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form: StaffPasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        services.user_password_change(
            actor=request_actor(self.request),
            new_password=form.cleaned_data["new_password1"],
            ip_address=services.client_ip(self.request),
        )
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改"))
        return HttpResponseRedirect(self.get_success_url())


# --- second factor -----------------------------------------------------------------------------


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def otp_setup(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = OtpTokenForm(request.POST or None)
    action = request.POST.get("action", "")
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if action == "disable":
                services.otp_device_disable(actor=actor, token=token, ip_address=services.client_ip(request))
                messages.success(request, _("动态验证码已停用"))
            else:
                device = services.otp_device_confirm(
                    actor=actor, token=token, ip_address=services.client_ip(request)
                )
                otp_login(request, device)
                messages.success(request, _("动态验证码已启用，今后登录时须输入验证码"))
            return redirect("accounts:otp")
        except DomainError as error:
            _add_domain_error(form, error)
    device = selectors.otp_device_confirmed(user=actor)
    context: dict[str, Any] = {
        "form": form,
        "device": device,
        "required": second_factor_required(actor),
    }
    if device is None:
        pending = services.otp_device_begin(actor=actor)
        context["qr_svg"] = _qr_svg(pending.config_url)
        context["secret"] = _base32(pending.bin_key)
    return render(request, "accounts/otp_setup.html", context)


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


# --- user administration -----------------------------------------------------------------------


def _require_manage_users(request: HttpRequest) -> User:
    actor = request_actor(request)
    if not actor.can(Capability.MANAGE_USERS):
        raise HttpForbidden(_("您的角色无权管理工作人员账号"))
    return actor


def user_list(request: HttpRequest) -> HttpResponse:
    actor = _require_manage_users(request)
    form = UserFilterForm(request.GET or None)
    filters = selectors.UserFilters(**form.cleaned_data) if form.is_valid() else selectors.UserFilters()
    page = Paginator(selectors.user_list(actor=actor, filters=filters), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    locked = selectors.locked_out_usernames(usernames=[user.username for user in page])
    rows = [
        {"user": user, "role": ROLE_LABELS.get(user.role, user.role), "locked": user.username in locked}
        for user in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


def user_create(request: HttpRequest) -> HttpResponse:
    actor = _require_manage_users(request)
    form = StaffCreateForm(
        request.POST or None, initial={"division_code": actor.division.code if actor.division else ""}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=actor,
                username=data["username"],
                password=data["password1"],
                data=services.StaffData(
                    full_name=data["full_name"],
                    role=data["role"],
                    division_code=data["division_code"],
                    is_active=data["is_active"],
                ),
                ip_address=services.client_ip(request),
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, _("已创建工作人员 %(name)s") % {"name": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _require_manage_users(request)
    try:
        target = selectors.user_get(actor=actor, user_id=user_id)
    except NotFound as error:
        raise Http404(error.message) from error
    initial = {
        "full_name": target.full_name,
        "role": target.role,
        "is_active": target.is_active,
        "division_code": target.division.code if target.division else "",
    }
    form = StaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=actor,
                user_id=target.pk,
                data=services.StaffData(**data),
                ip_address=services.client_ip(request),
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, _("已保存工作人员 %(name)s") % {"name": target.username})
            return redirect("accounts:user_list")
    locked = target.username in selectors.locked_out_usernames(usernames=[target.username])
    return render(request, "accounts/user_form.html", {"form": form, "target": target, "locked": locked})


def _user_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    actor = _require_manage_users(request)
    try:
        if action == "deactivate":
            user = services.user_deactivate(
                actor=actor, user_id=user_id, ip_address=services.client_ip(request)
            )
            messages.success(request, _("已停用工作人员 %(name)s") % {"name": user.username})
        else:
            services.user_unlock(actor=actor, user_id=user_id, ip_address=services.client_ip(request))
            messages.success(request, _("已解除登录锁定"))
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("accounts:user_list"))


@require_POST
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _user_action(request, user_id, "deactivate")


@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    return _user_action(request, user_id, "unlock")
