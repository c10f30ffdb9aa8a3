"""Benchmarks of issue 5 (enrolments): the legacy-system import and the review schedule.

    python bench/enrolments.py                        # 60,000 rows (20,000 households of 3)
    python bench/enrolments.py --households 5000

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_enrol), migrates, imports
the Inner Mongolia divisions and the builtin policy, then measures

a. the legacy import: an .xlsx of --households households (head with 低保, spouse, child) spread over the
   region's villages, validated and written all-or-nothing by ``legacy.legacy_import`` as a region-wide
   county approver: wall time, rows/s; then the same file again (every row rejected as already registered:
   the validation-only path);
b. the review schedule: ``reviews.review_schedule_generate`` over every imported enrolment, due within a
   year and a half (every enrolment gets one), then again (nothing to add).

Prints a table and writes bench/results/enrolments-<timestamp>.json and enrolments-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import environment, prepare, recreate_database, setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_enrol"


def workbook(households: int, seed: int) -> bytes:
    from openpyxl import Workbook

    from minzheng.common.identity import make_resident_id
    from minzheng.divisions.models import Division
    from minzheng.enrolments.legacy import COLUMNS

    rng = random.Random(seed)
    villages = list(
        Division.objects.filter(level=5, abolished_on__isnull=True).values_list("code", flat=True)
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("导入")
    sheet.append(list(COLUMNS))
    used: set[str] = set()

    def person(county: str, year: int) -> str:
        while True:
            number = make_resident_id(
                county, dt.date(year, rng.randint(1, 12), rng.randint(1, 28)), rng.randrange(1000)
            )
            if number not in used:
                used.add(number)
                return number

    for index in range(households):
        village = rng.choice(villages)
        key, county = f"H{index}", village[:6]
        base = dict.fromkeys(COLUMNS, "")
        head = {
            **base,
            "原系统家庭编号": key,
            "姓名": "户主",
            "身份证号码": person(county, rng.randint(1950, 1985)),
            "与户主关系": "户主",
            "户籍区划代码": village,
            "户籍地址": "某某村",
            "救助项目": "最低生活保障",
            "档次": "A",
            "月发放金额": f"{rng.randint(300, 2500)}.00",
            "起始月份": "2024-01",
            "开户银行": "中国农业银行",
            "银行账号": f"6228{rng.randrange(10**15):015d}",
        }
        spouse = {
            **base,
            "原系统家庭编号": key,
            "姓名": "配偶",
            "身份证号码": person(county, 1970),
            "与户主关系": "配偶",
        }
        child = {
            **base,
            "原系统家庭编号": key,
            "姓名": "子女",
            "身份证号码": person(county, 2010),
            "与户主关系": "子",
        }
        for row in (head, spouse, child):
            sheet.append([row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bench_import(households: int, seed: int) -> dict[str, Any]:
    from minzheng.accounts.models import User
    from minzheng.divisions.models import Division
    from minzheng.enrolments.legacy import legacy_import

    region = Division.objects.get(code="150000000000")
    importer, _ = User.objects.get_or_create(
        username="bench_importer", defaults={"role": "county_approver", "division": region}
    )
    started = time.perf_counter()
    content = workbook(households, seed)
    built = time.perf_counter() - started
    started = time.perf_counter()
    record = legacy_import(actor=importer, filename="bench.xlsx", content=content)
    seconds = time.perf_counter() - started
    if record.status != "succeeded":
        raise SystemExit(f"import rejected: {record.errors[:5]}")
    started = time.perf_counter()
    again = legacy_import(actor=importer, filename="bench.xlsx", content=content)
    rejected = time.perf_counter() - started
    return {
        "rows": record.rows,
        "households": record.households,
        "persons": record.persons,
        "enrolments": record.enrolments,
        "file_mb": round(len(content) / 1e6, 1),
        "build_file_s": round(built, 1),
        "seconds": round(seconds, 2),
        "rows_per_s": round(record.rows / seconds),
        "rejected_rerun_s": round(rejected, 2),
        "rejected_errors": again.error_count,
    }


def bench_reviews() -> dict[str, Any]:
    from minzheng.enrolments.reviews import review_schedule_generate

    today = dt.date(2025, 6, 1)
    started = time.perf_counter()
    created = review_schedule_generate(today=today, horizon_days=550)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = review_schedule_generate(today=today, horizon_days=550)
    return {
        "created": created,
        "seconds": round(seconds, 2),
        "rerun_created": again,
        "rerun_s": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ENROL_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    print(f"recreating {args.database_url}")
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from minzheng.policy.services import policy_builtin_load

    preparation = prepare(False)
    policy_builtin_load()
    result = {
        "benchmark": "issue-5-enrolments",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "preparation": preparation,
        "legacy_import": bench_import(args.households, args.seed),
        "review_schedule": bench_reviews(),
    }
    print(
        json.dumps({k: result[k] for k in ("legacy_import", "review_schedule")}, ensure_ascii=False, indent=2)
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"enrolments-{stamp}.json", RESULTS / "enrolments-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
