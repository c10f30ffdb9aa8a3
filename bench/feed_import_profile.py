"""The department feed import taken apart (issue 21): the nine feed files of ``bench/monitoring.py`` imported
into an already seeded database, each import in a fresh child process, with wall time, our process's CPU
and **the PostgreSQL backend's CPU** (``/proc/<pid>/stat``: independent of the machine's other load), per
phase where the code has the phase.

    python bench/feed_import_profile.py --database-url postgres://postgres@127.0.0.1:5432/mz_fi_200k
    python bench/feed_import_profile.py --database-url … --code /tmp/base --code . --rounds 2   # alternated
    python bench/feed_import_profile.py --database-url … --feeds medical_expense --cprofile
    python bench/feed_import_profile.py --database-url … --code /tmp/base --code . --migrate --floor

``--migrate``: before each code's import the ``monitoring`` schema is migrated (by this checkout, which knows
every migration) to that code's latest migration, so a schema change is measured with its code. ``--floor``:
after the import, the stored records are written again by a plain binary ``COPY`` per feed (natural-key
order, the table emptied first, committed like the import) — PostgreSQL's floor for the same rows into the
same table, in backend CPU-seconds.

The database must have been seeded by ``bench/monitoring.py --people N`` (persons, policies); the files are
written once into --files (seed 2026, 3 rows per person) and reused. Before every import of the nine files
the feed tables are truncated, so each code imports the same rows into the same empty tables. ``--code DIR``
(repeatable) is a checkout whose ``minzheng`` the child imports; the codes alternate round by round.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

HERE = Path(__file__).resolve().parent


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor(cursor: Any, pid: int, feeds: list[str]) -> dict[str, float]:
    """The stored records of ``feeds`` written again by one binary ``COPY`` each into the emptied table: the
    backend CPU and wall of those ``COPY`` statements and their commits."""
    from django.db import connection, transaction

    from minzheng.monitoring import feeds as feeds_module
    from minzheng.monitoring.models import FeedRecord

    table = FeedRecord._meta.db_table
    # the columns the import writes (the code before session 13 named them _RECORD_COLUMNS)
    columns = getattr(feeds_module, "_SLICE_COLUMNS", None) or feeds_module._RECORD_COLUMNS
    data = {}
    for feed in feeds:
        ordered = f"SELECT {columns} FROM {table} WHERE feed = %s ORDER BY natural_key"  # noqa: S608
        with cursor.cursor.copy(f"COPY ({ordered}) TO STDOUT (FORMAT binary)", [feed]) as copy:
            data[feed] = b"".join(bytes(chunk) for chunk in copy)
    cursor.execute(f"TRUNCATE {table} CASCADE")
    cursor.execute("CHECKPOINT")  # as before the import
    wall, server = time.perf_counter(), backend_cpu(pid)
    for feed in feeds:
        statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
        with transaction.atomic(), cursor.cursor.copy(statement) as copy:
            copy.write(data[feed])
    seconds, cpu = time.perf_counter() - wall, backend_cpu(pid) - server
    assert connection.connection.info.backend_pid == pid
    return {"s": round(seconds, 2), "backend_cpu_s": round(cpu, 2)}


def child(database_url: str, files: Path, feeds: list[str], profile: bool, floor_too: bool = False) -> None:
    """Import ``feeds`` in this process (the code on ``sys.path``) and print the figures as JSON."""
    import run

    run.ROOT = Path(os.environ.get("FEED_PROFILE_CODE", run.ROOT))  # the code measured, first on sys.path
    run.setup_django(database_url)
    from django.db import connection

    from minzheng.monitoring import feed_stage
    from minzheng.monitoring import feeds as feeds_module
    from minzheng.monitoring.models import FeedBatch, FeedRecord

    with connection.cursor() as cursor:
        for model in (FeedRecord, FeedBatch):
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
        # a checkpoint now, not in the middle of a measured import (its full-page writes and the backends'
        # own buffer writes moved PostgreSQL's CPU for the same rows by a third between runs)
        cursor.execute("CHECKPOINT")
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    phases: dict[str, list[float]] = {}

    def timed(module: Any, name: str) -> None:
        original = getattr(module, name, None)
        if original is None:
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu, server = time.perf_counter(), time.process_time(), backend_cpu(pid)
            try:
                return original(*args, **kwargs)
            finally:
                got = phases.setdefault(name, [0.0, 0.0, 0.0])
                got[0] += time.perf_counter() - wall
                got[1] += time.process_time() - cpu
                got[2] += backend_cpu(pid) - server

        setattr(module, name, wrapper)

    for name in ("_csv_columns", "_persons_match", "_records_copy", "_stage_copy", "_records_insert"):
        timed(feeds_module, name)
    timed(feeds_module, "stage_build")
    for name in ("_typed", "_keyed", "_duplicates_report"):
        timed(feed_stage, name)
    profiler = cProfile.Profile() if profile else None
    per_feed = {}
    rows = 0
    wall, cpu, server = time.perf_counter(), time.process_time(), backend_cpu(pid)
    for feed in feeds:
        content = (files / f"{feed}.csv").read_bytes()
        begun, server_begun = time.perf_counter(), backend_cpu(pid)
        if profiler:
            profiler.enable()
        outcome = feeds_module.feed_import(
            actor=None, feed=feed, content=content, file_name=f"{feed}.csv", channel="command"
        )
        if profiler:
            profiler.disable()
        if outcome.rejected:
            raise SystemExit(f"{feed} rejected: {outcome.batch.errors[:3]}")
        per_feed[feed] = {
            "rows": outcome.batch.rows_total,
            "new": outcome.batch.rows_new,
            "matched": outcome.batch.rows_matched,
            "s": round(time.perf_counter() - begun, 2),
            "backend_cpu_s": round(backend_cpu(pid) - server_begun, 2),
        }
        rows += outcome.batch.rows_total
    seconds = time.perf_counter() - wall
    result = {
        "rows": rows,
        "s": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "cpu_s": round(time.process_time() - cpu, 2),
        "backend_cpu_s": round(backend_cpu(pid) - server, 2),
        "phases_wall_cpu_backend": {k: [round(x, 2) for x in v] for k, v in phases.items()},
        "feeds": per_feed,
        "load": os.getloadavg(),
    }
    result["rows_per_cpu_s"] = round(rows / (result["cpu_s"] + result["backend_cpu_s"]))
    if floor_too:
        with connection.cursor() as cursor:
            figures = floor(cursor, pid, feeds)
        figures["rows_per_backend_cpu_s"] = round(rows / figures["backend_cpu_s"])
        result["floor_binary_copy"] = figures
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue(), file=sys.stderr)
    print(json.dumps(result))


def schema_set(database_url: str, code: Path) -> None:
    """Migrate ``monitoring`` to ``code``'s latest migration, with this checkout (it knows them all)."""
    latest = max(p.stem for p in (code / "minzheng/monitoring/migrations").glob("0*.py"))
    env = {**os.environ, "PYTHONPATH": str(HERE.parent), "DATABASE_URL": database_url, "DEBUG": "0"}
    main_call = "from minzheng.__main__ import main; main()"
    command = [sys.executable, "-c", main_call, "migrate", "monitoring", latest]
    subprocess.run(command, env=env, capture_output=True, check=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--files", type=Path, default=Path("/tmp/feed-profile-files"))  # noqa: S108 - bench scratch
    parser.add_argument("--people", type=int, default=None, help="rows = 3 × people (default: the persons)")
    parser.add_argument("--feeds", nargs="*", default=None)
    parser.add_argument("--code", type=Path, action="append", default=None)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--migrate", action="store_true", help="each code at its own monitoring schema")
    parser.add_argument("--floor", action="store_true", help="then a plain binary COPY of the same rows")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from monitoring import FEED_SHARES

    feeds = args.feeds or list(FEED_SHARES)
    if args.child:
        child(args.database_url, args.files, feeds, args.cprofile, args.floor)
        return
    if not (args.files / "medical_expense.csv").exists():
        import run
        from monitoring import write_feeds

        run.setup_django(args.database_url)
        from django.utils import timezone

        from minzheng.registry.models import Person

        people = args.people or Person.objects.count()
        args.files.mkdir(parents=True, exist_ok=True)
        write_feeds(args.files, 3 * people, timezone.localdate(), random.Random(2026))  # noqa: S311
    codes = args.code or [HERE.parent]
    for round_ in range(args.rounds):
        for code in codes:
            env = {**os.environ, "PYTHONPATH": str(code.resolve()), "FEED_PROFILE_CODE": str(code.resolve())}
            if args.migrate:
                schema_set(args.database_url, code)
            command = [sys.executable, __file__, "--child", "--database-url", args.database_url,
                       "--files", str(args.files), "--feeds", *feeds]  # fmt: skip
            command += ["--cprofile"] if args.cprofile else []
            command += ["--floor"] if args.floor else []
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            if args.cprofile:
                print(done.stderr)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps({"round": round_, "code": str(code), **figures}), flush=True)


if __name__ == "__main__":
    main()
