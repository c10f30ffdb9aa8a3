"""Benchmark of issue 22 (national scale): the warning rules over a synthetic national monitored
population in Parquet with DuckDB, at 1 M, 10 M and 66 M people (the scaling table of
bench/speed-national.md, from which the machines for a national run are read off).

    python bench/national.py                                  # 1 M, 10 M and 66 M people
    python bench/national.py --sizes 1000000                  # one size
    python bench/national.py --dir /work/national-data        # where the snapshots are kept (reused)
    python bench/national.py --memory-limit 8GB --threads 2   # DuckDB's bounds for the run

For each size: the snapshot (``national.generator``: deterministic, streamed city by city to partitioned
Parquet with a manifest) is generated in a child process, or reused when the directory's manifest says
it was made by the same generator version, seed, size and DuckDB version and its files match it (sizes and
row counts; the run then checks every checksum). Then the 13 built-in rules run over it
(``national.duckdb_runner``: manifest verified with SHA-256, views over the files, each rule's hits
streamed to Parquet) in another fresh child process, so its peak resident memory (ru_maxrss, DuckDB
included) is the run's own.

Prints a table (people, feed rows, generate s, run s, peak RSS GB, alerts, people/s) and writes
bench/results/national-<timestamp>.json and national-latest.json with the commit and the load average
(the figures of a shared machine are taken under load: see bench/speed-national.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "minzheng-national"
DEFAULT_SIZES = "1000000,10000000,66000000"
SEED = 22
GIB = 1 << 30


def _django() -> None:
    # The runner compiles rules with the monitoring package, which needs Django's settings, never a database.
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/minzheng-national-bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def peak_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20), 2)


def child_generate(directory: str, people: int, memory_limit: str, threads: int) -> dict[str, Any]:
    from minzheng.monitoring.national import generator

    started = time.perf_counter()
    last = [started]

    def progress(message: str) -> None:
        if time.perf_counter() - last[0] > 60:
            last[0] = time.perf_counter()
            print(f"    generating {message}", file=sys.stderr, flush=True)

    manifest = generator.generate(
        Path(directory),
        people=people,
        seed=SEED,
        memory_limit=memory_limit,
        threads=threads,
        progress=progress,
    )
    return {"seconds": round(time.perf_counter() - started, 1), "peak_rss_gb": peak_gb(), **_sizes(manifest)}


def child_run(directory: str, out: str, memory_limit: str, threads: int) -> dict[str, Any]:
    from minzheng.monitoring.national import duckdb_runner, layout

    started = time.perf_counter()
    layout.dataset_verify(Path(directory), checksums=True)
    verified = time.perf_counter()
    settings = duckdb_runner.Settings(
        memory_limit=memory_limit, threads=threads, temp_directory=str(Path(out) / ".spill")
    )
    manifest, results = duckdb_runner.dataset_run(
        Path(directory), Path(out), duckdb_runner.builtin_specs(), settings, checksums=False
    )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "verify_seconds": round(verified - started, 1),
        "rules_seconds": round(time.perf_counter() - verified, 1),
        "peak_rss_gb": peak_gb(),
        "alerts": sum(r.hits for r in results),
        "rules": [{"code": r.code, "hits": r.hits, "seconds": r.seconds, "error": r.error} for r in results],
    }


def _sizes(manifest: dict[str, Any]) -> dict[str, Any]:
    tables = manifest["tables"]
    return {
        "rows": {name: table["rows"] for name, table in tables.items()},
        "files": sum(len(t["files"]) for t in tables.values()),
        "bytes": sum(f["bytes"] for t in tables.values() for f in t["files"]),
    }


def _child(*arguments: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode:
        raise SystemExit(f"child {arguments[0]} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def reusable(directory: Path, people: int) -> dict[str, Any] | None:
    """The cached snapshot's manifest when it was made the same way and its files still match."""
    import duckdb

    from minzheng.monitoring.national import generator, layout

    try:
        manifest = layout.dataset_verify(directory, checksums=False)
    except (layout.ManifestError, KeyError, ValueError):
        return None
    source = manifest["source"]
    same = (
        source.get("generator_version"),
        source.get("people"),
        source.get("seed"),
        source.get("duckdb"),
    ) == (
        generator.GENERATOR_VERSION,
        people,
        SEED,
        duckdb.__version__,
    )
    return manifest if same and not source.get("provinces") else None


