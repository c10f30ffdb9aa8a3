"""Benchmark of issue 21's what-if row: the what-if of a +5 % urban 低保 standard for Hohhot over the whole
region (the region user), on a database that ``bench/run.py`` has seeded (1 M people for the issue's figure):

    python bench/run.py --people 1000000 --database-url postgres://…/mz_bench      # seeds, once
    python bench/whatif.py --database-url postgres://…/mz_bench                     # this

Measures, in the same run and on the same data,

a. the naive path, as the what-if ran before issue 21: one snapshot, then two full assessments
   (``columnar.results_compute`` with the parameters in force and with the proposal) and the comparison;
b. ``whatif.whatif_run`` as it runs now (what the background job runs), with its steps;
c. the floor: the snapshot alone (PostgreSQL → Arrow → DuckDB), and the bare ``COPY … TO STDOUT`` of the
   same four queries into memory (PostgreSQL's own share),

and checks that (a) and (b) give the same totals. Prints a table and writes bench/results/whatif-<stamp>.json
with the commit, the load average and the ratio naive / now.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import environment, setup_django, table_print  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench"


def _change(as_of: dt.date) -> Any:
    from minzheng.benefits.whatif import ProposedChange

    return ProposedChange("dibao.standard_monthly", "150100000000", "urban", as_of, percent=Decimal(5))


def naive(actor: Any, as_of: dt.date) -> dict[str, Any]:
    """The what-if before issue 21: snapshot once, assess everything twice, compare."""
    from minzheng.benefits import columnar
    from minzheng.benefits.whatif import _AGGREGATE_SQL, proposed_entry

    started = time.perf_counter()
    baseline = columnar.stored_params()
    entry, _before = proposed_entry(actor, _change(as_of), baseline)
    proposed = baseline.with_entry(entry)
    con = columnar.duck()
    columnar.snapshot_load(con, as_of=as_of, division_prefix=actor.scope_prefix)
    loaded = time.perf_counter()
    columnar.results_compute(con, baseline, as_of, suffix="_base")
    based = time.perf_counter()
    columnar.results_compute(con, proposed, as_of, suffix="_new")
    newed = time.perf_counter()
    rows = con.execute(_AGGREGATE_SQL, {"digits": 4}).fetchall()
    done = time.perf_counter()
    return {
        "seconds": round(done - started, 2),
        "snapshot_s": round(loaded - started, 2),
        "rules_base_s": round(based - loaded, 2),
        "rules_new_s": round(newed - based, 2),
        "compare_s": round(done - newed, 2),
        "monthly_difference_fen": sum(int(r[11]) - int(r[10]) for r in rows),
        "gained": sum(int(r[5]) for r in rows),
        "lost": sum(int(r[6]) for r in rows),
    }


def now(actor: Any, as_of: dt.date) -> dict[str, Any]:
    from minzheng.benefits.whatif import whatif_run

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(_done: int, message: str) -> None:
        marks.append((message, time.perf_counter()))

    report = whatif_run(actor=actor, change=_change(as_of), progress=progress)
    steps, previous = [], started
    for message, at in marks:
        steps.append({"step": message, "s": round(at - previous, 2)})
        previous = at
    return {
        "seconds": report.seconds,
        "households": report.total.households,
        "monthly_difference_fen": int(report.total.monthly_difference * 100),
        "gained": report.total.gained,
        "lost": report.total.lost,
        "steps": steps,
    }


def floor(actor: Any, as_of: dt.date) -> dict[str, Any]:
    """The snapshot alone, and PostgreSQL's COPY of the same queries with nothing done to the bytes."""
    import psycopg
    from django.db import connection

    from minzheng.benefits import columnar
    from minzheng.benefits.columnar.snapshot import _scope_is_whole, _snapshot_sql

    started = time.perf_counter()
    counts = columnar.snapshot_load(columnar.duck(), as_of=as_of, division_prefix=actor.scope_prefix)
    snapshot = time.perf_counter() - started
    connection.ensure_connection()
    raw = connection.connection
    copies: dict[str, float] = {}
    whole = _scope_is_whole(actor.scope_prefix)
    for name, (sql, params) in _snapshot_sql(as_of, actor.scope_prefix, 2**62, whole=whole).items():
        query = psycopg.ClientCursor(raw).mogrify(sql, params)
        began = time.perf_counter()
        size = 0
        with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT CSV)") as copy:
            for chunk in copy:
                size += len(chunk)
        copies[name] = round(time.perf_counter() - began, 2)
    return {
        "snapshot_s": round(snapshot, 2),
        "rows": counts,
        "copy_only_s": copies,
        "copy_only_total_s": round(sum(copies.values()), 2),
    }


