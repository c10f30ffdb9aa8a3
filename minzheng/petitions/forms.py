"""Input shape of the 信访 pages; the rules are the services'. Field names match the ``field`` the services
put on their errors (``notice``, ``division``, ``handler``, ``days``, ``reason``, ``text`` …)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.petitions import rules
from minzheng.petitions.selectors import PetitionFilters
from minzheng.petitions.services import PetitionData, PortalFiling
from minzheng.registry.forms import DateInput, TablerFormMixin

_ALL: list[tuple[str, Any]] = [("", _("全部"))]


def _labels(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in labels.items()]


class StyledForm(TablerFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class PetitionFilterForm(StyledForm):
    search = forms.CharField(label=_("编号或标题"), required=False, max_length=60)
    status = forms.ChoiceField(label=_("状态"), choices=_ALL + _labels(rules.STATUS_LABELS), required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=_ALL + _labels(rules.KIND_LABELS), required=False)
    matter_type = forms.ChoiceField(
        label=_("事项类型"), choices=_ALL + _labels(rules.MATTER_LABELS), required=False
    )
    channel = forms.ChoiceField(label=_("渠道"), choices=_ALL + _labels(rules.CHANNEL_LABELS), required=False)
    due_state = forms.ChoiceField(
        label=_("期限"),
        choices=_ALL + [("due_soon", _("即将到期")), ("overdue", _("已超期"))],
        required=False,
    )
    division = forms.RegexField(
        label=_("区划"), regex=r"^\d{2,12}$", required=False,
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字")},
    )  # fmt: skip
    escalated = forms.BooleanField(label=_("仅超期上报"), required=False)
    received_from = forms.DateField(label=_("收到日期起"), required=False, widget=DateInput())
    received_to = forms.DateField(label=_("收到日期止"), required=False, widget=DateInput())
    sort = forms.CharField(required=False, widget=forms.HiddenInput())
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())

    def to_filters(self) -> PetitionFilters:
        data = self.cleaned_data
        return PetitionFilters(
            search=data.get("search") or "",
            status=data.get("status") or "",
            kind=data.get("kind") or "",
            matter_type=data.get("matter_type") or "",
            channel=data.get("channel") or "",
            due_state=data.get("due_state") or "",
            division=data.get("division") or "",
            escalated=bool(data.get("escalated")),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            sort=data.get("sort") or "-received",
        )


class RegisterForm(StyledForm):
    channel = forms.ChoiceField(label=_("信访渠道"), choices=_labels(rules.CHANNEL_LABELS))
    kind = forms.ChoiceField(label=_("类别"), choices=_labels(rules.KIND_LABELS))
    matter_type = forms.ChoiceField(label=_("事项类型"), choices=_labels(rules.MATTER_LABELS))
    subject = forms.CharField(label=_("标题"), max_length=100)
    content = forms.CharField(label=_("信访内容"), widget=forms.Textarea(attrs={"rows": 4}))
    name = forms.CharField(label=_("信访人姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=15, required=False)
    received_on = forms.DateField(label=_("收到日期"), required=False, widget=DateInput())
    division = forms.ChoiceField(label=_("责任单位"), choices=(), required=False)
    application = forms.CharField(label=_("关联申请编号"), required=False, max_length=24)
    related_reference = forms.CharField(
        label=_("其他关联事项编号（如养老服务订单）"), max_length=60, required=False
    )
    accused_user = forms.ChoiceField(
        label=_("被反映工作人员（投诉工作人员时填写）"), choices=(), required=False
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]] | None = None,
        staff: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("本单位"))] + list(units or [])  # type: ignore[attr-defined]
        self.fields["accused_user"].choices = [("", _("无"))] + [(str(k), v) for k, v in staff or []]  # type: ignore[attr-defined]

    def to_data(self) -> PetitionData:
        data = self.cleaned_data
        accused = data.get("accused_user")
        return PetitionData(
            channel=data["channel"],
            kind=data["kind"],
            matter_type=data["matter_type"],
            subject=data["subject"],
            content=data["content"],
            name=data["name"],
            id_number=data.get("id_number") or "",
            phone=data.get("phone") or "",
            received_on=data.get("received_on"),
            division_code=data.get("division") or "",
            application_number=data.get("application") or "",
            related_reference=data.get("related_reference") or "",
            accused_user_id=int(accused) if accused else None,
        )


class ActionForm(StyledForm):
    """One form for every transition; each action's template shows the fields it uses."""

    expected_status = forms.CharField(widget=forms.HiddenInput())
    notice = forms.CharField(
        label=_("书面告知内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    text = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
    days = forms.IntegerField(label=_("延长天数"), required=False, min_value=1, max_value=366)
    division = forms.ChoiceField(label=_("承办单位"), choices=(), required=False)
    handler = forms.ChoiceField(label=_("承办人"), choices=(), required=False)
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=[("", "—")] + _labels(rules.SATISFACTION_LABELS), required=False
    )
    publishable = forms.BooleanField(label=_("作为政策问答公开"), required=False)
    public_question = forms.CharField(
        label=_("公开的问题（不含个人信息）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    public_answer = forms.CharField(
        label=_("公开的答复（不含个人信息）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]] | None = None,
        staff: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", "—")] + list(units or [])  # type: ignore[attr-defined]
        self.fields["handler"].choices = [("", _("暂不指定"))] + [(str(k), v) for k, v in staff or []]  # type: ignore[attr-defined]


class PortalFilingForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=_labels(rules.KIND_LABELS))
    matter_type = forms.ChoiceField(label=_("事项类型"), choices=_labels(rules.MATTER_LABELS))
    case = forms.ChoiceField(label=_("涉及的事项"), choices=(), required=False)
    subject = forms.CharField(label=_("标题"), max_length=100)
    content = forms.CharField(label=_("具体内容"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, cases: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", _("不涉及具体申请"))] + list(cases or [])  # type: ignore[attr-defined]

    def to_filing(self) -> PortalFiling:
        data = self.cleaned_data
        case = data.get("case") or ""
        kind, _sep, pk = case.partition(":")
        return PortalFiling(
            kind=data["kind"],
            matter_type=data["matter_type"],
            subject=data["subject"],
            content=data["content"],
            application_id=int(pk) if kind == "a" and pk.isdigit() else None,
            enrolment_id=int(pk) if kind == "e" and pk.isdigit() else None,
        )


class PortalActionForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput())
    satisfaction = forms.ChoiceField(
        label=_("满意度"),
        choices=_labels(rules.SATISFACTION_LABELS),
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
