"""Benchmarks of issue 4: intake throughput through the JSON API and the daily deadline scan.

    python bench/applications.py                      # 70,000 households, 2,000 intakes, 200,000 open
    python bench/applications.py --households 20000 --intake 500 --open 50000

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_apps), migrates,
imports the Inner Mongolia divisions, loads the builtin policy, seeds --households households with
``demo_population_seed`` (about 10 % in the demo township 海拉尔东路街道), then measures

a. intake: ``POST /api/v1/applications`` (低保, window, pledge signed) through Django's test client with
   a bearer token of the demo township caseworker, for --intake households of the township, one request
   after another (each answer is the full detail the endpoint returns); applications/s and p50/p95; for
   comparison, the floor of the same stack: ``GET /healthz`` (every middleware, no database) and
   ``GET /api/v1/applications/<id>`` (the token and one read of the same detail);
a2. the same intake through gunicorn (``--workers`` sync workers, production-like ``DEBUG=0``) from
   ``--clients`` client threads at once, for --gunicorn-intake further households of the township: requests/s,
   statuses (all must be 201) and client-side p50/p95; then every household once more (all must be 409
   ``duplicate_application``, never a 500) and ``GET /healthz`` at the same concurrency as the floor;
b. the deadline scan: --open open applications created set-based (one INSERT … SELECT over households and
   persons: 低保 and 临时救助 per household, 特困 per person, steps of each workflow and step limits
   spread from 20 days ago to 30 days ahead, 15 % without a limit), then ``services.deadlines_refresh``
   on that table: wall time and rows updated; then the same scan again (nothing to change) and the next
   day's scan.

``--open 0`` skips b. ``--baseline FILE`` (an earlier result, e.g. of the previous commit) adds the ratio of
each figure to that run's. Every part records the load average when it ends (the machine may be shared).

Prints a table and writes bench/results/applications-<timestamp>.json and applications-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from marriage import gunicorn_start  # noqa: E402
from run import environment, prepare, recreate_database, setup_django, table_print, timings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_apps"


def seed(households: int, seed_value: int) -> dict[str, Any]:
    from minzheng.demo.accounts import demo_township
    from minzheng.demo.registry import demo_population_seed, registry_analyze

    township = demo_township()

    def progress(done: int, total: int) -> None:
        print(f"\r  seeding: {done:,} / {total:,} households", end="", flush=True)

    started = time.perf_counter()
    summary = demo_population_seed(
        households=households,
        seed=seed_value,
        focus_code=township.code if township else "",
        progress=progress,
    )
    registry_analyze()
    print()
    return {
        "households": summary.households,
        "people": summary.persons,
        "seconds": round(time.perf_counter() - started, 1),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def township_households(count: int) -> tuple[str, list[tuple[int, int]]]:
    """A new bearer token of the demo township caseworker and the first ``count`` households (id, head) of
    the township, in id order, that have no 低保 application yet."""
    from minzheng.accounts.api_auth import api_token_create
    from minzheng.accounts.models import User
    from minzheng.applications.models import Application
    from minzheng.registry.models import Household

    caseworker = User.objects.get(username="caseworker")
    _token, secret = api_token_create(username=caseworker.username, name="bench")
    households = list(
        Household.objects.visible_to(caseworker)
        .filter(head__isnull=False)
        .exclude(id__in=Application.objects.filter(programme="dibao").values("household_id"))
        .order_by("id")
        .values_list("id", "head_id")[:count]
    )
    if len(households) < count:
        raise SystemExit(f"only {len(households)} households of the township without 低保; seed more")
    return secret, households


def intake_body(household_id: int, head_id: int) -> str:
    return json.dumps({"workflow": "dibao", "household_id": household_id, "applicant_id": head_id,
                       "channel": "window", "pledge_signed": True})  # fmt: skip


def bench_intake(count: int) -> dict[str, Any]:
    from django.test import Client

    from minzheng.applications.models import Application

    secret, households = township_households(count + 3)
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    def intake(household_id: int, head_id: int) -> float:
        body = intake_body(household_id, head_id)
        started = time.perf_counter()
        response = client.post("/api/v1/applications", body, content_type="application/json")
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(
                f"intake of household {household_id}: {response.status_code} {response.content[:300]!r}"
            )
        return elapsed

    for household_id, head_id in households[:3]:  # warm-up: imports, connection, caches
        intake(household_id, head_id)
    samples = []
    started = time.perf_counter()
    for household_id, head_id in households[3:]:
        samples.append(intake(household_id, head_id))
    seconds = time.perf_counter() - started
    return {
        "endpoint": "POST /api/v1/applications (dibao, window)",
        "user": "caseworker (township_caseworker, bearer token)",
        "applications": len(samples),
        "seconds": round(seconds, 2),
        "applications_per_s": round(len(samples) / seconds, 1),
        "stored": Application.objects.count(),
        **timings(samples),
        "floor": stack_floor(client, Application.objects.order_by("-pk").values_list("pk", flat=True)[0]),
        "load_average": load_average(),
    }


def stack_floor(client: Any, application_id: int, requests: int = 200) -> dict[str, Any]:
    """p50/p95 of requests that pass the same stack but do (almost) nothing: ``/healthz`` (middleware
    only) and the token-authenticated read of one application's detail."""
    out = {}
    for name, url in (("healthz", "/healthz"), ("detail_get", f"/api/v1/applications/{application_id}")):
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            if client.get(url).status_code != 200:
                raise SystemExit(f"{url} did not answer 200")
            samples.append(time.perf_counter() - started)
        out[name] = timings(samples)
    return out


