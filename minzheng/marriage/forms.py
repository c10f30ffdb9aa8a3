"""Forms of the registrar's pages and the citizen pages (shape only; the rules are in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.common.forms import DateInput, StyledForm
from minzheng.marriage import rules

SERVICE_CHOICES = [(k.value, v) for k, v in rules.SERVICE_LABELS.items()]
PARTY_CHOICES = [("man", _("男方")), ("woman", _("女方"))]


class QueueForm(StyledForm):
    office = forms.TypedChoiceField(label=_("登记机关"), coerce=int)
    day = forms.DateField(label=_("日期"), widget=DateInput())

    def __init__(self, *args: Any, offices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = offices  # type: ignore[attr-defined]


class CoupleForm(StyledForm):
    first_name = forms.CharField(label=_("男方姓名"), max_length=50)
    first_id_number = forms.CharField(label=_("男方身份证号码"), max_length=20)
    second_name = forms.CharField(label=_("女方姓名"), max_length=50)
    second_id_number = forms.CharField(label=_("女方身份证号码"), max_length=20)


class RegisterForm(CoupleForm):
    office = forms.TypedChoiceField(label=_("登记机关"), coerce=int)
    appointment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    declaration_signed = forms.BooleanField(
        label=_("双方已签署无配偶以及与对方无直系血亲和三代以内旁系血亲关系的声明"), required=False
    )
    both_present = forms.BooleanField(label=_("双方亲自到场，完全自愿"), required=False)
    field_order = ["office", "first_name", "first_id_number", "second_name", "second_id_number"]

    def __init__(self, *args: Any, offices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = offices  # type: ignore[attr-defined]


class DivorceApplyForm(RegisterForm):
    marriage_certificate = forms.CharField(label=_("结婚证字号"), max_length=40)
    agreement_signed = forms.BooleanField(label=_("已提交双方签署的书面离婚协议"), required=False)
    declaration_signed = None  # type: ignore[assignment]
    both_present = forms.BooleanField(label=_("双方亲自到场"), required=False)


class DivorceWithdrawForm(StyledForm):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    party = forms.ChoiceField(label=_("撤回方"), choices=PARTY_CHOICES)


class DivorceRegisterForm(StyledForm):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    both_present = forms.BooleanField(label=_("双方亲自到场申领离婚证"), required=False)


class DivorceFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))] + [(k.value, v) for k, v in rules.DIVORCE_STATUS_LABELS.items()],
    )
    phase = forms.ChoiceField(
        label=_("所处阶段"),
        required=False,
        choices=[("", _("全部"))] + [(k.value, v) for k, v in rules.DIVORCE_PHASE_LABELS.items()],
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(k, k) for k in ("", "register_by", "-register_by", "received", "-received")],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class RecordQueryForm(StyledForm):
    id_number = forms.CharField(label=_("当事人身份证号码"), max_length=20, required=False)
    certificate = forms.CharField(label=_("证书编号"), max_length=40, required=False)
    name = forms.CharField(label=_("当事人姓名"), max_length=50, required=False)
    kind = forms.ChoiceField(
        label=_("登记类别"),
        required=False,
        choices=[("", _("全部"))] + [(k.value, v) for k, v in rules.RECORD_KIND_LABELS.items()],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("id_number") or data.get("certificate") or data.get("name")):
            raise forms.ValidationError(_("请至少填写身份证号码、证书编号或姓名中的一项"))
        return data


class CorrectionForm(StyledForm):
    field = forms.ChoiceField(label=_("更正项目"))
    new_value = forms.CharField(
        label=_("更正为"),
        max_length=100,
        required=False,
        help_text=_("日期写成 2026-05-20；解除日期留空表示撤销"),
    )
    reason = forms.CharField(
        label=_("更正原因及依据"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, fields: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = list(fields.items())  # type: ignore[attr-defined]


class ReissueForm(StyledForm):
    office = forms.TypedChoiceField(label=_("补发机关"), coerce=int)
    holder = forms.ChoiceField(label=_("领证人"), choices=PARTY_CHOICES)

    def __init__(self, *args: Any, offices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = offices  # type: ignore[attr-defined]


class ImportForm(StyledForm):
    office = forms.TypedChoiceField(label=_("登记机关"), coerce=int)
    file = forms.FileField(label=_("档案文件（Excel 或 CSV）"))

    def __init__(self, *args: Any, offices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = offices  # type: ignore[attr-defined]


class OfficeDayForm(StyledForm):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    is_open = forms.TypedChoiceField(
        label=_("调整"),
        choices=[("1", _("增开（如5·20、七夕、2·14）")), ("0", _("闭馆"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("说明"), max_length=60, required=False)


class OfficeForm(StyledForm):
    division = forms.TypedChoiceField(label=_("所属旗县（市区）"), coerce=int)
    name = forms.CharField(label=_("登记机关名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("咨询电话"), max_length=40, required=False)

    def __init__(self, *args: Any, counties: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = counties  # type: ignore[attr-defined]


class PlanForm(StyledForm):
    slot_plan = forms.CharField(
        label=_("每日号源安排"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个时段：业务 开始-结束 号源数，如“结婚登记 09:00-10:00 10”"),
    )


class GenerateForm(StyledForm):
    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(label=_("结束日期"), widget=DateInput())


class StatisticsForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=1950, max_value=2100)


# --- citizen pages ---------------------------------------------------------------------------------------


class SlotSearchForm(forms.Form):
    service = forms.ChoiceField(label=_("办理业务"), choices=SERVICE_CHOICES)
    office = forms.TypedChoiceField(label=_("登记机关"), coerce=int)
    day = forms.DateField(label=_("日期"), widget=DateInput())

    def __init__(self, *args: Any, offices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = offices  # type: ignore[attr-defined]


class BookForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    service = forms.ChoiceField(choices=SERVICE_CHOICES, widget=forms.HiddenInput)
    partner_name = forms.CharField(label=_("对方姓名"), max_length=50)
    partner_id_number = forms.CharField(label=_("对方身份证号码"), max_length=20)
    partner_phone = forms.CharField(label=_("对方手机号"), max_length=20)


class ActionForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)


class RescheduleForm(ActionForm):
    slot = forms.IntegerField(widget=forms.HiddenInput)
