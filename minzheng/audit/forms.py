"""Filter forms of the audit pages (input parsing only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.audit.rules import verb_label
from minzheng.common.forms import DateInput, StyledForm

DATE_INPUT = DateInput()


class DateRangeForm(StyledForm):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned


class EventFilterForm(DateRangeForm):
    verb = forms.ChoiceField(label=_("事件"), required=False)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=40)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=40)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=50)

    field_order = ["verb", "object_type", "object_id", "actor", "date_from", "date_to"]

    def __init__(self, *args: Any, verbs: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verb"].choices = [("", _("全部事件")), *((verb, verb_label(verb)) for verb in verbs)]  # type: ignore[attr-defined]


class PersonalDataAccessFilterForm(DateRangeForm):
    actor = forms.CharField(label=_("查看人"), required=False, max_length=50)
    person_id = forms.IntegerField(label=_("人员编号"), required=False, min_value=1)
    purpose = forms.CharField(label=_("用途"), required=False, max_length=60)

    field_order = ["actor", "person_id", "purpose", "date_from", "date_to"]
