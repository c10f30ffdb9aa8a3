#!/usr/bin/env python3
"""Fail when a product module is over the house limit of 600 lines (issue 13; house style §8.1: a module
over ~400 lines becomes a package split by sub-domain). Tests and migrations are exempt.

Usage: ``python scripts/check_module_size.py [--max N] [paths…]`` (default: ``minzheng``, 600).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXEMPT_PARTS = {"tests", "migrations"}
LIMIT = 600


def main(argv: list[str]) -> int:
    limit = LIMIT
    if argv[:1] == ["--max"]:
        limit, argv = int(argv[1]), argv[2:]
    roots = [Path(a) for a in argv] or [ROOT / "minzheng"]
    files = [f for r in roots for f in ([r] if r.is_file() else sorted(r.rglob("*.py")))]
    problems = []
    for path in files:
        if EXEMPT_PARTS & set(path.parts):
            continue
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > limit:
            problems.append(f"{path}: {count} lines (limit {limit}); split it into a package by sub-domain")
    for line in problems:
        sys.stdout.write(line + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