def _concurrently(
    port: int, requests: list[tuple[str, str, str | None]], headers: dict[str, str], clients: int
) -> dict[str, Any]:
    """``requests`` (method, path, body) sent to 127.0.0.1:``port`` from ``clients`` threads at once."""
    outcomes: list[tuple[int, float]] = []
    lock = threading.Lock()

    def one(request: tuple[str, str, str | None]) -> None:
        method, path, body = request
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        with lock:
            outcomes.append((response.status, time.perf_counter() - started))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, requests))
    elapsed = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for status, _ in outcomes:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(outcomes),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(outcomes) / elapsed, 1),
        "statuses": statuses,
        **timings([s for _, s in outcomes]),
    }


def bench_intake_gunicorn(url: str, count: int, workers: int, clients: int) -> dict[str, Any]:
    """Part a2: the intake through gunicorn from concurrent clients, then the same households again
    (duplicates: 409), then the floor of the stack at the same concurrency."""
    secret, households = township_households(count)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    posts = [("POST", "/api/v1/applications", intake_body(h, p)) for h, p in households]
    server, port = gunicorn_start(url, workers)
    try:
        _concurrently(port, [("GET", "/healthz", None)] * (workers * 4), headers, clients)  # warm the workers
        intake = _concurrently(port, posts, headers, clients)
        duplicates = _concurrently(port, posts, headers, clients)
        floor = _concurrently(port, [("GET", "/healthz", None)] * count, headers, clients)
    finally:
        server.terminate()
        try:
            server.wait(timeout=120)  # a loaded machine takes its time to stop four workers
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if intake["statuses"] != {201: count} or duplicates["statuses"] != {409: count}:
        raise SystemExit(f"gunicorn: intake {intake['statuses']}, duplicates {duplicates['statuses']}")
    return {
        "endpoint": "POST /api/v1/applications (dibao, window) through gunicorn",
        "workers": workers,
        "clients": clients,
        "intake": intake,
        "duplicates": duplicates,
        "floor_healthz": floor,
        "load_average": load_average(),
    }


# Open steps each workflow passes through (rules.WORKFLOWS); the INSERT picks one at random per row.
STEPS = {
    "dibao": ["submitted", "accepted", "investigating", "verifying", "first_review", "public_notice",
              "appraisal", "county_review"],
    "temporary_expenditure": ["submitted", "accepted", "investigating", "verifying", "first_review",
                              "public_notice", "county_review"],
    "extreme_poverty_support": ["submitted", "accepted", "investigating", "public_notice", "county_review"],
}  # fmt: skip
PROGRAMME = {"dibao": "dibao", "temporary_expenditure": "temporary_assistance",
             "extreme_poverty_support": "extreme_poverty_support"}  # fmt: skip


