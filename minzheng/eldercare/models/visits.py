"""Visits (探访关爱, issue 17 §5): the visiting schedule — one row per older person in a visited category,
recomputed set-based (``services.visits.visit_schedule_refresh``) — and the visit records.

Next due = last visit + the shortest interval among the person's categories (a parameter per category and
jurisdiction); never visited = the day the person entered the schedule + that interval. A county without an
interval parameter leaves ``interval_days`` empty with the reason (需人工核定), never a guessed date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.models.people import OlderPerson
from minzheng.eldercare.rules.visits import VISITOR_LABELS

__all__ = ["VisitRecord", "VisitSchedule"]


class VisitSchedule(models.Model):
    scope_path = "division__code"

    older_person = models.OneToOneField(OlderPerson, on_delete=models.CASCADE, related_name="visit_schedule")
    division = models.ForeignKey(Division, verbose_name="居住地", on_delete=models.PROTECT, related_name="+")
    categories = models.CharField(
        "探访类别", max_length=80
    )  # codes of rules.visits.VisitCategory, comma-joined
    interval_days = models.PositiveSmallIntegerField("探访间隔（天）", null=True, blank=True)
    since = models.DateField("纳入探访日期")
    last_visited_on = models.DateField("最近探访", null=True, blank=True)
    next_due_on = models.DateField("下次应探访", null=True, blank=True)
    manual_reason = models.CharField("需人工核定原因", max_length=300, blank=True)
    refreshed_on = models.DateField("最近计算")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "探访计划"
        verbose_name_plural = "探访计划"
        indexes = [
            models.Index(fields=["next_due_on"], name="visit_schedule_due"),
            models.Index(fields=["division", "next_due_on"], name="visit_schedule_division_due"),
        ]

    def __str__(self) -> str:
        return f"探访计划 {self.older_person_id}"


class VisitRecord(models.Model):
    """One visit: who visited when, and the form (living conditions, health, safety risks, needs, findings,
    follow-up). ``risk_found`` raises an alert into monitoring in the same transaction."""

    scope_path = "division__code"

    older_person = models.ForeignKey(OlderPerson, on_delete=models.PROTECT, related_name="visits")
    division = models.ForeignKey(Division, verbose_name="居住地", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("探访日期")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="探访人", on_delete=models.PROTECT, related_name="+"
    )
    visitor_kind = models.CharField("探访人身份", max_length=20, choices=list(VISITOR_LABELS.items()))
    living_conditions = models.CharField("居住和生活状况", max_length=300, blank=True)
    health = models.CharField("健康状况", max_length=300, blank=True)
    risk_found = models.BooleanField("发现安全风险", default=False)
    safety_risks = models.CharField("安全风险", max_length=300, blank=True)
    needs = models.CharField("服务需求", max_length=300, blank=True)
    findings = models.CharField("探访发现", max_length=500)
    follow_up = models.CharField("后续跟进", max_length=300, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "探访记录"
        verbose_name_plural = "探访记录"
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["older_person", "visited_on"], name="visit_person_day")]

    def __str__(self) -> str:
        return f"探访 {self.older_person_id} {self.visited_on}"
