"""Households, persons, membership, income and asset records, staff relatives (issue 2 §3).

Personal identifiers (ID number, phone, bank account) are stored three ways: AES-GCM
ciphertext (``*_encrypted``), a keyed blind index for exact lookup (``*_index``) and a
masked display form (``*_masked``) so lists and exports never decrypt (ADR 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from simple_history.models import HistoricalRecords

from minzheng.common import crypto
from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division, UrbanRural
from minzheng.registry.choices import (
    ETHNICITIES,
    AssetCategory,
    DisabilityCategory,
    DisabilityGrade,
    EmploymentStatus,
    IncomeCategory,
    IncomeSource,
    NearRelation,
    RelationToHead,
    SchoolEnrolment,
    SelfCare,
    Sex,
    StaffPosition,
)


class Household(TimeStampedModel):
    scope_path = "hukou_division__code"

    # No database foreign keys on the references the legacy import (enrolments.legacy) writes in bulk, ADR
    # 0042: divisions, households and persons are never deleted (abolished divisions keep their rows), and
    # every writer takes the id from the referenced table (the import: villages it has just looked up, rows
    # it has just created in the same transaction; the services: model instances). The ORM's on_delete stays.
    # Indexes: the (hukou_division, id) index below serves the division's lookups.
    hukou_division = models.ForeignKey(
        Division,
        verbose_name="户籍所在地",
        on_delete=models.PROTECT,
        related_name="hukou_households",
        db_constraint=False,
        db_index=False,
    )
    hukou_address = models.CharField("户籍地址", max_length=200, blank=True)
    residence_division = models.ForeignKey(
        Division,
        verbose_name="实际居住地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_households",
        db_constraint=False,  # ADR 0042, as hukou_division
        db_index=False,  # a partial index (Meta): most households have none
    )
    residence_address = models.CharField("居住地址", max_length=200, blank=True)
    urban_rural = models.CharField("城乡类别", max_length=5, choices=UrbanRural.choices)
    head = models.ForeignKey(  # ADR 0042, as hukou_division
        "Person",
        verbose_name="户主",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    member_count = models.PositiveSmallIntegerField("在户人数", default=0)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account_encrypted = models.TextField(blank=True)
    # Blind indexes are looked up by equality only (an HMAC prefix means nothing): a plain b-tree in Meta,
    # not db_index=True, which adds a second varchar_pattern_ops ("_like") index to every CharField.
    bank_account_index = models.CharField(max_length=64, blank=True)
    bank_account_masked = models.CharField("银行账号", max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["bank_account_encrypted", "bank_account_index"])

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"
        indexes = [
            models.Index(fields=["hukou_division", "id"]),
            models.Index(fields=["bank_account_index"], name="household_bank_account_index"),
            models.Index(
                fields=["residence_division"],
                name="household_residence_division",
                condition=Q(residence_division__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"家庭 {self.pk}"

    @property
    def bank_account(self) -> str:
        return crypto.decrypt(self.bank_account_encrypted) if self.bank_account_encrypted else ""


class Person(TimeStampedModel):
    scope_path = "household__hukou_division__code"

    name = models.CharField("姓名", max_length=50)
    id_number_encrypted = models.TextField()
    id_number_index = models.CharField(max_length=64)  # unique: Meta (a constraint adds no "_like" index)
    id_number_masked = models.CharField("身份证号码", max_length=18)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=6, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=2, choices=ETHNICITIES, default="01")
    phone_encrypted = models.TextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True)  # indexed where set: Meta
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name="所在家庭",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="persons",
        help_text="当前（或最后）所在家庭；成员关系历史见 Membership",
        db_constraint=False,  # ADR 0042, as Household.hukou_division
        db_index=False,  # person_household_name (household, name) serves the household's lookups
    )
    disability_category = models.CharField(
        "残疾类别", max_length=12, choices=DisabilityCategory.choices, blank=True, default=""
    )
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", choices=DisabilityGrade.choices, null=True, blank=True
    )
    self_care = models.CharField(
        "生活自理能力", max_length=16, choices=SelfCare.choices, default=SelfCare.CAPABLE
    )
    serious_illness = models.BooleanField("患重特大疾病", default=False)
    serious_illness_note = models.CharField("疾病说明", max_length=100, blank=True)
    employment_status = models.CharField("就业状况", max_length=16, choices=EmploymentStatus.choices)
    school_enrolment = models.CharField(
        "在校情况", max_length=24, choices=SchoolEnrolment.choices, blank=True, default=""
    )
    death_date = models.DateField("死亡日期", null=True, blank=True)
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["id_number_encrypted", "phone_encrypted", "phone_index"])

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [
            models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
            # The household list's member-name filter probes (household, name prefix) per household;
            # with the name in the index the probe is index-only (bench/README.md).
            models.Index(
                fields=["household", "name"],
                name="person_household_name",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # The ID search by the last digits (issue 14 §4): the masked form keeps the last four in clear.
            models.Index(Right("id_number_masked", 4), name="person_id_tail4"),
            # Exact lookups of a set phone (an equality with a non-empty constant implies the condition);
            # the many people without one cost the index nothing.
            models.Index(fields=["phone_index"], name="person_phone_index", condition=~Q(phone_index="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="person_id_number_index_unique"),
            models.CheckConstraint(
                condition=Q(disability_category="", disability_grade__isnull=True)
                | (~Q(disability_category="") & Q(disability_grade__isnull=False)),
                name="person_disability_category_and_grade_together",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def is_alive(self) -> bool:
        return self.death_date is None


class Membership(models.Model):
    """A person's membership of a household over time; at most one open membership per person."""

    scope_path = "household__hukou_division__code"

    # ADR 0042, as Household.hukou_division; (household, left_on) below serves the household's lookups.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="memberships", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", db_constraint=False
    )
    relation_to_head = models.CharField("与户主关系", max_length=16, choices=RelationToHead.choices)
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("离开日期", null=True, blank=True)
    left_reason = models.CharField("离开原因", max_length=100, blank=True)
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "家庭成员关系"
        verbose_name_plural = "家庭成员关系"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="membership_one_open_per_person"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["household", "left_on"])]

    def __str__(self) -> str:
        return f"{self.person_id} ∈ {self.household_id}"