def _column_defaults() -> tuple[list[str], dict[str, str]]:
    """Every column of the application table with a SQL literal for the fields this bench leaves at
    their model default (Django sets defaults in Python, not in the database)."""
    from django.db.models import NOT_PROVIDED

    from minzheng.applications.models import Application

    columns, literals = [], {}
    for field in Application._meta.concrete_fields:
        columns.append(field.column)
        if field.null:
            literals[field.column] = "NULL"
        elif field.default is not NOT_PROVIDED or field.empty_strings_allowed:
            value = field.get_default()  # "" for a CharField/TextField without a default
            if isinstance(value, bool):
                literals[field.column] = "true" if value else "false"
            elif isinstance(value, list):
                literals[field.column] = f"'{json.dumps(value)}'::jsonb"
            else:
                literals[field.column] = "'" + str(value).replace("'", "''") + "'"
    return columns, literals


def _insert_sql(workflow: str, source: str, limit: int, today: dt.date) -> str:
    """One INSERT … SELECT of ``limit`` open applications of ``workflow`` over ``source`` rows
    (household_id, applicant_id, subject_id) not already holding an open one."""
    columns, literals = _column_defaults()
    steps = "ARRAY[" + ",".join(f"'{s}'" for s in STEPS[workflow]) + "]"
    values = {
        **literals,
        "id": "src.id",
        "number": f"substr(src.code, 1, 6) || '-{today.year}-' || lpad(src.id::text, 7, '0')",
        "workflow": f"'{workflow}'",
        "programme": f"'{PROGRAMME[workflow]}'",
        "household_id": "src.household_id",
        "applicant_id": "src.applicant_id",
        "subject_id": "src.subject_id",
        "division_id": "src.township_id",
        "channel": "'window'",
        "step": f"({steps})[1 + floor(random() * {len(STEPS[workflow])})::int]",
        "step_entered_at": "now()",
        "step_due_on": (
            f"CASE WHEN random() < 0.15 THEN NULL ELSE DATE '{today}' + (floor(random() * 51)::int - 20) END"
        ),
        "submitted_on": f"DATE '{today}' - floor(random() * 40)::int",
        "hardship": "'子女教育支出'" if workflow == "temporary_expenditure" else "''",
        "assistance_type": "'expenditure'" if workflow == "temporary_expenditure" else "''",
        "created_at": "now()",
        "updated_at": "now()",
    }
    missing = [c for c in columns if c not in values]
    if missing:
        raise SystemExit(f"no value for NOT NULL columns {missing}")
    table = "applications_application"
    return f"""
        WITH src AS (
            SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id, s.*
            FROM ({source}) s
            WHERE NOT EXISTS (
                SELECT 1 FROM {table} a
                WHERE a.programme = '{PROGRAMME[workflow]}' AND a.step NOT IN
                      ('approved', 'rejected', 'withdrawn', 'terminated')
                  AND {
        "a.subject_id = s.subject_id"
        if workflow == "extreme_poverty_support"
        else "a.household_id = s.household_id AND a.subject_id IS NULL"
    }
            )
            ORDER BY s.household_id, s.applicant_id
            LIMIT {limit}
        )
        INSERT INTO {table} ({", ".join(columns)})
        SELECT {", ".join(values[c] for c in columns)} FROM src
    """  # noqa: S608 - the bench's own constants


HOUSEHOLDS = """
    SELECT h.id AS household_id, h.head_id AS applicant_id, NULL::bigint AS subject_id,
           v.parent_id AS township_id, v.code AS code
    FROM registry_household h JOIN divisions_division v ON v.id = h.hukou_division_id
    WHERE h.head_id IS NOT NULL
"""
PERSONS = """
    SELECT m.household_id, m.person_id AS applicant_id, m.person_id AS subject_id, v.parent_id AS township_id,
           v.code AS code
    FROM registry_membership m
    JOIN registry_household h ON h.id = m.household_id
    JOIN divisions_division v ON v.id = h.hukou_division_id
    WHERE m.left_on IS NULL
"""


