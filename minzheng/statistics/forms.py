"""The statistics page's query: month, period (本月 / 本年累计) and the division to show (shape only)."""

from __future__ import annotations

from django import forms

from minzheng.payments.forms import MonthField
from minzheng.statistics.rules import PERIOD_LABELS


class StatisticsForm(forms.Form):
    month = MonthField(label="统计月份", required=False)
    period = forms.ChoiceField(
        label="统计期间",
        choices=[(p.value, label) for p, label in PERIOD_LABELS.items()],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    division = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
