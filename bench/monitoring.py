"""Benchmarks of issue 6 (动态监测预警): department feed import and the full monitoring run.

    python bench/monitoring.py                          # 300,000 people, 1,000,000 feed rows
    python bench/monitoring.py --people 1000000 --feed-rows 2000000
    python bench/monitoring.py --reuse                  # keep the seeded database, re-measure

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_mon), migrates, imports the
Inner Mongolia divisions, loads the policy figures, seeds --people people (``demo_population_seed``), enrols
about 20 % of the households in 低保 (one INSERT … SELECT) and refreshes the monitored population, then:

a. feed import: --feed-rows rows over 12 months from nine feeds of six departments (医保 medical costs,
   人社 pensions, wages and unemployment, 残联 certificates, 公安 vehicles and deaths, 不动产, 市场监管),
   about 2 % of them ID numbers nobody registered, written as CSV files and imported through
   ``feeds.feed_import``
   (validation, staging COPY, one INSERT … SELECT with the blind-index match): rows/s per file and overall;
   then the largest file again (idempotent: nothing changes);
b. the full monitoring run (``services.monitoring_run``: rematch, population refresh, snapshot PostgreSQL →
   Arrow → DuckDB, the 13 built-in rules, alerts written set-based, escalation): wall time, time per rule,
   peak resident memory of the process (ru_maxrss); then a second run (every hit is a duplicate);
c. for comparison, two of the rules (12-month medical costs per household, new severe disability per
   person) written naively with the ORM, one household / person at a time, on a 1 % sample: the ratio to
   the same two rules in the columnar run, extrapolated to the whole population.

Prints a table and writes bench/results/monitoring-<timestamp>.json and monitoring-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import bench_seed, environment, prepare, recreate_database, setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_mon"
# feed code → (share of the rows, CSV header, row maker)
FEED_SHARES = {
    "medical_expense": 0.40,
    "pension": 0.25,
    "wage": 0.15,
    "disability_certificate": 0.05,
    "unemployment": 0.05,
    "vehicle": 0.04,
    "real_estate": 0.04,
    "business_registration": 0.015,
    "death": 0.005,
}


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def enrol_and_refresh(share: float) -> dict[str, Any]:
    """低保 enrolments for about ``share`` of the households (set-based), then the population refresh."""
    from django.db import connection

    from minzheng.enrolments.models import Enrolment
    from minzheng.monitoring.services import population_refresh
    from minzheng.registry.models import Household

    started = time.perf_counter()
    e, h = Enrolment._meta.db_table, Household._meta.db_table
    modulo = max(1, round(1 / share))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {e} (programme, household_id, division_id, source, status, "  # noqa: S608
            f"starts_month, monthly_amount, level, support_mode, end_reason, decision_ref, created_at, "
            f"updated_at) "
            f"SELECT 'dibao', h.id, h.hukou_division_id, 'legacy', 'active', DATE '2025-01-01', 500, "
            f"'', '', '', '', now(), now() FROM {h} h WHERE h.id %% %s = 0 ON CONFLICT DO NOTHING",
            [modulo],
        )
        enrolled = cursor.rowcount
    opened, _closed = population_refresh()
    return {
        "enrolled_households": enrolled,
        "monitored_persons": opened,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _people() -> list[tuple[int, str, bool]]:
    """(person id, ID number, is head) for every person (decrypted once, for writing the feed files)."""
    from minzheng.common import crypto
    from minzheng.registry.models import Household, Person

    heads = set(Household.objects.values_list("head_id", flat=True))
    return [
        (pk, crypto.decrypt(encrypted), pk in heads)
        for pk, encrypted in Person.objects.values_list("id", "id_number_encrypted").iterator(
            chunk_size=20000
        )
    ]


def _unknown_id(rng: random.Random) -> str:
    from minzheng.common.identity import make_resident_id

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    return make_resident_id("150102", birth, rng.randrange(1000))


def write_feeds(
    directory: Path, total: int, today: dt.date, rng: random.Random
) -> dict[str, tuple[Path, int]]:
    people = _people()
    files: dict[str, tuple[Path, int]] = {}
    grades = ("1", "2", "3", "4")
    for feed, share in FEED_SHARES.items():
        count = int(total * share)
        path = directory / f"{feed}.csv"
        with path.open("w", encoding="utf-8") as out:
            header = {
                "medical_expense": "身份证号码,结算日期,个人自付金额,费用类别,结算单号",
                "pension": "身份证号码,发放月份,发放金额",
                "wage": "身份证号码,缴费月份,缴费工资",
                "disability_certificate": "身份证号码,发证日期,残疾等级,残疾人证号",
                "unemployment": "身份证号码,失业登记日期,登记编号",
                "vehicle": "身份证号码,登记日期,号牌号码",
                "real_estate": "身份证号码,登记日期,不动产权证号",
                "business_registration": "身份证号码,成立日期,统一社会信用代码,登记状态",
                "death": "身份证号码,死亡日期",
            }[feed]
            out.write(header + "\n")
            seen_months: set[tuple[str, int]] = set()
            written = 0
            while written < count:
                n = written
                unknown = rng.random() < 0.02
                id_number = _unknown_id(rng) if unknown else people[rng.randrange(len(people))][1]
                day = today - dt.timedelta(days=rng.randrange(365))
                if feed == "medical_expense":
                    kind = rng.choice(("医疗", "医疗", "医疗", "康复", "意外伤害"))
                    line = f"{id_number},{day},{rng.randrange(100, 300000) / 100:.2f},{kind},M{n:09d}"
                elif feed == "death":
                    if (id_number, -1) in seen_months:
                        continue
                    seen_months.add((id_number, -1))
                    line = f"{id_number},{day}"
                elif feed in ("pension", "wage"):
                    month = rng.randrange(12)
                    if (id_number, month) in seen_months:
                        continue
                    seen_months.add((id_number, month))
                    first = (today.replace(day=1) - dt.timedelta(days=31 * month)).replace(day=1)
                    amount = rng.randrange(20000, 400000) / 100
                    line = f"{id_number},{first},{amount:.2f}"
                elif feed == "disability_certificate":
                    line = f"{id_number},{day},{rng.choice(grades)},D{n:09d}"
                elif feed == "unemployment":
                    line = f"{id_number},{day},U{n:09d}"
                elif feed == "vehicle":
                    line = f"{id_number},{day},蒙{chr(65 + n % 12)}{n:06d}"
                elif feed == "real_estate":
                    line = f"{id_number},{day},R{n:09d}"
                else:
                    line = f"{id_number},{day},9115{n:014d},{rng.choice(('存续', '存续', '注销'))}"
                out.write(line + "\n")
                written += 1
        files[feed] = (path, count)
    return files


def bench_import(files: dict[str, tuple[Path, int]]) -> dict[str, Any]:
    from minzheng.monitoring.feeds import feed_import

    per_feed = {}
    total_rows = 0
    started = time.perf_counter()
    for feed, (path, _count) in files.items():
        begun = time.perf_counter()
        outcome = feed_import(
            actor=None, feed=feed, content=path.read_bytes(), file_name=path.name, channel="command"
        )
        seconds = time.perf_counter() - begun
        batch = outcome.batch
        if outcome.rejected:
            raise SystemExit(f"{feed} rejected: {batch.errors[:3]}")
        per_feed[feed] = {
            "rows": batch.rows_total,
            "new": batch.rows_new,
            "matched": batch.rows_matched,
            "unmatched": batch.rows_unmatched,
            "seconds": round(seconds, 2),
            "rows_per_s": round(batch.rows_total / seconds),
        }
        total_rows += batch.rows_total
        print(f"  imported {feed}: {batch.rows_total:,} rows in {seconds:.1f} s")
    elapsed = time.perf_counter() - started
    largest = max(files, key=lambda f: files[f][1])
    begun = time.perf_counter()
    again = feed_import(
        actor=None, feed=largest, content=files[largest][0].read_bytes(), file_name="again.csv"
    )
    return {
        "feeds": per_feed,
        "rows": total_rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(total_rows / elapsed),
        "reimport_duplicate": again.duplicate_file,
        "reimport_s": round(time.perf_counter() - begun, 2),
    }


def bench_run() -> dict[str, Any]:
    from minzheng.monitoring.services import monitoring_run

    before = peak_mb()
    started = time.perf_counter()
    run = monitoring_run(actor=None, kind="scheduled")
    first = time.perf_counter() - started
    rules = {
        s.rule.code: {"hits": s.hits, "new": s.alerts_new, "ms": s.milliseconds, "error": s.error}
        for s in run.rule_stats.select_related("rule")
    }
    begun = time.perf_counter()
    second = monitoring_run(actor=None, kind="scheduled")
    return {
        "seconds": round(first, 2),
        "population": run.population,
        "households": run.households,
        "hits": run.hits,
        "alerts_new": run.alerts_new,
        "rules": rules,
        "peak_rss_mb_before": before,
        "peak_rss_mb": peak_mb(),
        "second_run_s": round(time.perf_counter() - begun, 2),
        "second_run_new": second.alerts_new,
        "second_run_duplicates": second.alerts_duplicate,
    }


def bench_naive(share: float, today: dt.date, rng: random.Random, columnar: dict[str, Any]) -> dict[str, Any]:
    """Two rules one subject at a time with the ORM (the way a per-person loop would): households' 12-month
    medical costs against the threshold and the income share; persons' new grade 1–2 certificates."""
    from django.db.models import Sum

    from minzheng.benefits.means_test import reference_period
    from minzheng.monitoring.models import FeedRecord
    from minzheng.monitoring.rules import _months_before
    from minzheng.policy.selectors import parameter_value
    from minzheng.registry.models import Household, IncomeRecord, Membership

    households = list(Household.objects.values_list("id", flat=True))
    sample = rng.sample(households, max(1, int(len(households) * share)))
    year_ago, quarter_ago = _months_before(today, 12), _months_before(today, 3)
    start, end = reference_period(today, 12)
    hits = 0
    persons = 0
    started = time.perf_counter()
    for household_id in sample:
        household = Household.objects.select_related("hukou_division").get(pk=household_id)
        members = list(
            Membership.objects.filter(household_id=household_id, left_on__isnull=True).values_list(
                "person_id", flat=True
            )
        )
        persons += len(members)
        spent = FeedRecord.objects.filter(
            feed="medical_expense", person_id__in=members, event_date__gt=year_ago, event_date__lte=today
        ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        income = IncomeRecord.objects.filter(
            household_id=household_id, period_end__gte=start, period_start__lte=end
        ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        code, kind = household.hukou_division.code, household.urban_rural
        limit = Decimal(parameter_value("monitoring.medical_out_of_pocket_annual", code, today, kind).value)
        ratio = Decimal(parameter_value("monitoring.medical_income_share", code, today, kind).value)
        hits += spent > limit or spent > income * ratio
        for person_id in members:
            hits += FeedRecord.objects.filter(
                feed="disability_certificate",
                person_id=person_id,
                code__in=("1", "2"),
                event_date__gt=quarter_ago,
                event_date__lte=today,
            ).exists()
    seconds = time.perf_counter() - started
    whole = seconds * len(households) / len(sample)
    columnar_ms = sum(columnar["rules"][c]["ms"] for c in ("medical_out_of_pocket", "severe_disability_new"))
    return {
        "sample_households": len(sample),
        "sample_persons": persons,
        "seconds": round(seconds, 2),
        "hits": hits,
        "extrapolated_all_s": round(whole, 1),
        "columnar_same_rules_s": round(columnar_ms / 1000, 3),
        "ratio_rules_only": round(whole / max(columnar_ms / 1000, 0.001)),
        "ratio_vs_full_run": round(whole / columnar["seconds"], 1),
    }


def print_table(result: dict[str, Any]) -> None:
    imp, run, naive = result["import"], result["run"], result["naive"]
    lines = [
        ("measure", "result"),
        (
            "population",
            f"{run['population']:,} people in {run['households']:,} households; "
            f"{result['enrolment']['monitored_persons']:,} monitored",
        ),
        (
            "feed import",
            f"{imp['rows']:,} rows in {imp['seconds']:.1f} s = {imp['rows_per_s']:,} rows/s "
            f"({len(imp['feeds'])} feeds); same file again: duplicate={imp['reimport_duplicate']} "
            f"in {imp['reimport_s']} s",
        ),
        (
            "full monitoring run",
            f"{run['seconds']:.1f} s, {run['hits']:,} hits, {run['alerts_new']:,} alerts; "
            f"peak RSS {run['peak_rss_mb']} MB",
        ),
        (
            "second run (all dup.)",
            f"{run['second_run_s']:.1f} s, new {run['second_run_new']}, "
            f"duplicates {run['second_run_duplicates']:,}",
        ),
        (
            "naive ORM, 1 % sample",
            f"{naive['seconds']:.1f} s for {naive['sample_households']:,} households "
            f"(2 rules) → {naive['extrapolated_all_s']:,} s for all; "
            f"×{naive['ratio_rules_only']:,} the columnar rules, "
            f"×{naive['ratio_vs_full_run']} the whole 13-rule run",
        ),
    ]
    for code, stat in sorted(run["rules"].items()):
        lines.append((f"  rule {code}", f"{stat['ms']:,} ms, {stat['hits']:,} hits {stat['error']}"))
    width = max(len(a) for a, _ in lines)
    print()
    for i, (a, b) in enumerate(lines):
        print(f"  {a.ljust(width)}  {b}")
        if i == 0:
            print(f"  {'-' * width}  {'-' * 60}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--feed-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--naive-share", type=float, default=0.01)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_MONITORING_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seeded database (skip drop and seeding)"
    )
    args = parser.parse_args()

    if not args.reuse:
        print(f"recreating {args.database_url}")
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.utils import timezone

    from minzheng.accounts.demo import demo_users_ensure
    from minzheng.monitoring.models import Alert, FeedBatch, FeedRecord, MonitoredPerson, MonitoringRun
    from minzheng.monitoring.services import monitoring_parameters_load, rule_builtin_load
    from minzheng.policy.services import policy_builtin_load
    from minzheng.registry.models import Person

    preparation = prepare(args.reuse)
    demo_users_ensure()
    policy_builtin_load()
    monitoring_parameters_load()
    rule_builtin_load()
    seeded = Person.objects.exists() and args.reuse
    seed = (
        {"people": Person.objects.count(), "reused": True} if seeded else bench_seed(args.people, args.seed)
    )
    if args.reuse:  # start the measured part from no feeds and no alerts
        for model in (Alert, MonitoringRun, FeedRecord, FeedBatch, MonitoredPerson):
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
    today = timezone.localdate()
    rng = random.Random(args.seed)
    enrolment = enrol_and_refresh(0.2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        files = write_feeds(Path(directory), args.feed_rows, today, rng)
        written = round(time.perf_counter() - started, 1)
        print(f"  wrote {sum(c for _, c in files.values()):,} feed rows in {written} s")
        imported = bench_import(files)
    imported["files_written_s"] = written
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    run = bench_run()
    result = {
        "benchmark": "issue-6-monitoring",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "preparation": preparation,
        "seed": seed,
        "enrolment": enrolment,
        "import": imported,
        "run": run,
        "naive": bench_naive(args.naive_share, today, rng, run),
    }
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"monitoring-{stamp}.json", RESULTS / "monitoring-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/monitoring-{stamp}.json and monitoring-latest.json")


if __name__ == "__main__":
    main()
