"""Input shape of the registry pages. Domain rules live in services; these only parse and type.

Form field names match the ``field`` that services put on ``DomainError`` (``id_number``,
``hukou_division_code``, ``bank_account`` …) so a service error lands on the right input.

Every field's shape is checked here, with the same functions the services call (``common.identity``
for the ID number, ``registry.rules`` for phone, bank account, disability and death date), so Django
reports every field error at once (issue 14 §4); the service still runs afterwards for the rules that
need the database (duplicates, jurisdiction) and its ``DomainError`` lands on its field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.common.errors import DomainError
from minzheng.common.forms import DIRECT_WIDGETS
from minzheng.common.forms import DateInput as DateInput
from minzheng.common.identity import ResidentId, parse_resident_id
from minzheng.divisions.models import UrbanRural
from minzheng.registry import rules
from minzheng.registry.choices import (
    ETHNICITIES,
    AssetCategory,
    DisabilityCategory,
    DisabilityGrade,
    EmploymentStatus,
    IncomeCategory,
    IncomeSource,
    NearRelation,
    RelationToHead,
    SchoolEnrolment,
    SelfCare,
    StaffPosition,
)
from minzheng.registry.models import Person
from minzheng.registry.selectors import HOUSEHOLD_SORTS, MEMBER_ATTRIBUTES, HouseholdFilters
from minzheng.registry.services import HouseholdData, PersonData

_BLANK: list[tuple[str, str]] = [("", "—")]
_T = TypeVar("_T")


def _shape(check: Callable[[], _T]) -> _T:
    """Run a rule function; its ``DomainError`` becomes this field's form error (same message, same code)."""
    try:
        return check()
    except DomainError as error:
        raise forms.ValidationError(error.message, code=error.code) from None


class DivisionPickerInput(forms.TextInput):
    """A 12-digit division code input. ``static/js/division-picker.js`` turns it into a search by name
    within the user's jurisdiction (``divisions:search``); without JavaScript it stays a code input.
    ``kind``: ``entry`` (township or village), ``village`` (village only), ``any`` (any level in scope)."""

    def __init__(self, kind: str = "entry", attrs: dict[str, Any] | None = None) -> None:
        base = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "data-division-picker": kind,
            "data-search-url": reverse_lazy("divisions:search"),
        }
        super().__init__(attrs={**base, **(attrs or {})})


def division_code_field(
    label: Any, *, required: bool = True, kind: str = "entry", **kwargs: Any
) -> forms.Field:
    """A division code as the services take it: 9 (township) or 12 digits; existence, level and
    jurisdiction are the service's to check."""
    return forms.RegexField(
        label=label,
        regex=r"^(\d{9}|\d{12})$",
        required=required,
        error_messages={"invalid": _("区划代码应为 9 位（乡镇）或 12 位数字，请从列表中选择区划")},
        widget=DivisionPickerInput(kind),
        **kwargs,
    )


