"""Input parsing for the account pages (shape only; rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from minzheng.catalogue.roles import Role
from minzheng.common.forms import StyledForm as StyledForm
from minzheng.common.forms import TablerFormMixin

# The role labels, translatable (``Role`` declares them with ``gettext_lazy``).
ROLE_LABELS: dict[str, Any] = {role.value: role.label for role in Role}
ROLE_CHOICES = [(role.value, ROLE_LABELS[role.value]) for role in Role]


class LoginForm(TablerFormMixin, AuthenticationForm):
    otp_token = forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=6,
        strip=True,
        help_text=_("已启用动态验证码的账号请输入验证器中的 6 位数字"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        "invalid_login": _("用户名或密码错误"),
        "inactive": _("该账号已停用，请联系系统管理员"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.style_widgets()


class StaffPasswordChangeForm(TablerFormMixin, PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


class OtpTokenForm(StyledForm):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入 6 位数字")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class StaffForm(StyledForm):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"), choices=ROLE_CHOICES)
    division_code = forms.RegexField(
        label=_("所属区划代码"),
        regex=r"^\d{12}$",
        help_text=_("12 位统计用区划代码，须在您的管辖范围内"),
        error_messages={"invalid": _("区划代码须为 12 位数字")},
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class StaffCreateForm(StaffForm):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.@+-]{3,150}$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ + -，长度 3–150")},
    )
    password1 = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)

    field_order = ["username", "full_name", "role", "division_code", "password1", "password2", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致"))
        elif password1:
            try:
                password_validation.validate_password(password1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserFilterForm(StyledForm):
    query = forms.CharField(label=_("用户名或姓名"), required=False, max_length=50)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *ROLE_CHOICES])
    active = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), ("1", _("启用")), ("0", _("停用"))]
    )
