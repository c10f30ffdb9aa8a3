"""``minzheng seed-demo --households N --seed S``: a deterministic demo population (issue 2 §8).

``--people N`` instead seeds households until at least N persons exist (used for benchmarks).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minzheng.demo.accounts import demo_township
from minzheng.demo.registry import DEMO_SEED, demo_population_seed, divisions_ensure, registry_analyze


class Command(BaseCommand):
    help = "生成可复现的演示人口数据（家庭、人员、收入、财产）；无区划时先导入内蒙古行政区划"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, default=None, help="家庭户数（默认 3000）")
        parser.add_argument("--people", type=int, default=None, help="改为按人数生成：至少生成这么多人")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"随机种子（默认 {DEMO_SEED}）")
        parser.add_argument(
            "--focus", default="", help="集中约 10%% 家庭的区划代码（默认演示乡镇，即海拉尔东路街道）"
        )
        parser.add_argument("--focus-share", type=float, default=0.1, help="集中比例（默认 0.1）")

    def handle(self, *args: Any, **options: Any) -> None:
        households, people = options["households"], options["people"]
        if households is None and people is None:
            households = 3000
        if (households is not None and households < 1) or (people is not None and people < 1):
            raise CommandError("--households 和 --people 必须为正整数")
        if divisions_ensure():
            self.stdout.write("已导入内蒙古自治区行政区划")
        focus = options["focus"]
        if not focus:
            township = demo_township()
            focus = township.code if township else ""
        verbose = options["verbosity"] >= 1

        def progress(done: int, total: int) -> None:
            if verbose:
                unit = "人" if people is not None else "户"
                self.stdout.write(f"  {done:,} / {total:,} {unit}", ending="\r")
                self.stdout.flush()

        summary = demo_population_seed(
            households=households,
            people=people,
            seed=options["seed"],
            focus_code=focus,
            focus_share=options["focus_share"],
            progress=progress,
        )
        registry_analyze()
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {summary.households:,} 户、{summary.persons:,} 人、{summary.incomes:,} 条收入、"
                f"{summary.assets:,} 条财产记录，共 {summary.rows:,} 行，用时 {summary.seconds:.1f} 秒"
                f"（{summary.rows / max(summary.seconds, 0.001):,.0f} 行/秒）"
            )
        )
