"""``minzheng national export|generate|verify|run`` (docs/monitoring.md §national scale; ADR 0037).

minzheng national export /data/snap-2026-11-30 --as-of 2026-11-30 [--division 15]
minzheng national verify /data/snap-2026-11-30
minzheng national run /data/snap-2026-11-30 /data/alerts-2026-11-30 --memory-limit 8GB [--import]
minzheng national generate /data/synthetic --people 1000000   # the benchmark's synthetic nation
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.common.errors import DomainError
from minzheng.monitoring.national import duckdb_runner, export, generator, layout
from minzheng.monitoring.services import national


class Command(BaseCommand):
    help = "全国规模动态监测：导出 Parquet 快照、校验清单、用 DuckDB 运行预警规则并导入预警"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="把监测快照导出为分区 Parquet（含清单）")
        exp.add_argument("directory", type=Path)
        exp.add_argument("--as-of", help="监测日期 YYYY-MM-DD（默认今天）")
        exp.add_argument("--division", default="", help="只导出此区划代码前缀")
        exp.add_argument("--memory-limit", default="", help="DuckDB 内存上限，如 8GB")
        gen = sub.add_parser("generate", help="生成合成的全国监测人口（基准测试用）")
        gen.add_argument("directory", type=Path)
        gen.add_argument("--people", type=int, required=True)
        gen.add_argument("--seed", type=int, default=22)
        gen.add_argument("--provinces", default="", help="只生成这些省级代码，逗号分隔，如 15,62")
        ver = sub.add_parser("verify", help="按清单校验快照（行数、大小、SHA-256）")
        ver.add_argument("directory", type=Path)
        run = sub.add_parser("run", help="用 DuckDB 在快照上运行全部已发布的预警规则")
        run.add_argument("directory", type=Path)
        run.add_argument("out", type=Path, help="命中结果目录（每条规则一个 Parquet 文件）")
        run.add_argument("--memory-limit", default="8GB")
        run.add_argument("--threads", type=int, default=2)
        run.add_argument("--temp-directory", default="", help="DuckDB 溢出目录（默认结果目录下 .spill）")
        run.add_argument("--import", dest="load", action="store_true", help="把命中结果写入数据库预警")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (DomainError, layout.ManifestError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None

    def _export(self, options: dict[str, Any]) -> None:
        as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else dt.date.today()  # noqa: DTZ011
        settings = {"memory_limit": options["memory_limit"]} if options["memory_limit"] else None
        manifest = export.snapshot_export(
            options["directory"], as_of=as_of, division_prefix=options["division"], settings=settings
        )
        self._summary(manifest)

    def _generate(self, options: dict[str, Any]) -> None:
        provinces = [p for p in options["provinces"].split(",") if p]
        manifest = generator.generate(
            options["directory"], people=options["people"], seed=options["seed"], provinces=provinces,
            progress=lambda message: self.stdout.write(message),
        )  # fmt: skip
        self._summary(manifest)

    def _verify(self, options: dict[str, Any]) -> None:
        self._summary(layout.dataset_verify(options["directory"]))
        self.stdout.write("清单校验通过")

    def _run(self, options: dict[str, Any]) -> None:
        out: Path = options["out"]
        settings = duckdb_runner.Settings(
            memory_limit=options["memory_limit"],
            threads=options["threads"],
            temp_directory=options["temp_directory"] or str(out / ".spill"),
        )
        specs = [duckdb_runner.RuleSpec(r.code, r.condition, r.subject) for r in national.published_rules()]
        manifest, results = duckdb_runner.dataset_run(options["directory"], out, specs, settings)
        for result in results:
            note = f"：{result.error}" if result.error else ""
            self.stdout.write(f"{result.code}：命中 {result.hits}，{result.seconds} 秒{note}")
        if options["load"]:
            tables = manifest["tables"]
            run = national.alerts_import(
                actor=None, alerts=out, as_of=dt.date.fromisoformat(manifest["as_of"]),
                division_prefix=str(manifest["source"].get("division_prefix", "")),
                population=tables["monitor_persons"]["rows"], households=tables["monitor_households"]["rows"],
            )  # fmt: skip
            self.stdout.write(
                f"监测运行 #{run.pk}：命中 {run.hits}，新增预警 {run.alerts_new}，"
                f"已有未办结 {run.alerts_duplicate}"
            )

    def _summary(self, manifest: dict[str, Any]) -> None:
        rows = "，".join(f"{name} {table['rows']} 行" for name, table in manifest["tables"].items())
        self.stdout.write(f"快照（{manifest['as_of']}，格式版本 {manifest['schema_version']}）：{rows}")
