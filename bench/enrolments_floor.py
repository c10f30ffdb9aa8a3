"""PostgreSQL's floor for the legacy enrolment import (issue 21, bench/speed-imports.md): the backend CPU of
one transaction that COPYs the rows an import wrote into copies of the five tables, with the tables' indexes
and, optionally, their foreign keys (checked at commit, as in the import).

    python bench/enrolments_floor.py --database-url postgres://postgres@127.0.0.1:5432/mz_lg_bench

Run it on a database ``bench/enrolments.py`` has just filled (it reads the rows back from the tables). Each
variant builds its copies in a scratch schema ``floor`` from the live catalogue (so it measures whatever
schema the database has been migrated to), COPYs the rows in the import's order, commits, and reads the
backend's CPU time from ``/proc/<pid>/stat``; the variants are run ``--repeat`` times, alternated.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import psycopg

TABLES = (
    "registry_household",
    "registry_person",
    "registry_membership",
    "enrolments_enrolment",
    "enrolments_entitlementperiod",
)


def backend_cpu(conn: psycopg.Connection[Any]) -> float:
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def catalogue(conn: psycopg.Connection[Any]) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Each table's index definitions and foreign keys, by name."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for table in TABLES:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
            [table],
        ).fetchall()
        keys = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        ).fetchall()
        out[table] = {"indexes": list(indexes), "keys": list(keys)}
    return out


def rows_of(conn: psycopg.Connection[Any], options: str) -> dict[str, bytes]:
    data = {}
    for table in TABLES:
        buffer = io.BytesIO()
        with conn.cursor().copy(f"COPY {table} TO STDOUT {options}") as copy:  # noqa: S608 - fixed names
            for chunk in copy:
                buffer.write(chunk)
        data[table] = buffer.getvalue()
    return data


def variant(
    conn: psycopg.Connection[Any],
    schema: dict[str, dict[str, list[tuple[str, str]]]],
    data: dict[str, bytes],
    *,
    indexes: bool,
    keys: bool,
    skip: re.Pattern[str] | None = None,
    options: str = "",
) -> dict[str, float]:
    conn.execute("DROP SCHEMA IF EXISTS floor CASCADE")
    conn.execute("CREATE SCHEMA floor")
    conn.execute("SET search_path = floor, public")
    for table in TABLES:
        conn.execute(
            f"CREATE TABLE floor.{table} (LIKE public.{table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        if indexes:
            for name, definition in schema[table]["indexes"]:
                if skip and skip.search(name):
                    continue
                conn.execute(definition.replace(f" ON public.{table} ", f" ON floor.{table} "))
    if keys:
        for table in TABLES:
            for name, definition in schema[table]["keys"]:
                if skip and skip.search(name):
                    continue
                conn.execute(f"ALTER TABLE floor.{table} ADD CONSTRAINT {name} {definition}")
    conn.commit()
    cpu, started = backend_cpu(conn), time.perf_counter()
    with conn.cursor() as cursor:
        for table in TABLES:
            with cursor.copy(f"COPY floor.{table} FROM STDIN {options}") as copy:  # noqa: S608 - fixed names
                copy.write(data[table])
        copied = time.perf_counter()
    conn.commit()  # the deferred foreign-key checks run here
    committed = time.perf_counter()
    out = {
        "backend_cpu_s": round(backend_cpu(conn) - cpu, 2),
        "copy_s": round(copied - started, 2),
        "commit_s": round(committed - copied, 2),
    }
    conn.execute("DROP SCHEMA floor CASCADE")
    conn.execute("SET search_path = public")
    conn.commit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="NAME=REGEX: an extra variant with the indexes and keys whose names match REGEX left out",
    )
    parser.add_argument(
        "--csv", action="store_true", help="COPY in CSV, as the import sends its rows (default: text)"
    )
    args = parser.parse_args()
    options = "(FORMAT csv)" if args.csv else ""
    with psycopg.connect(args.database_url) as conn:
        schema, data = catalogue(conn), rows_of(conn, options)
        counts = {t: data[t].count(b"\n") for t in TABLES}
        results: dict[str, list[dict[str, float]]] = {}
        variants: dict[str, tuple[bool, bool, re.Pattern[str] | None]] = {
            "plain": (False, False, None),
            "indexes": (True, False, None),
            "indexes+keys": (True, True, None),
        }
        for item in args.skip:
            name, _, pattern = item.partition("=")
            variants[name] = (True, True, re.compile(pattern))
        for _ in range(args.repeat):
            for name, (indexes, keys, skip) in variants.items():
                results.setdefault(name, []).append(
                    variant(conn, schema, data, indexes=indexes, keys=keys, skip=skip, options=options)
                )
        summary = {
            "rows": counts,
            "indexes": {t: [n for n, _ in schema[t]["indexes"]] for t in TABLES},
            "keys": {t: [n for n, _ in schema[t]["keys"]] for t in TABLES},
            "format": "csv" if args.csv else "text",
            "load_average_1min": round(os.getloadavg()[0], 1),
            "runs": results,
            "min_backend_cpu_s": {k: min(r["backend_cpu_s"] for r in v) for k, v in results.items()},
        }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
