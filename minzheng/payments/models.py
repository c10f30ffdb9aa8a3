"""Monthly payroll, payment lines, bank result imports and township reserve funds (issue 5 items 4–7).

A ``Payroll`` is one county's payment batch for one month (unique per county and month). Its
``PayrollLine`` rows are written set-based by ``services.payroll_generate`` from the enrolments'
entitlement periods: one *regular* line per enrolment for the payroll month, *adjustment* lines for
earlier months where what is owed differs from what approved payrolls already booked, and *retry* lines
for lines the bank failed. The database refuses a second regular line for the same enrolment and month
and a second retry of the same failed line (ADR 0018), so nothing is paid twice whatever the code does.

A ``ReserveFund`` is a township's 临时救助备用金 (policy-rules.md §3.6; 民发〔2018〕23号 §三(三)); its
stored balance carries a CHECK ``balance >= 0`` and every movement is a ``ReserveEntry``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment
from minzheng.payments.rules import LineKind, PaymentStatus, PayrollStatus, ReserveEntryKind
from minzheng.registry.models import Household


class Payroll(TimeStampedModel):
    scope_path = "county__code"

    number = models.CharField("批次号", max_length=20, unique=True)  # <county 6><yyyymm>, the bank batch no.
    county = models.ForeignKey(
        Division, verbose_name="旗县（市区）", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("发放月份")  # 1st of the month
    status = models.CharField(
        "状态", max_length=10, choices=PayrollStatus.choices, default=PayrollStatus.DRAFT
    )
    line_count = models.PositiveIntegerField("明细条数", default=0)
    total_amount = models.DecimalField("合计金额（元）", max_digits=14, decimal_places=2, default=0)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField("编制时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_by = models.ForeignKey(
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
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        ordering = ["-month", "county__code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "month"], name="payroll_one_per_county_month"),
            models.CheckConstraint(
                condition=Q(status="approved", approved_by__isnull=False) | ~Q(status="approved"),
                name="payroll_approved_has_checker",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("generated_by")),
                name="payroll_maker_is_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}"

    @property
    def is_locked(self) -> bool:
        return self.status == PayrollStatus.APPROVED


class PayrollLine(models.Model):
    """One amount for one enrolment and one entitlement month in one payroll.

    ``amount`` is negative only for a deduction (an adjustment where less was owed than booked)."""

    scope_path = "township__code"

    # No database foreign keys and no index of their own on the line's references (issue 21): the lines are
    # written only by the generation's INSERT … SELECT, which reads the payroll (locked by the same
    # transaction), the enrolment, its household and township in the same statement, and none of these rows
    # is ever deleted (payrolls and enrolments have no delete path; the ORM still refuses to delete an
    # enrolment, household or township with lines, ``PROTECT``). A deferred key check per line per key made
    # up a third of a 1.7-million-line generation (bench/speed-payments.md). The composite and unique
    # indexes below serve the lookups by payroll and by enrolment.
    payroll = models.ForeignKey(
        Payroll, on_delete=models.CASCADE, related_name="lines", db_constraint=False, db_index=False
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="payroll_lines", db_constraint=False, db_index=False
    )
    # Copies of the enrolment's household and paying township at generation (lines are grouped and scoped
    # by them). The household index serves the portal's payment list.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    township = models.ForeignKey(
        Division,
        verbose_name="发放乡镇（街道）",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    programme = models.CharField("救助项目", max_length=32)
    # The payee as the bank will pay them, copied from the household (its head's name and its bank account,
    # stored as the household stores it: encrypted, blind index, masked) by the same INSERT … SELECT that
    # writes the line, and never rewritten once the payroll is approved: the bank file and the
    # reconciliation read these, so a registry change after approval cannot redirect the payment
    # (issue 16 §2, ADR 0022); it reaches the next payroll.
    payee_name = models.CharField("收款户名", max_length=50, default="", blank=True)
    bank_name = models.CharField("开户银行", max_length=60, default="", blank=True)
    bank_account_encrypted = models.TextField(default="", blank=True)
    bank_account_index = models.CharField(max_length=64, default="", blank=True)
    bank_account_masked = models.CharField("银行账号", max_length=40, default="", blank=True)
    kind = models.CharField("类别", max_length=12, choices=LineKind.choices)
    entitlement_month = models.DateField("所属月份")
    owed = models.DecimalField("应发（元）", max_digits=12, decimal_places=2)
    booked_before = models.DecimalField("此前已列（元）", max_digits=12, decimal_places=2, default=0)
    amount = models.DecimalField("本次金额（元）", max_digits=12, decimal_places=2)
    # One retry per failed line: a unique index of the few non-null values only (``line_one_retry``), not of
    # every line's NULL. No database key (issue 21): its check trigger fired for every line written, NULL or
    # not (a tenth of a region's generation); the retry statement copies the id of the failed line it reads,
    # which belongs to an approved payroll, whose lines are never deleted.
    retry_of = models.ForeignKey(
        "self",
        verbose_name="重发的失败明细",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retried_by",
        db_index=False,
        db_constraint=False,
    )
    # The bank result import turns every pending line of a payroll into ``paid`` with one UPDATE that sets
    # only ``payment_status`` and ``settled_on``. Neither is named by any index (key, expression or
    # predicate), and the table is stored with fillfactor 50 (migration 0005), so each new version is a HOT
    # update on its own page with no index entry: 5 times less backend CPU and WAL at region scale
    # (issue 21, bench/speed-payments.md). Do not index these two columns: one such index makes every line
    # of the import a full update with an entry in every index again.
    payment_status = models.CharField(
        "发放状态", max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # Set only for the few lines the bank failed or noted; a failed line always has one (the import writes
    # ``rules.FAILED_WITHOUT_REASON`` when the bank gave none; CHECK ``payroll_line_failed_has_reason``),
    # which is what lets ``line_bank_reason`` find every failed line without naming ``payment_status``.
    bank_reason = models.CharField("银行反馈", max_length=100, blank=True)
    settled_on = models.DateField("到账/发放日期", null=True, blank=True)
    paid_method = models.CharField("其他发放方式", max_length=20, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # ``line_paid_by``: the few lines paid another way only
        db_constraint=False,  # the actor who recorded it (users are never deleted); see ``retry_of``
    )
    paid_note = models.CharField("说明", max_length=200, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        constraints = [
            # The no-double-pay guarantee (ADR 0018): one regular line per enrolment and month, ever.
            models.UniqueConstraint(
                fields=["enrolment", "entitlement_month"],
                condition=Q(kind="regular"),
                name="payroll_line_one_regular_per_month",
            ),
            # At most one regular-or-adjustment line per enrolment and month in a payroll.
            models.UniqueConstraint(
                fields=["payroll", "enrolment", "entitlement_month"],
                condition=~Q(kind="retry"),
                name="payroll_line_one_per_payroll_month",
            ),
            models.UniqueConstraint(
                fields=["retry_of"], condition=Q(retry_of__isnull=False), name="line_one_retry"
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(amount__gt=0),
                name="payroll_line_positive_unless_adjustment",
            ),
            models.CheckConstraint(
                condition=Q(kind="retry", retry_of__isnull=False)
                | (~Q(kind="retry") & Q(retry_of__isnull=True)),
                name="payroll_line_retry_names_failed_line",
            ),
            # Every failed line is in ``line_bank_reason`` (the retry statement's way to the failed lines).
            models.CheckConstraint(
                condition=~Q(payment_status="failed") | ~Q(bank_reason=""),
                name="payroll_line_failed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["payroll", "township", "enrolment"]),
            # No plain (enrolment, entitlement_month) index (issue 21): the statements that look lines up
            # by enrolment and month look for regular lines (``payroll_line_one_regular_per_month``); the
            # others join whole payrolls by hash.
            # The lines the bank failed or noted, by payroll: the retry statement reads the failed lines of
            # the county's approved payrolls through it (``payment_status = 'failed' AND bank_reason <> ''``,
            # the second implied by the first, CHECK above). Not an index on ``payment_status`` (it was,
            # ``line_failed``, until issue 21): that column changes in every line at the result import, and
            # an index naming it, even in its predicate only, rules out HOT updates. ``bank_reason`` is left
            # alone by the bulk pending → paid UPDATE and set only in the few failed or noted lines.
            models.Index(fields=["payroll"], condition=~Q(bank_reason=""), name="line_bank_reason"),
            models.Index(fields=["paid_by"], condition=Q(paid_by__isnull=False), name="line_paid_by"),
        ]

    def __str__(self) -> str:
        return f"{self.payroll_id}/{self.enrolment_id}/{self.entitlement_month:%Y-%m} {self.amount}"

    @property
    def programme_name(self) -> str:
        from minzheng.policy.rules import PROGRAMMES

        return next((p.name for p in PROGRAMMES if p.code == self.programme), self.programme)


class ResultImport(models.Model):
    """A bank result file applied to a payroll; the file's hash makes a re-import a no-op."""

    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="result_imports")
    template = models.CharField("文件模板", max_length=40)
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    rows = models.PositiveIntegerField("笔数")
    paid_count = models.PositiveIntegerField("成功笔数")
    failed_count = models.PositiveIntegerField("失败笔数")
    paid_amount = models.DecimalField("成功金额（元）", max_digits=14, decimal_places=2)
    failed_amount = models.DecimalField("失败金额（元）", max_digits=14, decimal_places=2)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "银行回盘导入"
        verbose_name_plural = "银行回盘导入"
        constraints = [
            models.UniqueConstraint(fields=["payroll"], name="result_import_one_per_payroll"),
        ]

    def __str__(self) -> str:
        return f"{self.payroll_id} {self.file_name}"


