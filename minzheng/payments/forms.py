"""Input shapes of the payments pages (parsing only; the rules are in services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from minzheng.common.forms import DateInput
from minzheng.payments.bankfiles import TEMPLATES
from minzheng.payments.rules import LineKind, PaymentStatus, PayrollStatus

TEMPLATE_CHOICES = [(t.code, t.label) for t in TEMPLATES.values()]
MAX_RESULT_BYTES = 200 * 1024 * 1024


class MonthField(forms.CharField):
    """``YYYY-MM`` (the browser's month input) → the 1st of that month."""

    widget = forms.TextInput(attrs={"type": "month", "class": "form-control"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(f"{text[:7]}-01")
        except ValueError:
            raise forms.ValidationError("请按“年-月”填写月份，如 2026-01") from None


def _select(choices: list[tuple[str, str]], blank: str = "全部") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", blank), *choices], required=False, widget=forms.Select(attrs={"class": "form-select"})
    )


class PayrollFilterForm(forms.Form):
    month = MonthField(label="发放月份", required=False)
    county = forms.CharField(
        label="区划代码",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "如 150102"}),
    )
    status = _select(list(PayrollStatus.choices))
    status.label = "状态"


class GenerateForm(forms.Form):
    month = MonthField(label="发放月份")
    county = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="退回理由",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class LineFilterForm(forms.Form):
    q = forms.CharField(
        label="姓名或在保编号",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    kind = _select(list(LineKind.choices))
    kind.label = "类别"
    status = _select(list(PaymentStatus.choices))
    status.label = "发放状态"
    sort = forms.ChoiceField(
        choices=[("", "乡镇"), ("amount", "金额"), ("month", "所属月份")], required=False
    )


class BankFileForm(forms.Form):
    template = forms.ChoiceField(
        label="文件模板", choices=TEMPLATE_CHOICES, widget=forms.Select(attrs={"class": "form-select"})
    )


class ResultImportForm(BankFileForm):
    file = forms.FileField(
        label="银行回盘文件", widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RESULT_BYTES:
            raise forms.ValidationError("文件过大")
        return upload


class PaidOtherwiseForm(forms.Form):
    enrolment_id = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.CharField(
        label="发放方式",
        max_length=20,
        initial="现金",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    paid_on = forms.DateField(label="发放日期", widget=DateInput(attrs={"class": "form-control"}))
    note = forms.CharField(
        label="说明", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class AllocationForm(forms.Form):
    township = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label="金额（元）",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    allocated_on = forms.DateField(label="日期", widget=DateInput(attrs={"class": "form-control"}))
    top_up = forms.BooleanField(
        label="补充（而非年度拨付）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label="说明", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class SettleForm(forms.Form):
    draw = forms.IntegerField(widget=forms.HiddenInput)
    settled_on = forms.DateField(label="归垫日期", widget=DateInput(attrs={"class": "form-control"}))


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label="起始日期",
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
    )
    date_to = forms.DateField(
        label="截止日期",
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
    )