class IncomeRecord(TimeStampedModel):
    scope_path = "household__hukou_division__code"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="incomes")
    person = models.ForeignKey(
        Person, verbose_name="成员", null=True, blank=True, on_delete=models.PROTECT, related_name="incomes"
    )
    category = models.CharField("收入类别", max_length=32, choices=IncomeCategory.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    period_start = models.DateField("所属期起")
    period_end = models.DateField("所属期止")
    source = models.CharField(
        "来源", max_length=16, choices=IncomeSource.choices, default=IncomeSource.DECLARED
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "收入记录"
        verbose_name_plural = "收入记录"
        ordering = ["-period_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="income_period"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="income_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount}"


class AssetRecord(TimeStampedModel):
    scope_path = "household__hukou_division__code"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="assets")
    person = models.ForeignKey(
        Person, verbose_name="所有人", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    category = models.CharField("财产类别", max_length=32, choices=AssetCategory.choices)
    description = models.CharField("描述", max_length=200, blank=True)
    value = models.DecimalField("价值（元）", max_digits=14, decimal_places=2)
    quantity = models.DecimalField(
        "数量/面积",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="如房屋面积（㎡）、车辆数",
    )
    valued_on = models.DateField("评估日期")
    exempt = models.BooleanField(
        "生产生活必需（可豁免）", default=False, help_text="《最低生活保障审核确认办法》第 14 条"
    )
    source = models.CharField(
        "来源", max_length=16, choices=IncomeSource.choices, default=IncomeSource.DECLARED
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "财产记录"
        verbose_name_plural = "财产记录"
        ordering = ["-valued_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.value}"


class StaffRelative(TimeStampedModel):
    """近亲属备案: a near relative of assistance staff or of a village committee member.

    《最低生活保障审核确认办法》 arts. 11 and 20: their applications are registered separately
    and the county must visit the home.
    """

    scope_path = "staff_division__code"

    relative = models.ForeignKey(Person, verbose_name="近亲属", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField("亲属关系", max_length=12, choices=NearRelation.choices)
    staff_name = models.CharField("工作人员姓名", max_length=50)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff_position = models.CharField("工作人员身份", max_length=20, choices=StaffPosition.choices)
    staff_division = models.ForeignKey(
        Division, verbose_name="工作人员所在区划", on_delete=models.PROTECT, related_name="+"
    )
    registered_on = models.DateField("备案日期")
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "近亲属备案"
        verbose_name_plural = "近亲属备案"
        constraints = [
            models.UniqueConstraint(
                fields=["relative", "staff_name", "staff_division"],
                condition=Q(revoked_on__isnull=True),
                name="staff_relative_unique_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_name} — {self.relative_id}"
