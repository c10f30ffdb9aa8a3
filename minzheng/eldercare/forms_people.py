"""Input shapes of the older-people and assessment pages; the rules are the services'. Field names match
the ``field`` the services put on their errors (``phone``, ``is_guardian``, ``manual_level``,
``score_<item>`` …)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.common.forms import DateInput
from minzheng.eldercare.choices import ContactRelation
from minzheng.eldercare.rules.assessment import DIMENSIONS, Level
from minzheng.eldercare.rules.people import DIBAO_FLAG
from minzheng.eldercare.selectors.people import DEFAULT_SORT, SORTS, OlderPersonFilters
from minzheng.eldercare.services.assessment import AssessmentData
from minzheng.eldercare.services.people import ContactData, ReportedData
from minzheng.registry.forms import TablerFormMixin

FLAG_LABELS: list[tuple[str, Any]] = [
    ("lives_alone", _("独居")),
    ("empty_nest", _("空巢")),
    ("left_behind", _("留守")),
    ("bereaved_parent", _("失独/计划生育特殊家庭")),
    ("advanced_age", _("高龄")),
    ("incapacitated", _("失能")),
    ("severe_disability", _("重度残疾")),
    (DIBAO_FLAG, _("低保对象")),
    ("extreme_poverty", _("特困人员")),
]
CAPACITY_FILTERS: list[tuple[str, Any]] = [
    ("", _("全部")),
    ("none", _("未评估")),
    *((level.value, level.label) for level in Level),
]


class OlderPersonFilterForm(TablerFormMixin, forms.Form):
    q = forms.CharField(label=_("姓名或身份证号码"), max_length=30, required=False)
    division = forms.RegexField(
        label=_("区划"),
        regex=r"^\d{2,12}$",
        required=False,
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字")},
    )
    flag = forms.MultipleChoiceField(
        label=_("生活状况"), choices=FLAG_LABELS, required=False, widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.ChoiceField(label=_("能力等级"), choices=CAPACITY_FILTERS, required=False)
    inactive = forms.BooleanField(label=_("含已移出名册"), required=False)
    sort = forms.ChoiceField(choices=[(k, k) for k in SORTS], required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()
        self.fields["flag"].widget.attrs["class"] = "form-check-input"

    def to_filters(self) -> OlderPersonFilters:
        d = self.cleaned_data if self.is_bound else {}
        return OlderPersonFilters(
            query=d.get("q") or "",
            division=d.get("division") or "",
            flags=tuple(d.get("flag") or ()),
            capacity_level=d.get("capacity") or "",
            include_inactive=bool(d.get("inactive")),
            sort=d.get("sort") or DEFAULT_SORT,
        )


class ReportedForm(TablerFormMixin, forms.Form):
    left_behind = forms.BooleanField(label=_("留守"), required=False)
    bereaved_parent = forms.BooleanField(label=_("失独/计划生育特殊家庭"), required=False)
    home_latitude = forms.DecimalField(
        label=_("住址纬度"),
        max_digits=9,
        decimal_places=6,
        required=False,
        help_text=_("WGS-84，如 40.842356"),
    )
    home_longitude = forms.DecimalField(
        label=_("住址经度"),
        max_digits=9,
        decimal_places=6,
        required=False,
        help_text=_("WGS-84，如 111.749180"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def to_data(self) -> ReportedData:
        d = self.cleaned_data
        return ReportedData(d["left_behind"], d["bereaved_parent"], d["home_latitude"], d["home_longitude"])


class ContactForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("与老人关系"), choices=[("", "—"), *ContactRelation.choices])
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    is_guardian = forms.BooleanField(label=_("监护人"), required=False)
    may_order = forms.BooleanField(label=_("可代为下单和确认服务"), required=False, initial=True)
    note = forms.CharField(label=_("说明"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def to_data(self) -> ContactData:
        d = self.cleaned_data
        return ContactData(d["name"], d["relation"], d["phone"], d["is_guardian"], d["may_order"], d["note"])


def score_field_name(code: str) -> str:
    return f"score_{code}"


class AssessmentForm(TablerFormMixin, forms.Form):
    """The 26 items grouped by the four indicators (``groups`` for the template), one radio group each."""

    assessed_on = forms.DateField(label=_("评估日期"), widget=DateInput())
    assessor_name = forms.CharField(label=_("评估员姓名"), max_length=50)
    assessor_certificate = forms.CharField(label=_("评估员证书编号"), max_length=50, required=False)
    comatose = forms.BooleanField(
        label=_("处于昏迷状态（直接评定为重度失能）"),
        required=False,
        help_text=_("GB/T 42195-2022 附录 B 的说明（转录未核实）"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in DIMENSIONS:
            for item in dimension.items:
                self.fields[score_field_name(item.code)] = forms.TypedChoiceField(
                    label=item.label,
                    choices=[(str(s), _("%(score)s 分") % {"score": s}) for s in item.scores],
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("请为“%(item)s”评分") % {"item": item.label}},
                )
        self.fields["assessed_on"].initial = timezone.localdate()
        self.apply_css()
        for dimension in DIMENSIONS:
            for item in dimension.items:
                self.fields[score_field_name(item.code)].widget.attrs["class"] = "form-check-input"

    @property
    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(d, [self[score_field_name(item.code)] for item in d.items]) for d in DIMENSIONS]

    def to_data(self) -> AssessmentData:
        d = self.cleaned_data
        scores = {item.code: d[score_field_name(item.code)] for dim in DIMENSIONS for item in dim.items}
        return AssessmentData(
            assessed_on=d["assessed_on"],
            assessor_name=d["assessor_name"],
            assessor_certificate=d.get("assessor_certificate") or "",
            scores=scores,
            comatose=bool(d.get("comatose")),
        )


class CompleteForm(TablerFormMixin, forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    manual_level = forms.ChoiceField(
        label=_("人工核定等级"), choices=[("", "—"), *Level.choices], required=False
    )
    manual_reason = forms.CharField(
        label=_("人工核定理由"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_assessment_on = forms.DateField(label=_("下次评估日期"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class CancelForm(TablerFormMixin, forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("作废原因"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()
