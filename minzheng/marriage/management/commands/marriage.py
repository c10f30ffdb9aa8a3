"""``minzheng marriage daily [--date YYYY-MM-DD]`` (the cron job) and ``minzheng marriage slots --days N``
(generate every office's slots ahead; docs/marriage.md)."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from minzheng.marriage import services
from minzheng.marriage.models import Office


class Command(BaseCommand):
    help = "婚姻登记：每日扫描（未到场、离婚申请逾期视为撤回、短信提醒）与生成号源"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser("daily", help="每日扫描")
        daily.add_argument("--date", help="按该日执行（默认今天），格式 YYYY-MM-DD")
        slots = sub.add_parser("slots", help="为每个开放预约的登记机关生成号源")
        slots.add_argument("--days", type=int, default=30, help="从今天起生成多少天（默认 30）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "daily":
            try:
                today = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
            result = services.marriage_daily(today=today)
            self.stdout.write(
                f"{today:%Y-%m-%d}：未到场 {result['no_shows']} 个，离婚申请视为撤回 {result['lapsed']} 份，"
                f"预约提醒短信 {result['reminders']} 条，离婚申领提醒 {result['divorce_reminders']} 条"
            )
            return
        today = timezone.localdate()
        end = today + dt.timedelta(days=options["days"])
        total = 0
        for office in Office.objects.filter(is_active=True):
            total += services.slots_generate(actor=None, office_id=office.pk, start=today, end=end)
        self.stdout.write(f"已生成号源 {total} 个")
