"""Policy-parameter keys of the marriage area (registered in policy.rules.PARAMETER_KEYS).

The two cooling-off periods are statutory (《民法典》第一千零七十七条: 30 日 to withdraw, then 30 日 to
come and register); they are still effective-dated parameters so a change of the law is a new version with its
article, never a code change. The booking horizon and opening hour are each bureau's choice (issue 18 §2:
一年365天预约, booking opens at a set hour); the built-in values are in ``marriage/builtin_parameters.json``.
"""

from __future__ import annotations

from functools import partial

from minzheng.policy import values
from minzheng.policy.keydefs import Kind, ParameterKey, key_define

KEYS: tuple[ParameterKey, ...] = (
    key_define(
        "marriage.booking_horizon_days",
        "婚姻登记：可预约的最远天数",
        Kind.INTEGER,
        "天",
        None,
        partial(values.integer, where="天数", minimum=1, maximum=400),
    ),
    key_define(
        "marriage.booking_opening_hour",
        "婚姻登记：每日放号时刻（时）",
        Kind.INTEGER,
        "时",
        None,
        partial(values.integer, where="时刻", minimum=0, maximum=23),
    ),
    key_define(
        "marriage.divorce_withdrawal_days",
        "离婚冷静期：可撤回申请的天数",
        Kind.INTEGER,
        "日",
        None,
        partial(values.integer, where="天数", minimum=1, maximum=365),
    ),
    key_define(
        "marriage.divorce_registration_days",
        "离婚冷静期届满后：双方亲自到场申领离婚证的天数",
        Kind.INTEGER,
        "日",
        None,
        partial(values.integer, where="天数", minimum=1, maximum=365),
    ),
)
