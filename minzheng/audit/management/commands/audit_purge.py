"""``minzheng audit-purge``: delete audit rows older than the retention period, and re-anchor the chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minzheng.audit.services import audit_retention_purge


class Command(BaseCommand):
    help = "Delete audit events and personal-data access records older than AUDIT_RETENTION_DAYS (>= 180)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_retention_purge()
        self.stdout.write(
            f"已清理 {result['cutoff']} 之前的审计记录：业务事件 {result['events']} 条，"
            f"个人信息查看记录 {result['accesses']} 条"
        )
