"""Benchmark of issue 16: backup and restore of a 1,000,000-person database with scripts/backup.sh and
scripts/restore.sh (the procedure of docs/deployment.md §6).

    python bench/backup.py                     # what `make bench-backup` runs (1,000,000 people)
    python bench/backup.py --people 100000 --jobs 2
    python bench/backup.py --reuse             # the source database is already seeded

1. recreates ``mz_backup_src`` (``--source-url``), migrates, imports the Inner Mongolia divisions and seeds
   --people people with the demo generator (as ``bench/run.py``; encrypted ID numbers, phones, accounts);
2. ``scripts/backup.sh`` (``pg_dump -Fd -j<jobs>``): wall time and size of the backup directory;
3. recreates ``mz_backup_dst`` (``--target-url``) empty and runs ``scripts/restore.sh`` (checksums,
   ``pg_restore -j<jobs>``, ANALYZE): wall time;
4. verifies: exact row counts of every table equal in both databases, the sequences' next values equal,
   and --decrypt-sample random people's encrypted ID numbers decrypt after the restore to the source's
   values and match their blind index;
5. drops both databases and the backup directory (unless --keep).

Prints a table and writes bench/results/backup-<timestamp>.json and backup-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import bench_seed, environment, prepare, recreate_database, setup_django, table_print  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SOURCE_URL = "postgres://postgres@127.0.0.1:5432/mz_backup_src"
TARGET_URL = "postgres://postgres@127.0.0.1:5432/mz_backup_dst"


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def table_counts(url: str) -> dict[str, int]:
    """Exact ``count(*)`` of every table in the public schema."""
    import psycopg

    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        # table names come from the catalogue, not from input
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}  # type: ignore[index]  # noqa: S608


def sequence_values(url: str) -> dict[str, int | None]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        return dict(sorted(rows.fetchall()))


def database_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_script(script: str, url: str, directory: Path, jobs: int) -> tuple[float, str]:
    env = {**os.environ, "DATABASE_URL": url, "BACKUP_JOBS": str(jobs), "RESTORE_JOBS": str(jobs)}
    env["MINZHENG_MEDIA_ROOT"] = str(directory.parent / "no-media")  # the bench has no uploaded documents
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / script), str(directory)], env=env, check=True, capture_output=True, text=True
    )
    print(done.stdout, end="")
    return time.perf_counter() - started, done.stdout.strip()


def decrypt_check(source: str, target: str, sample: int, rng: random.Random) -> dict[str, Any]:
    """Decrypt sampled ID numbers read from the restored database with the application's keys."""
    import psycopg

    from minzheng.common import crypto
    from minzheng.registry.services import ID_INDEX

    query = "SELECT id, id_number_encrypted, id_number_index FROM registry_person WHERE id = ANY(%s)"
    with psycopg.connect(source) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM registry_person").fetchone()  # type: ignore[misc]
        ids = rng.sample(range(low, high + 1), min(sample, high - low + 1))
        before = {r[0]: crypto.decrypt(r[1]) for r in conn.execute(query, (ids,))}
    with psycopg.connect(target) as conn:
        rows = conn.execute(query, (ids,)).fetchall()
    after = {r[0]: crypto.decrypt(r[1]) for r in rows}
    indexed = sum(1 for r in rows if crypto.blind_index(after[r[0]], purpose=ID_INDEX) == r[2])
    if not before or after != before or indexed != len(rows):
        raise SystemExit(f"decryption after restore failed: {len(after)} read, {indexed} blind indexes match")
    return {"people_checked": len(after), "decrypted_equal": True, "blind_index_equal": indexed}


