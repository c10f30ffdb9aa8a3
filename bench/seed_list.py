"""Issue 21: seeding N people and the household list page (county + name filter), before and after.

    python bench/seed_list.py --people 1000000                       # seed (timed) + list page
    python bench/seed_list.py --people 2000000 --skip-list           # seed only
    python bench/seed_list.py --reuse --page-requests 100            # list page on the seeded database
    python bench/seed_list.py --code /tmp/seed-base --reuse          # the same, with another checkout's code

The measures are those of ``bench/run.py`` (a: ``demo_population_seed`` wall time incl. the commit;
b: ``GET /registry/households/?division=150102&name=<surname>`` as the county approver), without the
assessment parts, so that the two rows of issue 21 can be re-measured quickly. ``--code`` imports the
``minzheng`` package of another checkout (e.g. ``git worktree add /tmp/seed-base <commit>``) to measure
the previous code on the same machine and database; its commit is recorded. ``--compare FILE`` adds the
ratio against an earlier result. The list measure also records a per-request breakdown (SQL time and
query count per request, from ``connection.execute_wrapper``). Results: ``bench/results/seed-list-*.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402 - the shared helpers of bench/run.py

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_seed"


def page_breakdown(requests: int, rng: random.Random) -> dict[str, Any]:
    """The list page's latency, and per request the SQL time and the number of queries."""
    from django.db import connection

    sql_time: list[float] = []
    queries: list[int] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_time[-1] += time.perf_counter() - started
            queries[-1] += 1

    from django.test import Client

    from minzheng.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="county"))
    url = "/registry/households/"
    for name in bench.SURNAMES[:3]:
        client.get(url, {"division": bench.COUNTY, "name": name})
    names = [bench.SURNAMES[i % len(bench.SURNAMES)] for i in range(requests)]
    rng.shuffle(names)
    samples: list[float] = []
    # CPU per request of this process (Django) and of its PostgreSQL backend: on the shared machine the
    # wall times follow the other sessions' load, the CPU seconds much less
    server, client_cpu = backend_cpu_seconds(), time.process_time()
    with connection.execute_wrapper(timer):
        for name in names:
            sql_time.append(0.0)
            queries.append(0)
            started = time.perf_counter()
            response = client.get(url, {"division": bench.COUNTY, "name": name})
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code} for name={name}")
    client_cpu = time.process_time() - client_cpu
    after = backend_cpu_seconds()
    sql = bench.timings(sql_time)
    return {
        "url": f"{url}?division={bench.COUNTY}&name=<surname>",
        "user": "county (county_approver, 新城区 150102)",
        **bench.timings(samples),
        "sql_p50_ms": sql["p50_ms"],
        "sql_mean_ms": sql["mean_ms"],
        "queries_per_request": max(queries),
        "non_sql_mean_ms": round(bench.timings(samples)["mean_ms"] - sql["mean_ms"], 2),
        "client_cpu_ms_per_request": round(client_cpu / requests * 1000, 2),
        "server_cpu_ms_per_request": (
            round((after - server) / requests * 1000, 2) if server is not None and after is not None else None
        ),
    }