# --- reserve funds --------------------------------------------------------------------------------------


class ReserveFund(TimeStampedModel):
    """A township's 临时救助备用金 (民发〔2018〕23号 §三(三); 2020 opinion item 15)."""

    scope_path = "township__code"

    township = models.OneToOneField(
        Division, verbose_name="乡镇（街道）", on_delete=models.PROTECT, related_name="reserve_fund"
    )
    balance = models.DecimalField("余额（元）", max_digits=14, decimal_places=2, default=0)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "临时救助备用金"
        verbose_name_plural = "临时救助备用金"
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="reserve_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.township_id}: {self.balance}"


INFLOWS = (ReserveEntryKind.ALLOCATION, ReserveEntryKind.TOP_UP, ReserveEntryKind.SETTLEMENT)


class ReserveEntry(models.Model):
    scope_path = "fund__township__code"

    fund = models.ForeignKey(ReserveFund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类别", max_length=12, choices=ReserveEntryKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    balance_after = models.DecimalField("余额（元）", max_digits=14, decimal_places=2)
    entry_date = models.DateField("日期")
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="救助申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reserve_entries",
    )
    settles = models.OneToOneField(
        "self",
        verbose_name="归垫的支出",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settled_by",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "备用金收支"
        verbose_name_plural = "备用金收支"
        ordering = ["fund_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reserve_entry_amount_positive"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="reserve_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="draw", application__isnull=False) | ~Q(kind="draw"),
                name="reserve_draw_names_application",
            ),
            models.CheckConstraint(
                condition=Q(kind="settlement", settles__isnull=False) | ~Q(kind="settlement"),
                name="reserve_settlement_names_draw",
            ),
        ]
        indexes = [models.Index(fields=["fund", "entry_date"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
