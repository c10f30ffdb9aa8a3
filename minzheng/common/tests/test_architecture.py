"""The house plan (issue 13) is checked by the suite too, so CI (``make test``) enforces what ``make lint``
does: the import layers, no catalogue code spelt as a literal, no product module over 600 lines. Each check is
also shown to fail on a deliberately broken module, so none of them can pass vacuously."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "scripts"


def _run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def _lint_imports() -> Path:
    """The project's own ``lint-imports`` (beside the interpreter running the suite), else the one on PATH."""
    beside = Path(sys.executable).with_name("lint-imports")
    return beside if beside.exists() else Path(shutil.which("lint-imports") or "lint-imports")


def test_import_contracts_are_kept() -> None:
    result = _run(_lint_imports())
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_no_catalogue_code_literal_in_product_modules() -> None:
    result = _run(sys.executable, SCRIPTS / "check_catalogue.py")
    assert (result.returncode, result.stdout) == (0, "")


def test_no_product_module_over_600_lines() -> None:
    result = _run(sys.executable, SCRIPTS / "check_module_size.py")
    assert (result.returncode, result.stdout) == (0, "")


def test_literal_check_fails_on_a_bare_programme_code(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text('PAYS = {"dibao": 1}\nWHO = "county_approver"\n', encoding="utf-8")
    result = _run(sys.executable, SCRIPTS / "check_catalogue.py", module)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{module}:1: bare programme code 'dibao'; use Programme.… from minzheng.catalogue",
        f"{module}:2: bare role code 'county_approver'; use Role.… from minzheng.catalogue",
    ]


def test_size_check_fails_on_a_long_module(tmp_path: Path) -> None:
    module = tmp_path / "long.py"
    module.write_text("x = 1\n" * 601, encoding="utf-8")
    result = _run(sys.executable, SCRIPTS / "check_module_size.py", module)
    assert (result.returncode, result.stdout) == (
        1,
        f"{module}: 601 lines (limit 600); split it into a package by sub-domain\n",
    )


@pytest.mark.parametrize(
    ("offending", "source", "broken"),
    [
        # a domain module importing the page layer
        ("registry/selectors_probe.py", "from minzheng.registry import views\n", "The domain never imports"),
        # a lower app importing a higher one: a cycle registry → applications → registry
        ("registry/probe.py", "import minzheng.applications.models\n", "Apps depend downwards only"),
        # common importing anything of ours above the catalogue
        ("common/probe.py", "import minzheng.accounts.models\n", "Apps depend downwards only"),
    ],
)
def test_import_contracts_fail_on_a_broken_module(
    tmp_path: Path, offending: str, source: str, broken: str
) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "minzheng", copy / "minzheng", ignore=shutil.ignore_patterns("__pycache__", "static")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "minzheng" / offending
    if offending.startswith("registry/selectors_probe"):
        target = copy / "minzheng" / "registry" / "selectors.py"
        target.write_text(target.read_text(encoding="utf-8") + source, encoding="utf-8")
    else:
        target.write_text(source, encoding="utf-8")
    result = _run(_lint_imports(), cwd=copy)
    assert result.returncode == 1
    assert broken in result.stdout
    assert "BROKEN" in result.stdout
