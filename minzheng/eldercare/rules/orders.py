"""Pure rules of service orders (issue 17 §4): the transition table, the electronic-visit-verification (EVV)
flags and the words the township reads for them, order numbers, the SMS confirmation code. No ORM.

The six EVV facts (service, person, date, location, worker, start/end) follow the practice of
《民政部 国家发展改革委 财政部 关于实施居家和社区基本养老服务提升行动项目的通知》(民函〔2022〕83号)
on verifying home services (签到签退、定位、照片留痕); the distances, tolerances and shares are policy
parameters (``policy/keys/eldercare_orders.py``), never constants here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from minzheng.eldercare.choices import OrderStatus

S = OrderStatus

# The only status changes an order may make (from → the set of allowed targets). Every transition service
# checks this table under a row lock (compare-and-set on the status it read).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.IN_SERVICE, S.CANCELLED, S.NO_SHOW}),
    S.IN_SERVICE: frozenset({S.SERVED}),
    S.SERVED: frozenset({S.CONFIRMED, S.DISPUTED}),
    S.DISPUTED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
OPEN_STATUSES = frozenset({S.PLACED, S.DISPATCHED, S.IN_SERVICE, S.SERVED, S.DISPUTED})


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def transition_refusal(from_status: str, to_status: str) -> str:
    """The Chinese sentence for a refused change (shown to whoever tried it)."""
    current = S(from_status).label if from_status in S.values else from_status
    wanted = S(to_status).label if to_status in S.values else to_status
    return f"订单当前状态为“{current}”，不能改为“{wanted}”（可能已被他人处理，请刷新后查看）"


# --- EVV flags -----------------------------------------------------------------------------------------

FAR_FROM_HOME = "far_from_home"
HOME_LOCATION_MISSING = "home_location_missing"
LOCATION_MISSING = "location_missing"
OUTSIDE_WINDOW = "outside_window"
SHORT_SERVICE = "short_service"
PARAMETER_MISSING = "parameter_missing"

# What the township reads (never the code). A flagged order needs the township's decision (accept or
# dispute) before it can be confirmed and so before the monthly settlement pays it: ``review_needed``.
FLAG_LABELS: dict[str, str] = {
    FAR_FROM_HOME: "签到或签退地点离老人住址过远",
    HOME_LOCATION_MISSING: "老人住址未登记坐标，无法核对签到地点",
    LOCATION_MISSING: "签到或签退时未取得定位（服务人员填写了原因）",
    OUTSIDE_WINDOW: "签到时间不在预约时段内",
    SHORT_SERVICE: "服务时长明显短于标准时长",
    PARAMETER_MISSING: "核验参数未设置，需人工核定",
}


def flag_words(codes: list[str]) -> list[str]:
    return [FLAG_LABELS.get(code, "其他核验提示") for code in codes]


EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class EvvLimits:
    """The parameters in force for the order's place and day; ``None`` = not set (→ 需人工核定)."""

    distance_m: int | None
    window_tolerance_minutes: int | None
    short_service_ratio: Decimal | None


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def distance_flags(
    place: Point | None, home: Point | None, limits: EvvLimits
) -> tuple[list[str], int | None]:
    """Flags of one check-in or check-out place, and the distance in whole metres (None when unknown).
    A distance exactly at the limit passes; one metre more is flagged."""
    if place is None:
        return [LOCATION_MISSING], None
    if home is None:
        return [HOME_LOCATION_MISSING], None
    distance = round(haversine_m(place.latitude, place.longitude, home.latitude, home.longitude))
    if limits.distance_m is None:
        return [PARAMETER_MISSING], distance
    return ([FAR_FROM_HOME] if distance > limits.distance_m else []), distance


def window_flags(
    at: dt.datetime, window_start: dt.datetime, window_end: dt.datetime, limits: EvvLimits
) -> list[str]:
    """A check-in before the window start − tolerance or after the window end + tolerance is flagged;
    exactly at either edge passes."""
    if limits.window_tolerance_minutes is None:
        return [PARAMETER_MISSING]
    tolerance = dt.timedelta(minutes=limits.window_tolerance_minutes)
    return [OUTSIDE_WINDOW] if at < window_start - tolerance or at > window_end + tolerance else []


def duration_flags(
    check_in_at: dt.datetime, check_out_at: dt.datetime, standard_minutes: int, limits: EvvLimits
) -> list[str]:
    """Service shorter than ``ratio × standard_minutes`` is flagged (exactly the share passes)."""
    if limits.short_service_ratio is None:
        return [PARAMETER_MISSING]
    served = Decimal((check_out_at - check_in_at).total_seconds()) / 60
    return [SHORT_SERVICE] if served < limits.short_service_ratio * standard_minutes else []


def flags_merge(*groups: list[str]) -> list[str]:
    """Union of flag codes, first occurrence order kept (stable for display and tests)."""
    merged: list[str] = []
    for group in groups:
        merged.extend(code for code in group if code not in merged)
    return merged


def review_needed(flags: list[str], review_decision: str) -> bool:
    """An order with any EVV flag cannot be confirmed (and so cannot be settled) until the township has
    decided on it: accepted (服务属实) or disputed (→ 有异议)."""
    return bool(flags) and not review_decision


def no_show_due(window_end: dt.datetime, grace_minutes: int, now: dt.datetime) -> bool:
    """A dispatched order not checked in by the window end + grace is a no-show (strictly after)."""
    return now > window_end + dt.timedelta(minutes=grace_minutes)


# --- money, numbers, codes ------------------------------------------------------------------------------

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderMoney:
    unit_price: Decimal
    amount: Decimal
    co_payment: Decimal
    subsidy: Decimal


def order_money(price: Decimal, co_payment_per_unit: Decimal, quantity: Decimal) -> OrderMoney:
    """Amount = quantity × price; co-payment = quantity × co-payment per unit; subsidy = the difference
    (what the settlement pays the provider), all rounded to the fen."""
    amount = (quantity * price).quantize(CENT)
    co_payment = (quantity * co_payment_per_unit).quantize(CENT)
    return OrderMoney(price, amount, co_payment, amount - co_payment)


def plan_order_number(plan_id: int, window_start: dt.datetime) -> str:
    """Deterministic: the same plan and window always give the same number (idempotent generation)."""
    return f"JH{plan_id}-{window_start:%Y%m%d%H%M}"


SMS_CODE_ATTEMPTS = 5  # wrong codes before the code is void (a new one must be sent)
SMS_CODE_MINUTES = 30


def weekdays_parse(text: str) -> list[int]:
    """ "1,3,5" → [1, 3, 5] (Monday = 1); refuses anything else with a precise message."""
    days: list[int] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 7:
            raise ValueError(f"服务日“{part}”不正确，应为 1（周一）到 7（周日）")
        if int(part) not in days:
            days.append(int(part))
    if not days:
        raise ValueError("请至少选择一个服务日")
    return sorted(days)


def plan_windows(
    weekdays: list[int],
    start_time: dt.time,
    minutes: int,
    week_start: dt.date,
    valid_from: dt.date,
    valid_to: dt.date | None,
    tz: dt.tzinfo,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The windows of one week (``week_start`` is a Monday) a plan asks for, within its validity."""
    windows = []
    for day in weekdays:
        date = week_start + dt.timedelta(days=day - 1)
        if date < valid_from or (valid_to is not None and date > valid_to):
            continue
        start = dt.datetime.combine(date, start_time, tzinfo=tz)
        windows.append((start, start + dt.timedelta(minutes=minutes)))
    return windows