def create_open(total: int, today: dt.date) -> dict[str, Any]:
    from django.db import connection, transaction

    from minzheng.applications.models import Application

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM registry_household h"
            " JOIN divisions_division v ON v.id = h.hukou_division_id"
            " JOIN divisions_division t ON t.id = v.parent_id WHERE t.level <> 4"
        )
        if cursor.fetchone()[0]:
            raise SystemExit("some households are not registered in a village of a township")
    before = Application.objects.count()
    started = time.perf_counter()
    created: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
        remaining = total
        for workflow, source in (("dibao", HOUSEHOLDS), ("temporary_expenditure", HOUSEHOLDS),
                                 ("extreme_poverty_support", PERSONS)):  # fmt: skip
            cursor.execute(_insert_sql(workflow, source, remaining, today))
            created[workflow] = cursor.rowcount
            remaining -= cursor.rowcount
            if remaining <= 0:
                break
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) applications_application")
    return {
        "created": sum(created.values()),
        "by_workflow": created,
        "applications_in_table": Application.objects.count(),
        "before": before,
        "insert_s": round(inserted, 2),
        "rows_per_s": round(sum(created.values()) / inserted),
        "analyze_s": round(time.perf_counter() - started - inserted, 2),
    }


def bench_scan(today: dt.date) -> dict[str, Any]:
    from django.db.models import Count

    from minzheng.applications.models import OPEN, Application
    from minzheng.applications.services import deadlines_refresh

    def timed(day: dt.date) -> dict[str, Any]:
        started = time.perf_counter()
        counts = deadlines_refresh(day)
        seconds = round(time.perf_counter() - started, 3)
        return {
            "as_of": day.isoformat(),
            "seconds": seconds,
            "updated": counts,
            "rows_updated": sum(counts.values()),
        }

    first = timed(today)
    again = timed(today)
    next_day = timed(today + dt.timedelta(days=1))
    statuses = dict(
        Application.objects.filter(OPEN).values_list("deadline_status").annotate(n=Count("id")).order_by()
    )
    return {
        "open_applications": Application.objects.filter(OPEN).count(),
        "first": first,
        "repeat": again,
        "next_day": next_day,
        "statuses_after": {k or "on_time": v for k, v in statuses.items()},
    }


def print_table(result: dict[str, Any]) -> None:
    seed_result, intake, created, scan = result["seed"], result["intake"], result["open"], result["scan"]
    lines = [
        ("measure", "result"),
        ("seeded", f"{seed_result['households']:,} households, {seed_result['people']:,} people "
                   f"({seed_result['seconds']:.0f} s)"),
        ("intake through the API", f"{intake['applications']:,} applications in {intake['seconds']:.1f} s = "
                                   f"{intake['applications_per_s']:.1f} applications/s"),
        ("intake latency", f"p50 {intake['p50_ms']:.1f} ms, p95 {intake['p95_ms']:.1f} ms, "
                           f"max {intake['max_ms']:.1f} ms"),
        *floor_lines(intake),
        *gunicorn_lines(result.get("gunicorn")),
        *ratio_lines(result.get("ratios")),
    ]  # fmt: skip
    if scan:
        lines += scan_lines(created, scan)
    table_print(lines, rule=70)


