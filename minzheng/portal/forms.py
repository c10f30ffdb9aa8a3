"""Shapes of the portal's forms (input parsing only; the rules are in services and rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.benefits.facts import OrphanStatus
from minzheng.divisions.models import Division
from minzheng.portal import rules
from minzheng.portal.labels import label_lazy
from minzheng.portal.selectors import ReportMember
from minzheng.portal.services import MemberReport, SelfReport
from minzheng.registry.choices import DisabilityCategory

MEMBER_ROWS = 6  # the self-check asks for up to six members (a larger household: the township counts)


def _money(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=Decimal(0),
        max_value=Decimal("99999999"),
        max_digits=10,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0"}),
    )


class SignInForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}
        ),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": "6",
            }
        ),
    )


class BindForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        min_length=15,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


DISABILITY_CATEGORIES = [(c.value, label_lazy(c.label)) for c in DisabilityCategory]
DISABILITY_GRADES = [("", _("无")), ("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))]
CHILD_STATUSES = [
    ("", _("无此情况")),
    (OrphanStatus.ORPHAN.value, _("孤儿（父母均已死亡或被宣告死亡、失踪）")),
    (OrphanStatus.DE_FACTO_ORPHAN.value, _("事实无人抚养儿童")),
]


class SelfCheckForm(forms.Form):
    """The self-check questionnaire (自助测算); rows beyond the household size are ignored."""

    division = forms.ChoiceField(label=_("户籍所在旗县（市、区）"))
    urban_rural = forms.ChoiceField(
        label=_("城乡类别"), choices=[("urban", _("城镇")), ("rural", _("农村"))], widget=forms.RadioSelect
    )
    household_size = forms.TypedChoiceField(
        label=_("共同生活的家庭人数"), coerce=int, choices=[(n, str(n)) for n in range(1, MEMBER_ROWS + 1)]
    )
    monthly_income = _money(_("全家每月总收入（元）"), help_text=_("工资、经营、养老金等合计"))
    savings = _money(_("全家存款（元）"), required=False)
    vehicles = forms.IntegerField(label=_("机动车辆数"), required=False, min_value=0, max_value=9, initial=0)
    other_houses = forms.IntegerField(
        label=_("除现住房外的其他房产（套）"), required=False, min_value=0, max_value=9, initial=0
    )
    serious_illness = forms.BooleanField(label=_("家中有人患重特大疾病"), required=False)
    large_expenses = _money(_("近 12 个月医疗、教育等大额必需支出（元）"), required=False)
    has_able_supporter = forms.TypedChoiceField(
        label=_("老人、残疾人或儿童是否有能够履行赡养、抚养义务的子女、父母或配偶"),
        choices=[("yes", _("有")), ("no", _("没有"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    child_status = forms.ChoiceField(
        label=_("家中未满 18 周岁的孩子"), choices=CHILD_STATUSES, required=False
    )

    def __init__(self, *args: Any, divisions: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [  # type: ignore[attr-defined]
            (d.code, ("　" * (d.level - 1)) + d.name) for d in divisions
        ]
        for row in range(1, MEMBER_ROWS + 1):
            self.fields[f"age_{row}"] = forms.IntegerField(
                label=_("第 %(n)s 人年龄") % {"n": row},
                required=False,
                min_value=0,
                max_value=120,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": "3"}),
            )
            self.fields[f"disability_category_{row}"] = forms.ChoiceField(
                label=_("残疾类别"), choices=DISABILITY_CATEGORIES, required=False
            )
            self.fields[f"disability_grade_{row}"] = forms.ChoiceField(
                label=_("残疾等级"), choices=DISABILITY_GRADES, required=False
            )

    def member_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"age_{row}"], self[f"disability_category_{row}"], self[f"disability_grade_{row}"])
            for row in range(1, MEMBER_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        size = data.get("household_size") or 0
        for row in range(1, size + 1):
            if data.get(f"age_{row}") is None:
                self.add_error(f"age_{row}", _("请填写第 %(n)s 位家庭成员的年龄") % {"n": row})
            category = data.get(f"disability_category_{row}")
            grade = data.get(f"disability_grade_{row}")
            if bool(category) != bool(grade):
                self.add_error(f"disability_grade_{row}", _("残疾类别和残疾等级须同时填写"))
        return data

    def answers(self) -> rules.SelfCheckAnswers:
        data = self.cleaned_data
        members = tuple(
            rules.MemberAnswer(
                age=data[f"age_{row}"],
                disability_category=data.get(f"disability_category_{row}") or "",
                disability_grade=int(data[f"disability_grade_{row}"])
                if data.get(f"disability_grade_{row}")
                else None,
            )
            for row in range(1, data["household_size"] + 1)
        )
        return rules.SelfCheckAnswers(
            division_code=data["division"],
            urban_rural=data["urban_rural"],
            members=members,
            monthly_income=data["monthly_income"],
            savings=data.get("savings") or Decimal(0),
            vehicles=data.get("vehicles") or 0,
            other_houses=data.get("other_houses") or 0,
            serious_illness=bool(data.get("serious_illness")),
            large_expenses=data.get("large_expenses") or Decimal(0),
            has_able_supporter=bool(data.get("has_able_supporter")),
            child_status=data.get("child_status") or "",
        )


class SelfReportForm(forms.Form):
    """定期报告: each current member confirmed (still living here, changes), income, assets, circumstances."""

    new_members = forms.CharField(
        label=_("新增的家庭成员（出生、结婚迁入等），没有请留空"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    monthly_income = _money(_("全家目前每月总收入（元）"))
    income_note = forms.CharField(
        label=_("收入变化说明（如找到工作、领取养老金）"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    vehicles = forms.IntegerField(label=_("机动车辆数"), min_value=0, max_value=99, initial=0)
    houses = forms.IntegerField(label=_("房产套数（含现住房）"), min_value=0, max_value=99, initial=1)
    savings = _money(_("全家存款（元）"))
    circumstances = forms.CharField(
        label=_("其他情况（疾病、残疾、就学、意外等变化）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(label=_("我承诺以上内容真实、完整，并同意民政部门核对"))

    def __init__(self, *args: Any, members: list[ReportMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            self.fields[f"living_{member.person_id}"] = forms.TypedChoiceField(
                label=member.name,
                choices=[("yes", _("仍在本户共同生活")), ("no", _("已不在本户（迁出、去世等）"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                initial="yes",
            )
            self.fields[f"change_{member.person_id}"] = forms.CharField(
                label=_("变化说明"), required=False, max_length=200
            )

    def member_rows(self) -> list[tuple[ReportMember, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"living_{m.person_id}"], self[f"change_{m.person_id}"]) for m in self.members]

    def report(self) -> SelfReport:
        data = self.cleaned_data
        return SelfReport(
            members=tuple(
                MemberReport(
                    m.person_id, bool(data[f"living_{m.person_id}"]), data.get(f"change_{m.person_id}", "")
                )
                for m in self.members
            ),
            new_members=data.get("new_members", ""),
            monthly_income=data["monthly_income"],
            income_note=data.get("income_note", ""),
            vehicles=data["vehicles"],
            houses=data["houses"],
            savings=data["savings"],
            circumstances=data.get("circumstances", ""),
        )
