"""``minzheng organisations scan [--date YYYY-MM-DD]``: the daily scan (overdue, 活动异常名录, reminders),
which cron starts once a day like ``minzheng monitoring run``; ``minzheng organisations open-year YEAR``:
open a year's annual reports for every organisation; ``minzheng organisations load-parameters``: the
built-in deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.common.errors import DomainError
from minzheng.organisations.parameters import organisations_parameters_load
from minzheng.organisations.services.reports import inspection_year_open
from minzheng.organisations.services.scan import organisations_daily_scan


class Command(BaseCommand):
    help = "社会组织：每日逾期检查、开启年检年度、加载内置参数"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        scan = commands.add_parser("scan", help="逾期检查、活动异常名录列入与移出、报送提醒")
        scan.add_argument("--date", type=dt.date.fromisoformat, default=None, help="按该日期检查（默认今天）")
        year = commands.add_parser("open-year", help="为全部社会组织开启某年度的年度工作报告")
        year.add_argument("year", type=int)
        commands.add_parser("load-parameters", help="加载内置的年检截止日等参数（已有的不覆盖）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["command"] == "scan":
                self.stdout.write(organisations_daily_scan(today=options["date"]).summary())
            elif options["command"] == "open-year":
                opened = inspection_year_open(actor=None, year=options["year"])
                self.stdout.write(
                    f"{opened.year}年度：新增 {opened.created} 家须报送，{opened.skipped_new} 家不参加"
                )
            else:
                self.stdout.write(f"已加载参数 {organisations_parameters_load()} 条")
        except DomainError as error:
            raise CommandError(error.message) from None
