"""The statistics' statements on the embedded SQLite database of ``make run`` (ADR 0022, 0023): the same
exact-value tests (every level, month and year to date, 户次/人次 with the reserve fund, drill-down,
Excel equals the screen) run again in a subprocess whose database is a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_the_statistics_tests_pass_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'statistics.sqlite3'}"
    done = subprocess.run(  # noqa: S603 - the same interpreter running our own tests
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            # pytest-playwright empties its output folder when a session starts; the default
            # ``test-results`` is shared with the browser tests of the outer run, so this nested
            # run gets its own (the outer run's browser tests were losing files, and this run
            # failed with "Directory not empty").
            "--output",
            str(tmp_path / "playwright"),
            str(HERE / "test_statistics.py"),
            str(HERE / "test_views.py"),
        ],
        env=env,
        cwd=HERE.parents[2],  # the repository root: its conftest.py and pyproject.toml
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert "14 passed" in done.stdout
