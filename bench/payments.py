"""Benchmark of issue 5 (payments): payroll generation, approval, bank file export and result import.

    python bench/payments.py                          # 300,000 enrolments in one county
    python bench/payments.py --enrolments 50000

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_pay), migrates, creates
a small division tree (one county, 20 townships, 10 villages each) and, set-based, --enrolments
households (COPY, with encrypted bank accounts) with a head each, one 低保 enrolment per household from
October 2025 and its entitlement period. Then measures, through the real services:

a. ``payroll_generate`` for January 2026 (the county's first payroll: regular lines only); wall time and
   lines/s; submit + approve (maker ≠ checker);
b. ``payroll_bank_file`` in the fixed-width GBK template and the GBK CSV template (decrypts every account);
c. ``payroll_result_import`` of a result file where 1 % of the payments failed;
d. a standard raised back-dated to 1 January for 30 % of the enrolments (set-based period change), then
   ``payroll_generate`` for February: regular lines + arrears for January + retries of the failed lines;
   then the same generation again (a draft is regenerated: identical lines) to show the re-run cost;
e. the statistics page's figures (``statistics.selectors.statistics_report``, ADR 0023) for the county, for
   February and for the year to date (two approved payrolls' lines, every enrolment).

``--reuse-population`` keeps the populated database (divisions, users, households, enrolments) as a
template database ``<name>_pop<N>`` the first time and later copies it (``CREATE DATABASE … TEMPLATE``,
file copy: seconds instead of minutes at 1.7 M), then migrates it; the timings start after that.
``--label`` is stored in the JSON (e.g. "baseline 9e73135").

Prints a table and writes bench/results/payments-<timestamp>.json and payments-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import environment, recreate_database, setup_django, table_print  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_pay"
COUNTY = "150102"
SURNAMES = "王李张刘杨赵陈郭高孙"
GIVEN = "建国秀英志强丽华明军红梅海燕玉兰文静"


def divisions_create() -> Any:
    from minzheng.divisions.models import Division

    region = Division.objects.create(code="150000000000", name="内蒙古自治区", level=1, source="bench")
    city = Division.objects.create(
        code="150100000000", name="呼和浩特市", level=2, parent=region, source="bench"
    )
    county = Division.objects.create(
        code=f"{COUNTY}000000", name="新城区", level=3, parent=city, source="bench"
    )
    for t in range(1, 21):
        township = Division.objects.create(
            code=f"{COUNTY}{t:03d}000", name=f"第{t}街道", level=4, parent=county, source="bench"
        )
        Division.objects.bulk_create(
            Division(
                code=f"{COUNTY}{t:03d}{v:03d}",
                name=f"第{t}街道第{v}社区",
                level=5,
                parent=township,
                urban_rural="urban",
                source="bench",
            )
            for v in range(1, 11)
        )
    return county


def population_create(count: int) -> dict[str, Any]:
    """Households (COPY, encrypted accounts), heads and enrolments with periods (INSERT … SELECT)."""
    import base64
    import os as _os

    from django.db import connection, transaction

    from minzheng.common import crypto

    started = time.perf_counter()
    cipher, key_id = crypto.encryptor()
    account_index = crypto.blind_indexer("bank_account")
    villages = [
        row[0]
        for row in connection.cursor().execute(
            "SELECT id FROM divisions_division WHERE level = 5 ORDER BY code"
        )
    ]
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY registry_household (id, created_at, updated_at, hukou_division_id, hukou_address,"
            " residence_address, urban_rural, member_count, bank_name, bank_account_encrypted,"
            " bank_account_index, bank_account_masked) FROM STDIN"
        ) as copy:
            for i in range(1, count + 1):
                account = f"62284800{i:011d}"
                nonce = _os.urandom(12)
                sealed = base64.b64encode(nonce + cipher.encrypt(nonce, account.encode(), None)).decode()
                copy.write_row(
                    (
                        i,
                        now,
                        now,
                        villages[i % len(villages)],
                        "",
                        "",
                        "urban",
                        1 + i % 4,
                        "中国农业银行",
                        f"{key_id}${sealed}",
                        account_index(account),
                        "*" * 15 + account[-4:],
                    )
                )
        copied = time.perf_counter()
        cursor.execute(
            """INSERT INTO registry_person (id, created_at, updated_at, name, id_number_encrypted,
                   id_number_index, id_number_masked, birth_date, sex, ethnicity, phone_encrypted,
                   phone_index, phone_masked,
                   household_id, disability_category, self_care, serious_illness, serious_illness_note,
                   employment_status, school_enrolment)
               SELECT i, now(), now(),
                   substr(%s, 1 + i %% 10, 1) || substr(%s, 1 + (i / 10) %% 8 * 2, 2), '', 'bench' || i,
                   '1501**********' || lpad((i %% 10000)::text, 4, '0'), date '1960-01-01' + (i %% 15000),
                   CASE WHEN i %% 2 = 0 THEN 'female' ELSE 'male' END, '01', '', '', '', i, '', 'capable',
                   false, '', 'unemployed', ''
               FROM generate_series(1, %s) i""",
            [SURNAMES, GIVEN, count],
        )
        cursor.execute("UPDATE registry_household SET head_id = id")
        cursor.execute(
            """INSERT INTO enrolments_enrolment (created_at, updated_at, programme, household_id,
                   division_id, source, decision_ref, status, starts_month, monthly_amount, level,
                   support_mode, end_reason)
               SELECT now(), now(), 'dibao', h.id, v.parent_id, 'legacy', '', 'active', date '2025-10-01',
                   300 + (h.id % 61) * 10, '', '', ''
               FROM registry_household h JOIN divisions_division v ON v.id = h.hukou_division_id"""
        )
        cursor.execute(
            """INSERT INTO enrolments_entitlementperiod (enrolment_id, from_month, monthly_amount, reason,
                   basis, recorded_at)
               SELECT id, starts_month, monthly_amount, '原系统导入', '', now() FROM enrolments_enrolment"""
        )
        for table in ("registry_household", "registry_person", "enrolments_enrolment"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "enrolments": count,
        "copy_households_s": round(copied - started, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True)


def template_copy(url: str, template: str) -> bool:
    """Recreate the bench database as a copy of the kept populated one; False when there is none."""
    name = urlsplit(url).path.lstrip("/")
    with _admin(url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            return False
        print(f"copying {template} into {name}")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    return True


def template_keep(url: str, template: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}" STRATEGY FILE_COPY')
    print(f"kept the population as {template}")


# CPU seconds of each step, ours and the PostgreSQL backend's (from /proc when the server is local): on a
# machine shared with other jobs the wall time grows with the load, the CPU time much less.
CPU: dict[str, dict[str, Any]] = {}


def _backend_cpu() -> float | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return _process_cpu(pid)


def _process_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


IMPORT_ONLY = [False]  # --import-only: stop after the result import (its levers are measured alone)

# Each generation statement's backend CPU and wall, on whichever connection ran it: a first payroll's
# regular lines are written in parts, one of them on another thread's connection, whose backend CPU the
# step's main-backend figure does not include (``statements_measure``).
STATEMENTS: list[dict[str, Any]] = []


def statements_measure() -> None:
    """Wrap ``generation.stage_run`` to record every statement's backend CPU (this code and older)."""
    from minzheng.payments import generation

    run = generation.stage_run

    def measured(sql: str, **kwargs: Any) -> int:
        stage = next((name for name, text in generation.STAGES if text is sql), "?")
        backend, started = _backend_cpu(), time.perf_counter()
        written = run(sql, **kwargs)
        after = _backend_cpu()
        STATEMENTS.append(
            {
                "stage": stage,
                "ids": kwargs.get("ids"),
                "main_thread": threading.current_thread() is threading.main_thread(),
                "lines": written,
                "wall_s": round(time.perf_counter() - started, 2),
                "backend_cpu_s": -1 if after is None or backend is None else round(after - backend, 2),
            }
        )
        return written

    generation.stage_run = measured


