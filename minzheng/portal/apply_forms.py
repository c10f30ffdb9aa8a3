"""Input shape of the online-application pages (救助通); the rules on the values are the services'
(``portal.apply``): a form only turns the posted strings into values and names the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.applications.rules import SUBSIDY_LABELS
from minzheng.catalogue.programmes import WORKFLOW_LABELS
from minzheng.portal.apply import INCOME_CATEGORIES, MAX_MEMBERS, ONLINE_KINDS, ONLINE_SECTIONS
from minzheng.registry.choices import EmploymentStatus, RelationToHead

CHOOSE = [("", _("请选择"))]
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0, "required": False}
CAMERA = {"accept": "image/*,application/pdf", "capture": "environment"}  # the phone opens its camera


class StartForm(forms.Form):
    workflow = forms.ChoiceField(
        label=_("救助类别"), choices=[(w.value, WORKFLOW_LABELS[w]) for w in ONLINE_SECTIONS]
    )


class BoundHouseholdForm(forms.Form):
    confirmed = forms.BooleanField(label=_("以上家庭成员信息属实"), required=False)
    note = forms.CharField(
        label=_("需要更正或补充的情况（选填）"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class HouseholdForm(forms.Form):
    """The village comes from the chooser (county → township → village); the service checks it."""

    village_code = forms.CharField(label=_("户籍所在村（嘎查、社区）"), required=False, widget=forms.Select)
    address = forms.CharField(label=_("户籍地址"), required=False, max_length=200)
    note = forms.CharField(
        label=_("其他需要说明的情况（选填）"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, villages: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["village_code"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [*CHOOSE, *(villages or [])]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    id_number = forms.CharField(
        label=_("身份证号码"), required=False, max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )  # fmt: skip
    relation = forms.ChoiceField(
        label=_("与户主关系"), required=False, choices=[*CHOOSE, *RelationToHead.choices]
    )
    employment_status = forms.ChoiceField(
        label=_("就业状况"), required=False, choices=[*CHOOSE, *EmploymentStatus.choices]
    )


MemberFormSet = forms.formset_factory(MemberForm, extra=1, max_num=MAX_MEMBERS, can_delete=True)


class IncomeForm(forms.Form):
    """Average monthly household income of the last 12 months per category (审核确认办法第 13 条)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in INCOME_CATEGORIES:
            self.fields[category.value] = forms.DecimalField(label=category.label, **MONEY)  # type: ignore[arg-type]

    def values(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if value is not None}


class AssetsForm(forms.Form):
    deposit = forms.DecimalField(label=_("银行存款（元）"), **MONEY)  # type: ignore[arg-type]
    vehicle_count = forms.IntegerField(label=_("机动车辆（辆）"), required=False, min_value=0, max_value=99)
    vehicle_value = forms.DecimalField(label=_("车辆估值（元）"), **MONEY)  # type: ignore[arg-type]
    house_count = forms.IntegerField(label=_("房屋（套）"), required=False, min_value=0, max_value=99)
    house_area = forms.DecimalField(label=_("房屋总面积（㎡）"), **MONEY)  # type: ignore[arg-type]


class HardshipForm(forms.Form):
    text = forms.CharField(
        label=_("遭遇的困难情形"), required=False, max_length=200, widget=forms.Textarea(attrs={"rows": 4})
    )
    requested_amount = forms.DecimalField(label=_("申请金额（元，选填）"), **MONEY)  # type: ignore[arg-type]


class SubjectForm(forms.Form):
    """The allowances: which member it is for (``apply.subject_choices`` keys) and, for the two disability
    subsidies, which ones; the service checks the combination."""

    member = forms.ChoiceField(label=_("申请对象"), required=False, widget=forms.RadioSelect)
    subsidies = forms.MultipleChoiceField(
        label=_("申请的补贴（可同时申请）"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(SUBSIDY_LABELS.items()),
    )  # fmt: skip

    def __init__(self, *args: Any, members: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members or []  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {
            "member": self.cleaned_data.get("member") or "",
            "subsidies": self.cleaned_data.get("subsidies") or [],
        }


class PledgeForm(forms.Form):
    pledge = forms.BooleanField(label=_("我已阅读并签署以上承诺"), required=False)
    authorisation = forms.BooleanField(label=_("我同意并授权核对家庭经济状况"), required=False)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=[(k.value, k.label) for k in ONLINE_KINDS])
    file = forms.FileField(
        label=_("拍照或选择文件"), widget=forms.ClearableFileInput(attrs=CAMERA),
        error_messages={"required": _("请拍照或选择要上传的文件"), "empty": _("文件为空，请重新选择")},
        allow_empty_file=True,  # the documents service refuses empty files with its own message
    )  # fmt: skip
