"""Policy-parameter keys of eldercare: orders (issue 17). The EVV limits a bureau sets for checking home
service check-ins; none is confirmed yet, so each is a parameter (a missing one flags 需人工核定)."""

from __future__ import annotations

from functools import partial

from minzheng.policy import values
from minzheng.policy.keydefs import Kind, ParameterKey, key_define

KEYS: tuple[ParameterKey, ...] = (
    key_define(
        "eldercare.evv_distance_m",
        "养老服务签到签退距住址上限",
        Kind.INTEGER,
        "米",
        None,
        partial(values.integer, where="距离", minimum=50, maximum=20000),
    ),
    key_define(
        "eldercare.evv_window_tolerance_minutes",
        "养老服务签到时间允许偏差",
        Kind.INTEGER,
        "分钟",
        None,
        partial(values.integer, where="分钟数", minimum=0, maximum=720),
    ),
    key_define("eldercare.evv_short_service_ratio", "养老服务时长不足比例", Kind.RATIO, "", None),
    key_define(
        "eldercare.no_show_grace_minutes",
        "养老服务未上门判定宽限时间",
        Kind.INTEGER,
        "分钟",
        None,
        partial(values.integer, where="分钟数", minimum=0, maximum=1440),
    ),
)
