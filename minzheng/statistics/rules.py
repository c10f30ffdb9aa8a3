"""Pure rules of the statistics page (issue 14 §5): the period a figure covers, the division level the
rows are at, and the labels a supervisor reads (never a stored code).

No ORM: the selector computes the figures, these decide what the figures mean.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

from minzheng.catalogue.programmes import PROGRAMMES, Programme
from minzheng.divisions.rules import PREFIX_LENGTH, Level
from minzheng.registry.choices import SelfCare


class Period(StrEnum):
    MONTH = "month"  # 本月: the selected month
    YEAR_TO_DATE = "ytd"  # 本年累计: January of the selected month's year up to it


PERIOD_LABELS: Final = {Period.MONTH: "本月", Period.YEAR_TO_DATE: "本年累计"}

# The programme whose recipients are also shown by care tier (特困人员认定办法第 20–23 条: 生活自理能力).
TIERED: Final = Programme.EXTREME_POVERTY_SUPPORT
# One-off aid: counted in 户次/人次 (each grant), not in 户数/人数 (glossary: 户次, 人次).
ONE_OFF: Final = Programme.TEMPORARY_ASSISTANCE
TIER_LABELS: Final = {choice.value: str(choice.label) for choice in SelfCare}
LEVEL_NAMES: Final = {
    Level.REGION: "自治区",
    Level.PREFECTURE: "盟市",
    Level.COUNTY: "旗县（市、区）",
    Level.TOWNSHIP: "苏木乡镇（街道）",
    Level.VILLAGE: "嘎查村（社区）",
}


def period_months(month: dt.date, period: Period) -> tuple[dt.date, dt.date]:
    """The first and the last month (1st of each) the figures cover: the month itself, or January of its
    year up to it (year to date sums the months Jan..month)."""
    first = month.replace(month=1, day=1) if period == Period.YEAR_TO_DATE else month.replace(day=1)
    return first, month.replace(day=1)


def row_level(level: int) -> Level:
    """The rows of a division's page are its children; a village (the lowest level) shows itself."""
    return Level(min(level + 1, Level.VILLAGE))


def area_prefix_length(level: int) -> int:
    """The significant digits of the code at the row level: the rows are ``substr(code, 1, n)``."""
    return PREFIX_LENGTH[row_level(level)]


def can_drill(level: int) -> bool:
    """A row links one level down while there is a level below it to show."""
    return level < Level.VILLAGE


def tier_label(code: str) -> str:
    """The Chinese name of a 特困 care tier; a missing or unknown tier is named as such, never shown raw."""
    if not code:
        return "未评定护理档次"
    return TIER_LABELS.get(code, "其他护理档次")


def tier_order(code: str) -> tuple[int, str]:
    """Tiers in the order of the law (able to care for oneself first), unknown ones last."""
    order = list(TIER_LABELS)
    return (order.index(code) if code in order else len(order), code)


def programme_order() -> list[Programme]:
    """Programmes in catalogue order (the order the bureau lists them)."""
    return list(PROGRAMMES)
