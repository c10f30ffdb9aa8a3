"""Pure rules about division codes (policy-rules.md §7.3; GB/T 2260, GB/T 10114, NBS 统计用区划代码)."""

from __future__ import annotations

from enum import IntEnum

from minzheng.catalogue.roles import Role

# Significant digits of the 12-digit NBS code at each level.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class Level(IntEnum):
    REGION = 1  # 省级 / 自治区
    PREFECTURE = 2  # 地级: 盟 / 市
    COUNTY = 3  # 县级: 旗 / 县 / 区 / 县级市
    TOWNSHIP = 4  # 乡级: 苏木 / 乡 / 镇 / 街道
    VILLAGE = 5  # 村级: 嘎查 / 村 / 社区


def normalise_code(code: str) -> str:
    """Pad a 2/4/6/9/12-digit code to the 12-digit NBS form."""
    code = code.strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(f"区划代码 {code!r} 应为 2、4、6、9 或 12 位数字")
    return code.ljust(12, "0")


def level_of(code12: str) -> Level:
    """The level a 12-digit code denotes (trailing zeros decide)."""
    if code12[2:] == "0" * 10:
        return Level.REGION
    if code12[4:] == "0" * 8:
        return Level.PREFECTURE
    if code12[6:] == "0" * 6:
        return Level.COUNTY
    if code12[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def scope_prefix(code12: str, level: Level) -> str:
    """The code prefix shared by every division in this division's subtree."""
    return code12[: PREFIX_LENGTH[level]]


def parent_code(code12: str, level: Level) -> str | None:
    if level == Level.REGION:
        return None
    return code12[: PREFIX_LENGTH[Level(level - 1)]].ljust(12, "0")


# NBS 城乡分类代码: 1xx urban, 2xx rural.
URBAN_CLASSIFICATION_CODES = frozenset({"111", "112", "121", "122", "123"})
RURAL_CLASSIFICATION_CODES = frozenset({"210", "220"})


def urban_rural_of_village(code12: str, name: str, classification: str | None = None) -> str:
    """Urban or rural type of a village-level unit.

    1. The NBS 城乡分类代码 when the source has it (111–123 urban, 210/220 rural).
    2. Otherwise the village digits (GB/T 10114 practice, policy-rules.md §7.3 [UNCONFIRMED]):
       001–199 居委会 (community) → urban, 200–399 村委会 (village / 嘎查) → rural.
    3. Otherwise the name: …社区/居委会 → urban, …村/嘎查/村委会 → rural; else rural.
    The stored value can be overridden per division.
    """
    if classification in URBAN_CLASSIFICATION_CODES:
        return "urban"
    if classification in RURAL_CLASSIFICATION_CODES:
        return "rural"
    serial = int(code12[9:12])
    if 1 <= serial <= 199:
        return "urban"
    if 200 <= serial <= 399:
        return "rural"
    if name.endswith(("社区", "居委会", "社区居委会", "居民委员会")):
        return "urban"
    return "rural"


CLASSIFICATION_CODES = URBAN_CLASSIFICATION_CODES | RURAL_CLASSIFICATION_CODES

# Who may correct a division's urban/rural type by hand: the system administrator and the
# county civil-affairs bureau (旗县民政部门), each within its own jurisdiction.
URBAN_RURAL_MAINTAINER_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.COUNTY_APPROVER})

LEVEL_NAMES = {
    Level.REGION: "省级",
    Level.PREFECTURE: "地级",
    Level.COUNTY: "县级",
    Level.TOWNSHIP: "乡级",
    Level.VILLAGE: "村级",
}


def code_problem(code12: str, level: Level | None = None) -> str | None:
    """Why a 12-digit code is not a well-formed NBS code (of ``level`` if given), or ``None``.

    NBS 统计用区划代码编制规则: 2 province + 2 prefecture + 2 county + 3 township + 3 village digits;
    a unit's code is its parent's significant digits followed by its own non-zero serial.
    """
    if len(code12) != 12 or not code12.isdigit():
        return f"区划代码 {code12} 应为 12 位数字"
    if code12[:2] == "00":
        return f"区划代码 {code12} 的省级代码不能为 00"
    derived = level_of(code12)
    if level is not None and derived != level:
        return f"区划代码 {code12} 是{LEVEL_NAMES[derived]}代码，不是{LEVEL_NAMES[level]}代码"
    return None


def urban_rural_for(code12: str, level: Level, name: str, classification: str | None = None) -> str:
    """The derived urban/rural type: only village-level units have one; higher levels are blank."""
    if level != Level.VILLAGE:
        return ""
    return urban_rural_of_village(code12, name, classification)


def can_override_urban_rural(role: str) -> bool:
    return role in URBAN_RURAL_MAINTAINER_ROLES
