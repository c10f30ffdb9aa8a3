"""``minzheng deadlines-refresh [--date YYYY-MM-DD]``: the daily scan that flags due-soon and overdue
application steps (issue 4 §4). Run once a day from cron (docs/deployment.md); idempotent."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minzheng.applications.services import deadlines_refresh


class Command(BaseCommand):
    help = "扫描办理中的救助申请，标记即将到期和已超期的环节（每日运行一次）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--date", default=None, help="按该日期判断（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['date']}") from None
        counts = deadlines_refresh(day)
        self.stdout.write(
            f"已超期 {counts['overdue']} 件、即将到期 {counts['due_soon']} 件、"
            f"恢复正常 {counts['on_time']} 件（仅计本次状态有变化的申请）"
        )
