"""Administrative divisions: region → league/city → banner/county → sumu/township → gacha/village.

Rows are never deleted. A code that disappears from a later import is marked abolished;
a code change keeps the row (and so every household's foreign key) and is recorded in
``DivisionCodeChange`` plus the simple-history table (ADR 0011).
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.rules import Level


class UrbanRural(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class DivisionLevel(models.IntegerChoices):
    REGION = Level.REGION, "省级"
    PREFECTURE = Level.PREFECTURE, "地级（盟市）"
    COUNTY = Level.COUNTY, "县级（旗县市区）"
    TOWNSHIP = Level.TOWNSHIP, "乡级（苏木乡镇街道）"
    VILLAGE = Level.VILLAGE, "村级（嘎查村社区）"


class Division(models.Model):
    scope_path = "code"

    code = models.CharField("区划代码", max_length=12, unique=True, help_text="12 位统计用区划代码")
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    urban_rural = models.CharField("城乡类型", max_length=5, choices=UrbanRural.choices, blank=True)
    urban_rural_overridden = models.BooleanField("城乡类型已人工修改", default=False)
    confirmation_delegated = models.BooleanField(
        "低保审核确认权限已下放乡镇",
        default=False,
        help_text="《最低生活保障审核确认办法》第 2 条；仅对旗县级有意义",
    )
    source = models.CharField("数据来源", max_length=40, blank=True)
    abolished_on = models.DateField("撤销日期", null=True, blank=True)
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["level", "code"]),
            models.Index(fields=["parent", "code"]),
            models.Index(fields=["code"], name="division_code_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def gb_code(self) -> str:
        """6-digit GB/T 2260 code (county and above) or the county part of a lower code."""
        return self.code[:6]

    @property
    def short_code(self) -> str:
        """The significant digits: 2/4/6/9/12 by level."""
        from minzheng.divisions.rules import scope_prefix

        return scope_prefix(self.code, Level(self.level))

    @property
    def is_active(self) -> bool:
        return self.abolished_on is None


class DivisionCodeChange(models.Model):
    """A division's code changed (e.g. a village moved to another township)."""

    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="code_changes")
    old_code = models.CharField("原代码", max_length=12, db_index=True)
    new_code = models.CharField("新代码", max_length=12)
    effective_on = models.DateField("生效日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "区划代码变更"
        verbose_name_plural = "区划代码变更"
        ordering = ["-effective_on", "old_code"]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code}（{self.effective_on}）"
