"""The legacy import on the embedded SQLite database of ``make run`` (its writes have no ``COPY`` there):
a fresh SQLite file, migrated, the import run through ``minzheng shell`` — the same households, persons and
enrolments as on PostgreSQL, and a rerun rejected row by row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MINZHENG = Path(sys.executable).parent / "minzheng"
SCRIPT = r"""
import csv, io, json
from minzheng.demo.registry import demo_setup
from minzheng.accounts.models import User
from minzheng.enrolments.legacy import COLUMNS, legacy_import
from minzheng.registry.models import Household, Person

def id_number(born, serial):
    body = f"150102{born}{serial:03d}"
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]

def row(**values):
    base = dict.fromkeys(COLUMNS, "")
    base.update({"原系统家庭编号": "H1", "与户主关系": "户主", "户籍区划代码": "150102001001"})
    base.update(values)
    return [base[c] for c in COLUMNS]

rows = [
    row(姓名="王大山", 身份证号码=id_number("19700304", 11), 城乡类别="城镇", 户籍地址="锡林南路 1 号",
        救助项目="最低生活保障", 档次="A类", 月发放金额="1350.00", 起始月份="2021-03"),
    row(姓名="李秀英", 身份证号码=id_number("19720601", 22), 与户主关系="配偶"),
    row(姓名="王小明", 身份证号码=id_number("20120909", 31), 与户主关系="子"),
    row(原系统家庭编号="H2", 姓名="巴特尔", 身份证号码=id_number("19400102", 41), 救助项目="特困",
        档次="完全丧失生活自理能力", 月发放金额="1100", 起始月份="2020-01-01"),
]
out = io.StringIO()
csv.writer(out).writerows([COLUMNS, *rows])
content = out.getvalue().encode()
demo_setup(households=0)
actor = User.objects.get(username="county")
first = legacy_import(actor=actor, filename="old.csv", content=content)
again = legacy_import(actor=actor, filename="old.csv", content=content)
print(json.dumps({
    "first": [first.status, first.households, first.persons, first.enrolments, first.errors[:3]],
    "again": [again.status, again.error_count],
    "names": sorted(Person.objects.filter(name__in=["王大山", "李秀英", "王小明", "巴特尔"]).values_list("name", flat=True)),
    "heads": Household.objects.filter(head__name__in=["王大山", "巴特尔"]).count(),
}))
"""


@pytest.mark.slow
def test_the_legacy_import_writes_and_rejects_the_same_on_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "DEBUG": "0"}
    subprocess.run([MINZHENG, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=600)  # noqa: S603
    done = subprocess.run(  # noqa: S603
        [MINZHENG, "shell", "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures == {
        "first": ["succeeded", 2, 4, 2, []],
        "again": ["rejected", 4],
        "names": ["巴特尔", "李秀英", "王大山", "王小明"],
        "heads": 2,
    }
