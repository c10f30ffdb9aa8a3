"""Form plumbing every page shares: Tabler's CSS classes on the widgets (shape only; no rules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe


class TablerFormMixin:
    """Adds Tabler's CSS classes to the widgets (``common/_form_fields.html`` renders them)."""

    fields: dict[str, forms.Field]

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledForm(TablerFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


class DateInput(forms.DateInput):
    """An HTML date input. Its value must be ISO (``2026-12-07``) whatever the language's date format, or the
    browser shows it empty (issue 14 §7)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- widgets written directly ------------------------------------------------------------------------


class _Fallback(Exception):
    """A widget the direct writer does not cover: Django's template renders it."""


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` (``stringformat`` keeps a safe string safe)."""
    text = "%s" % (value,)  # noqa: UP031 - exactly what the filter does
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/input.html`` (``text.html`` includes it)."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


_OPTION = "django/forms/widgets/select_option.html"


def _select(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/select.html`` without option groups, each option ``select_option.html`` (whose
    file ends with a newline, hence the ``\\n`` after each option)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            raise _Fallback
        for option in options:
            label = option["label"]
            if option["template_name"] != _OPTION or not isinstance(label, (str, Promise)):
                raise _Fallback  # another option template, or a label the template would localize
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(label if isinstance(label, str) else str(label))}</option>\n"
            )
    parts.append("\n</select>")
    return "".join(parts).strip()


_DIRECT: dict[str, Callable[[dict[str, Any]], str]] = {
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/select.html": _select,
}


class DirectWidgetRenderer(DjangoTemplates):
    """Django's form renderer, but text inputs and selects are written here, with exactly the markup of
    Django's widget templates (``test_direct_widget_renderer`` compares them): through the templates the
    household list's five filter fields took ≈ 3 ms of each page's ≈ 17 ms of Python (bench/speed-seed-list.md
    §4). Everything else (other widgets, option groups, forms' own templates) goes to the templates."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        direct = _DIRECT.get(template_name)
        if direct is not None:
            try:
                return direct(context["widget"])
            except _Fallback:
                pass
        return super().render(template_name, context, request)


# one instance: a renderer builds its template engine once
DIRECT_WIDGETS = DirectWidgetRenderer()
