"""Input shape of the entitlement, visit and home-care pages (issue 17 §3, §5, §6); the rules are the
services'. Field names match the ``field`` the services put on their errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.common.forms import DateInput
from minzheng.eldercare.rules import entitlements as entitlement_rules
from minzheng.eldercare.rules import home_care as home_care_rules
from minzheng.eldercare.rules import visits as visit_rules
from minzheng.registry.forms import TablerFormMixin

_ALL: list[tuple[str, Any]] = [("", _("全部"))]
_DIVISION = {
    "regex": r"^\d{2,12}$",
    "required": False,
    "error_messages": {"invalid": _("区划代码应为 2 至 12 位数字")},
}


class _Form(TablerFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (the camera on a phone: ``accept=image/*``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


# --- entitlements --------------------------------------------------------------------------------------


class EntitlementFilterForm(_Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_ALL + [(s.value, v) for s, v in entitlement_rules.STATUS_LABELS.items()],
    )
    category = forms.ChoiceField(
        label=_("服务对象类别"),
        required=False,
        choices=_ALL + [(c.value, v) for c, v in entitlement_rules.CATEGORY_LABELS.items()],
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    division = forms.RegexField(label=_("区划代码"), **_DIVISION)  # type: ignore[arg-type]
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class EntitlementApplyForm(_Form):
    category = forms.ChoiceField(label=_("服务对象类别"), choices=[])
    note = forms.CharField(
        label=_("申请说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories or []  # type: ignore[attr-defined]


class EntitlementActionForm(_Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("理由"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_from = forms.DateField(label=_("有效期起"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("有效期止（不含，可不填）"), required=False, widget=DateInput())
    manual_hours = forms.IntegerField(
        label=_("人工核定月服务时长（小时）"), min_value=1, max_value=744, required=False
    )
    manual_amount = forms.DecimalField(
        label=_("人工核定月服务金额（元）"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    manual_note = forms.CharField(label=_("人工核定说明"), max_length=300, required=False)


# --- visits --------------------------------------------------------------------------------------------


class ScheduleFilterForm(_Form):
    due = forms.ChoiceField(
        label=_("到期情况"),
        required=False,
        choices=[("", _("全部"))]
        + [
            (k, v)
            for k, v in [
                ("overdue", _("已逾期")),
                ("soon", _("7日内到期")),
                ("manual", _("需人工核定")),
            ]
        ],
    )
    category = forms.ChoiceField(
        label=_("探访类别"),
        required=False,
        choices=_ALL + [(c.value, v) for c, v in visit_rules.CATEGORY_LABELS.items()],
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    division = forms.RegexField(label=_("区划代码"), **_DIVISION)  # type: ignore[arg-type]
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class VisitForm(_Form):
    visited_on = forms.DateField(label=_("探访日期"), widget=DateInput())
    living_conditions = forms.CharField(
        label=_("居住和生活状况"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    health = forms.CharField(
        label=_("健康状况"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    risk_found = forms.BooleanField(label=_("发现安全风险"), required=False)
    safety_risks = forms.CharField(
        label=_("安全风险"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs = forms.CharField(
        label=_("服务需求"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = forms.CharField(label=_("探访发现"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(
        label=_("后续跟进"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("现场照片（可多张）"))


# --- home care -----------------------------------------------------------------------------------------


class ProjectFilterForm(_Form):
    kind = forms.ChoiceField(
        label=_("项目类别"),
        required=False,
        choices=_ALL + [(k.value, v) for k, v in home_care_rules.KIND_LABELS.items()],
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_ALL + [(s.value, v) for s, v in home_care_rules.STATUS_LABELS.items()],
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    division = forms.RegexField(label=_("区划代码"), **_DIVISION)  # type: ignore[arg-type]
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class ProjectApplyForm(_Form):
    kind = forms.ChoiceField(
        label=_("项目类别"), choices=[(k.value, v) for k, v in home_care_rules.KIND_LABELS.items()]
    )
    beds = forms.IntegerField(label=_("床位数（家庭养老床位）"), min_value=1, max_value=2, initial=1)
    note = forms.CharField(
        label=_("申请说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProjectStepForm(_Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(label=_("日期"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("意见或说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    provider = forms.TypedChoiceField(label=_("服务机构"), coerce=int, required=False, choices=[])
    contract_amount = forms.DecimalField(
        label=_("合同金额（元）"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    manual_amount = forms.DecimalField(
        label=_("人工核定补贴金额（元）"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    photos = PhotosField(label=_("验收照片（可多张）"))

    def __init__(self, *args: Any, providers: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", _("请选择"))] + list(providers or [])  # type: ignore[attr-defined]
