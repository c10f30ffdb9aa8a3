"""Issue 14 §4: every field error of a registry form at once, with a summary at the top of the form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import id_number
from minzheng.audit.models import Event
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Person, StaffRelative

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
HEAD_ID = id_number("150102", dt.date(1980, 5, 17), 31)
BAD_CHECKSUM = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def household_fields(**overrides) -> dict[str, str]:
    fields = {
        "hukou_division_code": "150102001001", "hukou_address": "锡林南路 1 号", "urban_rural": "",
        "bank_name": "中国农业银行", "bank_account": "6228480012345678901", "joined_on": "2024-03-01",
        "name": "张三", "id_number": HEAD_ID, "ethnicity": "02", "phone": "13812345678",
        "employment_status": "unemployed", "disability_category": "", "disability_grade": "", "self_care": "capable",
        "school_enrolment": "",
    }  # fmt: skip
    return {**fields, **overrides}


def errors(response) -> dict[str, list[str]]:
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def summary(response) -> list[str]:
    """The summary's items as text: ``label：message``, and the anchor each links to."""
    block = re.search(r'<ul class="mb-0" id="form-error-summary">(.*?)</ul>', response.content.decode(), re.S)
    assert block is not None
    items = re.findall(
        r'<li data-field="[^"]+"><a class="alert-link" href="#(\w+)">(.*?)</a>：(.*?)</li>', block[1]
    )
    return [f"#{anchor} {label}：{message}" for anchor, label, message in items]


def test_household_form_with_four_bad_fields_shows_all_four_errors_and_the_summary(users):
    # when the ID number's check digit, the division code, the bank account and the phone are all wrong
    response = client_for(users["caseworker"]).post(
        reverse("registry:household_create"),
        household_fields(
            id_number=BAD_CHECKSUM, hukou_division_code="1501", bank_account="12ab", phone="12345"
        ),
    )

    # then every error is reported at once, on its field and in the summary at the top
    assert response.status_code == 422
    assert errors(response) == {
        "hukou_division_code": ["区划代码应为 9 位（乡镇）或 12 位数字，请从列表中选择区划"],
        "bank_account": ["银行账号应为 12–30 位数字"],
        "id_number": ["身份证号码校验位错误，请核对后重新输入"],
        "phone": ["联系电话 12345 格式不正确：手机为 11 位数字，座机为区号加号码"],
    }
    assert summary(response) == [
        "#id_hukou_division_code 户籍所在区划：区划代码应为 9 位（乡镇）或 12 位数字，请从列表中选择区划",
        "#id_bank_account 银行账号：银行账号应为 12–30 位数字",
        "#id_id_number 身份证号码：身份证号码校验位错误，请核对后重新输入",
        "#id_phone 联系电话：联系电话 12345 格式不正确：手机为 11 位数字，座机为区号加号码",
    ]
    body = response.content.decode()
    assert "表单有 4 处需要修改" in body
    assert body.index('id="form-errors"') < body.index('name="hukou_division_code"')
    # and nothing was written
    assert (Household.objects.count(), Person.objects.count(), Event.objects.count()) == (0, 0, 0)


def test_disability_and_id_errors_are_shown_together(users):
    response = client_for(users["caseworker"]).post(
        reverse("registry:household_create"),
        household_fields(id_number="15010219800230001X", disability_category="physical"),
    )

    assert response.status_code == 422
    assert errors(response) == {
        "id_number": ["身份证号码中的出生日期 19800230 不是有效日期"],
        "disability_grade": ["填写了残疾类别时必须填写残疾等级"],
    }
    assert Household.objects.count() == 0


def test_a_service_error_after_a_valid_form_still_lands_on_its_field_and_in_the_summary(users):
    response = client_for(users["caseworker"]).post(
        reverse("registry:household_create"), household_fields(hukou_division_code="152527201206")
    )

    assert response.status_code == 422
    assert errors(response) == {"hukou_division_code": ["区划 敦达乌苏嘎查 不在您的管辖范围内"]}
    assert summary(response) == ["#id_hukou_division_code 户籍所在区划：区划 敦达乌苏嘎查 不在您的管辖范围内"]
    assert "表单有 1 处需要修改" in response.content.decode()


def test_a_valid_form_shows_no_summary(users):
    response = client_for(users["caseworker"]).get(reverse("registry:household_create"))

    assert response.status_code == 200
    assert 'id="form-errors"' not in response.content.decode()


@pytest.fixture
def home(household_factory):
    return household_factory(head_name="张三", id_number=HEAD_ID)


def test_person_edit_checks_the_death_date_against_the_stored_birth_date_with_the_other_errors(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:person_edit", args=[home.head.pk]),
        {"name": "", "id_number": "", "ethnicity": "02", "phone": "010-123", "employment_status": "unemployed",
         "self_care": "capable", "death_date": "1970-01-01"},
    )  # fmt: skip

    assert response.status_code == 422
    assert errors(response) == {
        "name": ["这个字段是必填项。"],
        "phone": ["联系电话 010-123 格式不正确：手机为 11 位数字，座机为区号加号码"],
        "death_date": ["死亡日期不能早于出生日期"],
    }
    home.head.refresh_from_db()
    assert (home.head.name, home.head.death_date) == ("张三", None)


def test_member_add_shows_id_and_phone_and_relation_errors_together(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:member_add", args=[home.pk]),
        {"name": "张小明", "id_number": "1501021980", "ethnicity": "01", "phone": "9999",
         "employment_status": "student", "self_care": "capable", "relation": "", "joined_on": "2024-13-01"},
    )  # fmt: skip

    assert response.status_code == 422
    assert errors(response) == {
        "relation": ["这个字段是必填项。"],
        "joined_on": ["输入一个有效的日期。"],
        "id_number": ["身份证号码应为 18 位（或 15 位旧号码），实际为 10 位"],
        "phone": ["联系电话 9999 格式不正确：手机为 11 位数字，座机为区号加号码"],
    }
    assert Person.objects.count() == 1


def test_income_form_shows_a_negative_amount_and_the_period_order_at_once(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:income_add", args=[home.pk]),
        {"category": "wage", "amount": "-5", "period_start": "2025-06-01", "period_end": "2025-01-01",
         "source": "declared"},
    )  # fmt: skip

    assert response.status_code == 422
    assert errors(response) == {
        "amount": ["金额不能为负数；扣减项请选择相应的扣减类别"],
        "period_end": ["所属期止不能早于所属期起"],
    }
    assert IncomeRecord.objects.count() == 0


def test_asset_form_shows_every_field_error(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:asset_add", args=[home.pk]),
        {"category": "vehicle", "value": "-1", "valued_on": "yesterday", "source": "declared"},
    )

    assert response.status_code == 422
    assert errors(response) == {"value": ["财产价值不能为负数"], "valued_on": ["输入一个有效的日期。"]}
    assert AssetRecord.objects.count() == 0


def test_staff_relative_form_shows_the_id_and_division_errors_together(users, home):
    response = client_for(users["caseworker"]).post(
        reverse("registry:staff_relative_list"),
        {"id_number": BAD_CHECKSUM, "relation": "spouse", "staff_name": "王", "staff_position": "committee_member",
         "staff_division_code": "锡林南路"},
    )  # fmt: skip

    assert response.status_code == 422
    assert errors(response) == {
        "id_number": ["身份证号码校验位错误，请核对后重新输入"],
        "staff_division_code": ["区划代码应为 2 至 12 位数字，请从列表中选择区划"],
    }
    assert StaffRelative.objects.count() == 0
