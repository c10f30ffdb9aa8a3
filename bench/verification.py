"""Benchmark of issue 23 §1: automatic verification of 100,000 applications against 12 months of department
feeds.

    python bench/verification.py                                  # 100,000 applications, 300,000 people
    python bench/verification.py --applications 2000 --people 6000 # a small size, to prove it works
    python bench/verification.py --database-url postgres://postgres@127.0.0.1:5432/mz_x --reuse

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_verify), migrates, imports
the Inner Mongolia divisions, seeds --people people (``demo_population_seed``, with their declared incomes
and assets), then writes set-based (one INSERT … SELECT per feed, records already matched by blind index as
the import leaves them): 12 monthly wages for 30 % of the people, 12 monthly pensions for everyone over 60,
two medical settlements for 40 %, unemployment registrations, disability certificates, vehicles, real estate,
business registrations and deaths; then --applications 低保 applications at 信息核对 (``bulk_create``).

Measured: ``verification.verification_run`` over all of them (chunks of --chunk applications, one
transaction each): wall time, applications/s, time per phase (members, each source, outcomes), checks and
evidence rows written, the outcome counts per source. Then a rerun of the same applications (every earlier
check superseded). Prints a table and writes bench/results/verification-<timestamp>.json and
verification-latest.json. The machine may be shared: give the load average with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import bench_seed, environment, prepare, recreate_database, setup_django, table_print  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_verify"
# feed → (rows per person selected, the person filter, event date, amount, code); SQL over ``p`` and ``m``
# (0..rows-1); %(today)s is the day of the run
FEEDS: dict[str, tuple[int, str, str, str, str]] = {
    "wage": (
        12,
        "p.id %% 10 < 3",
        "date_trunc('month', %(today)s::date - (m * 30))::date",
        "2000 + p.id %% 3000",
        "''",
    ),
    "pension": (
        12,
        "p.birth_date < %(today)s::date - 21915",
        "date_trunc('month', %(today)s::date - (m * 30))::date",
        "1500 + p.id %% 1500",
        "''",
    ),
    "medical_expense": (
        2,
        "p.id %% 10 >= 6",
        "%(today)s::date - (p.id %% 300 + m * 20)::int",
        "200 + p.id %% 2800",
        "'medical'",
    ),
    "unemployment": (1, "p.id %% 100 BETWEEN 50 AND 52", "%(today)s::date - (p.id %% 90)::int", "NULL", "''"),
    "disability_certificate": (
        1,
        "p.id %% 20 = 0",
        "%(today)s::date - (p.id %% 2000)::int",
        "NULL",
        "((p.id %% 4) + 1)::text",
    ),
    "vehicle": (1, "p.id %% 100 < 7", "%(today)s::date - (p.id %% 3000)::int", "NULL", "''"),
    "real_estate": (1, "p.id %% 10 = 7", "%(today)s::date - (p.id %% 3000)::int", "NULL", "''"),
    "business_registration": (
        1,
        "p.id %% 100 < 3",
        "%(today)s::date - (p.id %% 3000)::int",
        "NULL",
        "CASE WHEN p.id %% 4 = 0 THEN 'cancelled' ELSE 'active' END",
    ),
    "death": (1, "p.id %% 200 = 1", "%(today)s::date - (p.id %% 80)::int", "NULL", "''"),
}


def feeds_write(today: dt.date) -> dict[str, Any]:
    """One loaded batch and one INSERT … SELECT per feed; returns rows per feed and the seconds."""
    from django.db import connection

    from minzheng.monitoring.models import FeedBatch, FeedRecord
    from minzheng.registry.models import Person

    started = time.perf_counter()
    rows: dict[str, int] = {}
    table, person = FeedRecord._meta.db_table, Person._meta.db_table
    with connection.cursor() as cursor:
        for feed, (count, where, day, amount, code) in FEEDS.items():
            batch, _new = FeedBatch.objects.get_or_create(
                feed=feed,
                sha256=f"bench-{feed}",
                defaults={
                    "file_name": f"bench-{feed}.csv",
                    "channel": "command",
                    "status": FeedBatch.Status.LOADED,
                },
            )
            params = {"today": today.isoformat(), "batch": batch.pk, "feed": feed, "rows": count - 1}
            cursor.execute(
                f"INSERT INTO {table} (batch_id, feed, natural_key, row_number, id_index, id_masked, "  # noqa: S608
                "person_id, event_date, amount, code, payload) "
                "SELECT %(batch)s, %(feed)s, md5(%(feed)s || '-' || p.id || '-' || m), 0, "
                "p.id_number_index, "
                f"p.id_number_masked, p.id, {day}, {amount}, {code}, '{{}}'::jsonb "
                f"FROM {person} p CROSS JOIN generate_series(0, %(rows)s) m WHERE {where}",
                params,
            )
            rows[feed] = cursor.rowcount
        cursor.execute(f"ANALYZE {table}")
    return {"rows": rows, "total": sum(rows.values()), "seconds": round(time.perf_counter() - started, 2)}


def applications_write(count: int, today: dt.date) -> dict[str, Any]:
    """``count`` 低保 applications at 信息核对, one per household (the households with the lowest ids)."""
    from minzheng.applications.models import Application
    from minzheng.applications.rules import Channel, Step
    from minzheng.catalogue.programmes import Programme, Workflow
    from minzheng.registry.models import Household

    started = time.perf_counter()
    households = (
        Household.objects.filter(head__isnull=False)
        .order_by("id")
        .values_list("id", "head_id", "hukou_division__parent_id")[:count]
    )
    batch: list[Application] = []
    written = 0
    for n, (household, head, township) in enumerate(households.iterator(chunk_size=10000), 1):
        batch.append(
            Application(
                number=f"BENCH-{n:08d}",
                workflow=Workflow.DIBAO,
                programme=Programme.DIBAO,
                household_id=household,
                applicant_id=head,
                division_id=township,
                channel=Channel.WINDOW,
                step=Step.VERIFYING,
                submitted_on=today,
            )
        )
        if len(batch) == 5000:
            written += len(Application.objects.bulk_create(batch))
            batch.clear()
    written += len(Application.objects.bulk_create(batch))
    return {"applications": written, "seconds": round(time.perf_counter() - started, 2)}


def verify(chunk: int) -> dict[str, Any]:
    from django.db.models import Count

    from minzheng.departments.models import SourceCheck
    from minzheng.departments.verification import verification_run

    run = verification_run(kind="bench", chunk=chunk)
    outcomes: dict[str, dict[str, int]] = {}
    for row in SourceCheck.objects.filter(run=run).values("source", "outcome").annotate(n=Count("id")):
        outcomes.setdefault(row["source"], {})[row["outcome"]] = row["n"]
    seconds = float(run.seconds or 0)
    return {
        "seconds": seconds,
        "applications": run.applications,
        "applications_per_s": round(run.applications / seconds) if seconds else None,
        "checks": run.checks,
        "evidence": run.evidence,
        "phase_seconds": run.phase_seconds,
        "outcomes": outcomes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database; only re-measure")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    result: dict[str, Any] = {"environment": environment(args.database_url), "load_before": os.getloadavg()}
    today = dt.datetime.now(tz=dt.UTC).date()
    from minzheng.applications.models import Application
    from minzheng.monitoring.models import FeedRecord
    from minzheng.registry.models import Person

    result["prepare"] = prepare(reuse=args.reuse)
    if not Person.objects.exists():  # a fresh database, or --reuse of one holding the divisions only
        result["seed"] = bench_seed(args.people, args.seed)
    if not FeedRecord.objects.exists():  # --reuse after a failed setup continues where it stopped
        result["feeds"] = feeds_write(today)
    if not Application.objects.exists():
        result["setup_applications"] = applications_write(args.applications, today)
    result["first_run"] = verify(args.chunk)
    result["rerun"] = verify(args.chunk)
    result["load_after"] = os.getloadavg()
    first, rerun = result["first_run"], result["rerun"]
    lines = [
        ("measure", "value"),
        ("applications at 信息核对", f"{first['applications']:,}"),
        ("feed records (12 months)", f"{FeedRecord.objects.count():,}"),
        ("checks written (one per source)", f"{first['checks']:,}"),
        ("evidence rows written", f"{first['evidence']:,}"),
        ("first run", f"{first['seconds']:.1f} s ({first['applications_per_s']:,} applications/s)"),
        ("rerun (supersedes every check)", f"{rerun['seconds']:.1f} s"),
        *((f"  phase {k}", f"{v:.2f} s") for k, v in first["phase_seconds"].items()),
        ("load average before / after", f"{result['load_before']} / {result['load_after']}"),
    ]
    table_print(lines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"verification-{stamp}.json", "verification-latest.json"):
        (RESULTS / name).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"\n  written: bench/results/verification-{stamp}.json")


if __name__ == "__main__":
    main()
