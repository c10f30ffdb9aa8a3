"""``minzheng audit-verify``: walk the audit hash chain and report the first broken link (exit status 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minzheng.audit.chain import verify
from minzheng.audit.models import Event


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; report the first event whose link or hash does not hold."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify(Event)
        if not verdict.intact:
            raise CommandError(
                f"审计日志哈希链在事件 #{verdict.broken_id} 处断开：{verdict.reason}"
                f"（此前 {verdict.checked} 条完好）"
            )
        self.stdout.write(f"审计日志哈希链完好：共 {verdict.checked} 条事件")