def floor_lines(intake: dict[str, Any]) -> list[tuple[str, str]]:
    floor = intake.get("floor")
    if not floor:
        return []
    return [
        (f"floor: {name}", f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms")
        for name, row in floor.items()
    ] + [("load average (1, 5, 15 min)", str(intake.get("load_average")))]


def gunicorn_lines(run: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not run:
        return []
    intake, floor = run["intake"], run["floor_healthz"]
    return [
        (f"gunicorn {run['workers']} workers, {run['clients']} clients",
         f"{intake['requests']:,} intakes in {intake['seconds']:.1f} s = {intake['requests_per_s']:.1f}/s"),
        ("gunicorn intake latency", f"p50 {intake['p50_ms']:.1f} ms, p95 {intake['p95_ms']:.1f} ms"),
        ("gunicorn duplicates", f"{json.dumps(run['duplicates']['statuses'])} "
                                f"({run['duplicates']['requests_per_s']:.1f}/s)"),
        ("gunicorn floor /healthz", f"{floor['requests_per_s']:.1f}/s, p95 {floor['p95_ms']:.1f} ms"),
        ("load average (1, 5, 15 min)", str(run["load_average"])),
    ]  # fmt: skip


def ratio_lines(ratios: dict[str, float] | None) -> list[tuple[str, str]]:
    return [(f"ratio {name}", f"{value:.2f}") for name, value in (ratios or {}).items()]


def scan_lines(created: dict[str, Any], scan: dict[str, Any]) -> list[tuple[str, str]]:
    def scan_line(run: dict[str, Any]) -> str:
        u = run["updated"]
        changes = f"overdue {u['overdue']:,}, due soon {u['due_soon']:,}, on time {u['on_time']:,}"
        return f"{run['seconds'] * 1000:,.0f} ms, {run['rows_updated']:,} rows updated ({changes})"

    return [
        ("open applications created", f"{created['created']:,} set-based in {created['insert_s']:.1f} s "
                                      f"({created['rows_per_s']:,} rows/s; "
                                      f"VACUUM ANALYZE {created['analyze_s']:.1f} s)"),
        ("deadline scan", f"{scan['open_applications']:,} open: {scan_line(scan['first'])}"),
        ("deadline scan, repeated", scan_line(scan["repeat"])),
        ("deadline scan, next day", scan_line(scan["next_day"])),
    ]  # fmt: skip


RATIOS = {  # name → path in the result; the ratio is this run's figure over the baseline's
    "intake_per_s": ("intake", "applications_per_s"),
    "intake_p95": ("intake", "p95_ms"),
    "gunicorn_per_s": ("gunicorn", "intake", "requests_per_s"),
    "gunicorn_p95": ("gunicorn", "intake", "p95_ms"),
}


def ratios(result: dict[str, Any], baseline_path: str) -> dict[str, float]:
    baseline = json.loads(Path(baseline_path).read_text(encoding="utf-8"))

    def get(data: dict[str, Any], path: tuple[str, ...]) -> float | None:
        for part in path:
            data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
        return data if isinstance(data, int | float) else None

    out = {}
    for name, path in RATIOS.items():
        now, before = get(result, path), get(baseline, path)
        if now and before:
            out[name] = round(now / before, 2)
    return out


def population(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Recreate, migrate and seed the database, or (``--reuse``) take it as it is."""
    if args.reuse:
        setup_django(args.database_url)
        from minzheng.registry.models import Household, Person

        counts = {"households": Household.objects.count(), "people": Person.objects.count(), "seconds": 0}
        return {"reused": True}, {**counts, "reused": True}
    print(f"recreating {args.database_url}")
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from minzheng.demo.accounts import demo_users_ensure
    from minzheng.policy.services import policy_builtin_load

    preparation = prepare(False)
    demo_users_ensure()
    policy_builtin_load()
    return preparation, seed(args.households, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=70_000)
    parser.add_argument("--intake", type=int, default=2_000)
    parser.add_argument("--gunicorn-intake", type=int, default=2_000, help="0 skips part a2")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (part a2)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (part a2)")
    parser.add_argument("--open", type=int, default=200_000, help="0 skips part b")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="use the seeded database as it is")
    parser.add_argument("--baseline", default="", help="an earlier result JSON: adds the ratios to it")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_APPS_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    preparation, seeded = population(args)
    from django.utils import timezone

    today = timezone.localdate()
    result: dict[str, Any] = {
        "benchmark": "issue-4-applications",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "preparation": preparation,
        "seed": seeded,
        "intake": bench_intake(args.intake),
    }
    if args.gunicorn_intake:
        result["gunicorn"] = bench_intake_gunicorn(
            args.database_url, args.gunicorn_intake, args.workers, args.clients
        )
    result["open"] = create_open(args.open, today) if args.open else {}
    result["scan"] = bench_scan(today) if args.open else {}
    if args.baseline:
        result["ratios"] = ratios(result, args.baseline)
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"applications-{stamp}.json", RESULTS / "applications-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"\n  written to bench/results/applications-{stamp}.json and bench/results/applications-latest.json"
    )


if __name__ == "__main__":
    main()
