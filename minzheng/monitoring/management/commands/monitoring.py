"""``minzheng monitoring run|escalate|import|load-builtin|spark-prepare|spark-import`` (docs/monitoring.md;
Spark: docs/deployment.md "Spark cluster", ADR 0038).

The daily cron line (docs/deployment.md §3a) is ``minzheng monitoring run``: refresh matching and the
monitored population, evaluate every published rule, write new alerts and escalate overdue ones.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.common.errors import DomainError
from minzheng.monitoring import feeds, services


class Command(BaseCommand):
    help = "动态监测预警：运行监测、超期上报、导入部门数据、加载内置规则和阈值"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="运行全部已发布的预警规则（每日定时任务）")
        run.add_argument("--as-of", help="监测日期 YYYY-MM-DD（默认今天）")
        run.add_argument("--division", default="", help="只监测此区划代码前缀")
        sub.add_parser("escalate", help="把超过响应时限的预警上报县级")
        imp = sub.add_parser("import", help="导入一个部门数据文件（CSV UTF-8 或 Excel）")
        imp.add_argument("feed")
        imp.add_argument("path")
        sub.add_parser("load-builtin", help="加载内置预警规则和阈值参数（已有的不覆盖）")
        prepare = sub.add_parser(
            "spark-prepare", help="生成 Spark 监测作业目录（快照和编译后的规则，Parquet）"
        )
        prepare.add_argument("directory", help="空目录")
        prepare.add_argument("--as-of", help="监测日期 YYYY-MM-DD（默认今天）")
        prepare.add_argument("--division", default="", help="只监测此区划代码前缀")
        spark_import = sub.add_parser("spark-import", help="导入 Spark 作业目录中的预警结果（可重复执行）")
        spark_import.add_argument("directory")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "run":
                as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
                run = services.monitoring_run(
                    actor=None, as_of=as_of, division_prefix=options["division"], kind="scheduled"
                )
                self.stdout.write(
                    f"监测运行 #{run.pk}：{run.population} 人，命中 {run.hits}，新增预警 {run.alerts_new}，"
                    f"已有未办结 {run.alerts_duplicate}，超期上报 {run.escalated}，耗时 {run.seconds} 秒"
                )
            elif action in ("spark-prepare", "spark-import"):
                self._spark(action, options)
            elif action == "escalate":
                self.stdout.write(f"超期上报 {services.alerts_escalate()} 条")
            elif action == "import":
                path = Path(options["path"])
                outcome = feeds.feed_import(
                    actor=None,
                    feed=options["feed"],
                    content=path.read_bytes(),
                    file_name=path.name,
                    channel="command",
                )
                batch = outcome.batch
                if outcome.rejected:
                    for error in batch.errors[:50]:
                        self.stderr.write(
                            f"第 {error['row']} 行 {error['column']}：{error['message']}（{error['value']}）"
                        )
                    raise CommandError(f"文件被拒收，共 {len(batch.errors)} 处错误，未导入任何记录")
                note = "（同一文件已导入过，未做任何更改）" if outcome.duplicate_file else ""
                self.stdout.write(
                    f"批次 #{batch.pk}：{batch.rows_total} 行，新增 {batch.rows_new}，"
                    f"已有 {batch.rows_existing}，匹配 {batch.rows_matched}，"
                    f"未匹配 {batch.rows_unmatched}{note}"
                )
            else:
                self.stdout.write(
                    f"内置阈值参数 {services.monitoring_parameters_load()} 条，"
                    f"内置规则 {services.rule_builtin_load()} 条"
                )
        except DomainError as error:
            raise CommandError(error.message) from None

    def _spark(self, action: str, options: dict[str, Any]) -> None:
        from minzheng.monitoring.national import spark_runner  # noqa: PLC0415 - only the batch side needs it

        directory = Path(options["directory"])
        if action == "spark-prepare":
            if directory.exists() and any(directory.iterdir()):
                raise CommandError(f"目录 {directory} 不是空目录")
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
            run = spark_runner.spark_run_prepare(
                actor=None, directory=directory, as_of=as_of, division_prefix=options["division"]
            )
            self.stdout.write(
                f"监测运行 #{run.pk}：{run.population} 人，作业目录 {directory}（待 Spark 运行后导入）"
            )
            return
        run = spark_runner.spark_run_import(actor=None, directory=directory)
        self.stdout.write(
            f"监测运行 #{run.pk}：命中 {run.hits}，新增预警 {run.alerts_new}，"
            f"已有未办结 {run.alerts_duplicate}，超期上报 {run.escalated}"
        )
