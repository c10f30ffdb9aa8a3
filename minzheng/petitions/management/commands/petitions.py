"""``minzheng petitions scan|load-builtin`` (docs/petitions.md).

The daily cron line is ``minzheng petitions scan``: flag due-soon and overdue matters and escalate the
overdue ones to the level above.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minzheng.petitions.scan import petitions_parameters_load, petitions_scan


class Command(BaseCommand):
    help = "信访：每日期限巡检（即将到期、超期、超期上报），加载内置办理时限"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="期限巡检并把超期事项上报上一级（每日定时任务）")
        scan.add_argument("--as-of", help="巡检日期 YYYY-MM-DD（默认今天）")
        sub.add_parser("load-builtin", help="加载《信访工作条例》办理时限参数（已有的不覆盖）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-builtin":
            self.stdout.write(f"内置信访时限参数 {petitions_parameters_load()} 条")
            return
        today = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        result = petitions_scan(today=today)
        self.stdout.write(f"标记 {result.flagged} 件，超期上报 {result.escalated} 件")
        if result.note:
            self.stdout.write(result.note)
