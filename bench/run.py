"""Benchmarks of issues 2 and 3: seeding, the household list page, exact ID lookup, assessment, what-if.

    python bench/run.py --people 1000000        # what `make bench` runs

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench), migrates,
imports the Inner Mongolia divisions, then measures

a. seeding N people with ``demo_population_seed`` (wall time; people/s and all rows/s);
b. ``GET /registry/households/?division=<county>&name=<surname>`` through Django's test client,
   logged in as the demo county approver (新城区 150102): p50/p95 over --page-requests requests;
c. ``person_find_by_id_number`` (blind index) for --lookups random existing people: p50/p95;
d. the columnar assessment (``benefits.columnar``: snapshot PostgreSQL → Arrow → DuckDB, then the 低保,
   低保边缘 and 高龄津贴 rules) of the first --assess-households stored households and of all of them;
e. the what-if of a +5 % urban 低保 standard for Hohhot over the whole region (two full assessments);
f. for comparison, the pure per-household engine (selector + ``engine.assess``) on a 2,000-household
   sample: households/s.

Prints a table and writes bench/results/<timestamp>.json and bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench"
SURNAMES = ("王", "李", "张", "刘", "杨", "赵", "陈", "郭", "高", "孙")
COUNTY = "150102"
HOUSEHOLD_LINK = re.compile(r'href="/registry/households/(\d+)/"')


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def timings(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "minzheng.config.settings.base"
    os.environ["DEBUG"] = "0"  # no query log growing in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # whitenoise warns that collectstatic has not run; the page does not need the files
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(reuse: bool) -> dict[str, float]:
    from django.core.management import call_command

    from minzheng.demo.registry import divisions_ensure

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    divisions_ensure() if reuse else call_command("import_divisions", "--province", "15", verbosity=0)
    return {
        "migrate_s": round(migrated - started, 2),
        "divisions_s": round(time.perf_counter() - migrated, 2),
    }


def bench_seed(people: int, seed: int) -> dict[str, Any]:
    from minzheng.demo.accounts import demo_township
    from minzheng.demo.registry import demo_population_seed, registry_analyze

    township = demo_township()

    def progress(done: int, total: int) -> None:
        print(f"\r  seeding: {done:,} / {total:,} people", end="", flush=True)

    started = time.perf_counter()
    summary = demo_population_seed(
        people=people, seed=seed, focus_code=township.code if township else "", progress=progress
    )
    seeded = time.perf_counter() - started
    registry_analyze()
    analyzed = time.perf_counter() - started - seeded
    print()
    return {
        "people": summary.persons,
        "households": summary.households,
        "memberships": summary.memberships,
        "incomes": summary.incomes,
        "assets": summary.assets,
        "rows": summary.rows,
        "seconds": round(seeded, 2),
        "people_per_s": round(summary.persons / seeded),
        "rows_per_s": round(summary.rows / seeded),
        "analyze_s": round(analyzed, 2),
    }


def bench_page(requests: int, rng: random.Random) -> dict[str, Any]:
    from django.test import Client

    from minzheng.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="county"))
    names = [SURNAMES[i % len(SURNAMES)] for i in range(requests)]
    rng.shuffle(names)
    url = "/registry/households/"
    for name in SURNAMES[:3]:  # warm-up: templates, connection, caches
        client.get(url, {"division": COUNTY, "name": name})
    samples, rows_on_page = [], []
    for name in names:
        started = time.perf_counter()
        response = client.get(url, {"division": COUNTY, "name": name})
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} for name={name}")
        rows_on_page.append(len(set(HOUSEHOLD_LINK.findall(response.content.decode()))))
    return {
        "url": f"{url}?division={COUNTY}&name=<surname>",
        "user": "county (county_approver, 新城区 150102)",
        "surnames": list(SURNAMES),
        "rows_on_page_min": min(rows_on_page),
        **timings(samples),
    }


def bench_lookup(lookups: int, rng: random.Random) -> dict[str, Any]:
    from minzheng.accounts.models import User
    from minzheng.registry.models import Person
    from minzheng.registry.selectors import person_find_by_id_number

    actor = User.objects.get(username="region")
    first = Person.objects.order_by("id").values_list("id", flat=True).first() or 0
    last = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    wanted = rng.sample(range(first, last + 1), min(lookups, last - first + 1))
    people = list(Person.objects.filter(id__in=wanted))
    numbers = [(p.pk, p.id_number) for p in people]
    person_find_by_id_number(actor=actor, id_number=numbers[0][1])  # warm-up
    samples = []
    for pk, number in numbers:
        started = time.perf_counter()
        found = person_find_by_id_number(actor=actor, id_number=number)
        samples.append(time.perf_counter() - started)
        if found is None or found.pk != pk:
            raise SystemExit(f"lookup of person {pk} returned {found!r}")
    return {"selector": "registry.selectors.person_find_by_id_number", "user": "region", **timings(samples)}


def _assess_once(as_of: dt.date, household_id_max: int | None) -> dict[str, Any]:
    from minzheng.benefits import columnar

    started = time.perf_counter()
    con = columnar.duck()
    counts = columnar.snapshot_load(con, as_of=as_of, division_prefix="15", household_id_max=household_id_max)
    loaded = time.perf_counter()
    columnar.results_compute(con, columnar.stored_params(), as_of)
    eligible = con.execute("SELECT count(*) FILTER (WHERE dibao_eligible) FROM results").fetchall()[0][0]
    done = time.perf_counter()
    seconds = done - started
    return {
        "households": counts["households"],
        "people": counts["members"],
        "snapshot_s": round(loaded - started, 2),
        "rules_s": round(done - loaded, 2),
        "seconds": round(seconds, 2),
        "households_per_s": round(counts["households"] / seconds),
        "people_per_s": round(counts["members"] / seconds),
        "dibao_eligible": eligible,
    }


def bench_assess(households: int, as_of: dt.date) -> dict[str, Any]:
    from minzheng.registry.models import Household

    ids = Household.objects.order_by("id").values_list("id", flat=True)
    cutoff = ids[households - 1] if ids.count() >= households else None
    return {"subset": _assess_once(as_of, cutoff), "all": _assess_once(as_of, None)}


def bench_whatif(as_of: dt.date) -> dict[str, Any]:
    from decimal import Decimal

    from minzheng.accounts.models import User
    from minzheng.benefits.whatif import ProposedChange, whatif_run

    region = User.objects.get(username="region")
    change = ProposedChange("dibao.standard_monthly", "150100000000", "urban", as_of, percent=Decimal(5))
    report = whatif_run(actor=region, change=change)
    return {
        "households": report.total.households,
        "seconds": report.seconds,
        "households_per_s": round(report.total.households / report.seconds),
        "gained": report.total.gained,
        "lost": report.total.lost,
        "monthly_difference": str(report.total.monthly_difference),
        "annual_difference": str(report.total.annual_difference),
    }


def bench_engine(sample: int, as_of: dt.date, rng: random.Random) -> dict[str, Any]:
    from minzheng.benefits.columnar import stored_params
    from minzheng.benefits.engine import assess
    from minzheng.benefits.selectors import household_facts_many
    from minzheng.registry.models import Household

    params = stored_params()
    top = Household.objects.order_by("-id").values_list("id", flat=True)[0]
    ids = rng.sample(range(1, top + 1), min(sample, top))
    started = time.perf_counter()
    facts = household_facts_many(ids, as_of)
    loaded = time.perf_counter()
    for household in facts.values():
        assess("dibao", household, params)
    done = time.perf_counter()
    return {
        "households": len(facts),
        "facts_s": round(loaded - started, 2),
        "engine_s": round(done - loaded, 2),
        "households_per_s": round(len(facts) / (done - started)),
    }


def environment(url: str) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "database": urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl(),
        "postgresql": server,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "git_commit": commit,
    }


def assessment_lines(result: dict[str, Any]) -> list[tuple[str, str]]:
    sub, every = result["assessment"]["subset"], result["assessment"]["all"]
    wif, eng = result["whatif"], result["engine_sample"]
    return [
        (
            f"assess {sub['households']:,} households",
            f"{sub['seconds']:.2f} s = {sub['households_per_s']:,} households/s ({sub['people']:,} people; "
            f"snapshot {sub['snapshot_s']:.2f} s, rules {sub['rules_s']:.2f} s)",
        ),
        (
            f"assess all {every['households']:,}",
            f"{every['seconds']:.2f} s = {every['households_per_s']:,} households/s, "
            f"{every['people_per_s']:,} people/s ({every['people']:,} people)",
        ),
        (
            "what-if +5% Hohhot urban",
            f"{wif['seconds']:.2f} s for {wif['households']:,} households x 2 "
            f"({wif['households_per_s']:,} households/s); +{wif['gained']} / -{wif['lost']} households, "
            f"{wif['monthly_difference']} yuan/month",
        ),
        (
            "pure engine (comparison)",
            f"{eng['households_per_s']:,} households/s on {eng['households']:,} "
            f"(facts {eng['facts_s']:.2f} s, rules {eng['engine_s']:.2f} s)",
        ),
    ]


def print_table(result: dict[str, Any]) -> None:
    seed, page, lookup = result["seed"], result["household_list_page"], result["id_lookup"]
    lines = [
        ("measure", "result"),
        ("seed people", f"{seed['people']:,} people, {seed['households']:,} households"),
        ("seed all rows", f"{seed['rows']:,} rows (households, persons, memberships, incomes, assets)"),
        ("seed wall time", f"{seed['seconds']:.1f} s  (+ ANALYZE {seed['analyze_s']:.1f} s)"),
        ("seed throughput", f"{seed['people_per_s']:,} people/s, {seed['rows_per_s']:,} rows/s"),
        ("household list page", f"p50 {page['p50_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms "
                                f"({page['count']} requests)"),
        ("ID lookup (blind index)", f"p50 {lookup['p50_ms']:.2f} ms, p95 {lookup['p95_ms']:.2f} ms "
                                    f"({lookup['count']} lookups)"),
    ]  # fmt: skip
    if "assessment" in result:
        lines += assessment_lines(result)
    table_print(lines)


def table_print(lines: list[tuple[str, str]], rule: int = 60) -> None:
    """The benchmarks' console table: measure names left-aligned, a rule under the heading row."""
    width = max(len(a) for a, _ in lines)
    print()
    for i, (a, b) in enumerate(lines):
        print(f"  {a.ljust(width)}  {b}")
        if i == 0:
            print(f"  {'-' * width}  {'-' * rule}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--page-requests", type=int, default=50)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--assess-households", type=int, default=100_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 9, 1))
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already seeded database (skip drop, import and seeding)"
    )
    args = parser.parse_args()

    if not args.reuse:
        print(f"recreating {args.database_url}")
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from minzheng.demo.accounts import demo_users_ensure
    from minzheng.policy.services import policy_builtin_load
    from minzheng.registry.models import Person

    preparation = prepare(args.reuse)
    demo_users_ensure()
    policy_builtin_load()
    if args.reuse and Person.objects.exists():
        if not (RESULTS / "latest.json").exists():
            raise SystemExit("--reuse needs bench/results/latest.json from an earlier run")
        seed_result = json.loads((RESULTS / "latest.json").read_text())["seed"]
    else:
        seed_result = bench_seed(args.people, args.seed)
    rng = random.Random(args.seed)
    result = {
        "benchmark": "issues-2-3",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "people_requested": args.people,
        "environment": environment(args.database_url),
        "preparation": preparation,
        "seed": seed_result,
        "household_list_page": bench_page(args.page_requests, rng),
        "id_lookup": bench_lookup(args.lookups, rng),
        "assessment": bench_assess(args.assess_households, args.as_of),
        "whatif": bench_whatif(args.as_of),
        "engine_sample": bench_engine(2000, args.as_of, rng),
    }
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/{stamp}.json and bench/results/latest.json")


if __name__ == "__main__":
    main()
