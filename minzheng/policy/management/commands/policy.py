"""``minzheng policy export|import|load-builtin|show`` (docs/policy-parameters.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.accounts.models import User
from minzheng.common.errors import DomainError
from minzheng.policy.errors import PolicyFileInvalid
from minzheng.policy.selectors import parameter_export, parameter_value
from minzheng.policy.services import parameter_import, policy_builtin_load


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期 {value!r} 应为 YYYY-MM-DD 格式") from None


class Command(BaseCommand):
    help = "政策参数：导出、导入（先校验，有错不写入）、加载内置的内蒙古参数、查询某地某日的取值。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="把全部现行参数写入 JSON 文件（- 表示标准输出）")
        export.add_argument("file")
        load = sub.add_parser("import", help="从 JSON 文件导入参数；重复导入同一文件不产生变化")
        load.add_argument("file", type=Path)
        load.add_argument("--dry-run", action="store_true", help="只校验并报告将产生的变化，不写入")
        load.add_argument("--user", help="以该用户身份导入（检查其权限并记入审计日志）；默认为系统")
        sub.add_parser("load-builtin", help="加载内置的内蒙古自治区参数（已有的参数不覆盖）")
        show = sub.add_parser("show", help="查询某个区划某日适用的参数值")
        show.add_argument("key")
        show.add_argument("division", help="区划代码（2/4/6/9/12 位）")
        show.add_argument("date", type=_date)
        show.add_argument("--urban-rural", choices=["", "urban", "rural"], default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"_{action}")(options)
        except PolicyFileInvalid as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"共 {len(exc.errors)} 处错误，未写入任何数据") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _export(self, options: dict[str, Any]) -> None:
        text = parameter_export()
        if options["file"] == "-":
            self.stdout.write(text, ending="")
            return
        Path(options["file"]).write_text(text, encoding="utf-8")
        count = len(json.loads(text)["parameters"])
        self.stdout.write(f"已导出 {count} 个参数版本到 {options['file']}")

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}") from None
        actor = None
        if options["user"]:
            actor = User.objects.select_related("division").filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"用户 {options['user']} 不存在")
        result = parameter_import(actor=actor, text=text, dry_run=options["dry_run"])
        self.stdout.write(result.summary())

    def _load_builtin(self, options: dict[str, Any]) -> None:
        self.stdout.write("内置参数：" + policy_builtin_load().summary())

    def _show(self, options: dict[str, Any]) -> None:
        resolved = parameter_value(
            options["key"], options["division"], options["date"], options["urban_rural"]
        )
        self.stdout.write(
            json.dumps(
                {
                    "key": resolved.key,
                    "value": resolved.value,
                    "parameter_id": resolved.parameter_id,
                    "version": resolved.version,
                    "division": resolved.division_code,
                    "urban_rural": resolved.urban_rural,
                    "valid_from": resolved.valid_from.isoformat(),
                    "valid_to": resolved.valid_to.isoformat() if resolved.valid_to else None,
                    "status": resolved.status,
                    "source": resolved.source,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