class TablerFormMixin:
    """Tabler classes on every widget, so templates can render fields in a loop."""

    fields: dict[str, forms.Field]

    def apply_css(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs.get("class", ""):
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


# --- list filters ------------------------------------------------------------------------------


class HouseholdFilterForm(TablerFormMixin, forms.Form):
    default_renderer = DIRECT_WIDGETS  # the list's filter fields on every page (common/forms.py)

    division = forms.RegexField(
        label=_("区划"),
        regex=r"^\d{2,12}$",
        required=False,
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字")},
    )
    village = forms.RegexField(
        label=_("村（社区）"),
        regex=r"^\d{2,12}$",
        required=False,
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字")},
        widget=DivisionPickerInput(
            "village", attrs={"placeholder": _("12 位代码，可选"), "data-within-from": "id_division"}
        ),
    )
    name = forms.CharField(label=_("成员姓名"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=30,
        required=False,
        help_text=_("完整号码，或最后 4 至 6 位"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    urban_rural = forms.ChoiceField(
        label=_("城乡"), choices=_BLANK + list(UrbanRural.choices), required=False
    )
    attribute = forms.ChoiceField(
        label=_("成员情况"), choices=_BLANK + list(MEMBER_ATTRIBUTES.items()), required=False
    )
    sort = forms.ChoiceField(choices=[(key, key) for key in HOUSEHOLD_SORTS], required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def to_filters(self) -> HouseholdFilters:
        data = self.cleaned_data
        return HouseholdFilters(
            division_code=data.get("village") or data.get("division") or "",
            name=(data.get("name") or "").strip(),
            id_number=(data.get("id_number") or "").strip(),
            urban_rural=data.get("urban_rural") or "",
            member_attribute=data.get("attribute") or "",
            sort=data.get("sort") or "-id",
        )


class PersonFilterForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=30,
        required=False,
        help_text=_("完整号码，或最后 4 至 6 位"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


# --- persons -------------------------------------------------------------------------------


class PersonFieldsForm(TablerFormMixin, forms.Form):
    """The person fields shared by household create (the head), add member and edit person."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITIES, initial="01")
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    employment_status = forms.ChoiceField(label=_("就业状况"), choices=EmploymentStatus.choices)
    disability_category = forms.ChoiceField(
        label=_("残疾类别"), choices=DisabilityCategory.choices, required=False
    )
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"),
        choices=_BLANK + list(DisabilityGrade.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    self_care = forms.ChoiceField(label=_("生活自理能力"), choices=SelfCare.choices, initial=SelfCare.CAPABLE)
    serious_illness = forms.BooleanField(label=_("患重特大疾病"), required=False)
    serious_illness_note = forms.CharField(label=_("疾病说明"), max_length=100, required=False)
    school_enrolment = forms.ChoiceField(label=_("在校情况"), choices=SchoolEnrolment.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()
        self.resident_id: ResidentId | None = None

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data.get("id_number") or ""
        if not value and not self.fields["id_number"].required:
            return ""
        self.resident_id = _shape(lambda: parse_resident_id(value))
        return self.resident_id.number

    def clean_phone(self) -> str:
        value: str = self.cleaned_data.get("phone") or ""
        return _shape(lambda: rules.normalise_phone(value))

    def clean_name(self) -> str:
        value: str = self.cleaned_data.get("name") or ""
        return _shape(lambda: rules.normalise_person_name(value))

    def stored_birth_date(self) -> dt.date | None:
        """The birth date to check a death date against when no ID number was typed in."""
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checks: list[Callable[[], None]] = []
        if "disability_category" in data and "disability_grade" in data:
            checks.append(
                lambda: rules.check_disability(data["disability_category"], data["disability_grade"])
            )
        birth = self.resident_id.birth_date if self.resident_id else self.stored_birth_date()
        if data.get("death_date") and birth is not None:
            today = timezone.localdate()
            checks.append(lambda: rules.check_death_date(data["death_date"], birth_date=birth, today=today))
        for check in checks:
            try:
                check()
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return data

    def person_data(self, *, id_number: str | None = None, death_date: dt.date | None = None) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            name=data["name"],
            id_number=id_number if id_number is not None else data["id_number"],
            employment_status=data["employment_status"],
            ethnicity=data["ethnicity"],
            phone=data.get("phone") or "",
            disability_category=data.get("disability_category") or "",
            disability_grade=data.get("disability_grade"),
            self_care=data["self_care"],
            serious_illness=bool(data.get("serious_illness")),
            serious_illness_note=data.get("serious_illness_note") or "",
            school_enrolment=data.get("school_enrolment") or "",
            death_date=death_date,
        )


class MemberAddForm(PersonFieldsForm):
    relation = forms.ChoiceField(
        label=_("与户主关系"), choices=[c for c in RelationToHead.choices if c[0] != RelationToHead.HEAD]
    )
    joined_on = forms.DateField(label=_("加入日期"), widget=DateInput(), initial=timezone.localdate)

    field_order = ["relation", "joined_on"]


class PersonEditForm(PersonFieldsForm):
    """Edit a person. The ID number and phone are never pre-filled: blank keeps the stored value."""

    death_date = forms.DateField(label=_("死亡日期"), required=False, widget=DateInput())

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        for name, masked in (("id_number", person.id_number_masked), ("phone", person.phone_masked)):
            field = self.fields[name]
            field.required = False
            field.help_text = _("留空则不修改")
            field.widget.attrs["placeholder"] = masked

    def stored_birth_date(self) -> dt.date | None:
        return self.person.birth_date

    def person_data_for(self, person: Person) -> PersonData:
        """``PersonData`` with the stored ID number / phone kept where the inputs were left blank."""
        data = self.person_data(
            id_number=self.cleaned_data.get("id_number") or person.id_number,
            death_date=self.cleaned_data.get("death_date"),
        )
        if not self.cleaned_data.get("phone"):
            data = dataclasses.replace(data, phone=person.phone)
        return data


# --- households ----------------------------------------------------------------------------


class HouseholdFieldsForm(TablerFormMixin, forms.Form):
    hukou_division_code = division_code_field(
        _("户籍所在区划"),
        help_text=_("乡镇（苏木、街道）或村（嘎查、社区）：输入名称查找，或输入 12 位统计用区划代码"),
    )
    hukou_address = forms.CharField(label=_("户籍地址"), max_length=200, required=False)
    residence_division_code = division_code_field(_("实际居住地区划"), required=False)
    residence_address = forms.CharField(label=_("居住地址"), max_length=200, required=False)
    urban_rural = forms.ChoiceField(
        label=_("城乡类别"),
        choices=[("", _("按户籍地区划自动判断")), *UrbanRural.choices],
        required=False,
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=60, required=False)
    bank_account = forms.CharField(
        label=_("银行账号"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def clean_bank_account(self) -> str:
        value: str = self.cleaned_data.get("bank_account") or ""
        return _shape(lambda: rules.normalise_bank_account(value))

    def household_data(self) -> HouseholdData:
        data = self.cleaned_data
        return HouseholdData(
            hukou_division_code=data["hukou_division_code"],
            hukou_address=data.get("hukou_address") or "",
            residence_division_code=data.get("residence_division_code") or "",
            residence_address=data.get("residence_address") or "",
            urban_rural=data.get("urban_rural") or "",
            bank_name=data.get("bank_name") or "",
            bank_account=data.get("bank_account") or "",
        )


class HouseholdEditForm(HouseholdFieldsForm):
    def __init__(self, *args: Any, bank_account_masked: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].help_text = _("留空则不修改")
        self.fields["bank_account"].widget.attrs["placeholder"] = bank_account_masked


class HouseholdCreateForm(HouseholdFieldsForm, PersonFieldsForm):
    """A new household and its head. ``joined_on`` is the date the head's membership starts."""

    joined_on = forms.DateField(label=_("立户日期"), widget=DateInput(), initial=timezone.localdate)

    HOUSEHOLD_FIELDS = (
        "hukou_division_code",
        "hukou_address",
        "residence_division_code",
        "residence_address",
        "urban_rural",
        "bank_name",
        "bank_account",
        "joined_on",
    )
    field_order = list(HOUSEHOLD_FIELDS)  # as the page shows them, so the error summary follows the page

    def household_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.HOUSEHOLD_FIELDS]

    def head_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.HOUSEHOLD_FIELDS]


# --- membership, income, assets ------------------------------------------------------------


class MemberLeaveForm(TablerFormMixin, forms.Form):
    left_on = forms.DateField(label=_("离开日期"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("离开原因"), max_length=100, help_text=_("如：迁出、死亡、婚嫁"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class _HouseholdRecordForm(TablerFormMixin, forms.Form):
    person = forms.TypedChoiceField(label=_("成员"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", _("全户")), *members]
        self.apply_css()


class IncomeAddForm(_HouseholdRecordForm):
    category = forms.ChoiceField(label=_("收入类别"), choices=IncomeCategory.choices)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages={"min_value": _("金额不能为负数；扣减项请选择相应的扣减类别")},
    )
    period_start = forms.DateField(label=_("所属期起"), widget=DateInput())
    period_end = forms.DateField(label=_("所属期止"), widget=DateInput())
    source = forms.ChoiceField(label=_("来源"), choices=IncomeSource.choices, initial=IncomeSource.DECLARED)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        """The period's order is shown with the other field errors (the rule income_record_add applies)."""
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            person = data.get("person")
            death = (
                Person.objects.filter(pk=person).values_list("death_date", flat=True).first()
                if person is not None
                else None
            )
            try:
                rules.check_income_period(start, end, death_date=death)
            except DomainError as error:
                self.add_error("period_end", error.message)
        return data


class AssetAddForm(_HouseholdRecordForm):
    category = forms.ChoiceField(label=_("财产类别"), choices=AssetCategory.choices)
    description = forms.CharField(label=_("描述"), max_length=200, required=False)
    value = forms.DecimalField(
        label=_("价值（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages={"min_value": _("财产价值不能为负数")},
    )
    quantity = forms.DecimalField(label=_("数量/面积"), max_digits=10, decimal_places=2, required=False)
    valued_on = forms.DateField(label=_("评估日期"), widget=DateInput(), initial=timezone.localdate)
    exempt = forms.BooleanField(label=_("生产生活必需（可豁免）"), required=False)
    source = forms.ChoiceField(label=_("来源"), choices=IncomeSource.choices, initial=IncomeSource.DECLARED)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


# --- staff relatives -----------------------------------------------------------------------


class StaffRelativeForm(TablerFormMixin, forms.Form):
    id_number = forms.CharField(label=_("近亲属身份证号码"), max_length=30)
    relation = forms.ChoiceField(label=_("亲属关系"), choices=NearRelation.choices)
    staff_name = forms.CharField(label=_("工作人员姓名"), max_length=50)
    staff_position = forms.ChoiceField(label=_("工作人员身份"), choices=StaffPosition.choices)
    staff_division_code = forms.RegexField(
        label=_("工作人员所在区划"),
        regex=r"^\d{2,12}$",
        error_messages={"invalid": _("区划代码应为 2 至 12 位数字，请从列表中选择区划")},
        widget=DivisionPickerInput("any"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data.get("id_number") or ""
        return _shape(lambda: parse_resident_id(value)).number
