"""``minzheng assess FILE.json [--params db|builtin|PATH] [--indent N]`` (docs/assessment-format.md).

Assesses a household described in a JSON file (``-`` = standard input) without any registry record and
prints the JSON result. Exit status 0 with the result on stdout (also when the household is not
eligible); 2 with ``{"code", "message", "field"}`` on stderr when the input or the parameters are at
fault. Nothing is written to the database.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minzheng.benefits.json_format import assessment_evaluate, assessment_json_parse
from minzheng.benefits.params import InMemoryParams, Params
from minzheng.benefits.providers import SelectorParams
from minzheng.common.errors import DomainError, ValidationFailed
from minzheng.policy.errors import PolicyFileInvalid

EXIT_INPUT_ERROR = 2


def _plain(text: str) -> str:
    return text


class Command(BaseCommand):
    help = (
        "按 JSON 家庭描述进行救助测算（无需数据库中的家庭记录），输出 JSON 结果："
        "是否符合条件、人均收入、月救助金额、档次和依据。输入有误时在标准错误输出 JSON 错误并以状态 2 退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="家庭描述 JSON 文件（格式见 docs/assessment-format.md；- 表示标准输入）"
        )
        parser.add_argument(
            "--params",
            default="db",
            metavar="db|builtin|PATH",
            help="政策参数来源：db（默认，数据库中的现行参数）、builtin（内置的内蒙古参数）、"
            "或政策参数导出文件的路径（minzheng policy export 的格式）",
        )
        parser.add_argument(
            "--indent", type=int, default=2, metavar="N", help="JSON 缩进空格数（默认 2；0 表示输出为一行）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = self._household_text(options["file"])
            params, source = self._params(options["params"])
            response = assessment_evaluate(
                data=assessment_json_parse(text), params=params, parameter_source=source
            )
        except DomainError as error:
            self.stderr.write(json.dumps(error.as_dict(), ensure_ascii=False), style_func=_plain)
            sys.exit(EXIT_INPUT_ERROR)
        indent = options["indent"] or None
        self.stdout.write(json.dumps(response, ensure_ascii=False, indent=indent), style_func=_plain)

    def _household_text(self, name: str) -> bytes:
        if name == "-":
            stream = getattr(sys.stdin, "buffer", None)
            return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
        return _file_bytes(Path(name), field="file", what="家庭描述文件")

    def _params(self, choice: str) -> tuple[Params, str]:
        if choice == "db":
            return SelectorParams(), "database"
        if choice == "builtin":
            return InMemoryParams.builtin(), "builtin"
        raw = _file_bytes(Path(choice), field="--params", what="政策参数文件")
        try:
            return InMemoryParams.from_document(raw.decode("utf-8-sig")), "file"
        except UnicodeDecodeError:
            raise ValidationFailed(
                f"政策参数文件 {choice} 不是 UTF-8 编码的文本", field="--params", code="file_unreadable"
            ) from None
        except PolicyFileInvalid as error:
            error.field = "--params"
            raise


def _file_bytes(path: Path, *, field: str, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValidationFailed(
            f"无法读取{what} {path}：{error.strerror or error}", field=field, code="file_unreadable"
        ) from None
