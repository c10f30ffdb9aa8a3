"""Forms of the providers and orders pages (staff, worker and portal)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.eldercare.choices import OrderStatus, ProviderStatus, ServiceKind, ServiceUnit
from minzheng.eldercare.models.orders import ReviewDecision

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}


def _blank(choices: Any, label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


class OrderFilterForm(forms.Form):
    provider = forms.TypedChoiceField(
        label=_("服务机构"), required=False, coerce=int, empty_value=None, widget=forms.Select(attrs=SELECT)
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_blank(OrderStatus.choices, "全部"),
        widget=forms.Select(attrs=SELECT),
    )
    kind = forms.ChoiceField(
        label=_("服务类别"),
        required=False,
        choices=_blank(ServiceKind.choices, "全部"),
        widget=forms.Select(attrs=SELECT),
    )
    number = forms.CharField(
        label=_("订单号"), required=False, max_length=24, widget=forms.TextInput(attrs=TEXT)
    )
    window_from = forms.DateField(
        label=_("预约日期起"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"})
    )
    window_to = forms.DateField(
        label=_("预约日期止"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"})
    )
    flagged = forms.BooleanField(
        label=_("仅看有核验提示的"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    review_pending = forms.BooleanField(
        label=_("仅看待乡镇核验的"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, providers: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", _("全部")), *(providers or [])]  # type: ignore[attr-defined]


class ProviderFilterForm(forms.Form):
    search = forms.CharField(
        label=_("名称或信用代码"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_blank(ProviderStatus.choices, "全部"),
        widget=forms.Select(attrs=SELECT),
    )
    kind = forms.ChoiceField(
        label=_("提供的服务"),
        required=False,
        choices=_blank(ServiceKind.choices, "全部"),
        widget=forms.Select(attrs=SELECT),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, widget=forms.TextInput(attrs=TEXT)
    )
    division_code = forms.ChoiceField(label=_("登记旗县"), widget=forms.Select(attrs=SELECT))
    address = forms.CharField(
        label=_("地址"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    contact_name = forms.CharField(
        label=_("联系人"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        help_text=_("留空则不修改"),
        widget=forms.TextInput(attrs=TEXT),
    )
    bank_name = forms.CharField(
        label=_("开户银行"), required=False, max_length=60, widget=forms.TextInput(attrs=TEXT)
    )
    bank_account_name = forms.CharField(
        label=_("账户名称"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT)
    )
    bank_account = forms.CharField(
        label=_("银行账号"),
        required=False,
        max_length=40,
        help_text=_("留空则不修改"),
        widget=forms.TextInput(attrs=TEXT),
    )

    def __init__(self, *args: Any, divisions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = divisions  # type: ignore[attr-defined]


class AreaForm(forms.Form):
    division_code = forms.ChoiceField(label=_("服务区域"), widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, divisions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = divisions  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("服务类别"), choices=ServiceKind.choices, widget=forms.Select(attrs=SELECT)
    )
    name = forms.CharField(label=_("服务项目"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    unit = forms.ChoiceField(
        label=_("计价单位"), choices=ServiceUnit.choices, widget=forms.Select(attrs=SELECT)
    )
    price = forms.CharField(label=_("单价（元）"), max_length=12, widget=forms.TextInput(attrs=TEXT))
    co_payment = forms.CharField(
        label=_("个人自付（元/单位）"), max_length=12, initial="0", widget=forms.TextInput(attrs=TEXT)
    )
    standard_minutes = forms.IntegerField(
        label=_("标准服务时长（分钟）"), initial=60, widget=forms.NumberInput(attrs=TEXT)
    )


class WorkerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(
        label=_("手机号"), required=False, max_length=11, widget=forms.TextInput(attrs=TEXT)
    )
    username = forms.CharField(
        label=_("登录用户名"),
        required=False,
        max_length=40,
        help_text=_("填写则同时创建手机端登录账号"),
        widget=forms.TextInput(attrs=TEXT),
    )
    password = forms.CharField(
        label=_("初始密码"), required=False, max_length=60, widget=forms.PasswordInput(attrs=TEXT)
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=ProviderStatus.choices, widget=forms.Select(attrs=SELECT)
    )
    reason = forms.CharField(
        label=_("原因"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )


class DispatchForm(forms.Form):
    provider = forms.ChoiceField(label=_("服务机构"), widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, providers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = providers  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("核验结论"), choices=ReviewDecision.choices, widget=forms.RadioSelect(attrs=CHECK)
    )
    note = forms.CharField(
        label=_("核验说明"), required=False, max_length=300, widget=forms.TextInput(attrs=TEXT)
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=300, widget=forms.TextInput(attrs=TEXT))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            (OrderStatus.CONFIRMED, _("服务属实，确认")),
            (OrderStatus.CANCELLED, _("服务不属实，取消")),
        ],
        widget=forms.RadioSelect(attrs=CHECK),
    )
    note = forms.CharField(label=_("处理意见"), max_length=300, widget=forms.TextInput(attrs=TEXT))


class PlaceForm(forms.Form):
    """Order a service: for whom, which item (a provider serving the village), which day and time."""

    older_person = forms.TypedChoiceField(label=_("为谁下单"), coerce=int)
    item = forms.TypedChoiceField(label=_("服务项目"), coerce=int)
    day = forms.DateField(label=_("服务日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    hours = forms.TypedChoiceField(
        label=_("预约时长"),
        coerce=int,
        initial=1,
        choices=[(1, _("1 小时")), (2, _("2 小时")), (3, _("3 小时")), (4, _("4 小时"))],
    )
    quantity = forms.DecimalField(label=_("数量"), initial=1, min_value=1, max_value=10, decimal_places=0)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(
        self,
        *args: Any,
        people: list[tuple[int, str]],
        items: list[tuple[int, str]],
        staff: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["older_person"].choices = people  # type: ignore[attr-defined]
        self.fields["item"].choices = items  # type: ignore[attr-defined]
        if staff:
            for field in self.fields.values():
                widget = field.widget
                widget.attrs.setdefault(
                    "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
                )

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["start_time"], tzinfo=tz)
        return start, start + dt.timedelta(hours=self.cleaned_data["hours"])


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        initial=5,
        widget=forms.RadioSelect(attrs=CHECK),
        choices=[(5, _("非常满意")), (4, _("满意")), (3, _("一般")), (2, _("不满意")), (1, _("很不满意"))],
    )
    feedback = forms.CharField(
        label=_("评价（选填）"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class CheckForm(forms.Form):
    """Check-in or check-out: the phone fills latitude/longitude (Geolocation API); without them, a reason."""

    latitude = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    location_reason = forms.CharField(
        label=_("无法定位的原因"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT)
    )
    photo = forms.FileField(
        label=_("现场照片"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "form-control"}
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PlanForm(forms.Form):
    older_person = forms.TypedChoiceField(label=_("老人"), coerce=int, widget=forms.Select(attrs=SELECT))
    item = forms.TypedChoiceField(label=_("服务项目"), coerce=int, widget=forms.Select(attrs=SELECT))
    weekdays = forms.MultipleChoiceField(
        label=_("每周服务日"),
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        choices=[
            ("1", _("周一")),
            ("2", _("周二")),
            ("3", _("周三")),
            ("4", _("周四")),
            ("5", _("周五")),
            ("6", _("周六")),
            ("7", _("周日")),
        ],
    )
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={**TEXT, "type": "time"}))
    valid_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    valid_to = forms.DateField(
        label=_("终止日期"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"})
    )

    def __init__(
        self, *args: Any, people: list[tuple[int, str]], items: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["older_person"].choices = people  # type: ignore[attr-defined]
        self.fields["item"].choices = items  # type: ignore[attr-defined]
