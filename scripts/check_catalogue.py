#!/usr/bin/env python3
"""Fail when a product module spells a programme, workflow or role code as a string literal (issue 13).

The codes live in ``minzheng.catalogue`` (``Programme``, ``Workflow``, ``Role``); every other module names
them through those enums, so a typo is an attribute error mypy catches rather than a silent mismatch.
Tests and migrations are exempt (migrations are frozen history; tests assert on stored values).

Usage: ``python scripts/check_catalogue.py [paths…]`` (default: ``minzheng``). Exit 1 with one line per
literal found.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minzheng.catalogue.programmes import Programme, Workflow  # noqa: E402
from minzheng.catalogue.roles import Role  # noqa: E402

CODES = {str(w): "Workflow" for w in Workflow} | {str(p): "Programme" for p in Programme}
CODES |= {str(r.value): "Role" for r in Role}
EXEMPT_PARTS = {"tests", "migrations", "catalogue"}


def literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CODES
    ]
    return [
        f"{path}:{node.lineno}: bare {CODES[node.value].lower()} code {node.value!r}; "
        f"use {CODES[node.value]}.… from minzheng.catalogue"
        for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset))
    ]


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [ROOT / "minzheng"]
    files = [f for r in roots for f in ([r] if r.is_file() else sorted(r.rglob("*.py")))]
    problems = [line for f in files if not EXEMPT_PARTS & set(f.parts) for line in literals(f)]
    for line in problems:
        sys.stdout.write(line + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
