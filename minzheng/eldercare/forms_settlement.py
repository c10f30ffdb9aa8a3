"""Input shapes of the settlement pages (parsing only; the rules are in services)."""

from __future__ import annotations

from django import forms

from minzheng.eldercare.rules.settlement import SettlementStatus
from minzheng.payments.forms import BankFileForm, MonthField, RejectForm, ResultImportForm

__all__ = ["BankFileForm", "FilterForm", "GenerateForm", "RejectForm", "ResultImportForm"]


class FilterForm(forms.Form):
    month = MonthField(label="结算月份", required=False)
    status = forms.ChoiceField(
        label="状态",
        choices=[("", "全部"), *SettlementStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    q = forms.CharField(
        label="服务机构或结算单号",
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class GenerateForm(forms.Form):
    month = MonthField(label="结算月份")