def backend_cpu_seconds() -> float | None:
    """CPU time (user + system) of this connection's PostgreSQL backend so far; None unless local."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine (all cores, /proc/stat): includes PostgreSQL's parallel
    workers (index builds), which the backend's own figure leaves out — and every other process."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seed_with_cpu(people: int, seed: int) -> dict[str, Any]:
    """``bench/run.py``'s seeding measure plus the CPU seconds of this process and of its PostgreSQL
    backend: on a shared machine the wall time depends on the load, the CPU seconds much less."""
    machine = machine_cpu_seconds()
    server, client = backend_cpu_seconds(), time.process_time()
    children = _children_cpu_seconds()
    result = bench.bench_seed(people, seed)
    client_cpu = time.process_time() - client
    after = backend_cpu_seconds()
    result["client_cpu_s"] = round(client_cpu, 1)  # includes the ANALYZE call's (tiny) client side
    # the render process (demo.population_load, session 12): ended and waited for within the seeding
    result["render_cpu_s"] = round(_children_cpu_seconds() - children, 1)
    result["server_cpu_s"] = round(after - server, 1) if server is not None and after is not None else None
    result["machine_cpu_s"] = round(machine_cpu_seconds() - machine, 1)
    return result


def population_digest() -> dict[str, Any]:
    """md5 of the seeded households and persons in id order (every column but the AES-GCM ciphertexts,
    whose nonces are random, and the timestamps), and the sums of incomes and assets: the same seed must
    give the same population whatever the code that wrote it."""
    from django.db import connection

    digest: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in ("registry_household", "registry_person", "registry_membership"):
            cursor.execute(
                "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) "
                "FROM information_schema.columns WHERE table_name = %s "
                "AND column_name NOT LIKE '%%encrypted' AND column_name NOT IN ('created_at', 'updated_at')",
                [table],
            )
            columns = cursor.fetchone()[0]
            cursor.execute(f"SELECT md5(string_agg(({columns})::text, '|' ORDER BY id)) FROM {table}")  # noqa: S608
            digest[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), sum(amount) FROM registry_incomerecord")
        digest["incomes"] = [str(x) for x in cursor.fetchone()]
        cursor.execute("SELECT count(*), sum(value) FROM registry_assetrecord")
        digest["assets"] = [str(x) for x in cursor.fetchone()]
    return digest


def commit_of(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    ).stdout.strip()


def ratios(result: dict[str, Any], earlier: dict[str, Any]) -> dict[str, float]:
    """earlier / now: > 1 means faster now."""
    out: dict[str, float] = {}
    if result.get("seed", {}).get("seconds") and earlier.get("seed", {}).get("seconds"):
        out["seed_seconds"] = round(earlier["seed"]["seconds"] / result["seed"]["seconds"], 2)
    page, before = result.get("household_list_page"), earlier.get("household_list_page")
    if page and before:
        for key in ("p50_ms", "p95_ms"):
            out[f"list_{key}"] = round(before[key] / page[key], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--page-requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="measure the list only")
    parser.add_argument("--skip-list", action="store_true", help="seed only")
    parser.add_argument("--code", type=Path, default=HERE.parent, help="checkout whose code is measured")
    parser.add_argument("--compare", type=Path, help="an earlier seed-list JSON: ratios against it")
    parser.add_argument("--label", default="", help="a word for the result file name, e.g. before/after")
    parser.add_argument(
        "--render-processes", type=int, default=0, help="1 or 2: the seeding's processes (default: by cores)"
    )
    args = parser.parse_args()

    bench.ROOT = args.code.resolve()  # setup_django puts it first on sys.path
    if not args.reuse:
        print(f"recreating {args.database_url}")
        bench.recreate_database(args.database_url)
    bench.setup_django(args.database_url)
    from minzheng.demo.accounts import demo_users_ensure

    if args.render_processes:  # the session-12 choice, measured both ways (bench/speed-seed-list.md)
        from minzheng.demo import population_load

        population_load._render_processes = lambda: args.render_processes

    preparation = bench.prepare(args.reuse)
    demo_users_ensure()
    result: dict[str, Any] = {
        "benchmark": "issue-21-seed-list",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "people_requested": args.people,
        "environment": {**bench.environment(args.database_url), "git_commit": commit_of(args.code)},
        "code": str(args.code.resolve()),
        "render_processes": args.render_processes or "by cores",
        "preparation": preparation,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    if not args.reuse:
        result["seed"] = seed_with_cpu(args.people, args.seed)
        result["population_digest"] = population_digest()
        result["load_average_after_seed"] = [round(x, 2) for x in os.getloadavg()]
    from minzheng.registry.models import Household, Person

    result["households_in_database"] = Household.objects.count()
    result["people_in_database"] = Person.objects.count()
    if not args.skip_list:
        result["household_list_page"] = page_breakdown(args.page_requests, random.Random(args.seed))
        result["load_average_after_list"] = [round(x, 2) for x in os.getloadavg()]
    if args.compare:
        earlier = json.loads(args.compare.read_text())
        result["compared_with"] = {"file": args.compare.name, "commit": earlier["environment"]["git_commit"]}
        result["ratio_earlier_over_now"] = ratios(result, earlier)
    print(json.dumps({k: v for k, v in result.items() if k != "environment"}, ensure_ascii=False, indent=2))
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    label = f"-{args.label}" if args.label else ""
    path = bench.RESULTS / f"seed-list-{stamp}{label}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
