"""Input shape of the application pages. The rules (who, when, what is required) are the services';
field names match the ``field`` the services put on their errors (``workflow``, ``channel``,
``entrusted_name``, ``source_note``, ``hardship``, ``reason``, ``opinion``, ``amount`` …)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.applications import rules
from minzheng.applications.inputs import TransitionInput, input_fields, transition_input
from minzheng.applications.models import VerificationOutcome, VerificationSource
from minzheng.applications.rules import TEMPORARY_WORKFLOWS, Channel, Requirement, Step, Transition, Workflow
from minzheng.applications.selectors import APPLICATION_SORTS, DEADLINE_FILTERS, ApplicationFilters
from minzheng.applications.services import ApplicationData
from minzheng.registry.forms import DateInput, TablerFormMixin
from minzheng.registry.models import Person

_BLANK: list[tuple[str, str]] = [("", "—")]
WORKFLOW_CHOICES = [(w.value, label) for w, label in rules.WORKFLOW_LABELS.items()]


def _not_future(value: dt.date | None) -> None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("日期不能晚于今天"))


# --- list filters -----------------------------------------------------------------------------------------


class ApplicationFilterForm(TablerFormMixin, forms.Form):
    workflow = forms.ChoiceField(
        label=_("救助类别"), choices=[("", _("全部")), *WORKFLOW_CHOICES], required=False
    )
    step = forms.ChoiceField(label=_("当前环节"), choices=[("", _("全部")), *Step.choices], required=False)
    channel = forms.ChoiceField(
        label=_("申请渠道"), choices=[("", _("全部")), *Channel.choices], required=False
    )
    division = forms.RegexField(
        label=_("区划"),
        regex=r"^\d{2,12}$",
        required=False,
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字")},
    )
    deadline = forms.ChoiceField(
        label=_("时限"), choices=[("", _("全部")), *DEADLINE_FILTERS.items()], required=False
    )
    number = forms.CharField(label=_("申请编号"), max_length=24, required=False)
    submitted_from = forms.DateField(label=_("申请日期自"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=_("申请日期至"), required=False, widget=DateInput())
    staff_relative = forms.BooleanField(label=_("仅近亲属备案"), required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in APPLICATION_SORTS], required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("结束日期不能早于开始日期"))
        return data

    def to_filters(self) -> ApplicationFilters:
        data = self.cleaned_data if self.is_bound else {}
        return ApplicationFilters(
            workflow=data.get("workflow") or "",
            step=data.get("step") or "",
            channel=data.get("channel") or "",
            division_code=data.get("division") or "",
            deadline=data.get("deadline") or "",
            number=(data.get("number") or "").strip(),
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            staff_relative=bool(data.get("staff_relative")),
            sort=data.get("sort") or ApplicationFilters.sort,
        )


# --- intake -----------------------------------------------------------------------------------------------


class ApplicationCreateForm(TablerFormMixin, forms.Form):
    workflow = forms.ChoiceField(label=_("救助类别"), choices=_BLANK + WORKFLOW_CHOICES)
    applicant = forms.TypedChoiceField(label=_("申请人"), coerce=int)
    channel = forms.ChoiceField(label=_("申请渠道"), choices=Channel.choices, initial=Channel.WINDOW)
    submitted_on = forms.DateField(
        label=_("申请日期"),
        required=False,
        widget=DateInput(),
        validators=[_not_future],
        help_text=_("留空为今天"),
    )
    entrusted_name = forms.CharField(label=_("受托人姓名"), max_length=50, required=False)
    entrusted_relation = forms.CharField(
        label=_("受托人身份"), max_length=50, required=False, help_text=_("如：村级社会救助协理员、亲属")
    )
    entrustment_note = forms.CharField(label=_("委托说明"), max_length=200, required=False)
    source_note = forms.CharField(
        label=_("线索来源"), max_length=200, required=False, help_text=_("主动发现：预警信息、走访排查等")
    )
    hardship = forms.CharField(label=_("困难情形"), max_length=200, required=False)
    requested_amount = forms.DecimalField(
        label=_("申请金额（元）"), required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    subject = forms.TypedChoiceField(
        label=_("救助对象"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "津贴补贴：享受待遇的家庭成员，留空为申请人本人；孤儿、事实无人抚养儿童选儿童，申请人为监护人"
        ),
    )
    subsidies = forms.MultipleChoiceField(
        label=_("申请的补贴"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=list(rules.SUBSIDY_LABELS.items()),
        help_text=_("残疾人两项补贴：可同时申请"),
    )
    pledge_signed = forms.BooleanField(label=_("已签署承诺书和授权核对书"), required=False)
    complaint = forms.BooleanField(label=_("有投诉举报"), required=False)

    # which inputs belong to which channel / workflow (the page shows them only then)
    ENTRUSTED_FIELDS = ("entrusted_name", "entrusted_relation", "entrustment_note")
    PROACTIVE_FIELDS = ("source_note",)
    TEMPORARY_FIELDS = ("hardship", "requested_amount")
    ALLOWANCE_FIELDS = ("subject",)
    DISABILITY_FIELDS = ("subsidies",)

    def __init__(self, *args: Any, members: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [  # type: ignore[attr-defined]
            *_BLANK,
            *((p.pk, f"{p.name}（{p.id_number_masked}）") for p in members),
        ]
        self.fields["subject"].choices = self.fields["applicant"].choices  # type: ignore[attr-defined]
        self.apply_css()

    def application_data(self, *, household_id: int) -> ApplicationData:
        """The subject and the subsidies only count for the workflows that show them (the page hides them
        otherwise, so a value left there from another choice is not held against the applicant)."""
        data = self.cleaned_data
        workflow = data["workflow"]
        allowance = workflow in {w.value for w in rules.ALLOWANCE_WORKFLOWS}
        return ApplicationData(
            workflow=data["workflow"],
            household_id=household_id,
            applicant_id=data["applicant"],
            channel=data["channel"],
            submitted_on=data.get("submitted_on"),
            entrusted_name=data["entrusted_name"],
            entrusted_relation=data["entrusted_relation"],
            entrustment_note=data["entrustment_note"],
            source_note=data["source_note"],
            hardship=data["hardship"],
            requested_amount=data.get("requested_amount"),
            pledge_signed=data["pledge_signed"],
            complaint=data["complaint"],
            subject_id=data.get("subject") if allowance else None,
            subsidies=tuple(data.get("subsidies") or ()) if workflow == Workflow.DISABILITY_SUBSIDIES else (),
        )

    def entrusted_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ENTRUSTED_FIELDS]

    def proactive_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PROACTIVE_FIELDS]

    def temporary_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.TEMPORARY_FIELDS]

    def allowance_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ALLOWANCE_FIELDS]

    def disability_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DISABILITY_FIELDS]

    def main_fields(self) -> list[forms.BoundField]:
        grouped = {
            *self.ENTRUSTED_FIELDS,
            *self.PROACTIVE_FIELDS,
            *self.TEMPORARY_FIELDS,
            *self.ALLOWANCE_FIELDS,
            *self.DISABILITY_FIELDS,
        }
        return [field for field in self.visible_fields() if field.name not in grouped]


# --- transitions ------------------------------------------------------------------------------------------

# The fields of a transition's input (``inputs.INPUTS``) its form offers: those its requirements need, the
# appraisal's opinion and the re-investigation's handling of the objection, and a temporary approval's
# amount and stages (一次审批、分阶段救助, 2020 opinion item 15). The rest (a comment, a decision note) are
# open to the API only.
EXTRA_FIELDS = {"hold_appraisal": ("opinion",), "reinvestigate": ("reason",)}
MANUAL_FIELDS = ("amount", "manual_level", "manual_reason")
REQUIREMENT_FIELDS = {
    Requirement.REASON: "reason",
    Requirement.OPINION: "opinion",
    Requirement.MATERIALS_LISTED: "missing_materials",
    Requirement.AMOUNT: "amount",
    Requirement.MEETING: "meeting_note",
}


def transition_fields(
    transition: Transition, *, workflow: Workflow, pledge_signed: bool, manual: bool = False
) -> tuple[str, ...]:
    """The inputs of one transition's form, from what the transition requires; always fields of its input
    type. ``manual``: the engine's result is 需人工核定, so an approval carries the determined amount, level
    and written reason (ADR 0031)."""
    names = [REQUIREMENT_FIELDS[r] for r in transition.requires if r in REQUIREMENT_FIELDS]
    if manual:
        names += [n for n in MANUAL_FIELDS if n not in names]
    names += [n for n in EXTRA_FIELDS.get(transition.code, ()) if n not in names]
    temporary_approval = transition.code == "approve" and workflow in TEMPORARY_WORKFLOWS
    if temporary_approval and "amount" not in names:
        names.append("amount")
    if temporary_approval and "instalments" not in names:
        names.append("instalments")
    if Requirement.PLEDGE in transition.requires and not pledge_signed:
        names.append("pledge_signed")
    offered = input_fields(transition.code)
    return tuple(name for name in names if name in offered)


class TransitionForm(TablerFormMixin, forms.Form):
    """One action of the detail page. ``expected_step`` is the step the user saw: a stale page is refused
    by the service instead of acting on a step the user did not see."""

    expected_step = forms.ChoiceField(choices=Step.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, transition: Transition, names: tuple[str, ...], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{transition.code}-%s")
        super().__init__(*args, **kwargs)
        self.transition = transition
        reason_label = _("处理意见") if transition.code == "reinvestigate" else _("理由")
        available: dict[str, forms.Field] = {
            "reason": forms.CharField(
                label=reason_label, required=False, max_length=400, widget=forms.Textarea(attrs={"rows": 2})
            ),
            "opinion": forms.CharField(
                label=_("意见"), required=False, max_length=400, widget=forms.Textarea(attrs={"rows": 2})
            ),
            "missing_materials": forms.CharField(
                label=_("需补齐的材料"),
                required=False,
                help_text=_("每行一项，一次性列明全部材料"),
                widget=forms.Textarea(attrs={"rows": 3}),
            ),
            "amount": forms.DecimalField(
                label=_("救助金额（元）"),
                required=False,
                min_value=Decimal("0.01"),
                max_digits=12,
                decimal_places=2,
            ),
            "manual_level": forms.CharField(
                label=_("核定档次 / 类别（可选）"),
                required=False,
                max_length=40,
                help_text=_("有档次的项目（如特困照料等级、护理补贴档次）填写人工核定的档次"),
            ),
            "manual_reason": forms.CharField(
                label=_("人工核定理由"),
                required=False,
                max_length=1000,
                help_text=_("测算结果为需人工核定时必填：核定金额的依据和理由"),
                widget=forms.Textarea(attrs={"rows": 3}),
            ),
            "pledge_signed": forms.BooleanField(label=_("已签署承诺书和授权核对书"), required=False),
            "meeting_note": forms.CharField(
                label=_("一事一议会议纪要"),
                required=False,
                max_length=2000,
                help_text=_("县级困难群众基本生活保障工作协调机制：会议时间、参会单位、议定事项"),
                widget=forms.Textarea(attrs={"rows": 3}),
            ),
            "instalments": forms.CharField(
                label=_("分阶段发放（可选）"),
                required=False,
                max_length=400,
                help_text=_("每行一期：“年-月 金额”，如“2026-12 500”；合计须等于救助金额"),
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
        }
        for name in names:
            self.fields[name] = available[name]
        self.apply_css()

    def transition_data(self) -> TransitionInput:
        """The typed input of the transition (``inputs.INPUTS``); bad content raises a ``DomainError``
        naming the field."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "expected_step" and v not in (None, "")}
        return transition_input(self.transition.code, data)


