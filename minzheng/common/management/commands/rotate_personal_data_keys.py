"""``minzheng rotate-personal-data-keys``: re-encrypt personal data with the current key (ADR 0027)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.common import crypto
from minzheng.common.crypto_rotation import Target, rotate, stale_count, targets


class Command(BaseCommand):
    help = (
        "Re-encrypt every *_encrypted value sealed with an old key using the current (first) key of "
        "FIELD_ENCRYPTION_KEYS, in chunks, while the application keeps running. Safe to interrupt and rerun."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument("--check", action="store_true", help="only count values still on an old key")

    def handle(self, *args: Any, chunk: int, check: bool, **options: Any) -> None:
        current = crypto.current_key_id()
        self.stdout.write(f"当前密钥：{current}（{crypto.key_algorithm(current)}）")
        for target in targets():
            pending = stale_count(target)
            if pending and not check:
                self.stdout.write(f"{target.label}：{pending} 行待重新加密")
                rotate(target, chunk=max(1, chunk), progress=self._progress)
        remaining = {t.label: n for t in targets() if (n := stale_count(t))}
        if remaining:
            detail = "，".join(f"{label} {n} 行" for label, n in remaining.items())
            message = f"仍有使用旧密钥的数据：{detail}"
            if check:
                raise CommandError(message)
            raise CommandError(message + "（运行期间有旧版本程序写入？请再运行一次）")
        self.stdout.write("全部个人信息已使用当前密钥加密，可从 FIELD_ENCRYPTION_KEYS 中删除旧密钥")

    def _progress(self, target: Target, rewritten: int) -> None:
        self.stdout.write(f"  {target.label}：已重新加密 {rewritten} 个值")
