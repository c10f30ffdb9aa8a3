"""Input shape of the monitoring pages; the rules are the services'. Field names match the ``field``
the services put on their errors (``reason``, ``department``, ``note``, ``condition`` …)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.applications.rules import WORKFLOW_LABELS
from minzheng.monitoring import rules
from minzheng.monitoring.rules import FEEDS
from minzheng.monitoring.selectors import ALERT_SORTS, DEFAULT_SORT, AlertFilters
from minzheng.monitoring.services import RuleData
from minzheng.registry.forms import DateInput, TablerFormMixin

_ALL: list[tuple[str, Any]] = [("", _("全部"))]
STATUS_FILTERS: list[tuple[str, Any]] = [
    ("open", _("未办结")),
    *((s.value, label) for s, label in rules.ALERT_STATUS_LABELS.items()),
]


class AlertFilterForm(TablerFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=_ALL + STATUS_FILTERS, required=False)
    severity = forms.ChoiceField(
        label=_("等级"),
        choices=_ALL + [(s.value, label) for s, label in rules.SEVERITY_LABELS.items()],
        required=False,
    )
    rule = forms.ChoiceField(label=_("规则"), choices=_ALL, required=False)
    division = forms.RegexField(
        label=_("区划"),
        regex=r"^\d{2,12}$",
        required=False,
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字")},
    )
    overdue = forms.BooleanField(label=_("仅超期"), required=False)
    escalated = forms.BooleanField(label=_("仅已上报县级"), required=False)
    number = forms.CharField(label=_("预警编号"), max_length=24, required=False)
    raised_from = forms.DateField(label=_("预警日期自"), required=False, widget=DateInput())
    raised_to = forms.DateField(label=_("预警日期至"), required=False, widget=DateInput())
    sort = forms.ChoiceField(choices=[(k, k) for k in ALERT_SORTS], required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, rule_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = _ALL + list(rule_choices or [])  # type: ignore[attr-defined]
        self.apply_css()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("raised_from"), data.get("raised_to")
        if start and end and start > end:
            self.add_error("raised_to", _("结束日期不能早于开始日期"))
        return data

    def to_filters(self) -> AlertFilters:
        d = self.cleaned_data
        return AlertFilters(
            status=d["status"],
            severity=d["severity"],
            rule=d["rule"],
            division=d["division"] or "",
            overdue=d["overdue"],
            escalated=d["escalated"],
            number=d["number"],
            raised_from=d["raised_from"],
            raised_to=d["raised_to"],
            sort=d["sort"] or DEFAULT_SORT,
        )


class ActionForm(TablerFormMixin, forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class ReferForm(ActionForm):
    department = forms.ChoiceField(
        label=_("转办部门"), choices=[(d.value, label) for d, label in rules.REFERRAL_LABELS.items()]
    )
    note = forms.CharField(label=_("转办事项"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationOpenForm(ActionForm):
    workflow = forms.ChoiceField(
        label=_("救助类别"), choices=[(w.value, label) for w, label in WORKFLOW_LABELS.items()]
    )


class ReviewForm(TablerFormMixin, forms.Form):
    review_on = forms.DateField(label=_("复核日期"), widget=DateInput())
    note = forms.CharField(label=_("复核事项"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class FeedbackForm(TablerFormMixin, forms.Form):
    referral = forms.IntegerField(widget=forms.HiddenInput)
    feedback = forms.CharField(label=_("部门反馈"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    feedback_on = forms.DateField(label=_("反馈日期"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class FeedUploadForm(TablerFormMixin, forms.Form):
    feed = forms.ChoiceField(
        label=_("部门数据"), choices=[(f.code, f"{f.department}：{f.label}") for f in FEEDS.values()]
    )
    file = forms.FileField(label=_("文件（CSV UTF-8 或 Excel）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class RuleForm(TablerFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("规则代码"),
        regex=r"^[a-z0-9_]{1,40}$",
        error_messages={"invalid": _("只能包含小写字母、数字和下划线")},
    )
    title = forms.CharField(label=_("名称"), max_length=100)
    category = forms.CharField(label=_("预警类别"), max_length=40)
    severity = forms.ChoiceField(
        label=_("预警等级"), choices=[(s.value, label) for s, label in rules.SEVERITY_LABELS.items()]
    )
    subject = forms.ChoiceField(
        label=_("预警对象"), choices=[(s.value, label) for s, label in rules.SUBJECT_LABELS.items()]
    )
    response_days = forms.IntegerField(label=_("响应时限（工作日）"), min_value=1, max_value=250)
    condition = forms.CharField(
        label=_("条件（JSON）"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "form-control font-monospace"}),
    )
    basis = forms.CharField(label=_("依据"), max_length=300)
    disposal = forms.CharField(label=_("处置建议"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def clean_condition(self) -> Any:
        try:
            return json.loads(self.cleaned_data["condition"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("条件不是有效的 JSON：第 %(line)s 行第 %(col)s 列")
                % {"line": error.lineno, "col": error.colno}
            ) from None

    def rule_data(self) -> RuleData:
        d = self.cleaned_data
        return RuleData(
            d["code"],
            d["title"],
            d["category"],
            d["severity"],
            d["subject"],
            d["response_days"],
            d["condition"],
            d["basis"],
            d["disposal"],
        )
