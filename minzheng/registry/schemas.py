"""Shapes of the registry API (input parsing and output only; domain rules live in services).

Outputs carry only the stored ``*_masked`` forms of ID numbers, phones and bank accounts.
PATCH inputs: an omitted field is left unchanged; ``null`` is accepted only where the
stored value may be empty (``disability_grade``, ``birth_date``, ``death_date``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt, ValidationInfo, field_validator

from minzheng.common.schemas import BodyIn, IsoDate  # the one error shape, re-exported
from minzheng.common.schemas import ErrorOut as ErrorOut
from minzheng.common.schemas import FieldErrorOut as FieldErrorOut
from minzheng.registry.choices import (
    ETHNICITIES,
    DisabilityCategory,
    DisabilityGrade,
    EmploymentStatus,
    RelationToHead,
    SchoolEnrolment,
    SelfCare,
    Sex,
    self_care_code,
)

MAX_PAGE_LIMIT = 200
DEFAULT_PAGE_LIMIT = 25
_ETHNICITY_CODES = frozenset(code for code, _label in ETHNICITIES)

# Same keys as selectors.HOUSEHOLD_SORTS and selectors.MEMBER_ATTRIBUTES (a test keeps them equal).
HouseholdSort = Literal[
    "id", "-id", "head", "-head", "members", "-members", "division", "-division", "updated", "-updated"
]
MemberAttribute = Literal[
    "",
    "disabled",
    "severely_disabled",
    "seriously_ill",
    "elderly",
    "minor",
    "unable_to_self_care",
    "unemployed",
    "student",
]
UrbanRuralChoice = Literal["", "urban", "rural"]


def _self_care_before(value: object) -> object:
    """Chinese names (具备生活自理能力 / 部分丧失 / 完全丧失) become codes; the former ambiguous codes
    (full / partial / none) are refused with a message naming the new ones (issue 15 §7)."""
    if isinstance(value, str) and value.strip():
        return self_care_code(value)
    return value


def _check_ethnicity(value: str | None) -> str | None:
    if value is not None and value not in _ETHNICITY_CODES:
        raise ValueError("民族代码应为 GB/T 3304 的两位代码，如 01（汉族）、02（蒙古族）")
    return value


# --- queries ------------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(DEFAULT_PAGE_LIMIT, ge=1, le=MAX_PAGE_LIMIT, description="每页条数，最多 200")
    offset: int = Field(0, ge=0, description="跳过的条数")


class HouseholdQuery(PageQuery):
    division: str = Field("", pattern=r"^\d{0,12}$", description="户籍区划代码前缀（2–12 位）")
    name: str = Field("", max_length=50, description="成员姓名（前缀匹配）")
    id_number: str = Field("", max_length=20, description="成员身份证号码（精确匹配，或身份证号码后 4—6 位）")
    urban_rural: UrbanRuralChoice = ""
    attribute: MemberAttribute = Field("", description="成员属性，如 disabled、elderly")
    sort: HouseholdSort = "-id"


class PersonQuery(PageQuery):
    name: str = Field("", max_length=50, description="姓名（前缀匹配）")
    id_number: str = Field("", max_length=20, description="身份证号码（精确匹配，或身份证号码后 4—6 位）")


# --- inputs -------------------------------------------------------------------------------------


class PersonIn(BodyIn):
    model_config = ConfigDict(use_enum_values=True, validate_default=True)

    name: str = Field(..., max_length=100)
    id_number: str = Field(..., max_length=30, description="18 位（或 15 位旧号码），按 GB 11643 校验")
    employment_status: EmploymentStatus
    ethnicity: str = "01"
    phone: str = Field("", max_length=30)
    birth_date: IsoDate | None = Field(None, description="可选；填写时须与身份证号码一致")
    sex: Sex | None = Field(None, description="可选；填写时须与身份证号码一致")
    disability_category: DisabilityCategory = DisabilityCategory.NONE
    disability_grade: DisabilityGrade | None = None
    self_care: SelfCare = SelfCare.CAPABLE
    serious_illness: StrictBool = False
    serious_illness_note: str = Field("", max_length=100)
    school_enrolment: SchoolEnrolment = SchoolEnrolment.NONE
    death_date: IsoDate | None = None

    @field_validator("ethnicity")
    @classmethod
    def check_ethnicity(cls, value: str | None) -> str | None:
        return _check_ethnicity(value)

    @field_validator("self_care", mode="before")
    @classmethod
    def check_self_care(cls, value: object) -> object:
        return _self_care_before(value)


class PersonCreateIn(PersonIn):
    household_id: StrictInt
    relation: RelationToHead = Field(..., description="与户主关系；不能是 head")
    joined_on: IsoDate | None = Field(None, description="加入家庭日期，默认今天")


class _PatchIn(BodyIn):
    """Base of PATCH bodies: unset fields are unchanged; ``null`` only for ``nullable_fields``."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def reject_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable_fields:
            raise ValueError("不能为 null；不修改的字段请不要传")
        return value


