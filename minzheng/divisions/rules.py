"""Pure rules about division codes (policy-rules.md §7.3; GB/T 2260, GB/T 10114, NBS 统计用区划代码)."""

from __future__ import annotations

from enum import IntEnum

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
