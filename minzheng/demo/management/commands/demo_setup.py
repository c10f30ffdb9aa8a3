"""``minzheng demo-setup --households N``: what ``make run`` needs, idempotently (issue 2 §8).

Imports the Inner Mongolia divisions if there are none, seeds N households (seed 2026) if the
registry is empty, creates or resets the demo logins and prints them.
"""

from __future__ import annotations

import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from minzheng.demo.registry import DEMO_SEED, demo_setup


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "准备演示环境：导入区划、生成演示数据（仅当为空时）、创建演示账号并打印登录信息"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, default=3000, help="演示家庭户数（默认 3000）")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"随机种子（默认 {DEMO_SEED}）")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_setup(households=options["households"], seed=options["seed"])
        if result.divisions_imported:
            self.stdout.write("已导入内蒙古自治区行政区划")
        if result.seeded:
            s = result.seeded
            self.stdout.write(f"已生成演示数据：{s.households:,} 户、{s.persons:,} 人（{s.seconds:.1f} 秒）")
        else:
            self.stdout.write("已有家庭数据，未重新生成演示数据")
        header = ("用户名", "角色", "所属区划", "密码")
        rows = [
            (x.username, x.role_label, f"{x.division_name}（{x.division_code}）", x.password)
            for x in result.logins
        ]
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
        self.stdout.write("")
        self.stdout.write("演示账号：")
        for row in [header, tuple("-" * w for w in widths), *rows]:
            self.stdout.write("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        for note in result.notes:
            self.stdout.write(note)
