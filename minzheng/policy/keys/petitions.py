"""Policy-parameter keys of the petitions area (registered in policy.rules.PARAMETER_KEYS).

The time limits of 《信访工作条例》 (2022, in force 2022-05-01, art. 50), one key per limit so a later
revision is a new effective-dated row, never a code change (docs/petitions.md, ADR 0035). "日" are calendar
days unless the article says working days (../shared/docs/policy-figures.md §11.2).
"""

from __future__ import annotations

from functools import partial

from minzheng.policy import values
from minzheng.policy.keydefs import Kind, ParameterKey, key_define


def _days(maximum: int = 366) -> partial[int]:
    return partial(values.integer, where="天数", minimum=0, maximum=maximum)


KEYS: tuple[ParameterKey, ...] = (
    key_define(
        "petitions.accept_days",
        "信访：登记后告知是否受理的期限（第二十二、二十三条）",
        Kind.INTEGER,
        "日",
        None,
        _days(),
    ),
    key_define(
        "petitions.objection_working_days",
        "信访：交办事项不属职权范围时提出异议的期限（第二十三条第三款）",
        Kind.INTEGER,
        "工作日",
        None,
        _days(),
    ),
    key_define(
        "petitions.handle_days", "信访：受理后办理完毕的期限（第三十四条）", Kind.INTEGER, "日", None, _days()
    ),
    key_define(
        "petitions.extension_days_max",
        "信访：延长办理期限的上限（第三十四条）",
        Kind.INTEGER,
        "日",
        None,
        _days(),
    ),
    key_define(
        "petitions.review_request_days",
        "信访：收到答复后请求复查的期限（第三十五条）",
        Kind.INTEGER,
        "日",
        None,
        _days(),
    ),
    key_define(
        "petitions.review_decide_days",
        "信访：复查意见的期限（第三十五条）",
        Kind.INTEGER,
        "日",
        None,
        _days(),
    ),
    key_define(
        "petitions.rereview_request_days",
        "信访：收到复查意见后请求复核的期限（第三十六条）",
        Kind.INTEGER,
        "日",
        None,
        _days(),
    ),
    key_define(
        "petitions.rereview_decide_days",
        "信访：复核意见的期限（第三十六条）",
        Kind.INTEGER,
        "日",
        None,
        _days(),
    ),
    key_define(
        "petitions.due_soon_days", "信访：到期前提醒的天数（系统设定）", Kind.INTEGER, "日", None, _days(60)
    ),
    key_define(
        "petitions.repeat_window_days",
        "信访：同一事项重复信访的关联期（系统设定）",
        Kind.INTEGER,
        "日",
        None,
        _days(3660),
    ),
)
