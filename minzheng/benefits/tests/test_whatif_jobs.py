"""The what-if as a background job (issue 21), through Django's client on the real database queue: submit →
the job waits with its progress bar polled every second → the worker runs it → the poll shows the report,
stored so the page reloads and exports without running again; the same proposal submitted while it runs
reuses the job; only standard setters, and only the job's starter, see it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from minzheng.audit.models import Event
from minzheng.benefits.whatif import WHATIF_STEPS, ProposedChange, whatif_run
from minzheng.benefits.whatif_jobs import WHATIF_JOB, report_dump, report_load
from minzheng.common.models import Job
from minzheng.registry.models import IncomeRecord

D = dt.date
URL = "/benefits/what-if/"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
QUERY = {"run": "1", "key": "dibao.standard_monthly", "division_code": "150100000000", "urban_rural": "urban",
         "valid_from": "2025-01-01", "percent": "5", "value": "", "level": ""}  # fmt: skip


@pytest.fixture
def homes(household_factory):
    """In Hohhot's Xincheng: one household at 850 per capita (gains at 882), one at 300 (changes)."""
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    for name, monthly in (("略高", "850.00"), ("较低", "300.00")):
        home = household_factory(head_name=name)
        IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal(monthly) * 12,
                                    period_start=D(2024, 1, 1), period_end=D(2024, 12, 31))  # fmt: skip


def _poll(client, url: str):
    return client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-report")


@pytest.mark.django_db(transaction=True)
def test_submit_poll_and_result_on_the_database_queue(client, settings, homes, users):
    # given: the real queue, as in production
    settings.TASKS = DATABASE_TASKS
    client.force_login(users["prefecture"])

    # when: the page submits the run (htmx)
    submitted = client.post(URL, QUERY, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="whatif-report")

    # then: the job waits in the queue and its progress bar polls the job's page every second
    job = Job.objects.get(kind=WHATIF_JOB)
    url = f"/benefits/what-if/jobs/{job.pk}/"
    assert submitted.status_code == 200
    assert submitted["HX-Push-Url"] == url
    html = submitted.content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s"' in html
    assert 'id="whatif-progress"' in html
    assert (job.status, job.progress_done, job.progress_total) == ("queued", 0, WHATIF_STEPS + 1)
    assert DBTaskResult.objects.get(id=job.task_result_id).task_path == "minzheng.benefits.tasks.whatif_task"
    assert not Event.objects.filter(verb="benefits.whatif_run").exists()
    waiting = _poll(client, url).content.decode()
    assert 'data-status="queued"' in waiting
    assert 'hx-trigger="every 1s"' in waiting

    # when: the worker runs it
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    # then: the next poll shows the report and stops polling
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (
        "succeeded",
        WHATIF_STEPS + 1,
        WHATIF_STEPS + 1,
    )
    assert job.message.startswith("测算完成：2 户，新增低保 1 户，退出 0 户，月支出变化 74.00 元")
    done = _poll(client, url).content.decode()
    assert "every 1s" not in done
    assert 'id="whatif-after">882.00<' in done
    assert 'id="whatif-gained">1<' in done
    assert 'id="whatif-monthly">74.00<' in done  # (882 − 850) + (882 − 840) a month
    assert 'id="whatif-annual">888.00<' in done
    assert Event.objects.filter(verb="benefits.whatif_run").count() == 1

    # and: the job's page reloads with the form as submitted and the stored report, without running again
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["percent"].value() == "5"
    assert page.context["report"].total.monthly_difference == Decimal("74.00")
    workbook = client.get(url, {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))
    assert (rows[-1][1], rows[-1][13]) == ("合计", 74)  # 月差额
    assert Event.objects.filter(verb="benefits.whatif_run").count() == 1
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_same_proposal_while_it_runs_reuses_the_job(client, settings, homes, users):
    # given: a run of +5 % waiting in the queue
    settings.TASKS = DATABASE_TASKS
    client.force_login(users["prefecture"])
    first = client.post(URL, QUERY)

    # when: submitted again (a double click, a reload), and a different proposal
    again = client.post(URL, QUERY)
    same_in_other_words = client.post(URL, {**QUERY, "percent": "", "value": "882"})  # 840 + 5 % = 882.00
    other = client.post(URL, {**QUERY, "percent": "6"})

    # then: one job and one queue row for +5 %, another for +6 %
    assert first["Location"] == again["Location"] == same_in_other_words["Location"]
    assert other["Location"] != first["Location"]
    assert Job.objects.filter(kind=WHATIF_JOB).count() == 2
    assert DBTaskResult.objects.count() == 2

    # when: both have run, the same proposal again
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    rerun = client.post(URL, QUERY)

    # then: a finished run is not reused (parameters or households may have changed since)
    assert rerun["Location"] not in (first["Location"], other["Location"])
    assert Job.objects.filter(kind=WHATIF_JOB).count() == 3


def test_immediate_backend_gives_the_report_at_once_and_the_job_page_keeps_it(client, homes, users):
    client.force_login(users["prefecture"])
    page = client.post(URL, QUERY, follow=True)
    job = Job.objects.get(kind=WHATIF_JOB)
    assert page.redirect_chain == [(f"/benefits/what-if/jobs/{job.pk}/", 302)]
    assert (job.status, job.result_file) == ("succeeded", f"jobs/{job.pk}/whatif.xlsx")
    assert job.parameters["result_url"] == f"/benefits/what-if/jobs/{job.pk}/"  # the job list's 查看测算结果
    assert 'id="whatif-monthly">74.00<' in page.content.decode()


def test_the_stored_report_is_the_report(homes, users):
    change = ProposedChange("senior_allowance.brackets", "150100000000", "urban", D(2025, 1, 1),
                            value=[{"age_min": 80, "age_max": None, "amount": "150"}])  # fmt: skip
    report = whatif_run(actor=users["prefecture"], change=change)
    assert report_load(report_dump(report)) == report


def test_a_failure_is_shown_in_chinese(client, homes, users):
    """In 2018 the region set only the rural standard: a change of Xilingol's rural one passes the checks at
    submission (the region's applies there), and the run fails in the job on Hohhot's urban households."""
    client.force_login(users["region"])
    query = {**QUERY, "division_code": "152500000000", "urban_rural": "rural", "valid_from": "2018-06-01"}
    page = client.post(URL, query, follow=True)
    job = Job.objects.get(kind=WHATIF_JOB)
    assert job.status == "failed"
    assert "没有适用于" in job.message
    html = page.content.decode()
    assert f'<div class="alert alert-danger" role="alert" id="whatif-error">{job.message}' in html
    assert not Event.objects.filter(verb="benefits.whatif_run").exists()


def test_only_standard_setters_submit_and_only_the_starter_sees_the_job(client, homes, users):
    client.force_login(users["caseworker"])
    assert client.post(URL, QUERY).status_code == 403
    assert not Job.objects.exists()
    client.force_login(users["prefecture"])
    url = client.post(URL, QUERY)["Location"]
    client.force_login(users["caseworker"])
    assert client.get(url).status_code == 403
    client.force_login(users["region"])  # may set standards, but did not start this run
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "xlsx"}).status_code == 404
    client.force_login(users["prefecture"])
    assert client.get(url).status_code == 200
