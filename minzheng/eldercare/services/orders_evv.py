"""The worker's check-in and check-out (electronic visit verification, issue 17 §4): server time, the
phone's location (or a typed reason when it has none) and a photo. Each records the facts and the flags
(``rules.orders``) — a far or late check-in is flagged, never refused and never silently accepted.

Photos: read and checked like every upload (size, content type from the bytes, extension, virus scan;
ADR 0017/0028, ``documents.services.upload_read`` / ``upload_scan``) and stored through the default storage
under ``eldercare/orders/<year>/<month>/`` with a random name; staff open them through a sandboxed view.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from minzheng.common.errors import ValidationFailed
from minzheng.documents.services import upload_read, upload_scan
from minzheng.eldercare.choices import OrderStatus
from minzheng.eldercare.models import ServiceOrder
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.selectors import orders as order_selectors
from minzheng.eldercare.services.orders import order_transition, parameter_or_none

S = OrderStatus


@dataclass(frozen=True)
class Location:
    """What the phone sent: coordinates, or nothing and the worker's reason."""

    latitude: str = ""
    longitude: str = ""
    reason: str = ""


def _point(location: Location) -> rules.Point | None:
    if not location.latitude and not location.longitude:
        if len(location.reason.strip()) < 2:
            raise ValidationFailed(
                "未能取得定位：请在手机上允许本页面使用位置信息，或填写无法定位的原因",
                field="location_reason",
            )
        return None
    try:
        latitude, longitude = Decimal(location.latitude), Decimal(location.longitude)
    except (InvalidOperation, ValueError):
        raise ValidationFailed("定位数据不正确，请重新定位", field="location_reason") from None
    if not (Decimal(-90) <= latitude <= Decimal(90) and Decimal(-180) <= longitude <= Decimal(180)):
        raise ValidationFailed("定位数据超出范围，请重新定位", field="location_reason")
    return rules.Point(
        float(latitude.quantize(Decimal("0.000001"))), float(longitude.quantize(Decimal("0.000001")))
    )


def evv_limits(order: ServiceOrder, on_date: dt.date) -> rules.EvvLimits:
    code = order.division.code
    ratio = parameter_or_none("eldercare.evv_short_service_ratio", code, on_date)
    distance = parameter_or_none("eldercare.evv_distance_m", code, on_date)
    tolerance = parameter_or_none("eldercare.evv_window_tolerance_minutes", code, on_date)
    return rules.EvvLimits(
        distance_m=int(distance) if distance is not None else None,
        window_tolerance_minutes=int(tolerance) if tolerance is not None else None,
        short_service_ratio=Decimal(str(ratio)) if ratio is not None else None,
    )


def _home(order: ServiceOrder) -> rules.Point | None:
    older = order.older_person
    if older.home_latitude is None or older.home_longitude is None:
        return None
    return rules.Point(float(older.home_latitude), float(older.home_longitude))


def _photo_store(actor: Any, order: ServiceOrder, photo: Any, moment: str, ip_address: str | None) -> str:
    if photo is None:
        raise ValidationFailed(f"请拍摄{moment}照片", field="photo")
    upload = upload_read(photo)
    if upload.checked.file_type.value not in ("image/jpeg", "image/png", "image/webp"):
        raise ValidationFailed("请上传照片（JPEG、PNG 或 WebP）", field="photo")
    upload_scan(
        data=upload.data,
        name=upload.name,
        sha256=upload.checked.sha256,
        actor=actor,
        object_type="service_order",
        object_id=order.pk,
        division_code=order.division.code,
        subject=f"养老服务订单 {order.number}",
        ip_address=ip_address,
    )
    now = timezone.localtime()
    random = secrets.token_hex(8)
    extension = upload.checked.extension
    name = f"eldercare/orders/{now:%Y/%m}/{order.pk}-{moment_code(moment)}-{random}.{extension}"
    stored = default_storage.save(name, ContentFile(upload.data))
    return stored


def moment_code(moment: str) -> str:
    return "in" if moment == "签到" else "out"


@transaction.atomic
def order_check_in(
    *, actor: Any, order_id: int, location: Location, photo: Any, ip_address: str | None = None
) -> ServiceOrder:
    """The assigned worker arrives: dispatched → in service, with server time, place, photo and flags."""
    worker = order_selectors.worker_of(actor)
    if worker is None:
        raise ValidationFailed("您的账号未登记为服务人员，不能签到")
    order = order_selectors.worker_order(worker=worker, pk=order_id)
    if order.status != S.DISPATCHED:
        raise_status(order, "签到")
    point = _point(location)
    path = _photo_store(actor, order, photo, "签到", ip_address)
    now = timezone.now()
    limits = evv_limits(order, timezone.localdate(now))
    place_flags, distance = rules.distance_flags(point, _home(order), limits)
    flags = rules.flags_merge(
        order.flags, place_flags, rules.window_flags(now, order.window_start, order.window_end, limits)
    )
    return order_transition(
        order_id=order.pk,
        to_status=S.IN_SERVICE,
        actor=actor,
        expected=[S.DISPATCHED],
        note="签到" + (f"（{'、'.join(rules.flag_words(flags))}）" if flags else ""),
        ip_address=ip_address,
        updates={
            "check_in_at": now,
            "check_in_latitude": _dec(point, "latitude"),
            "check_in_longitude": _dec(point, "longitude"),
            "check_in_distance_m": distance,
            "check_in_photo": path,
            "check_in_location_note": _reason(location, point),
            "flags": flags,
        },
    )


@transaction.atomic
def order_check_out(
    *, actor: Any, order_id: int, location: Location, photo: Any, ip_address: str | None = None
) -> ServiceOrder:
    """The worker leaves: in service → served (待确认), with the same facts and the short-service flag."""
    worker = order_selectors.worker_of(actor)
    if worker is None:
        raise ValidationFailed("您的账号未登记为服务人员，不能签退")
    order = order_selectors.worker_order(worker=worker, pk=order_id)
    if order.status != S.IN_SERVICE:
        raise_status(order, "签退")
    point = _point(location)
    path = _photo_store(actor, order, photo, "签退", ip_address)
    now = timezone.now()
    limits = evv_limits(order, timezone.localdate(now))
    place_flags, distance = rules.distance_flags(point, _home(order), limits)
    assert order.check_in_at is not None  # in service means checked in
    short = rules.duration_flags(order.check_in_at, now, order.item.standard_minutes, limits)
    flags = rules.flags_merge(order.flags, place_flags, short)
    return order_transition(
        order_id=order.pk,
        to_status=S.SERVED,
        actor=actor,
        expected=[S.IN_SERVICE],
        note="签退" + (f"（{'、'.join(rules.flag_words(flags))}）" if flags else ""),
        ip_address=ip_address,
        updates={
            "check_out_at": now,
            "check_out_latitude": _dec(point, "latitude"),
            "check_out_longitude": _dec(point, "longitude"),
            "check_out_distance_m": distance,
            "check_out_photo": path,
            "check_out_location_note": _reason(location, point),
            "flags": flags,
        },
    )


def _reason(location: Location, point: rules.Point | None) -> str:
    return location.reason.strip()[:100] if point is None else ""


def _dec(point: rules.Point | None, name: str) -> Decimal | None:
    return None if point is None else Decimal(str(getattr(point, name))).quantize(Decimal("0.000001"))


def raise_status(order: ServiceOrder, action: str) -> None:
    from minzheng.common.errors import Conflict

    raise Conflict(
        f"订单当前状态为“{S(order.status).label}”，不能{action}（可能已处理，请刷新后查看）",
        code="order_status",
    )
