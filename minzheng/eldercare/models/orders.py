"""Service orders with electronic visit verification (EVV, issue 17 §4) and standing plans.

An order records the six EVV facts: the service (``item``), the person served (``older_person``), the date
and the start and end (``check_in_at``, ``check_out_at``), the location of each (latitude/longitude) and the
worker. Check-ins far from the home or outside the ordered window are *flagged* (``flags``), never
silently accepted. Status changes only through ``services.orders`` along ``rules.orders.TRANSITIONS``, each
with an ``OrderEvent`` in the same transaction (ADR 0001).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import ConfirmationChannel, OrderChannel, OrderStatus
from minzheng.eldercare.models.people import OlderPerson
from minzheng.eldercare.models.providers import CareWorker, Provider, ServiceItem

__all__ = ["OrderEvent", "ServiceOrder", "ServicePlan"]


class ReviewDecision(models.TextChoices):
    """The township's decision on an order with EVV flags (kept here: only orders use it)."""

    ACCEPTED = "accepted", "核验属实"
    DISPUTED = "disputed", "核验有异议"


class ServicePlan(models.Model):
    """A standing order (e.g. 助洁 every Tuesday 9:00): the plan run creates the week's orders, once each
    (``ServiceOrder`` is unique per plan and window start)."""

    scope_path = "older_person__division__code"

    older_person = models.ForeignKey(OlderPerson, on_delete=models.PROTECT, related_name="plans")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    weekdays = models.CharField("服务日（周一=1）", max_length=13)  # e.g. "2" or "1,3,5"
    start_time = models.TimeField("开始时间")
    quantity = models.DecimalField("数量", max_digits=8, decimal_places=2, default=1)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("终止日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "固定服务计划"
        verbose_name_plural = "固定服务计划"

    def __str__(self) -> str:
        return f"服务计划 {self.pk}"


class ServiceOrder(models.Model):
    """One service to one older person in one window. ``division`` is the older person's village at order
    time (denormalised: scoping and the monthly settlement read orders without joining people).
    Money: ``amount = quantity × unit_price``; ``co_payment`` what the person pays; ``subsidy`` what the
    settlement pays the provider (``amount − co_payment``), fixed when the order is placed."""

    scope_path = "division__code"

    number = models.CharField("订单号", max_length=24, unique=True)
    older_person = models.ForeignKey(OlderPerson, on_delete=models.PROTECT, related_name="orders")
    division = models.ForeignKey(
        Division, verbose_name="服务对象居住地", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="orders")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField("下单渠道", max_length=12, choices=OrderChannel.choices)
    plan = models.ForeignKey(
        ServicePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ordered_by_account = models.ForeignKey(
        "portal.PortalAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window_start = models.DateTimeField("预约开始")
    window_end = models.DateTimeField("预约结束")
    quantity = models.DecimalField("数量", max_digits=8, decimal_places=2, default=1)
    unit_price = models.DecimalField("单价（元）", max_digits=10, decimal_places=2)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    co_payment = models.DecimalField("个人自付（元）", max_digits=12, decimal_places=2, default=0)
    subsidy = models.DecimalField("政府补贴（元）", max_digits=12, decimal_places=2)
    status = models.CharField("状态", max_length=12, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    note = models.CharField("备注", max_length=200, blank=True)
    placed_at = models.DateTimeField("下单时间")
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        CareWorker, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    # EVV: start and end with place; the photo is a stored document (documents app) when one was taken
    check_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    check_in_latitude = models.DecimalField("签到纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_longitude = models.DecimalField(
        "签到经度", max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_distance_m = models.PositiveIntegerField("签到距住址（米）", null=True, blank=True)
    check_in_photo = models.CharField("签到照片", max_length=200, blank=True)
    check_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    check_out_latitude = models.DecimalField(
        "签退纬度", max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_out_longitude = models.DecimalField(
        "签退经度", max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_out_distance_m = models.PositiveIntegerField("签退距住址（米）", null=True, blank=True)
    check_out_photo = models.CharField("签退照片", max_length=200, blank=True)
    flags = models.JSONField("核验提示", default=list, blank=True)  # codes of rules.orders.FLAGS
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_via = models.CharField(
        "确认方式", max_length=8, choices=ConfirmationChannel.choices, blank=True
    )
    rating = models.PositiveSmallIntegerField("满意度（1–5）", null=True, blank=True)
    feedback = models.CharField("评价", max_length=300, blank=True)
    dispute_reason = models.CharField("异议理由", max_length=300, blank=True)
    # why a check-in/out has no location (the phone refused or could not locate), typed by the worker
    check_in_location_note = models.CharField("签到未定位原因", max_length=100, blank=True)
    check_out_location_note = models.CharField("签退未定位原因", max_length=100, blank=True)
    # the township's decision on a flagged order (rules.orders.review_needed): accepted or disputed
    review_decision = models.CharField(
        "乡镇核验结论", max_length=10, choices=ReviewDecision.choices, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("核验时间", null=True, blank=True)
    review_note = models.CharField("核验说明", max_length=300, blank=True)
    # the SMS confirmation code (only its keyed hash), its time and wrong attempts
    sms_code_hash = models.CharField(max_length=64, blank=True)
    sms_code_sent_at = models.DateTimeField(null=True, blank=True)
    sms_code_attempts = models.PositiveSmallIntegerField(default=0)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务订单"
        verbose_name_plural = "服务订单"
        indexes = [
            models.Index(fields=["division", "window_start"], name="order_division_window"),
            models.Index(fields=["provider", "status", "window_start"], name="order_provider_status"),
            models.Index(fields=["older_person", "window_start"], name="order_person_window"),
        ]
        constraints = [
            # a double click or a second identical request gives one order (cancelled ones do not count)
            models.UniqueConstraint(
                fields=["older_person", "item", "window_start"],
                condition=~Q(status="cancelled"),
                name="order_once_per_person_item_window",
            ),
            models.UniqueConstraint(
                fields=["plan", "window_start"],
                condition=Q(plan__isnull=False),
                name="order_plan_once_per_window",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="order_window_order"
            ),
            models.CheckConstraint(
                condition=Q(subsidy=models.F("amount") - models.F("co_payment")),
                name="order_subsidy_is_difference",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderEvent(models.Model):
    """One status change of an order (who, when, from, to, why)."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=12, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_account = models.ForeignKey(
        "portal.PortalAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "订单记录"
        verbose_name_plural = "订单记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_status}→{self.to_status}"
