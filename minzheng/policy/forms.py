"""Input shape of the policy-parameter pages. Domain rules (overlap, back-dating, permission) live in
``rules.plan_chain`` and ``services.parameter_set``; these forms only parse and type.

The value of a new version is parsed as the import file parses it (JSON numbers as ``Decimal``, never
float) and normalised by ``rules.parameter_value_normalise``, so a value accepted here is stored exactly
as an import of the same figure would store it. Field names match the ``field`` services put on
``DomainError`` (``key``, ``division_code``, ``valid_from``, ``value``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.common.forms import StyledForm
from minzheng.divisions.rules import normalise_code
from minzheng.policy.errors import ParameterValueInvalid
from minzheng.policy.models import ParameterStatus, ParameterUrbanRural
from minzheng.policy.rules import PARAMETER_KEYS, Kind, ParameterEntry, parameter_value_normalise
from minzheng.registry.forms import DateInput, TablerFormMixin

KEY_CHOICES = [(key, definition.label) for key, definition in PARAMETER_KEYS.items()]
# The list filter needs a value for rows "for both" (stored as ""), which the empty choice means "all".
URBAN_RURAL_BOTH = "both"
URBAN_RURAL_FILTER_CHOICES = [
    ("", _("全部")),
    (URBAN_RURAL_BOTH, ParameterUrbanRural.BOTH.label),
    (ParameterUrbanRural.URBAN.value, ParameterUrbanRural.URBAN.label),
    (ParameterUrbanRural.RURAL.value, ParameterUrbanRural.RURAL.label),
]
# sort key → (header, ORM ordering); "-key" sorts the first column descending
PARAMETER_SORTS: dict[str, tuple[str, ...]] = {
    "key": ("key", "division__code", "urban_rural", "valid_from"),
    "division": ("division__code", "key", "urban_rural", "valid_from"),
    "urban_rural": ("urban_rural", "key", "division__code", "valid_from"),
    "valid_from": ("valid_from", "key", "division__code", "urban_rural"),
    "version": ("version", "key", "division__code", "urban_rural", "valid_from"),
    "status": ("status", "key", "division__code", "urban_rural", "valid_from"),
}
SORT_CHOICES = [(name, name) for name in PARAMETER_SORTS] + [(f"-{name}", name) for name in PARAMETER_SORTS]
NUMBER_STEPS = {Kind.MONEY: "0.01", Kind.RATIO: "0.0001", Kind.MULTIPLE: "0.0001", Kind.INTEGER: "1"}


@dataclass(frozen=True)
class ParameterFilters:
    key: str = ""
    division_code: str = ""
    urban_rural: str | None = None  # None = any; "" = rows for both urban and rural
    status: str = ""
    in_force_on: dt.date | None = None
    sort: str = "key"


class ParameterFilterForm(TablerFormMixin, forms.Form):
    key = forms.ChoiceField(label=_("参数"), choices=[("", _("全部参数")), *KEY_CHOICES], required=False)
    division = forms.ChoiceField(label=_("适用区划"), required=False)
    urban_rural = forms.ChoiceField(label=_("城乡"), choices=URBAN_RURAL_FILTER_CHOICES, required=False)
    status = forms.ChoiceField(
        label=_("核实状态"), choices=[("", _("全部")), *ParameterStatus.choices], required=False
    )
    in_force_on = forms.DateField(
        label=_("仅显示此日有效的版本"), required=False, widget=DateInput(), help_text=_("留空显示全部版本")
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, division_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("全部（本级管辖范围）")), *division_choices]  # type: ignore[attr-defined]
        self.apply_css()

    def to_filters(self) -> ParameterFilters:
        if not self.is_bound:
            return ParameterFilters()
        data = self.cleaned_data
        urban_rural = data.get("urban_rural") or ""
        return ParameterFilters(
            key=data.get("key") or "",
            division_code=data.get("division") or "",
            urban_rural=None if not urban_rural else "" if urban_rural == URBAN_RURAL_BOTH else urban_rural,
            status=data.get("status") or "",
            in_force_on=data.get("in_force_on"),
            sort=data.get("sort") or "key",
        )


class ParameterSetForm(TablerFormMixin, forms.Form):
    """One new version. ``confirmed`` and ``plan_token`` carry the second step (after the preview)."""

    key = forms.ChoiceField(label=_("参数"), choices=[("", "—"), *KEY_CHOICES])
    division_code = forms.ChoiceField(label=_("适用区划"))
    urban_rural = forms.ChoiceField(
        label=_("城乡类型"),
        choices=ParameterUrbanRural.choices,
        required=False,
        help_text=_("“城乡通用”适用于城镇和农村；同一区划的城镇或农村版本优先于通用版本"),
    )
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    valid_to = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=DateInput(),
        help_text=_("不含当日；通常留空（长期有效，直到设定下一个版本）"),
    )
    value = forms.CharField(label=_("取值"), strip=True)
    status = forms.ChoiceField(label=_("核实状态"), choices=[("", "—"), *ParameterStatus.choices])
    source = forms.CharField(
        label=_("依据"),
        max_length=500,
        help_text=_("文件名称、文号或网址"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    plan_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, division_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = [("", "—"), *division_choices]  # type: ignore[attr-defined]
        self.kind = self._kind()
        self.fields["value"].widget = self._value_widget(self.kind)
        self.apply_css()

    def _kind(self) -> Kind | None:
        key = self.data.get("key") if self.is_bound else self.initial.get("key")
        definition = PARAMETER_KEYS.get(key) if isinstance(key, str) else None
        return definition.kind if definition else None

    @staticmethod
    def _value_widget(kind: Kind | None) -> forms.Widget:
        if kind is Kind.JSON:
            return forms.Textarea(
                attrs={"rows": 10, "spellcheck": "false", "class": "form-control font-monospace"}
            )
        if kind is None:
            return forms.TextInput()
        attrs = {
            "step": NUMBER_STEPS[kind],
            "min": "0",
            "inputmode": "numeric" if kind is Kind.INTEGER else "decimal",
        }
        if kind is Kind.RATIO:
            attrs["max"] = "1"
        return forms.NumberInput(attrs=attrs)

    def clean_division_code(self) -> str:
        return normalise_code(self.cleaned_data["division_code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if valid_from and valid_to and valid_to <= valid_from:
            self.add_error("valid_to", _("失效日期必须晚于生效日期"))
        key, raw = data.get("key"), data.get("value")
        if key and raw is not None and "value" not in self.errors:
            try:
                data["value"] = parameter_value_normalise(key, _parse(PARAMETER_KEYS[key].kind, raw))
            except ValueError as exc:
                self.add_error("value", str(exc))
            except ParameterValueInvalid as exc:
                self.add_error("value", exc.message)
        return data

    def entry(self) -> ParameterEntry:
        """The entry the valid form describes, value normalised (as ``services.parameter_set`` builds it)."""
        data = self.cleaned_data
        return ParameterEntry(
            key=data["key"],
            division_code=data["division_code"],
            urban_rural=data.get("urban_rural") or "",
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            value=data["value"],
            status=data["status"],
            source=data["source"].strip(),
            note=(data.get("note") or "").strip(),
        )


def _parse(kind: Kind, raw: str) -> Any:
    """The typed form of the text entered: JSON for structured keys (numbers as ``Decimal``, as the
    import reads them), an ``int`` for integer keys, the text itself for decimals (never a float)."""
    if kind is Kind.JSON:
        try:
            return json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise ValueError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列有误") from None
    if kind is Kind.INTEGER:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"应为整数，实际为“{raw}”") from None
    return raw


def value_as_text(kind: Kind, value: Any) -> str:
    """A stored value as the form shows it for editing (JSON indented for structured keys)."""
    if kind is Kind.JSON:
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


class NoticeImportForm(StyledForm):
    """The yearly standards notice as an Excel table (``notices.COLUMNS``), with its document number."""

    file = forms.FileField(label=_("标准表（Excel .xlsx）"))
    valid_from = forms.DateField(label=_("执行日期"), widget=DateInput())
    document = forms.CharField(
        label=_("文件名称和文号"),
        max_length=400,
        help_text=_("如：内蒙古自治区人民政府关于2025年全区社会救助标准有关事宜的通知（内政字〔2025〕86号）"),
    )
    status = forms.ChoiceField(
        label=_("核实状态"), choices=ParameterStatus.choices, initial=ParameterStatus.CONFIRMED
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=400)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只支持 .xlsx 文件"))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 5 MB"))
        return upload
