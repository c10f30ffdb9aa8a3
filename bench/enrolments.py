"""Benchmarks of issue 5 (enrolments): the legacy-system import and the review schedule.

    python bench/enrolments.py                        # 60,000 rows (20,000 households of 3)
    python bench/enrolments.py --households 5000

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_enrol), migrates, imports
the Inner Mongolia divisions and the builtin policy, then measures

a. the legacy import: an .xlsx of --households households (head with 低保, spouse, child) spread over the
   region's villages, validated and written all-or-nothing by ``legacy.legacy_import`` as a region-wide
   county approver: wall time, rows/s, this process's CPU time and the load average (the box is shared);
   the floor (reading the file; COPY of the rows it wrote into index- and constraint-free copies of the
   tables); then the same file again (every row rejected as already registered: the validation-only path);
   then, after b., a CSV of as many other households (a second successful import). ``--baseline`` takes
   an earlier run's JSON at the same scale and adds the ratio of the rows/s;
b. the review schedule: ``reviews.review_schedule_generate`` over every imported enrolment, due within a
   year and a half (every enrolment gets one), then again (nothing to add).

Prints a table and writes bench/results/enrolments-<timestamp>.json and enrolments-latest.json.
"""

from __future__ import annotations

import argparse
import csv
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


def legacy_rows(households: int, seed: int, used: set[str]) -> list[list[str]]:
    """The header and ``households`` households (head with 低保, spouse, child) over the region's villages;
    ID numbers are unique across every call sharing ``used``."""
    from minzheng.common.identity import make_resident_id
    from minzheng.divisions.models import Division
    from minzheng.enrolments.legacy import COLUMNS

    rng = random.Random(seed)
    villages = list(
        Division.objects.filter(level=5, abolished_on__isnull=True).values_list("code", flat=True)
    )
    rows = [list(COLUMNS)]

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
        spouse = {**base, "原系统家庭编号": key, "姓名": "配偶", "身份证号码": person(county, 1970)}
        spouse["与户主关系"] = "配偶"
        child = {**base, "原系统家庭编号": key, "姓名": "子女", "身份证号码": person(county, 2010)}
        child["与户主关系"] = "子"
        rows.extend([row[c] for c in COLUMNS] for row in (head, spouse, child))
    return rows


def workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("导入")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (a server on this machine), or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed_import(importer: Any, filename: str, content: bytes) -> tuple[Any, dict[str, Any]]:
    """Wall time, and the CPU time of this process and of its PostgreSQL backend: on a shared box the wall
    time stretches with the load, the CPU times much less."""
    from minzheng.enrolments.legacy import legacy_import

    load, server, cpu = os.getloadavg()[0], backend_cpu(), time.process_time()
    started = time.perf_counter()
    record = legacy_import(actor=importer, filename=filename, content=content)
    seconds = time.perf_counter() - started
    cpu, server_after = time.process_time() - cpu, backend_cpu()
    figures = {
        "file_mb": round(len(content) / 1e6, 1),
        "seconds": round(seconds, 2),
        "rows_per_s": round(record.rows / seconds),
        "python_cpu_s": round(cpu, 2),
        "postgres_cpu_s": round(server_after - server, 2) if server is not None and server_after else None,
        "load_average_1min": [round(load, 1), round(os.getloadavg()[0], 1)],
    }
    return record, figures


