"""Form plumbing every page shares: Tabler's CSS classes on the widgets (shape only; no rules)."""

from __future__ import annotations

from typing import Any

from django import forms


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