def bench_size(people: int, base: Path, memory_limit: str, threads: int) -> dict[str, Any]:
    directory = base / f"people-{people}"
    out = base / f"alerts-{people}"
    shutil.rmtree(out, ignore_errors=True)
    print(f"  {people:,} people: {directory}", flush=True)
    cached = reusable(directory, people)
    if cached is None:
        generated = _child("--child-generate", str(directory), str(people), memory_limit, str(threads))
        generated["reused"] = False
    else:
        generated = {"seconds": None, "peak_rss_gb": None, "reused": True, **_sizes(cached)}
    ran = _child("--child-run", str(directory), str(out), memory_limit, str(threads))
    shutil.rmtree(out / ".spill", ignore_errors=True)
    return {
        "people": people,
        "households": generated["rows"]["monitor_households"],
        "feed_rows": generated["rows"]["feed_records"],
        "dataset_gb": round(generated["bytes"] / GIB, 2),
        "files": generated["files"],
        "generate": generated,
        "run": ran,
        "people_per_s": round(people / ran["seconds"]),
    }


def environment(memory_limit: str, threads: int) -> dict[str, Any]:
    import duckdb
    import pyarrow

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "git_commit": commit,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB, 1),
        "memory_limit": memory_limit,
        "threads": threads,
        "load_average_start": [round(v, 2) for v in os.getloadavg()],
    }


def table_lines(sizes: list[dict[str, Any]]) -> list[str]:
    head = (
        f"{'people':>12} {'households':>11} {'feed rows':>12} {'data GB':>8} {'generate s':>10} "
        f"{'run s':>8} {'peak RSS GB':>11} {'alerts':>10} {'people/s':>10}"
    )
    lines = [head, "-" * len(head)]
    for s in sizes:
        gen = "reused" if s["generate"]["reused"] else f"{s['generate']['seconds']:.0f}"
        lines.append(
            f"{s['people']:>12,} {s['households']:>11,} {s['feed_rows']:>12,} {s['dataset_gb']:>8.2f} "
            f"{gen:>10} "
            f"{s['run']['seconds']:>8.1f} {s['run']['peak_rss_gb']:>11.2f} {s['run']['alerts']:>10,} "
            f"{s['people_per_s']:>10,}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="people per snapshot, comma-separated")
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="where snapshots are generated and kept"
    )
    parser.add_argument("--memory-limit", default="8GB", help="DuckDB's memory limit (it spills beyond)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child-generate", nargs=4, metavar=("DIR", "PEOPLE", "MEMORY", "THREADS"))
    parser.add_argument("--child-run", nargs=4, metavar=("DIR", "OUT", "MEMORY", "THREADS"))
    args = parser.parse_args()
    if args.child_generate or args.child_run:
        _django()
        if args.child_generate:
            directory, people, memory, threads = args.child_generate
            print(json.dumps(child_generate(directory, int(people), memory, int(threads))))
        else:
            directory, out, memory, threads = args.child_run
            print(json.dumps(child_run(directory, out, memory, int(threads))))
        return
    _django()
    env = environment(args.memory_limit, args.threads)
    sizes = []
    for people in (int(s) for s in args.sizes.split(",")):
        sizes.append(bench_size(people, args.dir, args.memory_limit, args.threads))
        print("\n".join(table_lines(sizes[-1:])[2:]), flush=True)
    env["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    print()
    print("\n".join(table_lines(sizes)))
    for s in sizes:
        slowest = sorted(s["run"]["rules"], key=lambda r: -r["seconds"])[:3]
        print(
            f"  {s['people']:,}: verify {s['run']['verify_seconds']} s, rules {s['run']['rules_seconds']} s; "
            f"slowest " + ", ".join(f"{r['code']} {r['seconds']:.1f} s" for r in slowest)
        )
    print(f"  load average {env['load_average_start']} → {env['load_average_end']} ({env['cpus']} cpus)")
    result = {"benchmark": "national", "environment": env, "sizes": sizes}
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for path in (RESULTS / f"national-{stamp}.json", RESULTS / "national-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/national-{stamp}.json and national-latest.json")


if __name__ == "__main__":
    main()
