"""The app migrates on SQLite (the embedded demo database), where only the service prevents overlaps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

MINZHENG = Path(sys.executable).parent / "minzheng"
REGION = (
    "from minzheng.divisions.models import Division; "
    "Division.objects.create(code='150000000000', name='内蒙古自治区', level=1)"
)


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{data_dir / 'policy.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
    return subprocess.run(  # noqa: S603 - our own console script
        [str(MINZHENG), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
def test_migrate_load_builtin_and_refuse_overlap_on_sqlite(tmp_path):
    # given a migrated SQLite database with the region division
    for args in (("migrate", "--no-input", "-v0"), ("shell", "-c", REGION)):
        done = _run(*args, data_dir=tmp_path)
        assert done.returncode == 0, done.stderr
    # when the built-in set is loaded and an overlapping version is imported
    loaded = _run("policy", "load-builtin", data_dir=tmp_path)
    overlapping = tmp_path / "overlap.json"
    overlapping.write_text(json.dumps({"format_version": 1, "parameters": [
        {"key": "margin.income_multiple", "division": "15", "valid_from": "2020-01-01", "valid_to": "2022-01-01",
         "value": "2", "status": "unconfirmed", "source": "测试"}]}), encoding="utf-8")  # fmt: skip
    refused = _run("policy", "import", str(overlapping), data_dir=tmp_path)
    # then
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == "内置参数：新增 65 个版本，截止 0 个，更正 0 个，未变 0 个\n"
    assert refused.returncode == 1
    assert "与已有版本的有效期 2021-07-01 至 长期 重叠" in refused.stderr
    assert "共 1 处错误，未写入任何数据" in refused.stderr
