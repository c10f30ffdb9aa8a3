"""File import/export, the built-in Inner Mongolia set and the ``minzheng policy`` command."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.audit.models import Event
from minzheng.policy.errors import PolicyFileInvalid
from minzheng.policy.models import Parameter
from minzheng.policy.selectors import parameter_export, parameter_value
from minzheng.policy.services import BUILTIN_FILE, parameter_import, policy_builtin_load

D = dt.date


def document(*entries):
    return json.dumps({"format_version": 1, "parameters": list(entries)}, ensure_ascii=False)


def item(**overrides):
    base = {"key": "dibao.standard_monthly", "division": "150000000000", "urban_rural": "urban",
            "valid_from": "2023-01-01", "valid_to": None, "value": "840.00", "status": "reported", "source": "通知"}  # fmt: skip
    return {**base, **overrides}


def rows():
    return list(
        Parameter.objects.order_by("id").values_list("id", "key", "valid_from", "valid_to", "superseded_at")
    )


@pytest.fixture
def builtin(divisions):
    return policy_builtin_load()


def test_builtin_set_loads_and_answers_the_documented_figures(builtin):
    # then (Xincheng community, urban; Taibus gacha, rural)
    assert builtin.created == 77  # region, Hohhot and Xilingol rows of the test tree (99 in the file)
    assert (
        parameter_value("dibao.standard_monthly", "150102001001", D(2022, 12, 31), "urban").value == "841.00"
    )  # Hohhot's own 2022 standard; the region average 813 elsewhere
    assert (
        parameter_value("dibao.standard_monthly", "152527201206", D(2022, 12, 31), "urban").value == "813.00"
    )
    assert parameter_value("dibao.standard_monthly", "152527201206", D(2022, 1, 1), "rural").value == "610.00"
    assert parameter_value("dibao.standard_monthly", "150102001001", D(2023, 1, 1), "urban").value == "840.00"
    assert (
        parameter_value("dibao.standard_monthly", "152527201206", D(2023, 12, 31), "rural").value == "670.00"
    )
    carried = parameter_value("dibao.standard_monthly", "150102001001", D(2026, 9, 30), "urban")
    assert (carried.value, carried.status, carried.valid_from) == ("840.00", "unconfirmed", D(2024, 1, 1))
    assert (
        parameter_value("extreme_poverty.basic_living_monthly", "152527", D(2022, 5, 1), "rural").value
        == "938.25"
    )
    assert (
        parameter_value("extreme_poverty.care_monthly.fully_incapable", "152527", D(2023, 5, 1)).value
        == "1266.00"
    )
    assert (
        parameter_value("extreme_poverty.care_monthly.partly_incapable", "152527", D(2022, 5, 1)).value
        == "494.00"
    )
    full = parameter_value("extreme_poverty.care_monthly.capable", "152527", D(2023, 5, 1))
    assert (full.value, full.status) == ("0.00", "confirmed")
    margin = parameter_value("margin.income_multiple", "150102", D(2025, 1, 1))
    assert (margin.value, margin.status) == ("1.5", "confirmed")
    assert parameter_value("rigid_expense.ratio_all", "150102", D(2025, 1, 1)).value == "0.7"
    assert parameter_value("rigid_expense.ratio_medical_accident", "150102", D(2025, 1, 1)).value == "0.6"
    assert parameter_value("senior_allowance.brackets", "150102", D(2017, 1, 1)).value == [
        {"age_min": 80, "age_max": 99, "amount": "100.00"}, {"age_min": 100, "age_max": None, "amount": "600.00"}
    ]  # fmt: skip
    assert parameter_value("disability.living_subsidy_monthly", "150102", D(2024, 6, 30)).value == "100.00"
    assert parameter_value("disability.living_subsidy_monthly", "150102", D(2024, 7, 1)).value == "125.00"
    assert parameter_value("orphan.institutional_monthly", "150102", D(2023, 5, 1)).value == "1660.00"
    assert parameter_value("orphan.home_monthly", "150102", D(2023, 5, 1)).value == "1400.00"
    assert parameter_value("de_facto_orphan.monthly", "150102", D(2023, 5, 1)).status == "unconfirmed"
    assert parameter_value("gradual_exit.months", "150102", D(2023, 5, 1)).value == 6
    pension_2025 = parameter_value("income.category_treatment", "150102", D(2025, 12, 31))
    pension_2026 = parameter_value("income.category_treatment", "150102", D(2026, 1, 1))
    assert (pension_2025.value["dibao"]["basic_pension"], pension_2025.status) == ("excluded", "confirmed")
    assert (pension_2026.value["dibao"]["basic_pension"], pension_2026.status) == ("excluded", "unconfirmed")
    assert pension_2026.value["extreme_poverty_support"]["senior_allowance"] == "excluded"


def test_builtin_previous_year_income_ends_where_the_figures_end_so_lookups_fail_loudly(builtin):
    from minzheng.policy.errors import ParameterMissing

    found = parameter_value("income.previous_year_disposable_per_capita_annual", "150102", D(2025, 1, 1))
    assert (found.value, found.status) == ("40077.00", "unconfirmed")
    with pytest.raises(ParameterMissing):  # the 2025 figure (used in 2026) was not found
        parameter_value("income.previous_year_disposable_per_capita_annual", "150102", D(2026, 1, 1))


def test_builtin_load_is_idempotent_and_never_overwrites_local_figures(builtin, users):
    # given a local correction of the carried-forward 2024 urban standard
    from minzheng.policy.services import parameter_set

    local = parameter_set(actor=users["region"], key="dibao.standard_monthly", division_code="15",
                          urban_rural="urban", valid_from=D(2024, 1, 1), value="807", source="2024 年通知",
                          status="confirmed")  # fmt: skip
    before = rows()
    # when
    again = policy_builtin_load()
    # then
    assert (again.created, again.closed, again.superseded) == (0, 0, 0)
    assert rows() == before
    assert (
        parameter_value("dibao.standard_monthly", "150102", D(2024, 3, 1), "urban").parameter_id == local.id
    )


def test_builtin_needs_the_region_division(db):
    from minzheng.common.errors import DomainError

    with pytest.raises(DomainError) as caught:
        policy_builtin_load()
    assert caught.value.message == (
        "没有内蒙古自治区（150000000000）区划，请先导入行政区划（minzheng import-divisions --province 15）"
    )


def test_export_then_import_is_a_no_op(builtin):
    # given
    exported = parameter_export()
    before, events = rows(), Event.objects.count()
    # when
    result = parameter_import(actor=None, text=exported)
    # then
    assert (result.created, result.closed, result.superseded, result.unchanged) == (0, 0, 0, 77)
    assert rows() == before
    assert Event.objects.count() == events
    assert json.loads(parameter_export())["parameters"] == json.loads(exported)["parameters"]


def test_export_round_trips_into_an_empty_database(builtin):
    exported = parameter_export()
    Parameter.objects.all().delete()
    result = parameter_import(actor=None, text=exported)
    assert result.created == 77
    assert json.loads(parameter_export())["parameters"] == json.loads(exported)["parameters"]


def test_one_bad_entry_writes_nothing_and_names_the_entry(divisions):
    text = document(
        item(),
        item(urban_rural="rural", value="670"),
        item(key="margin.income_multiple", urban_rural="", value="-1.5"),
        item(key="orphan.home_monthly", division="150102001000", urban_rural="", value="1400"),
    )
    with pytest.raises(PolicyFileInvalid) as caught:
        parameter_import(actor=None, text=text)
    assert caught.value.errors == [
        "第 3 条（margin.income_multiple）：政策参数“低保边缘家庭人均收入上限（低保标准的倍数）”（margin.income_multiple）"
        "的取值无效：倍数应大于 0 且不超过 100，实际为 -1.5",
    ]
    assert Parameter.objects.count() == 0


def test_division_level_overlap_and_unknown_division_are_all_reported(divisions):
    text = document(
        item(),
        item(valid_from="2022-06-01", valid_to="2023-02-01", value="813"),
        item(key="orphan.home_monthly", division="150102001000", urban_rural="", value="1400"),
        item(key="orphan.home_monthly", division="159999", urban_rural="", value="1400", status="sure"),
    )
    with pytest.raises(PolicyFileInvalid) as caught:
        parameter_import(actor=None, text=text)
    assert caught.value.errors == [
        "第 3 条（orphan.home_monthly）：区划 150102001000 不是自治区、盟市或旗县级，政策参数只能在这三级设定",
        "第 4 条（orphan.home_monthly）：区划 159999000000 不存在",
        "第 4 条（orphan.home_monthly）：核实状态“sure”无效（应为 confirmed、reported 或 unconfirmed）",
        "第 1 条（dibao.standard_monthly）：政策参数 dibao.standard_monthly（150000000000 城镇）的有效期 "
        "2023-01-01 至 长期 与已有版本的有效期 2022-06-01 至 2023-02-01 重叠",
    ]
    assert caught.value.message.startswith(
        "政策参数文件有 4 处错误，未写入任何数据：第 3 条（orphan.home_monthly）"
    )
    assert Parameter.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{", "不是有效的 JSON：第 1 行第 2 列 Expecting property name enclosed in double quotes"),
        ('{"format_version": 2, "parameters": []}', "不支持的 format_version 2（本版本只支持 1）"),
        ('{"format_version": 1}', "缺少 parameters 列表"),
        (
            '{"format_version": 1, "parameters": [{"key": "x"}]}',
            "第 1 条（x）：缺少字段 division, source, status, valid_from, value",
        ),
        (
            '{"format_version": 1, "parameters": [{"key": "dibao.standard_monthly", "division": "15", "valid_from": '
            '"2023-13-01", "value": "1", "status": "reported", "source": "s"}]}',
            "第 1 条（dibao.standard_monthly）：valid_from“2023-13-01”不是 YYYY-MM-DD 格式的日期",
        ),
    ],
)
def test_malformed_files(db, text, error):
    with pytest.raises(PolicyFileInvalid) as caught:
        parameter_import(actor=None, text=text)
    assert caught.value.errors == [error]


def test_dry_run_reports_without_writing(divisions):
    result = parameter_import(actor=None, text=document(item(), item(urban_rural="rural")), dry_run=True)
    assert (result.created, result.dry_run) == (2, True)
    assert result.summary() == "试运行（未写入）：新增 2 个版本，截止 0 个，更正 0 个，未变 0 个"
    assert Parameter.objects.count() == 0


def test_import_applies_versions_closes_and_corrections(divisions):
    parameter_import(actor=None, text=document(item()))
    result = parameter_import(actor=None, text=document(
        item(valid_to="2024-01-01", value="841"), item(valid_from="2024-01-01", value="880"),
    ))  # fmt: skip
    assert (result.created, result.closed, result.superseded) == (1, 0, 1)
    current = Parameter.objects.current().order_by("valid_from")
    assert [(p.valid_from, p.valid_to, p.value, p.version) for p in current] == [
        (D(2023, 1, 1), D(2024, 1, 1), "841.00", 2),
        (D(2024, 1, 1), None, "880.00", 3),
    ]


def test_import_as_a_user_checks_scope_for_changed_entries_only(builtin, users):
    exported = parameter_export()
    # re-importing the whole unchanged set is fine for a league supervisor
    assert parameter_import(actor=users["prefecture"], text=exported).unchanged == 77
    # but changing a region figure is not
    with pytest.raises(PolicyFileInvalid) as caught:
        parameter_import(actor=users["prefecture"], text=document(item(valid_from="2030-01-01", value="999")))
    assert caught.value.errors == ["第 1 条（dibao.standard_monthly）：区划 150000000000 不在您的管辖范围内"]


def test_the_builtin_file_is_a_valid_format_1_document():
    from minzheng.policy.format import document_read

    entries = document_read(BUILTIN_FILE.read_text(encoding="utf-8"))
    assert len(entries) == 99
    assert all(n.entry.source and n.entry.status in {"confirmed", "reported", "unconfirmed"} for n in entries)
    assert all(n.entry.note for n in entries if n.entry.status == "unconfirmed")


def test_command_export_import_show(divisions, tmp_path):
    out = StringIO()
    call_command("policy", "load-builtin", stdout=out)
    assert out.getvalue() == "内置参数：新增 77 个版本，截止 0 个，更正 0 个，未变 0 个\n"
    path = tmp_path / "policy.json"
    call_command("policy", "export", str(path), stdout=StringIO())
    out = StringIO()
    call_command("policy", "import", str(path), stdout=out)
    assert out.getvalue() == "新增 0 个版本，截止 0 个，更正 0 个，未变 77 个\n"
    out = StringIO()
    call_command("policy", "show", "dibao.standard_monthly", "150102001001", "2023-05-01", "--urban-rural", "urban",
                 stdout=out)  # fmt: skip
    shown = json.loads(out.getvalue())
    assert (shown["value"], shown["division"], shown["status"]) == ("840.00", "150000000000", "confirmed")


def test_command_import_failure_lists_errors_and_writes_nothing(divisions, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(document(item(), item(urban_rural="rural", value="abc")), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("policy", "import", str(path), stderr=err, stdout=StringIO())
    assert str(caught.value) == "共 1 处错误，未写入任何数据"
    assert "第 2 条（dibao.standard_monthly）" in err.getvalue()
    assert Parameter.objects.count() == 0
