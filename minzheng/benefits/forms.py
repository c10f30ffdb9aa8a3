"""Forms of the benefit pages."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.benefits.whatif import LEVEL_DIGITS, WHATIF_KEYS, ProposedChange
from minzheng.common.forms import DateInput, TablerFormMixin
from minzheng.divisions.rules import Level
from minzheng.policy.rules import PARAMETER_KEYS, URBAN_RURAL_LABELS, Kind

LEVEL_LABELS = {
    Level.REGION: _("自治区"),
    Level.PREFECTURE: _("盟市"),
    Level.COUNTY: _("旗县区"),
    Level.TOWNSHIP: _("苏木乡镇（街道）"),
    Level.VILLAGE: _("嘎查村（社区）"),
}


# 城镇 first: the 低保 standard is set for towns and for the countryside apart, so a what-if for both
# ("城乡通用") finds no standard in force where the two differ; a town-or-country choice falls back to a
# both-kinds row where one exists (policy.rules.resolve).
URBAN_RURAL_CHOICES = [(code, URBAN_RURAL_LABELS[code]) for code in ("urban", "rural", "")]


class WhatIfForm(TablerFormMixin, forms.Form):
    key = forms.ChoiceField(
        label=_("调整的参数"), choices=[(k, PARAMETER_KEYS[k].label) for k in WHATIF_KEYS]
    )
    division_code = forms.ChoiceField(label=_("适用区划"))
    urban_rural = forms.ChoiceField(label=_("城乡"), choices=URBAN_RURAL_CHOICES, required=False)
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    percent = forms.DecimalField(
        label=_("调整比例（%）"), required=False, max_digits=6, decimal_places=2, min_value=Decimal(-90),
        max_value=Decimal(500), help_text=_("例如 5 表示提高 5%；与“新取值”二选一"),
    )  # fmt: skip
    value = forms.CharField(
        label=_("新取值"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("金额、倍数、月数直接填数字，如 882 或 1.5"),
    )  # fmt: skip
    level = forms.TypedChoiceField(label=_("汇总到"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, divisions: list[tuple[str, str]], levels: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        division_field = self.fields["division_code"]
        level_field = self.fields["level"]
        assert isinstance(division_field, forms.ChoiceField)
        assert isinstance(level_field, forms.ChoiceField)
        division_field.choices = divisions
        level_field.choices = [("", _("默认（下一级）"))] + [
            (lv, LEVEL_LABELS[Level(lv)]) for lv in levels if lv in LEVEL_DIGITS
        ]
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate().replace(month=1, day=1))
            self.initial.setdefault("urban_rural", "urban")
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("percent") is None and not (data.get("value") or "").strip():
            self.add_error("value", _("请填写新取值或调整比例"))
        if data.get("percent") is not None and (data.get("value") or "").strip():
            self.add_error("percent", _("调整比例与新取值只能填一个"))
        return data

    def change(self) -> ProposedChange:
        data = self.cleaned_data
        raw: Any = (data.get("value") or "").strip() or None
        if raw is not None and PARAMETER_KEYS[data["key"]].kind in (Kind.JSON, Kind.INTEGER):
            with contextlib.suppress(ValueError):  # left as text: the parameter validation names it
                raw = json.loads(raw)
        return ProposedChange(
            key=data["key"],
            division_code=data["division_code"],
            urban_rural=data.get("urban_rural") or "",
            valid_from=data["valid_from"],
            value=raw,
            percent=data.get("percent"),
        )
