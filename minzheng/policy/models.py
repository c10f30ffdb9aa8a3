"""Programmes and effective-dated policy parameters (ADR 0003; issue 3 §1–2).

A ``Parameter`` row is one version of one key for one jurisdiction (region, league/city or
banner/county) and urban/rural type, valid from ``valid_from`` (inclusive) to ``valid_to``
(exclusive; null = open). Rows are never deleted and their values never change: a new version
closes the open row, a correction supersedes a row (``superseded_at``) and points back to it
(``supersedes``). Calculations record ``id`` and ``version`` of every parameter they used.

On PostgreSQL an exclusion constraint (migration 0003) forbids overlapping validity ranges of the
current rows of one (key, division, urban_rural); on SQLite only the service enforces it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from minzheng.divisions.models import Division
from minzheng.policy.rules import STATUS_LABELS, Status


class Programme(models.Model):
    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    legal_basis = models.TextField("政策依据")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "救助项目"
        verbose_name_plural = "救助项目"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ParameterStatus(models.TextChoices):
    CONFIRMED = Status.CONFIRMED.value, STATUS_LABELS[Status.CONFIRMED]
    REPORTED = Status.REPORTED.value, STATUS_LABELS[Status.REPORTED]
    UNCONFIRMED = Status.UNCONFIRMED.value, STATUS_LABELS[Status.UNCONFIRMED]


class ParameterUrbanRural(models.TextChoices):
    BOTH = "", "城乡通用"
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class ParameterQuerySet(models.QuerySet["Parameter"]):
    def current(self) -> ParameterQuerySet:
        """Rows not replaced by a correction."""
        return self.filter(superseded_at__isnull=True)

    def in_force_on(self, day: object) -> ParameterQuerySet:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day)


class Parameter(models.Model):
    key = models.CharField("参数", max_length=60)
    division = models.ForeignKey(
        Division, verbose_name="适用区划", on_delete=models.PROTECT, related_name="policy_parameters"
    )
    urban_rural = models.CharField(
        "城乡类型", max_length=5, choices=ParameterUrbanRural.choices, blank=True, default=""
    )
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True, help_text="不含当日；空 = 长期有效")
    value = models.JSONField("取值")
    status = models.CharField("核实状态", max_length=12, choices=ParameterStatus.choices)
    source = models.CharField("依据", max_length=500, help_text="文件名称、文号或网址")
    note = models.TextField("说明", blank=True)
    version = models.PositiveIntegerField("版本")
    supersedes = models.OneToOneField(
        "self",
        verbose_name="更正的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("设定时间", auto_now_add=True)
    objects = ParameterQuerySet.as_manager()

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["key", "division__code", "urban_rural", "valid_from", "version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="policy_parameter_valid_to_after_valid_from",
            ),
            models.CheckConstraint(
                condition=Q(urban_rural__in=["", "urban", "rural"]), name="policy_parameter_urban_rural"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="policy_parameter_status"
            ),
            models.UniqueConstraint(
                fields=["key", "division", "urban_rural", "version"], name="policy_parameter_version_unique"
            ),
            models.UniqueConstraint(
                fields=["key", "division", "urban_rural", "valid_from"],
                condition=Q(superseded_at__isnull=True),
                name="policy_parameter_current_start_unique",
            ),
        ]
        indexes = [models.Index(fields=["key", "valid_from"], name="policy_param_key_from")]

    def __str__(self) -> str:
        return f"{self.key} {self.division_id} {self.urban_rural or '城乡'} {self.valid_from} v{self.version}"
