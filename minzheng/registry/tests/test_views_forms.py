"""Registry forms through the test client: success paths, and service errors on the named field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from conftest import id_number
from minzheng.audit.models import Event
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person, StaffRelative

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
HEAD_ID = id_number("150102", dt.date(1980, 5, 17), 31)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def head_fields(**overrides) -> dict[str, str]:
    fields = {
        "name": "张三", "id_number": HEAD_ID, "ethnicity": "02", "phone": "13812345678",
        "employment_status": "unemployed", "disability_category": "", "disability_grade": "", "self_care": "capable",
        "school_enrolment": "",
    }  # fmt: skip
    return {**fields, **overrides}


def household_fields(**overrides) -> dict[str, str]:
    fields = {
        "hukou_division_code": "150102001001", "hukou_address": "锡林南路 1 号", "urban_rural": "",
        "bank_name": "中国农业银行", "bank_account": "6228480012345678901", "joined_on": "2024-03-01",
    }  # fmt: skip
    return {**fields, **head_fields(), **overrides}


def field_error(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- create household ------------------------------------------------------------------------


def test_caseworker_creates_a_household_with_its_head(users):
    # when
    response = client_for(users["caseworker"]).post(reverse("registry:household_create"), household_fields())

    # then
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    assert (household.hukou_division.code, household.urban_rural, household.member_count) == (
        "150102001001",
        "urban",
        1,
    )
    assert household.bank_account_masked == "***************8901"
    head = household.head
    assert (head.name, head.ethnicity, head.sex, head.birth_date) == (
        "张三",
        "02",
        "male",
        dt.date(1980, 5, 17),
    )
    assert head.id_number == HEAD_ID
    assert Membership.objects.get().relation_to_head == "head"


def test_create_household_with_bad_id_checksum_shows_the_message_and_writes_nothing(users):
    bad = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")

    response = client_for(users["caseworker"]).post(
        reverse("registry:household_create"), household_fields(id_number=bad)
    )

    assert response.status_code == 422
    assert field_error(response, "id_number") == ["身份证号码校验位错误，请核对后重新输入"]
    assert "身份证号码校验位错误，请核对后重新输入" in response.content.decode()
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0
    assert Event.objects.count() == 0


def test_create_household_with_a_person_already_in_another_household_names_that_household(
    users, household_factory
):
    # given Zhang San already heads a household
    existing = household_factory(head_name="张三", id_number=HEAD_ID)

    # when a second household is created with the same head
    response = client_for(users["caseworker"]).post(reverse("registry:household_create"), household_fields())

    # then
    assert response.status_code == 409
    assert field_error(response, "id_number") == [
        f"身份证号码对应的人员（张三）已是家庭 {existing.pk} 的成员，一人同一时间只能属于一个家庭；请先办理迁出"
    ]
    assert Household.objects.count() == 1
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hukou_division_code": "152527201206"}, "hukou_division_code", "区划 敦达乌苏嘎查 不在您的管辖范围内"),
        ({"hukou_division_code": "150102000000"}, "hukou_division_code",
         "请选择到乡镇（苏木、街道）或村（嘎查、社区）一级，新城区 级别过高"),
        ({"hukou_division_code": "150102999999"}, "hukou_division_code", "区划代码 150102999999 不存在"),
        ({"phone": "12345"}, "phone", "联系电话 12345 格式不正确：手机为 11 位数字，座机为区号加号码"),
        ({"bank_account": "12ab"}, "bank_account", "银行账号应为 12–30 位数字"),
        ({"disability_category": "physical"}, "disability_grade", "填写了残疾类别时必须填写残疾等级"),
        ({"id_number": "15010219800230001X"}, "id_number", "身份证号码中的出生日期 19800230 不是有效日期"),
    ],
)  # fmt: skip
def test_create_household_domain_errors_land_on_their_field(users, overrides, field, message):
    response = client_for(users["caseworker"]).post(
        reverse("registry:household_create"), household_fields(**overrides)
    )

    assert response.status_code == 422
    assert field_error(response, field) == [message]
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0


def test_create_household_form_shape_errors_are_shown(users):
    response = client_for(users["caseworker"]).post(reverse("registry:household_create"), {"name": ""})

    assert response.status_code == 422
    assert field_error(response, "name") == ["这个字段是必填项。"]
    assert Household.objects.count() == 0


# --- edit household, members, income, assets ------------------------------------------------------


@pytest.fixture
def home(household_factory):
    return household_factory(head_name="张三", id_number=HEAD_ID)


def test_edit_household_keeps_the_bank_account_when_left_blank(users, home):
    client = client_for(users["caseworker"])
    form = client.get(reverse("registry:household_edit", args=[home.pk]))
    assert "***************8901" in form.content.decode()

    response = client.post(
        reverse("registry:household_edit", args=[home.pk]),
        {"hukou_division_code": "150102001002", "hukou_address": "东风路 8 号", "bank_name": "中国银行",
         "bank_account": "", "urban_rural": ""},
    )  # fmt: skip

    home.refresh_from_db()
    assert response.status_code == 302
    assert (home.hukou_division.code, home.hukou_address, home.bank_name) == (
        "150102001002",
        "东风路 8 号",
        "中国银行",
    )
    assert home.bank_account == "6228480012345678901"
    detail = client.get(reverse("registry:household_detail", args=[home.pk])).content.decode()
    assert "户籍地址</span>：— → 东风路 8 号" in detail


def test_add_member_then_member_leaves(users, home):
    client = client_for(users["caseworker"])
    child_id = id_number("150102", dt.date(2010, 6, 1), 42)

    added = client.post(
        reverse("registry:member_add", args=[home.pk]),
        {**head_fields(name="张小明", id_number=child_id, phone="", employment_status="student",
                       school_enrolment="junior_secondary"), "relation": "son", "joined_on": "2024-03-01"},
    )  # fmt: skip
    child = Person.objects.get(name="张小明")
    left = client.post(
        reverse("registry:person_leave", args=[child.pk]), {"left_on": "2025-09-01", "reason": "外出求学迁出"}
    )

    home.refresh_from_db()
    assert added.status_code == 302
    assert left.status_code == 302
    membership = Membership.objects.get(person=child)
    assert (membership.relation_to_head, membership.left_on, membership.left_reason) == (
        "son", dt.date(2025, 9, 1), "外出求学迁出"
    )  # fmt: skip
    assert home.member_count == 1


def test_add_member_already_in_another_household_is_refused_with_the_precise_message(
    users, home, household_factory
):
    other = household_factory(division_code="150102001002", head_name="李四")
    client = client_for(users["caseworker"])

    response = client.post(
        reverse("registry:member_add", args=[home.pk]),
        {
            **head_fields(name="李四", id_number=other.head.id_number),
            "relation": "other",
            "joined_on": "2024-03-01",
        },
    )

    assert response.status_code == 409
    assert field_error(response, "id_number") == [
        f"身份证号码对应的人员（李四）已是家庭 {other.pk} 的成员，一人同一时间只能属于一个家庭；请先办理迁出"
    ]
    assert Membership.objects.filter(household=home).count() == 1
    assert Person.objects.count() == 2


def test_head_cannot_leave_and_the_error_is_shown(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:person_leave", args=[home.head.pk]), {"left_on": "2025-01-01", "reason": "迁出"}
    )

    assert response.status_code == 422
    assert list(response.context["form"].non_field_errors()) == ["户主不能直接迁出，请先变更户主"]
    assert Membership.objects.get().left_on is None


def test_add_income_and_asset(users, home):
    client = client_for(users["caseworker"])

    income = client.post(
        reverse("registry:income_add", args=[home.pk]),
        {"person": str(home.head.pk), "category": "wage", "amount": "1850.50", "period_start": "2025-01-01",
         "period_end": "2025-06-30", "source": "declared", "note": "打零工"},
    )  # fmt: skip
    asset = client.post(
        reverse("registry:asset_add", args=[home.pk]),
        {"person": "", "category": "vehicle", "description": "农用三轮车", "value": "6000", "quantity": "1",
         "valued_on": "2025-05-01", "exempt": "on", "source": "investigated"},
    )  # fmt: skip

    assert income.status_code == 302
    assert asset.status_code == 302
    record = IncomeRecord.objects.get()
    assert (record.person, record.category, record.amount, record.note) == (
        home.head,
        "wage",
        Decimal("1850.50"),
        "打零工",
    )
    owned = AssetRecord.objects.get()
    assert (owned.person, owned.category, owned.value, owned.exempt) == (
        None,
        "vehicle",
        Decimal("6000.00"),
        True,
    )
    detail = client.get(reverse("registry:household_detail", args=[home.pk])).content.decode()
    assert "1850.50" in detail
    assert "农用三轮车" in detail
    assert "可豁免" in detail


def test_income_period_end_before_start_lands_on_period_end(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:income_add", args=[home.pk]),
        {"category": "wage", "amount": "100", "period_start": "2025-06-01", "period_end": "2025-01-01",
         "source": "declared"},
    )  # fmt: skip

    assert response.status_code == 422
    assert field_error(response, "period_end") == ["所属期止不能早于所属期起"]
    assert IncomeRecord.objects.count() == 0


def test_edit_person_keeps_id_number_when_blank_and_never_prefills_it(users, home):
    client = client_for(users["caseworker"])
    form = client.get(reverse("registry:person_edit", args=[home.head.pk])).content.decode()
    assert HEAD_ID not in form
    assert f"1501**********{HEAD_ID[-4:]}" in form

    response = client.post(
        reverse("registry:person_edit", args=[home.head.pk]),
        {**head_fields(name="张三丰", id_number="", phone=""), "serious_illness": "on",
         "serious_illness_note": "尿毒症"},
    )  # fmt: skip

    person = Person.objects.get()
    assert response.status_code == 302
    assert (person.name, person.id_number, person.serious_illness, person.serious_illness_note) == (
        "张三丰", HEAD_ID, True, "尿毒症"
    )  # fmt: skip


def test_village_assistant_cannot_post_edit_forms(users, home):
    response = client_for(users["assistant"]).post(reverse("registry:household_edit", args=[home.pk]), {})

    assert response.status_code == 403


# --- staff relatives -----------------------------------------------------------------------


def test_register_a_staff_relative_and_list_it(users, home):
    client = client_for(users["caseworker"])

    response = client.post(
        reverse("registry:staff_relative_list"),
        {"id_number": HEAD_ID, "relation": "sibling", "staff_name": "张红", "staff_position": "committee_member",
         "staff_division_code": "150102001001", "note": ""},
    )  # fmt: skip
    page = client.get(reverse("registry:staff_relative_list")).content.decode()

    assert response.status_code == 302
    record = StaffRelative.objects.get()
    assert (record.relative, record.staff_name, record.staff_division.code) == (
        home.head,
        "张红",
        "150102001001",
    )
    assert "张红" in page
    assert f"1501**********{HEAD_ID[-4:]}" in page
    assert HEAD_ID not in page


def test_staff_relative_with_unknown_id_number_is_refused_on_the_field(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:staff_relative_list"),
        {"id_number": id_number("152527", dt.date(1970, 1, 1), 7), "relation": "sibling", "staff_name": "张红",
         "staff_position": "committee_member", "staff_division_code": "150102001001"},
    )  # fmt: skip

    assert response.status_code == 422
    assert field_error(response, "id_number") == ["未找到该身份证号码对应的人员，或其不在您的管辖范围内"]
    assert StaffRelative.objects.count() == 0
