import datetime as dt

import pytest

from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import make_resident_id, parse_resident_id, upgrade_15_to_18


@pytest.mark.parametrize(
    ("value", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "female"),
        ("11010519491231002x", dt.date(1949, 12, 31), "female"),
        ("360426199101010071", dt.date(1991, 1, 1), "male"),
        ("110101199003074477", dt.date(1990, 3, 7), "male"),
        # 150102 新城区 was created in 1983; GB 11643 keeps the code of first registration, so a
        # 1975 birth with this code is valid here even though python-stdnum's loc.dat rejects it.
        (make_resident_id("150102", dt.date(1975, 6, 1), 11), dt.date(1975, 6, 1), "male"),
        # An unknown county code under a known province: stdnum raises KeyError; we accept it.
        (make_resident_id("159999", dt.date(1990, 1, 1), 22), dt.date(1990, 1, 1), "female"),
    ],
)
def test_valid_ids_give_birth_date_and_sex(value, birth, sex):
    parsed = parse_resident_id(value)
    assert parsed.birth_date == birth
    assert parsed.sex.value == sex
    assert parsed.number == value.upper()


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("110105194912310021", "id_checksum", "身份证号码校验位错误，请核对后重新输入"),
        ("11010519491331002X", "id_birth_date", "身份证号码中的出生日期 19491331 不是有效日期"),
        ("1101051949123100", "id_length", "身份证号码应为 18 位（或 15 位旧号码），实际为 16 位"),
        ("11010519491231A02X", "id_format", "身份证号码只能包含数字，最后一位可为 X"),
        ("", "id_required", "请填写身份证号码"),
    ],
)
def test_invalid_ids_are_rejected_with_reason(value, code, message):
    with pytest.raises(ValidationFailed) as error:
        parse_resident_id(value)
    assert error.value.code == code
    assert error.value.message == message
    assert error.value.field == "id_number"


def test_future_birth_date_is_impossible():
    value = make_resident_id("150102", dt.date.today() + dt.timedelta(days=400), 11)
    with pytest.raises(ValidationFailed) as error:
        parse_resident_id(value)
    assert error.value.code == "id_birth_date"


def test_15_digit_id_is_upgraded():
    # 15-digit legacy form of 110105491231002 → insert 19, append check digit (GB 11643-1999).
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"
    parsed = parse_resident_id("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