_TIMED_RUN = """
import datetime as dt, json, sys, time
from decimal import Decimal
sys.path.insert(0, "bench")
from run import setup_django
setup_django(sys.argv[1])
from minzheng.accounts.models import User
from minzheng.benefits.whatif import ProposedChange, whatif_run
change = ProposedChange("dibao.standard_monthly", "150100000000", "urban", dt.date.fromisoformat(sys.argv[2]),
                        percent=Decimal(5))
actor = User.objects.get(username="region")
started, cpu = time.perf_counter(), time.process_time()
report = whatif_run(actor=actor, change=change)
print(json.dumps({"seconds": round(time.perf_counter() - started, 2),
                  "cpu_s": round(time.process_time() - cpu, 2),
                  "monthly_difference_fen": int(report.total.monthly_difference * 100),
                  "gained": report.total.gained, "lost": report.total.lost}))
"""


def tree_of(commit: str) -> Path:
    """The project's files at ``commit`` (``git archive``) in a temporary directory."""
    import tarfile
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="whatif-bench-"))
    archive = subprocess.run(["git", "archive", commit, "minzheng", "bench"], cwd=ROOT, capture_output=True,
                             check=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def paired(commit: str, url: str, as_of: dt.date, rounds: int) -> dict[str, Any]:
    """``whatif_run`` of ``commit`` and of this tree, alternately in fresh processes (same load and data)."""
    trees = {"before": tree_of(commit), "now": ROOT}
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "now": []}
    for _ in range(rounds):
        for name, tree in trees.items():
            command = [sys.executable, "-c", _TIMED_RUN, url, as_of.isoformat()]
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True, env=env)
            runs[name].append({**json.loads(out.stdout.strip().splitlines()[-1]), "load": os.getloadavg()[0]})
    best = {name: min(r["seconds"] for r in rows) for name, rows in runs.items()}
    ratio = round(best["before"] / best["now"], 2)
    return {"commit_before": commit, "runs": runs, "best_s": best, "ratio": ratio}


def _naive_line(run: dict[str, Any]) -> str:
    return (
        f"{run['seconds']:.2f} s (snapshot {run['snapshot_s']:.2f}, base {run['rules_base_s']:.2f}, "
        f"new {run['rules_new_s']:.2f}, compare {run['compare_s']:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 9, 1))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each path; the best is reported")
    parser.add_argument(
        "--compare-with", default="", help="a commit whose whatif_run is timed alternately with this one"
    )
    args = parser.parse_args()
    setup_django(args.database_url)
    if args.compare_with:
        result = {"benchmark": "issue-21-whatif-paired", "environment": environment(args.database_url),
                  **paired(args.compare_with, args.database_url, args.as_of, args.repeat)}  # fmt: skip
        print(json.dumps(result, indent=2))
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS / f"whatif-paired-{stamp}.json"
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return
    from minzheng.accounts.models import User

    actor = User.objects.get(username="region")
    load_before = os.getloadavg()
    naive_runs = [naive(actor, args.as_of) for _ in range(args.repeat)]
    now_runs = [now(actor, args.as_of) for _ in range(args.repeat)]
    floor_run = floor(actor, args.as_of)
    best_naive = min(naive_runs, key=lambda r: r["seconds"])
    best_now = min(now_runs, key=lambda r: r["seconds"])
    same = all(best_naive[k] == best_now[k] for k in ("monthly_difference_fen", "gained", "lost"))
    if not same:
        raise SystemExit(f"the paths disagree: naive {best_naive} / now {best_now}")
    result = {
        "benchmark": "issue-21-whatif",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "naive": naive_runs,
        "now": now_runs,
        "floor": floor_run,
        "ratio_naive_over_now": round(best_naive["seconds"] / best_now["seconds"], 2),
        "now_over_snapshot": round(best_now["seconds"] / floor_run["snapshot_s"], 2),
    }
    lines = [
        ("measure", "result"),
        ("households", f"{best_now['households']:,} ({floor_run['rows']['members']:,} members)"),
        ("naive (2 full assessments)", _naive_line(best_naive)),
        ("whatif_run now", f"{best_now['seconds']:.2f} s; "
                           + ", ".join(f"{s['step']} {s['s']:.2f}" for s in best_now["steps"])),
        ("ratio naive / now", f"{result['ratio_naive_over_now']:.2f}"),
        ("floor: snapshot alone", f"{floor_run['snapshot_s']:.2f} s"),
        ("floor: bare COPY", f"{floor_run['copy_only_total_s']:.2f} s {floor_run['copy_only_s']}"),
        ("load average", f"{result['load_average_before']} → {result['load_average_after']}"),
    ]  # fmt: skip
    table_print(lines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"whatif-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