def print_table(result: dict[str, Any]) -> None:
    seed, backup, restore = result["seed"], result["backup"], result["restore"]
    mb = 1024 * 1024
    lines = [
        ("measure", "result"),
        ("people / households", f"{seed['people']:,} / {seed['households']:,} ({result['rows']:,} rows in "
                                f"{result['tables']} tables)"),
        ("database size", f"{result['source_bytes'] / mb:,.0f} MB (source), "
                          f"{result['target_bytes'] / mb:,.0f} MB (restored, after ANALYZE)"),
        ("backup (pg_dump -Fd)", f"{backup['seconds']:.1f} s with {result['jobs']} jobs, "
                                 f"{backup['bytes'] / mb:,.0f} MB on disk"),
        ("restore (pg_restore)", f"{restore['seconds']:.1f} s with {result['jobs']} jobs (incl. ANALYZE)"),
        ("verified", f"row counts of all {result['tables']} tables equal, sequences equal, "
                     f"{result['decrypt']['people_checked']} ID numbers decrypted"),
    ]  # fmt: skip
    table_print(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--source-url", default=os.environ.get("BENCH_BACKUP_SOURCE_URL", SOURCE_URL))
    parser.add_argument("--target-url", default=os.environ.get("BENCH_BACKUP_TARGET_URL", TARGET_URL))
    parser.add_argument("--decrypt-sample", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="the source database is already seeded")
    parser.add_argument("--keep", action="store_true", help="keep both databases and the backup directory")
    args = parser.parse_args()

    if not args.reuse:
        print(f"recreating {args.source_url}")
        recreate_database(args.source_url)
    setup_django(args.source_url)
    from django.db import connection

    from minzheng.demo.accounts import demo_users_ensure
    from minzheng.registry.models import Household, Person

    preparation = prepare(args.reuse)
    demo_users_ensure()
    if args.reuse and Person.objects.exists():
        seed_result = {"people": Person.objects.count(), "households": Household.objects.count()}
    else:
        seed_result = bench_seed(args.people, args.seed)
    connection.close()

    workdir = Path(tempfile.mkdtemp(prefix="mz-backup-bench-"))
    backup_dir = workdir / "backup"
    try:
        print("backing up (scripts/backup.sh)…")
        backup_s, backup_said = run_script("backup.sh", args.source_url, backup_dir, args.jobs)
        backup_bytes = directory_size(backup_dir)
        recreate_database(args.target_url)
        print("restoring (scripts/restore.sh)…")
        restore_s, restore_said = run_script("restore.sh", args.target_url, backup_dir, args.jobs)
        source_counts, target_counts = table_counts(args.source_url), table_counts(args.target_url)
        if source_counts != target_counts:
            differ = {
                k: (v, target_counts.get(k)) for k, v in source_counts.items() if target_counts.get(k) != v
            }
            raise SystemExit(f"row counts differ after restore: {differ}")
        if sequence_values(args.source_url) != sequence_values(args.target_url):
            raise SystemExit("sequence values differ after restore")
        result: dict[str, Any] = {
            "benchmark": "issue-16-backup",
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "people_requested": args.people,
            "environment": environment(args.source_url),
            "preparation": preparation,
            "seed": seed_result,
            "jobs": args.jobs,
            "tables": len(source_counts),
            "rows": sum(source_counts.values()),
            "key_tables": {k: source_counts[k] for k in ("registry_person", "registry_household",
                                                          "registry_membership") if k in source_counts},
            "source_bytes": database_size(args.source_url),
            "target_bytes": database_size(args.target_url),
            "backup": {"seconds": round(backup_s, 1), "bytes": backup_bytes, "output": backup_said,
                       "command": f"scripts/backup.sh (pg_dump -Fd -j{args.jobs} -Z6)"},
            "restore": {"seconds": round(restore_s, 1), "output": restore_said,
                        "command": f"scripts/restore.sh (pg_restore -j{args.jobs} + ANALYZE)"},
            "decrypt": decrypt_check(
                args.source_url, args.target_url, args.decrypt_sample, random.Random(args.seed)
            ),
        }  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            drop_database(args.target_url)
            drop_database(args.source_url)
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"backup-{stamp}.json", RESULTS / "backup-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/backup-{stamp}.json and backup-latest.json")
    if args.keep:
        print(f"  kept: {args.source_url}, {args.target_url}, {backup_dir}")


if __name__ == "__main__":
    main()
