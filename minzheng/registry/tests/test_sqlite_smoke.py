"""The embedded path of ``make run``: a fresh SQLite database, migrate, demo-setup (issue 2 §1, §8)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

MINZHENG = Path(sys.executable).parent / "minzheng"
# The what-if and the columnar rules read SQLite through the cursor path (no COPY): the run works and
# agrees with the pure engine on every demo household.
WHATIF = """
import datetime as dt
from decimal import Decimal
from minzheng.accounts.models import User
from minzheng.benefits import columnar
from minzheng.benefits.engine import assess
from minzheng.benefits.selectors import household_facts_many
from minzheng.benefits.whatif import ProposedChange, whatif_run
from minzheng.registry.models import Household
day = dt.date(2026, 10, 1)
report = whatif_run(actor=User.objects.get(username="region"),
                    change=ProposedChange("dibao.standard_monthly", "150100000000", "urban", day, percent=Decimal(5)))
con = columnar.duck()
columnar.snapshot_load(con, as_of=day, division_prefix="15")
params = columnar.stored_params()
columnar.results_compute(con, params, day)
facts = household_facts_many(list(Household.objects.values_list("pk", flat=True)), day)
batch = {r["household_id"]: r["dibao_amount_fen"] for r in columnar.results_rows(con)}
pure = {pk: int(assess("dibao", f, params).monthly_amount * 100) for pk, f in facts.items()}
print(report.total.households, batch == pure)
"""


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["MINZHENG_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 - our own console script
        [str(MINZHENG), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
def test_demo_setup_on_a_fresh_sqlite_database(tmp_path):
    # given a migrated, empty embedded database
    migrate = _run("migrate", "--no-input", "-v0", data_dir=tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    # when demo-setup runs (twice: it must be idempotent)
    first = _run("demo-setup", "--households", "50", data_dir=tmp_path)
    second = _run("demo-setup", "--households", "50", data_dir=tmp_path)
    # then divisions, households, people and the demo logins exist, seeded once
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "已生成演示数据：50 户" in first.stdout
    assert "已有家庭数据" in second.stdout
    with sqlite3.connect(tmp_path / "minzheng.sqlite3") as db:
        villages = db.execute("SELECT COUNT(*) FROM divisions_division WHERE level = 5").fetchone()[0]
        households = db.execute("SELECT COUNT(*) FROM registry_household").fetchone()[0]
        persons = db.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0]
        open_members = db.execute(
            "SELECT COUNT(*) FROM registry_membership WHERE left_on IS NULL"
        ).fetchone()[0]
        users = dict(db.execute("SELECT username, role FROM accounts_user").fetchall())
    assert villages == 14592
    assert households == 50
    assert persons == open_members >= 50
    assert users == {
        "assistant": "village_assistant", "caseworker": "township_caseworker", "reviewer": "township_reviewer",
        "county": "county_approver", "checker": "county_approver", "prefecture": "prefecture_supervisor", "region": "region_supervisor",
        "auditor": "auditor", "admin": "system_admin",
        "careworker": "care_provider", "registrar": "marriage_registrar", "petitions": "petition_handler",
        "orgregistrar": "organisation_registrar", "orgsupervisor": "organisation_supervisor",
        "yibao": "dept_medical_insurance",
    }  # fmt: skip
    whatif = _run("shell", "-c", WHATIF, data_dir=tmp_path)
    assert whatif.returncode == 0, whatif.stderr
    assert whatif.stdout.strip().splitlines()[-1].split() == ["50", "True"]