class PersonPatchIn(_PatchIn):
    model_config = ConfigDict(use_enum_values=True)
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"disability_grade", "death_date"})

    name: str | None = Field(None, max_length=100)
    id_number: str | None = Field(None, max_length=30)
    employment_status: EmploymentStatus | None = None
    ethnicity: str | None = None
    phone: str | None = Field(None, max_length=30)
    disability_category: DisabilityCategory | None = None
    disability_grade: DisabilityGrade | None = None
    self_care: SelfCare | None = None
    serious_illness: StrictBool | None = None
    serious_illness_note: str | None = Field(None, max_length=100)
    school_enrolment: SchoolEnrolment | None = None
    death_date: IsoDate | None = None

    @field_validator("ethnicity")
    @classmethod
    def check_ethnicity(cls, value: str | None) -> str | None:
        return _check_ethnicity(value)

    @field_validator("self_care", mode="before")
    @classmethod
    def check_self_care(cls, value: object) -> object:
        return _self_care_before(value)


class HouseholdIn(BodyIn):
    hukou_division_code: str = Field(..., max_length=12, description="户籍所在乡镇或村（社区）的区划代码")
    hukou_address: str = Field("", max_length=200)
    residence_division_code: str = Field("", max_length=12)
    residence_address: str = Field("", max_length=200)
    urban_rural: UrbanRuralChoice = Field("", description="留空则取户籍区划的城乡属性")
    bank_name: str = Field("", max_length=60)
    bank_account: str = Field("", max_length=40)


class HouseholdCreateIn(HouseholdIn):
    head: PersonIn
    joined_on: IsoDate | None = Field(None, description="户主加入家庭日期，默认今天")


class HouseholdPatchIn(_PatchIn):
    hukou_division_code: str | None = Field(None, max_length=12)
    hukou_address: str | None = Field(None, max_length=200)
    residence_division_code: str | None = Field(None, max_length=12, description="传空字符串清除实际居住地")
    residence_address: str | None = Field(None, max_length=200)
    urban_rural: UrbanRuralChoice | None = None
    bank_name: str | None = Field(None, max_length=60)
    bank_account: str | None = Field(None, max_length=40, description="传入新账号以更换；不能通过接口清空")


# --- outputs ------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    birth_date: dt.date
    sex: str
    ethnicity: str
    phone_masked: str
    household_id: int | None
    disability_category: str
    disability_grade: int | None
    self_care: str
    serious_illness: bool
    serious_illness_note: str
    employment_status: str
    school_enrolment: str
    death_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MemberOut(PersonOut):
    relation: str = Field(..., description="与户主关系")
    joined_on: dt.date


class IncomeOut(Schema):
    id: int
    person_id: int | None
    category: str
    amount: Decimal
    period_start: dt.date
    period_end: dt.date
    source: str
    note: str


class AssetOut(Schema):
    id: int
    person_id: int | None
    category: str
    description: str
    value: Decimal
    quantity: Decimal | None
    valued_on: dt.date
    exempt: bool
    source: str
    note: str


class HouseholdOut(Schema):
    id: int
    hukou_division_code: str
    hukou_division_name: str
    hukou_address: str
    residence_division_code: str | None
    residence_address: str
    urban_rural: str
    head_id: int | None
    head_name: str
    head_id_number_masked: str
    member_count: int
    bank_name: str
    bank_account_masked: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def fields_of(household: Any) -> dict[str, Any]:
        """Output values of a ``Household`` (load ``head``, ``hukou_division``, ``residence_division``)."""
        head = household.head if household.head_id else None
        return {
            "id": household.pk,
            "hukou_division_code": household.hukou_division.code,
            "hukou_division_name": household.hukou_division.name,
            "hukou_address": household.hukou_address,
            "residence_division_code": household.residence_division.code
            if household.residence_division_id
            else None,
            "residence_address": household.residence_address,
            "urban_rural": household.urban_rural,
            "head_id": household.head_id,
            "head_name": head.name if head else "",
            "head_id_number_masked": head.id_number_masked if head else "",
            "member_count": household.member_count,
            "bank_name": household.bank_name,
            "bank_account_masked": household.bank_account_masked,
            "created_at": household.created_at,
            "updated_at": household.updated_at,
        }


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]
    incomes: list[IncomeOut]
    assets: list[AssetOut]


class HouseholdPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[HouseholdOut]


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonOut]
