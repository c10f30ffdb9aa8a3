"""Names without invisible characters and ID numbers from a real province (issue 16 §6): refused with a
precise Chinese message at the form, the API and the service, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import make_resident_id, parse_resident_id
from minzheng.registry.models import Person
from minzheng.registry.rules import normalise_person_name

INVISIBLE = "姓名含有换行、零宽字符、方向控制符等不可见字符，请删除后重新输入"


@pytest.mark.parametrize(
    "name",
    ["张\x00三", "张\x1b[31m三", "张\u202e三", "张\u200b三", "张\n三", "张\u2028三", "张\ufeff三"],
)
def test_invisible_characters_in_a_name_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_person_name(name)
    assert (caught.value.message, caught.value.field, caught.value.code) == (
        INVISIBLE,
        "name",
        "name_invisible",
    )


def test_ordinary_names_are_kept_and_tidied() -> None:
    assert normalise_person_name("  阿拉坦   巴根 ") == "阿拉坦 巴根"
    assert normalise_person_name("买买提·艾力") == "买买提·艾力"
    assert normalise_person_name("\t王五\n") == "王五"


def test_an_id_number_from_no_province_is_refused() -> None:
    number = make_resident_id("990000", dt.date(1980, 5, 17), 123)  # valid checksum, no such province
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(number)
    assert caught.value.message == "身份证号码前两位 99 不是有效的省级行政区划代码（GB/T 2260），请核对"
    assert caught.value.code == "id_area"
    # an abolished or newer county of a real province is accepted (the code is the one at registration)
    assert parse_resident_id(make_resident_id("150199", dt.date(1975, 1, 1), 11)).birth_date == dt.date(
        1975, 1, 1
    )


def test_the_household_form_refuses_an_invisible_name_and_writes_nothing(users) -> None:
    from django.test import Client

    client = Client()
    client.force_login(users["caseworker"])
    before = Person.objects.count()

    response = client.post(
        "/registry/households/new/",
        {
            "hukou_division_code": "150102001001",
            "joined_on": "2020-01-01",
            "name": "王\u202e五",
            "id_number": make_resident_id("150102", dt.date(1980, 5, 17), 321),
            "ethnicity": "01",
            "employment_status": "unemployed",
            "self_care": "capable",
        },
    )

    assert response.status_code in (200, 422)
    assert INVISIBLE in response.content.decode()
    assert Person.objects.count() == before
