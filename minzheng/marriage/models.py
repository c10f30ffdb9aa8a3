"""婚姻登记 (issue 18): registration offices with their opening calendar, slots with a capacity per service,
appointments of both parties, registration records (window and imported), divorce applications with the
cooling-off dates, certificate counters and imports.

Personal identifiers (ID numbers, phones) are stored three ways like the registry's ``Person``: ciphertext,
a keyed blind index (the registry's ``id_number`` purpose, so the same person matches across areas) and a
masked form for screens (ADR 0008). Every row is scoped by the office's (or record's) division (ADR 0006).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from minzheng.common import crypto
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.marriage import rules
from minzheng.portal.models import PortalAccount

SERVICE_CHOICES = [(k.value, v) for k, v in rules.SERVICE_LABELS.items()]
APPOINTMENT_STATUS_CHOICES = [(k.value, v) for k, v in rules.APPOINTMENT_STATUS_LABELS.items()]
DIVORCE_STATUS_CHOICES = [(k.value, v) for k, v in rules.DIVORCE_STATUS_LABELS.items()]
RECORD_KIND_CHOICES = [(k.value, v) for k, v in rules.RECORD_KIND_LABELS.items()]
ACTIVE_STATUSES = sorted(s.value for s in rules.ACTIVE_APPOINTMENT)


class Office(models.Model):
    """A marriage registration office (婚姻登记处) of a banner/county. ``slot_plan`` is the day's timetable
    used to generate slots on open days: ``[{"service", "starts_at": "09:00", "ends_at": "10:00",
    "capacity"}]``."""

    scope_path = "division__code"

    name = models.CharField("登记机关", max_length=100)
    division = models.ForeignKey(
        Division, verbose_name="所属旗县（市区）", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=40, blank=True)
    slot_plan = models.JSONField("每日号源安排", default=list, blank=True)
    is_active = models.BooleanField("开放预约", default=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "婚姻登记机关"
        verbose_name_plural = "婚姻登记机关"
        ordering = ["division__code", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The six-digit code printed in certificate numbers."""
        return self.division.code[:6]


class OfficeDay(models.Model):
    """An exception to the working-day calendar: an extra open day (5·20, 七夕, 2·14 on a weekend) or a
    closure (training, an emergency)."""

    scope_path = "office__division__code"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期")
    is_open = models.BooleanField("是否开放")
    reason = models.CharField("说明", max_length=60, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "开放日调整"
        verbose_name_plural = "开放日调整"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["office", "date"], name="marriage_office_day_once")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.date} {'开放' if self.is_open else '闭馆'}"


