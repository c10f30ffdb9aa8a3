"""统一社会信用代码 (unified social credit code), GB 32100-2015
(policy-rules.md §7.2, policy-figures.md §11.5).

18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z): position 1 the registration
authority (5 = 民政, 9 = 市场监管 …), position 2 the entity type within it, 3–8 the GB/T 2260 code of the
registering authority, 9–17 the organisation code, 18 the mod-31 check character
``(31 − Σ value × 3^(i−1) mod 31) mod 31`` (python-stdnum ``stdnum.cn.uscc.calc_check_digit``).

Every refusal names the position at fault, e.g. “第18位校验码应为3，实为Z”, so a clerk copying a code
from a certificate sees which character to look at. Shared by the organisations and eldercare areas
(care providers are registered by 民政 or 市场监管). Pure: no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import uscc

from minzheng.common.errors import ValidationFailed

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 table 1, value = index
LENGTH = 18
CIVIL_AFFAIRS = "5"  # position 1: 民政 registers social organisations
# Position 2 for 民政 (policy-rules.md §7.2): 1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他.
CIVIL_AFFAIRS_TYPES = {"1": "社会团体", "2": "民办非企业单位（社会服务机构）", "3": "基金会", "9": "其他"}
AUTHORITY_NAMES = {"1": "机构编制", "5": "民政", "9": "市场监管（工商）", "Y": "其他"}


@dataclass(frozen=True)
class CreditCode:
    code: str

    @property
    def authority(self) -> str:
        return self.code[0]

    @property
    def entity_type(self) -> str:
        return self.code[1]

    @property
    def division_code(self) -> str:
        """GB/T 2260 code of the registering authority (positions 3–8)."""
        return self.code[2:8]

    @property
    def organisation_code(self) -> str:
        return self.code[8:17]


def _fail(message: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, code=code)


def credit_code_normalise(value: str) -> str:
    """Upper case, spaces and hyphens removed (what people paste from certificates)."""
    return uscc.compact(value or "")


def credit_code_check(value: str, *, field: str = "credit_code") -> CreditCode:
    """Validate a code's length, characters and check character; raise ``ValidationFailed`` naming the
    first position at fault (1-based, as printed on certificates)."""
    code = credit_code_normalise(value)
    if not code:
        raise _fail("请填写统一社会信用代码", "credit_code_required", field)
    if len(code) != LENGTH:
        raise _fail(f"统一社会信用代码应为18位，实为{len(code)}位", "credit_code_length", field)
    for position, char in enumerate(code, start=1):
        if char not in CHARSET:
            hint = "（不使用字母 I、O、S、V、Z）" if char in "IOSVZ" else ""
            raise _fail(
                f"第{position}位“{char}”不是统一社会信用代码允许的字符{hint}", "credit_code_char", field
            )
    if not code[2:8].isdigit():
        raise _fail("第3至8位应为登记管理机关行政区划码（6位数字）", "credit_code_division", field)
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise _fail(f"第18位校验码应为{expected}，实为{code[17]}", "credit_code_checksum", field)
    return CreditCode(code)


def civil_affairs_code_check(value: str, entity_type: str, *, field: str = "credit_code") -> CreditCode:
    """A code of a social organisation registered by 民政 of the given type (position-2 code "1"/"2"/"3"/"9").

    Position 1 must be 5 (民政) and position 2 the type chosen; both mismatches are explained in words."""
    parsed = credit_code_check(value, field=field)
    if parsed.authority != CIVIL_AFFAIRS:
        named = AUTHORITY_NAMES.get(parsed.authority, "其他部门")
        raise _fail(
            f"第1位登记管理部门代码应为5（民政），实为{parsed.authority}（{named}）",
            "credit_code_authority",
            field,
        )
    if parsed.entity_type != entity_type:
        actual = CIVIL_AFFAIRS_TYPES.get(parsed.entity_type, "未定义的类别")
        wanted = CIVIL_AFFAIRS_TYPES.get(entity_type, entity_type)
        raise _fail(
            f"第2位机构类别代码应为{entity_type}（{wanted}），实为{parsed.entity_type}（{actual}），"
            "请核对组织类型或代码",
            "credit_code_type",
            field,
        )
    return parsed


def credit_code_complete(first17: str) -> str:
    """The 18-character code: ``first17`` with its check character appended (test data, demo data)."""
    return first17 + uscc.calc_check_digit(first17)
