"""Input shape of the enrolment pages; field names match the ``field`` the services put on their errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.catalogue.programmes import Programme
from minzheng.enrolments import rules
from minzheng.enrolments.models import ChangeKind, EnrolmentStatus, ReviewOutcome
from minzheng.enrolments.selectors import SORTS, EnrolmentFilters
from minzheng.policy.rules import PROGRAMMES
from minzheng.registry.forms import TablerFormMixin

_BLANK: list[tuple[str, str]] = [("", "全部")]
PROGRAMME_CHOICES = [(p.code, p.name) for p in PROGRAMMES]
PROGRAMME_LABELS = dict(PROGRAMME_CHOICES)
MONTH_HELP = _("格式 2026-12")


class MonthField(forms.CharField):
    """A month typed as ``2026-12`` (or picked with ``<input type=month>``) → the 1st of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        month = rules.parse_month(text)
        if month is None:
            raise forms.ValidationError(_("月份格式不对，如 2026-12"))
        return month


class _Styled(TablerFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class EnrolmentFilterForm(_Styled):
    search = forms.CharField(label=_("姓名或身份证号码"), required=False, max_length=50)
    programme = forms.ChoiceField(label=_("救助项目"), required=False, choices=_BLANK + PROGRAMME_CHOICES)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_BLANK + list(EnrolmentStatus.choices)
    )
    division = forms.CharField(label=_("区划"), required=False, max_length=12)
    month = MonthField(label=_("发放月份"), required=False, help_text=MONTH_HELP)
    sort = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(k, k) for k in SORTS] + [(f"-{k}", k) for k in SORTS],
        widget=forms.HiddenInput,
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_division(self) -> str:
        value: str = self.cleaned_data.get("division", "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("区划代码只能是数字"))
        return value

    def to_filters(self) -> EnrolmentFilters:
        data = self.cleaned_data
        return EnrolmentFilters(
            programme=data.get("programme") or "",
            status=data.get("status") or "",
            division=data.get("division") or "",
            month=data.get("month"),
            search=data.get("search") or "",
            sort=data.get("sort") or "-id",
        )


CHANGE_CHOICES = [
    (k.value, k.label)
    for k in (
        ChangeKind.INCREASE,
        ChangeKind.DECREASE,
        ChangeKind.STOP,
        ChangeKind.SUSPEND,
        ChangeKind.RESUME,
    )
]


class ChangeForm(_Styled):
    kind = forms.ChoiceField(label=_("变更类型"), choices=CHANGE_CHOICES)
    effective_month = MonthField(label=_("生效月份"), help_text=MONTH_HELP)
    new_amount = forms.DecimalField(
        label=_("变更后月金额（元）"), required=False, decimal_places=2, max_digits=12
    )
    reason = forms.CharField(label=_("原因"), max_length=200)
    basis = forms.CharField(label=_("依据（留空取法规条款）"), required=False, max_length=200)


class GradualExitForm(_Styled):
    effective_month = MonthField(label=_("渐退起始月份"), help_text=MONTH_HELP)
    months = forms.IntegerField(
        label=_("渐退月数（留空取政策上限）"), required=False, min_value=1, max_value=12
    )
    reason = forms.CharField(label=_("原因"), max_length=200)


class TerminationForm(_Styled):
    ground = forms.ChoiceField(label=_("终止情形"), choices=list(rules.TERMINATION_GROUNDS.items()))
    reason = forms.CharField(label=_("终止理由"), max_length=200)


class WithdrawForm(_Styled):
    reason = forms.CharField(label=_("撤回理由（异议调查结论）"), max_length=200)


class TransferForm(_Styled):
    programme = forms.ChoiceField(
        label=_("转入项目"),
        choices=[(Programme.DIBAO, "最低生活保障"), (Programme.TEMPORARY_ASSISTANCE, "临时救助")],
    )
    monthly_amount = forms.DecimalField(label=_("金额（元）"), decimal_places=2, max_digits=12)
    starts_month = MonthField(label=_("起始月份（留空为终止次月）"), required=False)
    reason = forms.CharField(label=_("依据（审核确认结论或决定文号）"), max_length=200)


class ReviewForm(_Styled):
    findings = forms.CharField(label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("处理结果"), choices=ReviewOutcome.choices)
    new_amount = forms.DecimalField(
        label=_("调整后月金额（留空取测算金额）"), required=False, decimal_places=2, max_digits=12
    )
    months = forms.IntegerField(label=_("渐退月数"), required=False, min_value=1, max_value=12)


class LegacyImportForm(_Styled):
    file = forms.FileField(label=_("原系统导出文件（.xlsx 或 .csv）"))


class AllowanceRunForm(_Styled):
    kind = forms.ChoiceField(
        label=_("规则"),
        choices=[
            ("senior", _("高龄津贴按年龄纳入")),
            ("disability", _("残疾人两项补贴主动发现")),
            ("orphan", _("孤儿基本生活保障主动发现")),
        ],
    )
    month = MonthField(label=_("测算月份"), help_text=MONTH_HELP)


class CandidateDecisionForm(forms.Form):
    """The bulk decision on the ticked candidates: confirm (enrol from a month) or dismiss (with a reason)."""

    candidates = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("对象"))
    decision = forms.ChoiceField(choices=[("confirm", _("确认纳入")), ("dismiss", _("不予纳入"))])
    starts_month = MonthField(label=_("起始发放月份"), required=False, help_text=MONTH_HELP)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("candidates") if hasattr(self.data, "getlist") else []
        field = self.fields["candidates"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "confirm" and not data.get("starts_month"):
            self.add_error("starts_month", _("请填写起始发放月份"))
        if data.get("decision") == "dismiss" and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写不予纳入的原因"))
        return data
