"""``minzheng jobs-reap [--timeout SECONDS]``: mark failed the background jobs whose worker died (ADR 0010).

The pages, ``job_enqueue`` and the start of every task reap already; this is for an operator after a crash
(or a cron line), and prints what it changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minzheng.common.services import heartbeat_timeout, jobs_reap


class Command(BaseCommand):
    help = "把后台进程已退出（心跳超时）的后台任务及其队列记录标记为失败"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help=f"心跳超过多少秒视为中断（默认 JOB_HEARTBEAT_TIMEOUT，当前 {heartbeat_timeout():g} 秒）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reaped = jobs_reap(timeout=options["timeout"])
        self.stdout.write(
            f"已将 {reaped.jobs} 个中断的后台任务标记为失败（队列记录 {reaped.task_results} 条）"
        )