def floors(xlsx: bytes, csv_bytes: bytes) -> dict[str, Any]:
    """What no import of these files can beat: reading them, and COPY of the rows written by the import into
    index-free, constraint-free copies of the five tables (the same bytes PostgreSQL had to store)."""
    from django.db import connection, transaction

    from minzheng.common.tabular import read_table
    from minzheng.enrolments.models import Enrolment, EntitlementPeriod
    from minzheng.registry.models import Household, Membership, Person

    out: dict[str, Any] = {}
    for name, filename, content in (("read_xlsx_s", "f.xlsx", xlsx), ("read_csv_s", "f.csv", csv_bytes)):
        started = time.perf_counter()
        read_table(filename, content)
        out[name] = round(time.perf_counter() - started, 2)
    copied, seconds = 0, 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Household, Person, Membership, Enrolment, EntitlementPeriod):
            table = model._meta.db_table
            data = io.BytesIO()
            with cursor.cursor.copy(f"COPY {table} TO STDOUT") as source:  # noqa: S608 - model table
                for chunk in source:
                    data.write(chunk)
            cursor.execute(f"CREATE TEMP TABLE floor_{table} (LIKE {table}) ON COMMIT DROP")  # noqa: S608
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY floor_{table} FROM STDIN") as target:  # noqa: S608
                target.write(data.getvalue())
            seconds += time.perf_counter() - started
            copied += model.objects.count()
    out.update({"plain_copy_rows": copied, "plain_copy_s": round(seconds, 2)})
    return out


def bench_import(
    households: int, seed: int, baseline: dict[str, Any] | None
) -> tuple[dict[str, Any], Any, bytes]:
    """The .xlsx import, the floors and the rejected rerun; returns the figures, the importer and the CSV of
    other households (imported by ``bench_csv_import`` after the review schedule, which keeps its scale)."""
    from minzheng.accounts.models import User
    from minzheng.divisions.models import Division

    region = Division.objects.get(code="150000000000")
    importer, _ = User.objects.get_or_create(
        username="bench_importer", defaults={"role": "county_approver", "division": region}
    )
    started = time.perf_counter()
    used: set[str] = set()
    xlsx = workbook(legacy_rows(households, seed, used))
    csv_bytes = csv_file(legacy_rows(households, seed + 1, used))  # other people: a second successful import
    built = time.perf_counter() - started
    record, result = timed_import(importer, "bench.xlsx", xlsx)
    if record.status != "succeeded":
        raise SystemExit(f"import rejected: {record.errors[:5]}")
    result = {
        "rows": record.rows,
        "households": record.households,
        "persons": record.persons,
        "enrolments": record.enrolments,
        "build_files_s": round(built, 1),
        **result,
    }
    if baseline:
        result["baseline_rows_per_s"] = baseline["rows_per_s"]
        result["ratio_to_baseline"] = round(result["rows_per_s"] / baseline["rows_per_s"], 1)
    result["floor"] = floors(xlsx, csv_bytes)  # the tables hold exactly this import's rows
    again, result["rejected_rerun"] = timed_import(importer, "bench.xlsx", xlsx)
    result["rejected_rerun"]["errors"] = again.error_count
    return result, importer, csv_bytes


def bench_csv_import(importer: Any, csv_bytes: bytes) -> dict[str, Any]:
    record, result = timed_import(importer, "bench.csv", csv_bytes)
    if record.status != "succeeded":
        raise SystemExit(f"CSV import rejected: {record.errors[:5]}")
    return result


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
    parser.add_argument(
        "--baseline", type=Path, help="an earlier run's JSON at the same scale: adds the ratio of the rows/s"
    )
    args = parser.parse_args()
    baseline = json.loads(args.baseline.read_text())["legacy_import"] if args.baseline else None
    print(f"recreating {args.database_url}")
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from minzheng.policy.services import policy_builtin_load

    preparation = prepare(False)
    policy_builtin_load()
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    imported, importer, csv_bytes = bench_import(args.households, args.seed, baseline)
    result = {
        "benchmark": "issue-5-enrolments",
        "started_at": started_at,
        "environment": environment(args.database_url),
        "preparation": preparation,
        "legacy_import": imported,
        "review_schedule": bench_reviews(),
    }
    imported["csv"] = bench_csv_import(importer, csv_bytes)
    print(
        json.dumps({k: result[k] for k in ("legacy_import", "review_schedule")}, ensure_ascii=False, indent=2)
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"enrolments-{stamp}.json", RESULTS / "enrolments-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
