"""GB 32100-2015 check character and the positions explained (policy-figures.md §11.5)."""

from __future__ import annotations

import pytest

from minzheng.common.credit_code import civil_affairs_code_check, credit_code_check
from minzheng.common.errors import ValidationFailed


def _message(value: str, **kwargs: str) -> str:
    check = (lambda v: civil_affairs_code_check(v, kwargs["entity_type"])) if kwargs else credit_code_check
    with pytest.raises(ValidationFailed) as caught:
        check(value)
    return caught.value.message


def test_worked_example_of_the_standard():
    assert credit_code_check("91350100M000100Y43").code == "91350100M000100Y43"
    assert credit_code_check("9135 0100-m000100y43").code == "91350100M000100Y43"  # pasted, lower case


def test_python_stdnum_vector():
    assert credit_code_check("91110000600037341L").organisation_code == "600037341"


def test_wrong_check_character_names_position_and_expected_value():
    assert (
        _message("91350100M000100Y4Z")
        == "第18位“Z”不是统一社会信用代码允许的字符（不使用字母 I、O、S、V、Z）"
    )
    assert _message("91350100M000100Y44") == "第18位校验码应为3，实为4"


def test_length_and_characters():
    assert _message("") == "请填写统一社会信用代码"
    assert _message("9135010") == "统一社会信用代码应为18位，实为7位"
    assert (
        _message("9135O100M000100Y43") == "第5位“O”不是统一社会信用代码允许的字符（不使用字母 I、O、S、V、Z）"
    )


def test_civil_affairs_positions_1_and_2():
    social_group = "51150102MJY000001" + credit_code_check_digit("51150102MJY000001")
    assert civil_affairs_code_check(social_group, "1").division_code == "150102"
    assert (
        _message("91350100M000100Y43", entity_type="1")
        == "第1位登记管理部门代码应为5（民政），实为9（市场监管（工商））"
    )
    assert _message(social_group, entity_type="3") == (
        "第2位机构类别代码应为3（基金会），实为1（社会团体），请核对组织类型或代码"
    )


def credit_code_check_digit(first17: str) -> str:
    from stdnum.cn import uscc

    return uscc.calc_check_digit(first17)