def timed(call: Any, step: str = "") -> tuple[Any, float]:
    backend, ours = _backend_cpu(), time.process_time()
    first = len(STATEMENTS)
    started = time.perf_counter()
    value = call()
    wall = time.perf_counter() - started
    if step:
        after = _backend_cpu()
        statements = STATEMENTS[first:]
        others = sum(s["backend_cpu_s"] for s in statements if not s["main_thread"])
        CPU[step] = {
            "wall_s": round(wall, 2),
            "client_cpu_s": round(time.process_time() - ours, 2),
            # every backend's: this connection's and the other parts' connections'
            "backend_cpu_s": round(after - backend + others, 2)
            if after is not None and backend is not None
            else -1,
            "load_average_1m": round(os.getloadavg()[0], 1),
            **({"statements": statements} if statements else {}),
        }
    return value, wall


def setup_create(count: int) -> dict[str, Any]:
    """Divisions, the two county users (maker and checker) and the population."""
    from minzheng.accounts.models import User

    county = divisions_create()
    for username in ("maker", "checker"):
        User.objects.create_user(username=username, password=None, role="county_approver", division=county)
    return population_create(count)


def bench(population: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from minzheng.accounts.models import User
    from minzheng.divisions.models import Division
    from minzheng.payments import bankfiles, services
    from minzheng.payments.models import PayrollLine
    from minzheng.statistics.rules import Period
    from minzheng.statistics.selectors import statistics_report

    statements_measure()
    county = Division.objects.get(code=f"{COUNTY}000000")
    maker, checker = (User.objects.get(username=name) for name in ("maker", "checker"))
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)

    payroll, generate_jan = timed(
        lambda: services.payroll_generate(actor=maker, county=county, month=jan), "payroll_january"
    )
    _, approve_s = timed(
        lambda: (
            services.payroll_submit(actor=maker, payroll_id=payroll.pk),
            services.payroll_approve(actor=checker, payroll_id=payroll.pk),
        )
    )
    fixed, fixed_s = timed(
        lambda: services.payroll_bank_file(actor=maker, payroll_id=payroll.pk, template_code="fixed_gbk")
    )
    csv_file, csv_s = timed(
        lambda: services.payroll_bank_file(actor=maker, payroll_id=payroll.pk, template_code="csv_gbk")
    )
    failures = {row.reference: "账户已冻结" for row in fixed.batch.rows[::100]}
    result = bankfiles.bank_result_render(fixed.template, fixed.batch, failures)
    imported, import_s = timed(
        lambda: services.payroll_result_import(
            actor=maker, payroll_id=payroll.pk, template_code="fixed_gbk", data=result
        ),
        "result_import",
    )

    if IMPORT_ONLY[0]:
        return {
            "population": population,
            "result_import": {
                "rows": imported.rows,
                "failed": imported.failed_count,
                "seconds": round(import_s, 2),
                "rows_per_s": round(imported.rows / import_s),
            },
        }
    with connection.cursor() as cursor:  # raise back-dated to 1 January for 30 % of the enrolments
        started = time.perf_counter()
        cursor.execute(
            """WITH raised AS (UPDATE enrolments_entitlementperiod SET until_month = date '2026-01-01'
                   WHERE enrolment_id % 10 < 3 RETURNING enrolment_id, monthly_amount)
               INSERT INTO enrolments_entitlementperiod (enrolment_id, from_month, monthly_amount, reason,
                   basis, recorded_at)
               SELECT enrolment_id, date '2026-01-01', monthly_amount + 50, '标准提高（追溯至1月1日）', '',
                   now()
               FROM raised"""
        )
        raised = cursor.rowcount
        change_s = time.perf_counter() - started
    february, generate_feb = timed(
        lambda: services.payroll_generate(actor=maker, county=county, month=feb), "payroll_february"
    )
    kinds = dict(
        PayrollLine.objects.filter(payroll=february).values_list("kind").annotate(n=Count("id")).order_by()
    )
    again, regenerate_s = timed(
        lambda: services.payroll_generate(actor=maker, county=county, month=feb), "february_regenerated"
    )
    services.payroll_submit(actor=maker, payroll_id=february.pk)
    services.payroll_approve(actor=checker, payroll_id=february.pk)
    month_report, month_s = timed(lambda: statistics_report(actor=maker, month=feb))
    _, ytd_s = timed(lambda: statistics_report(actor=maker, month=feb, period=Period.YEAR_TO_DATE))
    return {
        "population": population,
        "january": {
            "lines": payroll.line_count,
            "total_yuan": str(payroll.total_amount),
            "generate_s": round(generate_jan, 2),
            "lines_per_s": round(payroll.line_count / generate_jan),
            "submit_approve_s": round(approve_s, 2),
        },
        "bank_file": {
            "rows": len(fixed.batch.rows),
            "fixed_gbk_s": round(fixed_s, 2),
            "fixed_gbk_bytes": len(fixed.content),
            "csv_gbk_s": round(csv_s, 2),
            "csv_gbk_bytes": len(csv_file.content),
        },
        "result_import": {
            "rows": imported.rows,
            "failed": imported.failed_count,
            "seconds": round(import_s, 2),
            "rows_per_s": round(imported.rows / import_s),
        },
        "february": {
            "raised_backdated": raised,
            "change_s": round(change_s, 2),
            "lines": february.line_count,
            "by_kind": kinds,
            "total_yuan": str(february.total_amount),
            "generate_s": round(generate_feb, 2),
            "lines_per_s": round(february.line_count / generate_feb),
            "regenerate_s": round(regenerate_s, 2),
            "regenerated_lines": again.line_count,
            "arrears_yuan": str(Decimal(50) * raised),
        },
        "statistics": {
            "rows": len(month_report.areas.rows),
            "month_s": round(month_s, 2),
            "year_to_date_s": round(ytd_s, 2),
        },
    }


