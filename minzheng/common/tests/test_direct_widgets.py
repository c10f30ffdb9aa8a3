"""The filter form's widgets written directly (common/forms.py) give exactly Django's template markup."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from minzheng.common.forms import DIRECT_WIDGETS

TEMPLATES = DjangoTemplates()

CHOICES = [("", "—"), ("a", "甲 & <乙>"), ("b", _("城镇")), ('"c"', mark_safe("<b>安全</b>"))]


def widgets() -> list[tuple[forms.Widget, object]]:
    attrs = {"class": "form-control is-invalid", "placeholder": _("12 位代码，可选"), "data-x": True}
    return [
        (forms.TextInput(), None),
        (forms.TextInput(), ""),
        (forms.TextInput(attrs=attrs), "孙<script>&\"'"),
        (forms.TextInput(attrs={"data-url": reverse_lazy("divisions:search"), "hidden": False}), 150102),
        (forms.TextInput(attrs={"data-n": None, "data-safe": mark_safe("<i>")}), mark_safe("<b>")),
        (forms.Select(choices=CHOICES, attrs={"class": "form-select"}), "a"),
        (forms.Select(choices=CHOICES), '"c"'),
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=[("x", [("1", "一"), ("2", "二")]), ("3", "三")]), "2"),  # option groups
        (forms.Select(choices=[(1, 1), (2000, 2000)]), 2000),  # labels the template localizes
        (forms.NumberInput(), 5),  # not written directly
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_widget_is_written_exactly_as_the_templates_write_it(language):
    with override(language):
        for widget, value in widgets():
            assert widget.render("f", value, {"id": "id_f"}, DIRECT_WIDGETS) == widget.render(
                "f", value, {"id": "id_f"}, TEMPLATES
            )


def test_the_household_filter_form_with_errors_is_written_as_before():
    from minzheng.registry.forms import HouseholdFilterForm

    data = {"division": "x", "village": "<1>", "name": "王&", "urban_rural": "zzz", "attribute": "elderly"}
    direct = HouseholdFilterForm(data)
    templated = HouseholdFilterForm(data, renderer=TEMPLATES)
    assert not direct.is_valid()
    assert not templated.is_valid()

    for name in direct.fields:
        assert str(direct[name]) == str(templated[name])
    assert direct.renderer is DIRECT_WIDGETS
