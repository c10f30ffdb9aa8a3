"""Policy-parameter keys of the organisations area (registered in policy.rules.PARAMETER_KEYS).

Annual inspection deadlines are month-days of the filing year (``"03-31"``), per organisation type; the
values ship in ``minzheng/organisations/builtin_parameters.json`` with their articles
(policy-figures.md §11.4):

- 社会团体: supervisor 3-31, authority 5-31 — 《社会团体登记管理条例》第二十八条;
- 民办非企业单位 / 社会服务机构: supervisor 3-31, authority 5-31 — 《民办非企业单位年度检查办法》第四条;
  registered ≤ 6 months before 31 December skip the year — 第三条;
- 基金会: authority 3-31 after the supervisor's approval — 《基金会管理条例》第三十六条;
- 社会团体 from 2026-01-01 (《社会团体年度检查办法》): registered before 30 June take part (local practice,
  article UNCONFIRMED);
- 活动异常名录 grace period: UNCONFIRMED (《社会组织信用信息管理办法》, text not in the sources).
"""

from __future__ import annotations

import calendar
from functools import partial
from typing import Any

from minzheng.policy import values
from minzheng.policy.keydefs import Kind, ParameterKey, key_define


def month_day(raw: Any, where: str = "月日") -> str:
    """A month-day ``"MM-DD"`` (``"3-31"`` is normalised to ``"03-31"``)."""
    text = str(raw).strip()
    month_text, sep, day_text = text.partition("-")
    if not sep or not month_text.isdigit() or not day_text.isdigit():
        raise values.ValueProblem(f"{where}“{text}”应为“月-日”，如 03-31")
    month, day = int(month_text), int(day_text)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise values.ValueProblem(f"{where}“{text}”不是有效的日期")
    return f"{month:02d}-{day:02d}"


_DAYS = partial(values.integer, where="天数", minimum=0, maximum=366)
_MONTHS = partial(values.integer, where="月数", minimum=0, maximum=12)


def _deadline(key: str, label: str) -> ParameterKey:
    return key_define(key, label, Kind.JSON, "月-日", None, partial(month_day, where=label))


KEYS: tuple[ParameterKey, ...] = (
    _deadline("organisations.social_group.supervisor_due", "社会团体年度工作报告报业务主管单位初审截止日"),
    _deadline("organisations.social_group.authority_due", "社会团体年度检查报登记管理机关截止日"),
    _deadline("organisations.social_group.registered_before", "社会团体参加年检的成立日期截止（此日前成立）"),
    _deadline("organisations.social_service.supervisor_due", "民办非企业单位年检材料报业务主管单位截止日"),
    _deadline("organisations.social_service.authority_due", "民办非企业单位年检报登记管理机关截止日"),
    key_define(
        "organisations.social_service.new_unit_skip_months",
        "民办非企业单位成立不满多少个月（至12月31日）当年不参加年检",
        Kind.INTEGER,
        "月",
        None,
        _MONTHS,
    ),
    _deadline("organisations.foundation.authority_due", "基金会年度工作报告报登记管理机关截止日"),
    key_define(
        "organisations.abnormal_grace_days",
        "逾期未报年度工作报告列入活动异常名录的宽限天数",
        Kind.INTEGER,
        "天",
        None,
        _DAYS,
    ),
    key_define(
        "organisations.reminder_days_before",
        "年度工作报告截止前短信提醒的提前天数",
        Kind.INTEGER,
        "天",
        None,
        _DAYS,
    ),
)
