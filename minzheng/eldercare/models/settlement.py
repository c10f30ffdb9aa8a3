"""The monthly provider settlement (结算单, issue 17 §7): one statement per provider, county and month.

Lines are written set-based by ``services.settlement`` from the confirmed orders served in the month and
snapshot what is paid (order number, person, item, quantity, unit price, co-payment, subsidy), so a later
change of an order or a price never changes an approved statement. ``SettlementLine.order`` is UNIQUE: an
order is settled once, whatever the code does (confirmed twice, the run repeated, two statements).
Excluded orders are kept with their reason. The payee (the provider's bank account) is snapshot on the
statement at generation, encrypted, and decrypted only to write the bank file (ADR 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import ServiceKind
from minzheng.eldercare.models.orders import ServiceOrder
from minzheng.eldercare.models.people import OlderPerson
from minzheng.eldercare.models.providers import Provider
from minzheng.eldercare.rules.settlement import ExclusionReason, PaymentOutcome, SettlementStatus

__all__ = ["Settlement", "SettlementEvent", "SettlementExclusion", "SettlementLine"]


class Settlement(TimeStampedModel):
    scope_path = "county__code"

    number = models.CharField("结算单号", max_length=20, unique=True)  # also the bank batch number
    provider = models.ForeignKey(
        Provider, verbose_name="服务机构", on_delete=models.PROTECT, related_name="settlements"
    )
    county = models.ForeignKey(
        Division, verbose_name="旗县（市区）", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("结算月份")  # the 1st of the month
    status = models.CharField(
        "状态", max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    line_count = models.PositiveIntegerField("订单数", default=0)
    service_amount = models.DecimalField("服务金额（元）", max_digits=14, decimal_places=2, default=0)
    co_payment_total = models.DecimalField("个人自付（元）", max_digits=14, decimal_places=2, default=0)
    total_amount = models.DecimalField("结算金额（元）", max_digits=14, decimal_places=2, default=0)
    excluded_count = models.PositiveIntegerField("未结算订单数", default=0)
    # the payee as the bank will pay it, copied at generation
    payee_name = models.CharField("收款户名", max_length=100, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account_encrypted = models.TextField(blank=True)
    bank_account_index = models.CharField(max_length=64, blank=True)
    bank_account_masked = models.CharField("收款账号", max_length=40, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField("编制时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    rejected_reason = models.CharField("退回理由", max_length=200, blank=True)
    exported_at = models.DateTimeField("银行文件生成时间", null=True, blank=True)
    bank_template = models.CharField("银行文件模板", max_length=20, blank=True)
    payment_outcome = models.CharField(
        "支付结果", max_length=8, choices=PaymentOutcome.choices, default=PaymentOutcome.PENDING
    )
    bank_reason = models.CharField("银行失败原因", max_length=100, blank=True)
    reconciled_at = models.DateTimeField("对账时间", null=True, blank=True)
    result_digest = models.CharField(max_length=64, blank=True)  # sha256 of the imported result file
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "养老服务结算单"
        verbose_name_plural = "养老服务结算单"
        ordering = ["-month", "county__code", "provider__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "county", "month"], name="settlement_one_per_provider_county_month"
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=models.F("made_by")),
                name="settlement_maker_is_not_checker",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]) | Q(checked_by__isnull=False),
                name="settlement_approved_has_checker",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_locked(self) -> bool:
        return self.status not in (SettlementStatus.DRAFT, SettlementStatus.SUBMITTED)


class SettlementLine(models.Model):
    """One paid order, as paid: the snapshot does not follow later edits of the order or the catalogue."""

    scope_path = "settlement__county__code"

    # no single-column indexes beside the order's: the statement index below leads with the settlement, and
    # every index costs a million index insertions a month (bench/eldercare.py)
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines", db_index=False)
    order = models.OneToOneField(
        ServiceOrder, verbose_name="订单", on_delete=models.PROTECT, related_name="settlement_line"
    )
    order_number = models.CharField("订单号", max_length=24)
    older_person = models.ForeignKey(
        OlderPerson, verbose_name="服务对象", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person_name = models.CharField("服务对象", max_length=50)
    division = models.ForeignKey(
        Division, verbose_name="居住地", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField("服务类别", max_length=16, choices=ServiceKind.choices)
    item_name = models.CharField("服务项目", max_length=60)
    served_at = models.DateTimeField("服务完成时间")
    quantity = models.DecimalField("数量", max_digits=8, decimal_places=2)
    unit_price = models.DecimalField("单价（元）", max_digits=10, decimal_places=2)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    co_payment = models.DecimalField("个人自付（元）", max_digits=12, decimal_places=2)
    subsidy = models.DecimalField("结算金额（元）", max_digits=12, decimal_places=2)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "结算明细"
        verbose_name_plural = "结算明细"
        indexes = [
            models.Index(fields=["settlement", "served_at", "order_number"], name="settlement_line_order")
        ]

    def __str__(self) -> str:
        return self.order_number


class SettlementExclusion(models.Model):
    """An order of the month left off the statement, and why (regenerated with the draft)."""

    scope_path = "settlement__county__code"

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="exclusions")
    order = models.ForeignKey(ServiceOrder, verbose_name="订单", on_delete=models.PROTECT, related_name="+")
    order_number = models.CharField("订单号", max_length=24)
    person_name = models.CharField("服务对象", max_length=50)
    item_name = models.CharField("服务项目", max_length=60)
    subsidy = models.DecimalField("补贴金额（元）", max_digits=12, decimal_places=2)
    reason = models.CharField("未结算原因", max_length=12, choices=ExclusionReason.choices)
    detail = models.CharField("说明", max_length=300, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "未结算订单"
        verbose_name_plural = "未结算订单"
        constraints = [
            models.UniqueConstraint(fields=["settlement", "order"], name="settlement_exclusion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} {self.reason}"


class SettlementEvent(models.Model):
    """One status change of a statement (who, when, from, to, why)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=10, choices=SettlementStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=SettlementStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "结算单记录"
        verbose_name_plural = "结算单记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.from_status}→{self.to_status}"
