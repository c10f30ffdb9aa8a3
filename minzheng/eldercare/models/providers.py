"""Service providers (养老服务机构/服务商), the areas they serve, their workers and their priced catalogue
(issue 17 §4). Government-purchased services are ordered only from an active provider serving the older
person's township (``ProviderArea``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import ProviderStatus, ServiceKind, ServiceUnit

__all__ = ["CareWorker", "Provider", "ProviderArea", "ServiceItem"]


class Provider(TimeStampedModel):
    """A provider registered with a county's civil-affairs bureau; ``credit_code`` is its 18-character unified
    social credit code (GB 32100-2015, check character verified on entry). The bank account receives the
    monthly settlement (encrypted, blind-indexed, masked like a household's: ADR 0008)."""

    scope_path = "division__code"

    name = models.CharField("机构名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    division = models.ForeignKey(
        Division, verbose_name="登记旗县", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone_encrypted = models.TextField(blank=True)
    contact_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account_name = models.CharField("账户名称", max_length=100, blank=True)
    bank_account_encrypted = models.TextField(blank=True)
    bank_account_index = models.CharField(max_length=64, blank=True, db_index=True)
    bank_account_masked = models.CharField("银行账号", max_length=40, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=ProviderStatus.choices, default=ProviderStatus.ACTIVE
    )
    contract_from = models.DateField("服务协议起", null=True, blank=True)
    contract_to = models.DateField("服务协议止", null=True, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务机构"
        verbose_name_plural = "服务机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderArea(models.Model):
    """A division (township, or a whole county) the provider is contracted to serve; an order may be
    dispatched to the provider only when the older person's village code starts with one of these codes."""

    scope_path = "provider__division__code"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="areas")
    division = models.ForeignKey(
        Division, verbose_name="服务区域", on_delete=models.PROTECT, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务区域"
        verbose_name_plural = "服务区域"
        constraints = [models.UniqueConstraint(fields=["provider", "division"], name="provider_area_once")]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.division_id}"


class CareWorker(TimeStampedModel):
    """A provider's worker (服务人员). ``user`` is the worker's login (role 养老服务机构人员) for the
    phone pages."""

    scope_path = "provider__division__code"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="workers")
    name = models.CharField("姓名", max_length=50)
    phone_encrypted = models.TextField(blank=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_worker",
    )
    active = models.BooleanField("在岗", default=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务人员"
        verbose_name_plural = "服务人员"

    def __str__(self) -> str:
        return self.name


class ServiceItem(TimeStampedModel):
    """One priced service of a provider's catalogue. ``price`` is per ``unit``; ``co_payment`` is what the
    older person pays per unit (0 for fully government-purchased services); the settlement pays the
    provider ``price − co_payment`` per unit served and confirmed."""

    scope_path = "provider__division__code"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField("服务类别", max_length=16, choices=ServiceKind.choices)
    name = models.CharField("服务项目", max_length=60)
    unit = models.CharField("计价单位", max_length=8, choices=ServiceUnit.choices)
    price = models.DecimalField("单价（元）", max_digits=10, decimal_places=2)
    co_payment = models.DecimalField("个人自付（元/单位）", max_digits=10, decimal_places=2, default=0)
    standard_minutes = models.PositiveSmallIntegerField("标准服务时长（分钟）", default=60)
    active = models.BooleanField("在售", default=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="service_item_price_not_negative"),
            models.CheckConstraint(
                condition=Q(co_payment__gte=0) & Q(co_payment__lte=models.F("price")),
                name="service_item_co_payment_within_price",
            ),
        ]

    def __str__(self) -> str:
        return self.name
