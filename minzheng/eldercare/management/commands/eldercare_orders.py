"""``minzheng eldercare_orders no-show-scan`` and ``minzheng eldercare_orders plans-generate [--next-week]``:
the scheduled runs of eldercare orders (cron, like ``minzheng monitoring run``; docs/eldercare.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from minzheng.eldercare.services.orders_confirm import orders_no_show_scan
from minzheng.eldercare.services.orders_plans import plans_generate, week_monday


class Command(BaseCommand):
    help = "养老服务订单的定时任务：未上门检查、固定服务计划生成一周订单"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("no-show-scan", "plans-generate"))
        parser.add_argument("--next-week", action="store_true", help="生成下周（而非本周）的计划订单")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "no-show-scan":
            marked = orders_no_show_scan()
            self.stdout.write(f"未上门检查完成：标记 {marked} 单")
            return
        monday = week_monday(timezone.localdate())
        if options["next_week"]:
            monday += dt.timedelta(days=7)
        created = plans_generate(week_start=monday)
        self.stdout.write(f"已生成 {monday:%Y-%m-%d} 起一周的计划订单 {created} 单")
