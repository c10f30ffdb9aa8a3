"""``minzheng eldercare_visits_scan [--as-of YYYY-MM-DD]``: the daily 探访关爱 scan (docs/eldercare.md,
Visits) — recompute the visiting schedule set-based and raise an alert into monitoring for every older
person whose visit is overdue (one open alert per person; a second run the same day raises nothing new)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.eldercare.services.visits import visits_overdue_scan


class Command(BaseCommand):
    help = "探访关爱：计算探访计划，逾期未探访的推送预警（每日定时任务）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="检查日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD") from None
        run = visits_overdue_scan(today=as_of)
        self.stdout.write(
            f"探访关爱检查：逾期 {run.hits} 人，新增预警 {run.alerts_new} 条，"
            f"已有未办结预警 {run.alerts_duplicate} 条"
        )