class Slot(models.Model):
    """A bookable time window of one service on one day. ``booked`` is taken by one conditional UPDATE
    (``booked < capacity``) and the check constraint makes overbooking impossible even for a bug."""

    scope_path = "office__division__code"

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="slots")
    day = models.DateField("日期")
    service = models.CharField("业务", max_length=24, choices=SERVICE_CHOICES)
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    capacity = models.PositiveIntegerField("号源数")
    booked = models.PositiveIntegerField("已预约", default=0)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "预约号源"
        verbose_name_plural = "预约号源"
        ordering = ["day", "starts_at", "service"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "service", "starts_at"], name="marriage_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="marriage_slot_not_overbooked"
            ),
        ]
        indexes = [models.Index(fields=["service", "day"], name="marriage_slot_service_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.starts_at:%H:%M} {self.service}"

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class PersonalFields(models.Model):
    """The two parties of a registration or application as on their ID cards: 男方 and 女方."""

    man_name = models.CharField("男方姓名", max_length=50)
    man_id_encrypted = models.TextField()
    man_id_index = models.CharField(max_length=64)
    man_id_masked = models.CharField("男方身份证号码", max_length=18)
    man_birth_date = models.DateField("男方出生日期")
    woman_name = models.CharField("女方姓名", max_length=50)
    woman_id_encrypted = models.TextField()
    woman_id_index = models.CharField(max_length=64)
    woman_id_masked = models.CharField("女方身份证号码", max_length=18)
    woman_birth_date = models.DateField("女方出生日期")

    class Meta:
        abstract = True

    @classmethod
    def personal_field_names(cls) -> tuple[str, ...]:
        """The ten fields above, in order (copied as a whole from an application to its record)."""
        return tuple(f.attname for f in PersonalFields._meta.get_fields() if hasattr(f, "attname"))

    @property
    def man_id_number(self) -> str:
        return crypto.decrypt(self.man_id_encrypted)

    @property
    def woman_id_number(self) -> str:
        return crypto.decrypt(self.woman_id_encrypted)


class Appointment(models.Model):
    """A booking of one slot by one party (``booker``) for both; the other party (``partner``) confirms
    after signing in with their own phone. The ``AppointmentParty`` rows enforce one active booking per
    person and service."""

    scope_path = "office__division__code"

    office = models.ForeignKey(
        Office, verbose_name="登记机关", on_delete=models.PROTECT, related_name="appointments"
    )
    slot = models.ForeignKey(Slot, verbose_name="时段", on_delete=models.PROTECT, related_name="appointments")
    service = models.CharField("业务", max_length=24, choices=SERVICE_CHOICES)
    status = models.CharField("状态", max_length=12, choices=APPOINTMENT_STATUS_CHOICES)
    booker_account = models.ForeignKey(
        PortalAccount, verbose_name="预约人账号", on_delete=models.PROTECT, related_name="+"
    )
    booker_name = models.CharField("预约人", max_length=50)
    booker_id_encrypted = models.TextField()
    booker_id_index = models.CharField(max_length=64, db_index=True)
    booker_id_masked = models.CharField("预约人身份证号码", max_length=18)
    booker_phone_encrypted = models.TextField()
    booker_phone_masked = models.CharField("预约人手机号", max_length=20)
    partner_account = models.ForeignKey(
        PortalAccount,
        verbose_name="对方账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner_name = models.CharField("对方姓名", max_length=50)
    partner_id_encrypted = models.TextField()
    partner_id_index = models.CharField(max_length=64, db_index=True)
    partner_id_masked = models.CharField("对方身份证号码", max_length=18)
    partner_phone_encrypted = models.TextField()
    partner_phone_masked = models.CharField("对方手机号", max_length=20)
    created_at = models.DateTimeField("预约时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)  # cancelled, attended or no-show
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "婚姻登记预约"
        verbose_name_plural = "婚姻登记预约"
        ordering = ["slot__day", "slot__starts_at", "id"]
        indexes = [models.Index(fields=["office", "status"], name="marriage_appt_office_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """``YY2026-000123``: the year booked and the row id (shown to both parties and at the window)."""
        return f"YY{self.created_at:%Y}-{self.pk:06d}"

    @property
    def booker_phone(self) -> str:
        return crypto.decrypt(self.booker_phone_encrypted)

    @property
    def partner_phone(self) -> str:
        return crypto.decrypt(self.partner_phone_encrypted)

    @property
    def booker_id_number(self) -> str:
        return crypto.decrypt(self.booker_id_encrypted)

    @property
    def partner_id_number(self) -> str:
        return crypto.decrypt(self.partner_id_encrypted)


class AppointmentParty(models.Model):
    """One person (by ID blind index) in one appointment; ``active`` while the appointment is pending or
    confirmed. The partial unique index is the rule “one active booking per person per service”."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="parties")
    service = models.CharField(max_length=24, choices=SERVICE_CHOICES)
    id_index = models.CharField(max_length=64)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "预约当事人"
        verbose_name_plural = "预约当事人"
        constraints = [
            models.UniqueConstraint(
                fields=["service", "id_index"], condition=Q(active=True), name="marriage_one_active_booking"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.service}"


class AppointmentEvent(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        PortalAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField("说明", max_length=300, blank=True)
    occurred_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "预约记录"
        verbose_name_plural = "预约记录"
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.action}"


class CertificateCounter(models.Model):
    """The last certificate serial issued per office, prefix and year; taken under a row lock in the
    registering transaction, so a rolled-back registration gives its number back (no gaps, no reuse)."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "证书编号计数"
        verbose_name_plural = "证书编号计数"
        constraints = [
            models.UniqueConstraint(fields=["office", "prefix", "year"], name="marriage_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.prefix}{self.year} {self.last}"


class ImportBatch(models.Model):
    """One uploaded register file (补录): what it held and the row-level report. A file with any wrong row
    is rejected whole (kept with its report, no records); duplicates of records we hold are skipped."""

    class Status(models.TextChoices):
        LOADED = "loaded", "已导入"
        REJECTED = "rejected", "已拒收"

    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.LOADED)
    office = models.ForeignKey(Office, verbose_name="登记机关", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("内容摘要（SHA-256）", max_length=64)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_created = models.PositiveIntegerField("新增档案", default=0)
    rows_duplicate = models.PositiveIntegerField("重复（已有档案）", default=0)
    rows_rejected = models.PositiveIntegerField("有误未导入", default=0)
    errors = models.JSONField("错误报告", default=list, blank=True)  # [{row, column, value, message}]
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    scope_path = "office__division__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "婚姻档案补录批次"
        verbose_name_plural = "婚姻档案补录批次"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class MarriageRecord(PersonalFields):
    """One registration (结婚 or 离婚), made at the window or imported from an old register. A marriage
    record's ``dissolved_on`` is set when a divorce of the couple is registered (or by a correction), so
    “currently married per our records” is one indexed lookup."""

    class Source(models.TextChoices):
        WINDOW = "window", "窗口登记"
        IMPORT = "import", "历史档案补录"

    scope_path = "division__code"

    kind = models.CharField("登记类别", max_length=10, choices=RECORD_KIND_CHOICES)
    certificate_number = models.CharField("证书编号", max_length=40)
    registered_on = models.DateField("登记日期")
    office = models.ForeignKey(
        Office,
        verbose_name="登记机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    division = models.ForeignKey(
        Division, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    dissolved_on = models.DateField("婚姻解除日期", null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["man_id_encrypted", "woman_id_encrypted"])

    class Meta:
        verbose_name = "婚姻登记档案"
        verbose_name_plural = "婚姻登记档案"
        ordering = ["-registered_on", "-id"]
        constraints = [
            # the same couple registered the same thing on the same day once (duplicate detection of imports)
            models.UniqueConstraint(
                fields=["kind", "man_id_index", "woman_id_index", "registered_on"],
                name="marriage_record_once",
            ),
            # numbers issued here come from the locked counter; old registers may repeat theirs
            models.UniqueConstraint(
                fields=["certificate_number"], condition=Q(source="window"), name="marriage_certificate_once"
            ),
        ]
        indexes = [
            models.Index(fields=["man_id_index"], name="marriage_record_man"),
            models.Index(fields=["woman_id_index"], name="marriage_record_woman"),
            models.Index(fields=["certificate_number"], name="marriage_record_certificate"),
            models.Index(fields=["division", "registered_on"], name="marriage_record_division_day"),
        ]

    def __str__(self) -> str:
        return self.certificate_number


class RecordCorrection(models.Model):
    """A staff correction of a record with its reason (the full before/after is also in ``history``)."""

    record = models.ForeignKey(MarriageRecord, on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField("更正项目", max_length=40)
    old_value = models.CharField("原内容", max_length=100, blank=True)
    new_value = models.CharField("更正为", max_length=100, blank=True)
    reason = models.CharField("更正原因", max_length=300)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        verbose_name = "档案更正"
        verbose_name_plural = "档案更正"
        ordering = ["corrected_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.field}"


class CertificateReissue(models.Model):
    """补领: a replacement certificate for a record, numbered from the issuing office's sequence."""

    record = models.ForeignKey(MarriageRecord, on_delete=models.PROTECT, related_name="reissues")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    certificate_number = models.CharField("补发证书编号", max_length=40, unique=True)
    holder = models.CharField("领证人", max_length=6)  # "man" / "woman"
    reissued_on = models.DateField("补发日期")
    reissued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "补领婚姻登记证"
        verbose_name_plural = "补领婚姻登记证"

    def __str__(self) -> str:
        return self.certificate_number


class DivorceApplication(PersonalFields):
    """An application for divorce by agreement (《民法典》第一千零七十六条). Its dates are computed once on
    receipt by ``rules.cooling_off_dates`` and stored; the daily scan marks it lapsed after
    ``register_by``."""

    scope_path = "office__division__code"

    office = models.ForeignKey(Office, verbose_name="受理机关", on_delete=models.PROTECT, related_name="+")
    marriage_record = models.ForeignKey(
        MarriageRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="divorce_applications"
    )
    marriage_certificate = models.CharField("结婚证字号", max_length=40)
    agreement_signed = models.BooleanField("已提交书面离婚协议")
    received_on = models.DateField("受理日期")
    withdraw_until = models.DateField("冷静期届满（可撤回至）")
    register_from = models.DateField("可申领离婚证起")
    register_by = models.DateField("申领离婚证截止")
    dates_provisional = models.BooleanField("日期为暂定", default=False)
    status = models.CharField("状态", max_length=12, choices=DIVORCE_STATUS_CHOICES)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    withdrawn_by = models.CharField("撤回方", max_length=6, blank=True)  # "man" / "woman"
    divorce_record = models.OneToOneField(
        MarriageRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "离婚登记申请"
        verbose_name_plural = "离婚登记申请"
        ordering = ["register_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["man_id_index", "woman_id_index"],
                condition=Q(status="pending"),
                name="marriage_one_pending_divorce",
            ),
        ]
        indexes = [models.Index(fields=["status", "register_by"], name="marriage_divorce_due")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """``LH2026-000045``: the year of receipt and the row id."""
        return f"LH{self.received_on:%Y}-{self.pk:06d}"


class DivorceEvent(models.Model):
    application = models.ForeignKey(DivorceApplication, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField("说明", max_length=300, blank=True)
    occurred_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "离婚申请记录"
        verbose_name_plural = "离婚申请记录"
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"
