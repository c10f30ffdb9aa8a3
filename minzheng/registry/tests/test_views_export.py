"""Excel export of the household list: exact cells, masking, the access log, background jobs."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import id_number
from minzheng.audit.models import PersonalDataAccess
from minzheng.common.models import Job
from minzheng.registry.exports import HEADERS

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
IDS = [id_number("150102", dt.date(1970 + n, 1, 2), 51 + 2 * n) for n in range(3)]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def sheet_rows(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("家庭名单").to_python()


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


@pytest.fixture
def homes(users, household_factory):
    return [
        household_factory(head_name="张三", id_number=IDS[0]),
        household_factory(division_code="150102001002", head_name="张伟", id_number=IDS[1]),
        household_factory(division_code="150102001000", head_name="李四", id_number=IDS[2]),
        household_factory(actor=users["taibus_caseworker"], division_code="152527201206", head_name="王五"),
    ]


def test_export_writes_the_filtered_list_with_masked_ids_and_division_names(homes, users):
    # when the caseworker exports the households whose members are called 张…
    response = client_for(users["caseworker"]).get(
        reverse("registry:household_export"), {"name": "张", "sort": "id"}
    )

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    first, second = homes[0], homes[1]
    assert sheet_rows(response.content) == [
        list(HEADERS),
        [first.pk, "张三", f"1501**********{IDS[0][-4:]}", 1, "城镇", "新城区", "海拉尔东路街道", "锡林南路社区居委会",
         "150102001001", "", local(first.updated_at)],
        [second.pk, "张伟", f"1501**********{IDS[1][-4:]}", 1, "城镇", "新城区", "海拉尔东路街道", "东风路社区居委会",
         "150102001002", "", local(second.updated_at)],
    ]  # fmt: skip
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.purpose, access.record_count) == (users["caseworker"], "export", 2)


def test_export_of_a_township_level_household_has_no_village_name(homes, users):
    response = client_for(users["caseworker"]).get(reverse("registry:household_export"), {"name": "李"})

    rows = sheet_rows(response.content)
    assert rows[1][1:9] == [
        "李四",
        f"1501**********{IDS[2][-4:]}",
        1,
        "农村",
        "新城区",
        "海拉尔东路街道",
        "",
        "150102001000",
    ]


@pytest.mark.parametrize("role", ["caseworker", "county", "prefecture", "region", "auditor"])
def test_export_never_contains_a_full_id_number_or_bank_account(homes, users, role):
    response = client_for(users[role]).get(reverse("registry:household_export"))

    cells = [str(cell) for row in sheet_rows(response.content) for cell in row]
    assert response.status_code == 200
    for full in IDS:
        assert full not in cells
    assert not any("6228480012345678901" in cell for cell in cells)


def test_large_export_runs_as_a_background_job_with_progress_and_a_file(homes, users, settings, tmp_path):
    # given a sync limit below the number of households in scope
    settings.EXPORT_SYNC_LIMIT = 2
    settings.MEDIA_ROOT = tmp_path

    # when (the test settings run tasks immediately)
    response = client_for(users["region"]).get(reverse("registry:household_export"), {"sort": "id"})

    # then
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.status, job.progress_done, job.progress_total, job.created_by) == (
        "registry.household_export", "succeeded", 4, 4, users["region"]
    )  # fmt: skip
    assert job.result_file.startswith("exports/households-")
    assert job.result_file.endswith(".xlsx")
    rows = sheet_rows(Path(tmp_path, job.result_file).read_bytes())
    assert [row[0] for row in rows[1:]] == [household.pk for household in homes]
    assert [path.name for path in (tmp_path / "exports").iterdir()] == [Path(job.result_file).name]
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.purpose, access.record_count) == (users["region"], "export", 4)


def test_export_with_bad_filter_redirects_back_with_a_message_and_logs_nothing(homes, users):
    response = client_for(users["caseworker"]).get(reverse("registry:household_export"), {"id_number": "123"})

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_list") + "?id_number=123"
    assert PersonalDataAccess.objects.count() == 0


def test_export_query_count_does_not_grow_with_rows(homes, users, django_assert_max_num_queries):
    client = client_for(users["region"])
    client.get(reverse("registry:household_list"))

    # session, user, division, choices, capped count, the rows (one query with joins), access log, session
    with django_assert_max_num_queries(13):
        response = client.get(reverse("registry:household_export"))
    assert len(sheet_rows(response.content)) == 5
