"""Forms of institutions (issue 17 §8): shape only; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.common.forms import DateInput, StyledForm
from minzheng.eldercare.rules.institutions import (
    CareLevel,
    ChecklistAnswer,
    InspectionResult,
    InspectionStatus,
    InstitutionKind,
    InstitutionStatus,
    PermitKind,
)
from minzheng.eldercare.selectors.institutions import INSTITUTION_SORTS, InspectionFilters, InstitutionFilters
from minzheng.eldercare.services.institutions import InstitutionData

_ALL: list[tuple[str, Any]] = [("", _("全部"))]


class InstitutionFilterForm(StyledForm):
    text = forms.CharField(label=_("机构名称或信用代码"), max_length=60, required=False)
    kind = forms.ChoiceField(
        label=_("机构性质"), choices=_ALL + list(InstitutionKind.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=_ALL + list(InstitutionStatus.choices), required=False
    )
    division = forms.ChoiceField(label=_("所在乡镇（街道）"), choices=_ALL, required=False)
    sort = forms.ChoiceField(choices=[(k, k) for k in INSTITUTION_SORTS], required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, townships: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = _ALL + [(code[:9], name) for code, name in townships]  # type: ignore[attr-defined]

    def to_filters(self) -> InstitutionFilters:
        d = self.cleaned_data
        return InstitutionFilters(d["text"], d["kind"], d["status"], d["division"], d["sort"] or "name")


class InstitutionForm(StyledForm):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    kind = forms.ChoiceField(label=_("机构性质"), choices=InstitutionKind.choices)
    permit_kind = forms.ChoiceField(label=_("登记方式"), choices=PermitKind.choices)
    permit_number = forms.CharField(label=_("备案回执或许可证编号"), max_length=60, required=False)
    permit_on = forms.DateField(label=_("备案（许可）日期"), required=False, widget=DateInput())
    township = forms.ChoiceField(label=_("所在乡镇（街道）"))
    address = forms.CharField(label=_("地址"), max_length=200)
    beds_total = forms.IntegerField(label=_("床位总数"), min_value=1, max_value=100000)
    nursing_beds = forms.IntegerField(label=_("护理型床位"), min_value=0, max_value=100000, initial=0)
    care_levels = forms.MultipleChoiceField(
        label=_("收住类型"), choices=CareLevel.choices, widget=forms.CheckboxSelectMultiple
    )
    staff_total = forms.IntegerField(label=_("工作人员总数"), min_value=0, max_value=100000, initial=0)
    carers = forms.IntegerField(label=_("其中养老护理员"), min_value=0, max_value=100000, initial=0)
    status = forms.ChoiceField(label=_("状态"), choices=InstitutionStatus.choices)

    def __init__(self, *args: Any, townships: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("请选择"))] + townships  # type: ignore[attr-defined]
        self.fields["care_levels"].widget.attrs["class"] = "form-check-input"

    def to_data(self) -> InstitutionData:
        d = self.cleaned_data
        return InstitutionData(
            name=d["name"],
            credit_code=d["credit_code"],
            kind=d["kind"],
            permit_kind=d["permit_kind"],
            township_code=d["township"],
            address=d["address"],
            beds_total=d["beds_total"],
            nursing_beds=d["nursing_beds"] or 0,
            care_levels=list(d["care_levels"]),
            staff_total=d["staff_total"] or 0,
            carers=d["carers"] or 0,
            permit_number=d["permit_number"],
            permit_on=d["permit_on"],
            status=d["status"],
        )


class ResidentAdmitForm(StyledForm):
    id_number = forms.CharField(label=_("身份证号码"), max_length=20)
    admitted_on = forms.DateField(label=_("入住日期"), widget=DateInput())
    care_level = forms.ChoiceField(label=_("护理类型"), choices=CareLevel.choices)
    institutional_support = forms.BooleanField(
        label=_("特困人员集中供养（须有在保的特困人员救助供养）"), required=False
    )

    def __init__(self, *args: Any, care_levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["care_level"].choices = [(c, label) for c, label in CareLevel.choices if c in care_levels]  # type: ignore[attr-defined]


class DischargeForm(StyledForm):
    left_on = forms.DateField(label=_("离院日期"), widget=DateInput())
    reason = forms.CharField(label=_("离院原因"), max_length=100)


class PlanForm(StyledForm):
    county = forms.ChoiceField(label=_("旗县"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    round = forms.IntegerField(label=_("批次"), min_value=1, max_value=99, initial=1)
    title = forms.CharField(label=_("计划名称"), max_length=100)
    target_number = forms.IntegerField(label=_("抽取机构数"), min_value=1, max_value=10000, required=False)
    target_percent = forms.DecimalField(
        label=_("或抽取比例（%）"),
        min_value=Decimal("0.1"),
        max_value=Decimal(100),
        decimal_places=1,
        required=False,
    )
    inspectors_per_target = forms.IntegerField(
        label=_("每家检查人员数"), min_value=1, max_value=10, initial=2
    )
    exclude_own_township = forms.BooleanField(
        label=_("检查人员回避本乡镇（街道）的机构"), required=False, initial=True
    )

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = counties  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year

    def share(self) -> Decimal | None:
        percent = self.cleaned_data.get("target_percent")
        return (percent / 100).quantize(Decimal("0.001")) if percent is not None else None


class DrawForm(StyledForm):
    reason = forms.CharField(
        label=_("重新抽取理由"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_current = forms.IntegerField(required=False, widget=forms.HiddenInput())


class InspectionRecordForm(StyledForm):
    inspected_on = forms.DateField(label=_("检查日期"), widget=DateInput())
    findings = forms.CharField(
        label=_("发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    result = forms.ChoiceField(
        label=_("检查结果"), choices=[("", _("请选择"))] + list(InspectionResult.choices)
    )
    manual_due_on = forms.DateField(
        label=_("整改期限（人工核定，仅在未设定期限参数时填写）"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, checklist: tuple[tuple[str, str], ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist_names = []
        for code, label in checklist:
            name = f"item_{code}"
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=ChecklistAnswer.choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
            )
            self.checklist_names.append(name)

    def answers(self) -> dict[str, str]:
        return {name[5:]: self.cleaned_data.get(name) or "" for name in self.checklist_names}

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.checklist_names]


class RectifyForm(StyledForm):
    rectified_on = forms.DateField(label=_("整改完成日期"), widget=DateInput())
    note = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class InspectionFilterForm(StyledForm):
    text = forms.CharField(label=_("机构名称"), max_length=60, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=_ALL + list(InspectionStatus.choices), required=False)
    result = forms.ChoiceField(
        label=_("检查结果"), choices=_ALL + list(InspectionResult.choices), required=False
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    overdue = forms.BooleanField(label=_("仅逾期未整改"), required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def to_filters(self) -> InspectionFilters:
        d = self.cleaned_data
        return InspectionFilters(d["status"], d["result"], bool(d["overdue"]), d["year"], d["text"])