_RATIOS = (
    ("january", "generate_s"),
    ("result_import", "seconds"),
    ("february", "generate_s"),
    ("february", "regenerate_s"),
    ("bank_file", "fixed_gbk_s"),
)


def ratios(baseline: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Seconds before / after of the measured steps, with the baseline's commit and load."""
    return {
        "commit": baseline.get("environment", {}).get("git_commit"),
        "load_average": baseline.get("load_average"),
        **{
            f"{part}.{key}": {
                "before_s": baseline[part][key],
                "after_s": result[part][key],
                "speed_up": round(baseline[part][key] / result[part][key], 1),
            }
            for part, key in _RATIOS
        },
    }


def print_table(result: dict[str, Any]) -> None:
    p, j, b, r, f = (result[k] for k in ("population", "january", "bank_file", "result_import", "february"))
    lines = [
        ("measure", "result"),
        (
            "population (set-based)",
            f"{p['enrolments']:,} households, heads, enrolments, periods: "
            + (f"{p['total_s']} s" if "total_s" in p else f"copied from {p.get('reused_from')}"),
        ),
        (
            "payroll Jan (regular)",
            f"{j['lines']:,} lines, {j['total_yuan']} yuan in {j['generate_s']} s "
            f"= {j['lines_per_s']:,} lines/s",
        ),
        ("submit + approve", f"{j['submit_approve_s']} s"),
        (
            "bank file fixed GBK",
            f"{b['rows']:,} rows, {b['fixed_gbk_bytes']:,} bytes in {b['fixed_gbk_s']} s",
        ),
        ("bank file CSV GBK", f"{b['csv_gbk_bytes']:,} bytes in {b['csv_gbk_s']} s"),
        (
            "result import",
            f"{r['rows']:,} rows ({r['failed']:,} failed) in {r['seconds']} s = {r['rows_per_s']:,} rows/s",
        ),
        ("back-dated raise", f"{f['raised_backdated']:,} periods changed in {f['change_s']} s"),
        (
            "payroll Feb",
            f"{f['lines']:,} lines {f['by_kind']} in {f['generate_s']} s = {f['lines_per_s']:,} lines/s",
        ),
        ("payroll Feb regenerated", f"{f['regenerated_lines']:,} lines in {f['regenerate_s']} s"),
        (
            "statistics (county)",
            f"{result['statistics']['rows']} townships: Feb {result['statistics']['month_s']} s, "
            f"year to date {result['statistics']['year_to_date_s']} s",
        ),
    ]
    table_print(lines, rule=70)
    for step in ("payroll_january", "payroll_february", "february_regenerated"):
        cpu = result["cpu"].get(step, {})
        parts = ", ".join(
            f"{s['stage']}{' ids {}-{}'.format(*s['ids']) if s.get('ids') else ''} {s['backend_cpu_s']} s"
            for s in cpu.get("statements", [])
        )
        print(f"  {step}: wall {cpu.get('wall_s')} s, backend CPU {cpu.get('backend_cpu_s')} s ({parts})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enrolments", type=int, default=300_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PAY_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse-population", action="store_true", help="copy a kept populated database")
    parser.add_argument("--label", default="", help="stored in the JSON, e.g. 'baseline 9e73135'")
    parser.add_argument("--baseline", type=Path, help="a previous JSON (same scale): ratios against it")
    parser.add_argument("--import-only", action="store_true", help="stop after the result import")
    args = parser.parse_args()
    IMPORT_ONLY[0] = args.import_only
    template = f"{urlsplit(args.database_url).path.lstrip('/')}_pop{args.enrolments}"
    reused = args.reuse_population and template_copy(args.database_url, template)
    if not reused:
        print(f"recreating {args.database_url}")
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if reused:
        population: dict[str, Any] = {"enrolments": args.enrolments, "reused_from": template}
    else:
        population = setup_create(args.enrolments)
        if args.reuse_population:
            connection.close()
            template_keep(args.database_url, template)
    result = {
        "benchmark": "issue-5-payments",
        "label": args.label,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "load_average": os.getloadavg(),
        **bench(population),
        "cpu": CPU,
        "load_average_end": os.getloadavg(),
    }
    if args.baseline:
        result["against_baseline"] = ratios(json.loads(args.baseline.read_text(encoding="utf-8")), result)
    if args.import_only:
        print(json.dumps({"result_import": result["result_import"], "cpu": CPU}, indent=2))
    else:
        print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"payments-{stamp}.json", RESULTS / "payments-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/payments-{stamp}.json and bench/results/payments-latest.json")


if __name__ == "__main__":
    main()
