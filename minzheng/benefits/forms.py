"""Forms of the benefit pages."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.benefits import whatif_editor
from minzheng.benefits.whatif import LEVEL_DIGITS, WHATIF_KEYS, ProposedChange
from minzheng.benefits.whatif_editor import BRACKETS, RULE_KEYS, Editor
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
# Choosing another parameter, place, type or date reloads the editor with the value in force there.
BASIS_FIELDS = ("key", "division_code", "urban_rural", "valid_from")


def basis_code(key: str, division_code: str, urban_rural: str, valid_from: Any) -> str:
    """What the editor's figures were read for; a run with another basis reloads them instead."""
    return "|".join((key, division_code, urban_rural, str(valid_from or "")))


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
    basis = forms.CharField(required=False, widget=forms.HiddenInput)
    rows = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        divisions: list[tuple[str, str]],
        levels: list[int],
        current: Any = None,
        rows: int | None = None,
        **kwargs: Any,
    ) -> None:
        """``current`` is the value in force of a rule-type key: its figures become the editor's cells
        (``rows`` bracket rows, default the submitted count or the brackets in force)."""
        super().__init__(*args, **kwargs)
        self.rule_key = self._key() if self._key() in RULE_KEYS else None
        self.current = current
        self.rows_count = 0
        if self.rule_key:
            del self.fields["percent"], self.fields["value"]
        if self.rule_key and current is not None:
            if self.rule_key == BRACKETS:
                source = self.data.get("rows") if self.is_bound else self.initial.get("rows")
                self.rows_count = rows or whatif_editor.bracket_rows(current, source)
                self.initial["rows"] = self.rows_count
            for name, cell in whatif_editor.cell_fields(self.rule_key, current, self.rows_count).items():
                cell.widget.attrs["aria-label"] = str(cell.label)  # the table header is the visible label
                self.fields[name] = cell
        self._htmx_reload()
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

    def _key(self) -> str:
        return str((self.data.get("key") if self.is_bound else self.initial.get("key")) or "")

    def _htmx_reload(self) -> None:
        """With JavaScript, a change of the basis reloads the editor in place (htmx); without, the run
        button does (the view compares ``basis``)."""
        attrs = {"hx-get": reverse("benefits:whatif"), "hx-trigger": "change", "hx-target": "#whatif-editor",
                 "hx-swap": "outerHTML", "hx-include": "closest form", "hx-vals": '{"editor": "1"}',
                 "hx-params": "not csrfmiddlewaretoken",
                 "hx-push-url": "false", "hx-indicator": "#whatif-editor"}  # fmt: skip
        for name in BASIS_FIELDS:
            self.fields[name].widget.attrs.update(attrs)

    def editor(self) -> Editor | None:
        if not self.rule_key or self.current is None:
            return None
        return whatif_editor.editor_for(self, self.rule_key, self.current, self.rows_count)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.rule_key:
            if self.current is None:
                self.add_error(None, _("没有可调整的现行取值"))
            else:
                self.proposed = whatif_editor.proposed_value(
                    self, self.rule_key, self.current, self.rows_count
                )
            self._mark_invalid()
            return data
        if data.get("percent") is None and not (data.get("value") or "").strip():
            self.add_error("value", _("请填写新取值或调整比例"))
        if data.get("percent") is not None and (data.get("value") or "").strip():
            self.add_error("percent", _("调整比例与新取值只能填一个"))
        return data

    def _mark_invalid(self) -> None:
        """A refused cell is outlined in red and announced as invalid, beside its message."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs.update(
                    {"class": f"{attrs.get('class', '')} is-invalid".strip(), "aria-invalid": "true"}
                )

    def change(self) -> ProposedChange:
        """The change to test: the edited rule value, or the number / percentage typed."""
        data = self.cleaned_data
        if self.rule_key:
            raw: Any = self.proposed
        else:
            raw = (data.get("value") or "").strip() or None
        if raw is not None and PARAMETER_KEYS[data["key"]].kind is Kind.INTEGER:
            with contextlib.suppress(ValueError):  # left as text: the parameter validation names it
                raw = int(raw)
        return ProposedChange(
            key=data["key"],
            division_code=data["division_code"],
            urban_rural=data.get("urban_rural") or "",
            valid_from=data["valid_from"],
            value=raw,
            percent=None if self.rule_key else data.get("percent"),
        )
