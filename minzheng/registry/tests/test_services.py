"""Registry services: validation, one-household-per-person, no partial writes, audit."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import id_number
from minzheng.audit.models import Event
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.registry.errors import DuplicateIdNumber, InvalidDivision, PersonAlreadyInHousehold
from minzheng.registry.models import Household, IncomeRecord, Membership, Person
from minzheng.registry.services import (
    HouseholdData,
    PersonData,
    household_create,
    income_record_add,
    membership_end,
    person_add_to_household,
    person_reveal_personal_data,
    person_update,
)


def _person(**kwargs) -> PersonData:
    return PersonData(
        **{"name": "李四", "id_number": id_number(seq=201), "employment_status": "employed", **kwargs}
    )


def test_household_create_with_valid_id(users):
    number = id_number(seq=131)
    household = household_create(
        actor=users["caseworker"],
        household=HouseholdData(hukou_division_code="150102001001", bank_account="6228 4800 1234 5678 901"),
        head=PersonData(name="王五", id_number=number, employment_status="unemployed", phone="138-1234-5678"),
        joined_on=dt.date(2021, 3, 1),
    )
    head = Person.objects.get(pk=household.head_id)
    assert head.birth_date == dt.date(1980, 5, 17)
    assert head.sex == "male"
    assert number not in head.id_number_encrypted
    assert head.id_number == number
    assert head.id_number_index == crypto.blind_index(number, purpose="id_number")
    assert head.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert head.phone == "13812345678"
    assert head.phone_masked == "138****5678"
    assert household.bank_account == "6228480012345678901"
    assert household.bank_account_masked == "***************8901"
    assert household.urban_rural == "urban"
    assert household.member_count == 1
    assert Membership.objects.get(person=head).relation_to_head == "head"
    event = Event.objects.get(verb="household.created")
    assert (event.object_id, event.division_code, event.actor) == (
        str(household.pk),
        "150102001001",
        users["caseworker"],
    )


def test_wrong_checksum_writes_nothing(users):
    bad = id_number(seq=131)[:-1] + ("0" if id_number(seq=131)[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as error:
        household_create(
            actor=users["caseworker"],
            household=HouseholdData(hukou_division_code="150102001001"),
            head=PersonData(name="王五", id_number=bad, employment_status="unemployed"),
            joined_on=dt.date(2021, 3, 1),
        )
    assert (error.value.field, error.value.message) == ("id_number", "身份证号码校验位错误，请核对后重新输入")
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"birth_date": dt.date(1980, 5, 18)},
            "birth_date",
            "出生日期 1980-05-18 与身份证号码中的 1980-05-17 不一致",
        ),
        ({"sex": "female"}, "sex", "性别与身份证号码不一致（第 17 位表示男性）"),
        ({"phone": "12345"}, "phone", "联系电话 12345 格式不正确：手机为 11 位数字，座机为区号加号码"),
        ({"disability_category": "visual"}, "disability_grade", "填写了残疾类别时必须填写残疾等级"),
        ({"death_date": dt.date(1970, 1, 1)}, "death_date", "死亡日期不能早于出生日期"),
        ({"name": "  "}, "name", "请填写姓名"),
    ],
)
def test_person_field_errors_name_the_field(users, household_factory, kwargs, field, message):
    household = household_factory()
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as error:
        person_add_to_household(
            actor=users["caseworker"], household=household, data=_person(**kwargs), relation="spouse",
            joined_on=dt.date(2021, 1, 1),
        )  # fmt: skip
    assert (error.value.field, error.value.message) == (field, message)
    assert Person.objects.count() == before
    household.refresh_from_db()
    assert household.member_count == 1


def test_an_unknown_relation_to_the_head_is_refused_and_writes_nothing(users, household_factory):
    household = household_factory()
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as error:
        person_add_to_household(
            actor=users["caseworker"], household=household, data=_person(), relation="cousin",
            joined_on=dt.date(2021, 1, 1),
        )  # fmt: skip
    assert (error.value.field, error.value.message) == ("relation", "与户主关系“cousin”不是允许的取值")
    assert Person.objects.count() == before


def test_person_already_in_another_household_is_refused(users, household_factory):
    first = household_factory()
    person = person_add_to_household(
        actor=users["caseworker"],
        household=first,
        data=_person(),
        relation="spouse",
        joined_on=dt.date(2021, 1, 1),
    )
    second = household_factory(division_code="150102001002", head_name="赵六")
    with pytest.raises(PersonAlreadyInHousehold) as error:
        person_add_to_household(
            actor=users["caseworker"], household=second, data=_person(name="李四"), relation="spouse",
            joined_on=dt.date(2022, 1, 1),
        )  # fmt: skip
    assert error.value.field == "id_number"
    assert error.value.message == (
        f"身份证号码对应的人员（李四）已是家庭 {first.pk} 的成员，一人同一时间只能属于一个家庭；请先办理迁出"
    )
    assert Membership.objects.filter(person=person).count() == 1
    second.refresh_from_db()
    assert second.member_count == 1


def test_person_who_left_cannot_be_registered_twice(users, household_factory):
    household = household_factory()
    person = person_add_to_household(
        actor=users["caseworker"],
        household=household,
        data=_person(),
        relation="son",
        joined_on=dt.date(2021, 1, 1),
    )
    membership_end(actor=users["caseworker"], person=person, left_on=dt.date(2023, 1, 1), reason="迁出")
    household.refresh_from_db()
    assert household.member_count == 1
    with pytest.raises(DuplicateIdNumber):
        person_add_to_household(
            actor=users["caseworker"], household=household, data=_person(), relation="son",
            joined_on=dt.date(2023, 2, 1),
        )  # fmt: skip


def test_head_cannot_leave(users, household_factory):
    household = household_factory()
    with pytest.raises(ValidationFailed) as error:
        membership_end(
            actor=users["caseworker"], person=household.head, left_on=dt.date(2023, 1, 1), reason="x"
        )
    assert error.value.message == "户主不能直接迁出，请先变更户主"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("150102001999", "区划代码 150102001999 不存在"),
        ("150102000000", "请选择到乡镇（苏木、街道）或村（嘎查、社区）一级，新城区 级别过高"),
        ("152527201206", "区划 敦达乌苏嘎查 不在您的管辖范围内"),
    ],
)
def test_household_division_must_exist_be_low_enough_and_in_scope(users, code, message):
    with pytest.raises(InvalidDivision) as error:
        household_create(
            actor=users["caseworker"], household=HouseholdData(hukou_division_code=code),
            head=_person(), joined_on=dt.date(2021, 1, 1),
        )  # fmt: skip
    assert (error.value.field, error.value.message) == ("hukou_division_code", message)
    assert Household.objects.count() == 0


def test_read_only_roles_cannot_write(users):
    for role in ("reviewer", "assistant", "region", "auditor", "admin"):
        with pytest.raises(PermissionDenied):
            household_create(
                actor=users[role], household=HouseholdData(hukou_division_code="150102001001"),
                head=_person(), joined_on=dt.date(2021, 1, 1),
            )  # fmt: skip
    assert Household.objects.count() == 0


def test_person_update_keeps_ciphertext_when_id_unchanged_and_records_history(users, household_factory):
    household = household_factory()
    head = household.head
    ciphertext = head.id_number_encrypted
    data = PersonData(name="张三", id_number=head.id_number, employment_status="employed", disability_category="physical",
                      disability_grade=2)  # fmt: skip
    person_update(actor=users["caseworker"], person=head, data=data)
    head.refresh_from_db()
    assert head.id_number_encrypted == ciphertext
    assert (head.employment_status, head.disability_category, head.disability_grade) == (
        "employed",
        "physical",
        2,
    )
    assert [h.employment_status for h in head.history.order_by("history_date")] == ["unemployed", "employed"]
    assert Event.objects.get(verb="person.updated").data == {
        "fields": ["disability_category", "disability_grade", "employment_status"]
    }


def test_income_period_and_membership_checked(users, household_factory):
    household = household_factory()
    other = household_factory(division_code="150102001002", head_name="赵六")
    with pytest.raises(ValidationFailed) as error:
        income_record_add(
            actor=users["caseworker"], household=household, person=other.head, category="wage",
            amount=Decimal("1000"), period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 31), source="declared",
        )  # fmt: skip
    assert error.value.message == "所选成员不属于该家庭"
    with pytest.raises(ValidationFailed) as error:
        income_record_add(
            actor=users["caseworker"], household=household, person=None, category="wage", amount=Decimal("1000"),
            period_start=dt.date(2025, 2, 1), period_end=dt.date(2025, 1, 31), source="declared",
        )  # fmt: skip
    assert error.value.field == "period_end"
    assert IncomeRecord.objects.count() == 0


def test_reveal_is_logged_and_limited_to_roles_that_need_it(users, household_factory):
    from minzheng.audit.models import PersonalDataAccess

    household = household_factory(phone="13900001111")
    shown = person_reveal_personal_data(actor=users["county"], person=household.head)
    assert shown == {"id_number": household.head.id_number, "phone": "13900001111"}
    log = PersonalDataAccess.objects.get()
    assert (log.actor, log.person_id, log.fields, log.purpose) == (users["county"], household.head_id,
                                                                  "id_number,phone", "reveal")  # fmt: skip
    with pytest.raises(PermissionDenied):
        person_reveal_personal_data(actor=users["reviewer"], person=household.head)
    assert PersonalDataAccess.objects.count() == 1


def test_conflict_outside_jurisdiction_does_not_reveal_the_person(users, household_factory):
    # given a person registered in Taibus banner
    taibus = household_factory(
        actor=users["taibus_caseworker"], division_code="152527201206", head_name="巴特尔"
    )
    household = household_factory()
    # when a Xincheng caseworker enters the same ID number
    with pytest.raises(DuplicateIdNumber) as error:
        person_add_to_household(
            actor=users["caseworker"], household=household,
            data=_person(name="某人", id_number=taibus.head.id_number), relation="spouse",
            joined_on=dt.date(2024, 1, 1),
        )  # fmt: skip
    # then the refusal names neither the person nor the household
    assert error.value.message == "该身份证号码已在您管辖范围以外登记，请联系其户籍所在地办理迁移"
    assert "巴特尔" not in error.value.message
    assert str(taibus.pk) not in error.value.message
    household.refresh_from_db()
    assert household.member_count == 1
