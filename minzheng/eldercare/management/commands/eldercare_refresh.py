"""``minzheng eldercare_refresh [--as-of YYYY-MM-DD]``: refresh the older-people register (daily cron line,
docs/eldercare.md "Older people")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minzheng.eldercare.services.people import older_people_refresh


class Command(BaseCommand):
    help = "智慧养老：按户籍和在保数据更新老年人名册（年满60周岁）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="计算年龄的日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        outcome = older_people_refresh(today=today)
        self.stdout.write(
            f"老年人名册：在册 {outcome.active} 人，新增 {outcome.opened}，变更 {outcome.updated}，"
            f"移出 {outcome.closed}，耗时 {outcome.seconds} 秒"
        )
