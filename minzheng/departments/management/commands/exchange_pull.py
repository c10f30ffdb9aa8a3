"""``minzheng exchange_pull --dir DIR | --url URL [--token T] --user NAME``: import the departments' returned
files from an exchange folder or a department's HTTP service (issue 23 §4)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minzheng.accounts.models import User
from minzheng.departments.exchange import ExchangeAdapter, FileAdapter, HttpAdapter, exchange_pull


class Command(BaseCommand):
    help = "导入部门回传的核对结果文件（交换目录或部门接口），文件须附签名清单"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dir", help="交换目录：<文件> 与 <文件>.manifest.json")
        parser.add_argument("--url", help="部门交换服务地址")
        parser.add_argument("--token", default="", help="部门交换服务令牌")
        parser.add_argument("--user", required=True, help="以该县级用户身份导入（管辖范围）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"用户 {options['user']} 不存在")
        adapter: ExchangeAdapter
        if options["dir"]:
            adapter = FileAdapter(Path(options["dir"]))
        elif options["url"]:
            adapter = HttpAdapter(options["url"], options["token"])
        else:
            raise CommandError("请给出 --dir 或 --url")
        for batch in exchange_pull(actor=actor, adapter=adapter):
            self.stdout.write(f"{batch.file_name}：{batch.get_status_display()}，写入 {batch.applied} 件")