# --- records of the steps ---------------------------------------------------------------------------------


def _names(raw: str) -> list[str]:
    return [name for name in re.split(r"[、，,;；\s]+", raw) if name]


class HomeVisitForm(TablerFormMixin, forms.Form):
    visited_on = forms.DateField(label=_("调查日期"), widget=DateInput(), validators=[_not_future])
    investigators = forms.CharField(
        label=_("调查人员"), max_length=200, help_text=_("至少 2 人，用顿号或空格分隔")
    )
    members_present = forms.CharField(label=_("在场家庭成员"), max_length=200)
    housing = forms.CharField(label=_("居住情况"), max_length=500, required=False)
    findings = forms.CharField(label=_("调查结论"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "visit-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()

    def investigator_names(self) -> list[str]:
        return _names(self.cleaned_data["investigators"])


class VerificationForm(TablerFormMixin, forms.Form):
    source = forms.ChoiceField(label=_("核对数据来源"), choices=VerificationSource.choices)
    outcome = forms.ChoiceField(label=_("核对结果"), choices=VerificationOutcome.choices)
    detail = forms.CharField(label=_("说明"), max_length=500, required=False)
    amount = forms.DecimalField(label=_("金额（元）"), required=False, max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "verification-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()


class ObjectionForm(TablerFormMixin, forms.Form):
    received_on = forms.DateField(label=_("收到日期"), widget=DateInput(), validators=[_not_future])
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "objection-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()


class CareAssessmentForm(TablerFormMixin, forms.Form):
    """特困人员认定办法第 8 条、第 20—23 条; 社会救助暂行办法第 19 条 (the service checks combinations)."""

    assessed_on = forms.DateField(label=_("评估日期"), widget=DateInput(), validators=[_not_future])
    assessors = forms.CharField(label=_("评估人员"), max_length=200, help_text=_("用顿号或空格分隔"))
    eating = forms.BooleanField(label=_("自主吃饭"), required=False)
    dressing = forms.BooleanField(label=_("自主穿衣"), required=False)
    getting_in_out_of_bed = forms.BooleanField(label=_("自主上下床"), required=False)
    toileting = forms.BooleanField(label=_("自主如厕"), required=False)
    walking_indoors = forms.BooleanField(label=_("室内自主行走"), required=False)
    bathing = forms.BooleanField(label=_("自主洗澡"), required=False)
    supporter_status = forms.ChoiceField(
        label=_("法定赡养、抚养、扶养义务人"),
        choices=[
            ("none", _("无法定义务人")),
            ("unable", _("有义务人，但无履行义务能力")),
            ("able", _("有具备履行能力的义务人")),
        ],
    )
    supporter_inability = forms.ChoiceField(
        label=_("义务人无履行能力的情形（第 8 条）"),
        required=False,
        choices=[
            ("", "—"),
            ("extreme_poverty", _("（一）义务人为特困人员")),
            ("dibao_aged_60", _("（二）义务人为年满 60 周岁的低保对象")),
            ("aged_70_low_income", _("（三）义务人年满 70 周岁且收入、财产符合规定")),
            ("severely_disabled_low_income", _("（四）义务人为重度残疾人等且收入、财产符合规定")),
            ("no_capacity_missing_or_prison", _("（五）义务人无民事行为能力、被宣告失踪或在监狱服刑")),
            ("provincial", _("（六）自治区规定的其他情形")),
        ],
    )
    other_no_work_capacity = forms.CharField(
        label=_("其他无劳动能力情形（第 5 条第 4 项，可选）"), max_length=200, required=False
    )
    support_mode = forms.ChoiceField(
        label=_("本人选择的供养方式"), choices=[("home", _("分散供养")), ("institutional", _("集中供养"))]
    )
    ADL = ("eating", "dressing", "getting_in_out_of_bed", "toileting", "walking_indoors", "bathing")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "care-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "assessed_on": data["assessed_on"],
            "assessors": _names(data["assessors"]),
            "adl": {name: bool(data.get(name)) for name in self.ADL},
            "supporter_status": data["supporter_status"],
            "supporter_inability": data.get("supporter_inability") or "",
            "other_no_work_capacity": data.get("other_no_work_capacity") or "",
            "support_mode": data["support_mode"],
        }


class ExpenseForm(TablerFormMixin, forms.Form):
    """刚性支出困难家庭认定办法第 5 条."""

    kind = forms.ChoiceField(
        label=_("支出类别"),
        choices=[
            ("medical", _("医疗（医保、医疗救助、商业保险报销后自付）")),
            ("education", _("教育")),
            ("rehabilitation", _("残疾康复")),
            ("accident", _("意外事故")),
            ("basic_living", _("基本生活")),
            ("other", _("县级确定的其他支出")),
        ],
    )
    amount = forms.DecimalField(
        label=_("金额（元）"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    incurred_on = forms.DateField(label=_("发生日期"), widget=DateInput(), validators=[_not_future])
    note = forms.CharField(label=_("凭证说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "expense-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()


class HandoverForm(TablerFormMixin, forms.Form):
    workflow = forms.ChoiceField(
        label=_("转入"), choices=[(w.value, rules.WORKFLOW_LABELS[w]) for w in rules.HANDOVER_TO]
    )
    consent = forms.BooleanField(label=_("申请人同意转入，沿用原申请材料"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "handover-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()


class ExtendForm(TablerFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("延长理由"), choices=list(rules.EXTENSION_REASONS.items()))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "extend-%s")
        super().__init__(*args, **kwargs)
        self.apply_css()


class NoticeForm(TablerFormMixin, forms.Form):
    village = forms.RegexField(
        label=_("村（社区）"), regex=r"^\d{12}$", error_messages={"invalid": _("请选择村（社区）")}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()
