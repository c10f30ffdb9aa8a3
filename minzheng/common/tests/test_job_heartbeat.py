"""Killed workers (issue 16 §4): heartbeats, the reaper, the monitoring-run lock, and a real ``kill -9``."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from minzheng.common.errors import Conflict
from minzheng.common.models import CalendarDay, Job
from minzheng.common.services import (
    ABORTED,
    INTERRUPTED,
    Reaped,
    job_create,
    job_enqueue,
    job_running,
    jobs_reap,
)
from minzheng.common.tasks import job_selftest
from minzheng.monitoring.models import MonitoringRun
from minzheng.monitoring.services.runs import monitoring_run_start, runs_live_scopes

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
INTERRUPTED_PATH = "minzheng.common.services.JobInterrupted"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def job(status: str, *, beat: float | None = None, started: float | None = None, created: float = 0,
        kind: str = "selftest", parameters: dict | None = None, row: DBTaskResult | None = None) -> Job:  # fmt: skip
    made = Job.objects.create(
        kind=kind,
        title=kind,
        status=status,
        parameters=parameters or {},
        task_result_id=str(row.id) if row is not None else "",
        started_at=ago(started) if started is not None else None,
        heartbeat_at=ago(beat) if beat is not None else None,
    )
    Job.objects.filter(pk=made.pk).update(created_at=ago(created))
    made.refresh_from_db()
    return made


def queue_row(status: str, *, started: float | None = None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="minzheng.common.tasks.job_selftest",
        backend_name="default",
        run_after=get_date_max(),
        started_at=ago(started) if started is not None else None,
    )


# --- the reaper -----------------------------------------------------------------------------------------


def test_reaper_fails_exactly_the_dead_jobs_and_their_running_queue_rows(db):
    # given (timeout 120 s)
    dead_row = queue_row("RUNNING", started=600)
    dead = job("running", beat=300, started=600, created=600, row=dead_row)
    alive_row = queue_row("RUNNING", started=600)
    alive = job("running", beat=10, started=600, created=600, row=alive_row)
    waiting_row = queue_row("READY")
    waiting = job("queued", created=900, row=waiting_row)  # the worker is busy: it waits, it is not dead
    claimed_row = queue_row("RUNNING", started=300)
    claimed = job("queued", created=900, row=claimed_row)  # claimed, then the worker died before it started
    failed_row = queue_row("FAILED", started=300)
    failed_early = job("queued", created=900, row=failed_row)  # the task raised before reaching job_running
    done = job("succeeded", beat=900, started=900, created=900)
    silent = job("running", started=300, created=300)  # never beat: its start counts
    young = job("running", started=30, created=30)

    # when
    first = jobs_reap()
    second = jobs_reap()

    # then
    assert (first, second) == (Reaped(jobs=4, task_results=2), Reaped(jobs=0, task_results=0))
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {
        dead.pk: "failed", alive.pk: "running", waiting.pk: "queued", claimed.pk: "failed",
        failed_early.pk: "failed", done.pk: "succeeded", silent.pk: "failed", young.pk: "running",
    }  # fmt: skip
    assert set(Job.objects.filter(message=INTERRUPTED).values_list("pk", flat=True)) == {
        dead.pk, claimed.pk, failed_early.pk, silent.pk,
    }  # fmt: skip
    assert Job.objects.get(pk=dead.pk).finished_at is not None
    rows = {row.pk: (row.status, row.exception_class_path) for row in DBTaskResult.objects.all()}
    assert rows == {
        dead_row.pk: ("FAILED", INTERRUPTED_PATH),
        alive_row.pk: ("RUNNING", ""),
        waiting_row.pk: ("READY", ""),
        claimed_row.pk: ("FAILED", INTERRUPTED_PATH),
        failed_row.pk: ("FAILED", ""),
    }
    assert DBTaskResult.objects.get(pk=dead_row.pk).traceback == f"JobInterrupted: {INTERRUPTED}"


def test_reaper_timeout_comes_from_the_setting(db, settings):
    # given
    settings.JOB_HEARTBEAT_TIMEOUT = 20
    stale = job("running", beat=30, started=60)
    fresh = job("running", beat=10, started=60)

    # when
    reaped = jobs_reap()

    # then
    assert reaped == Reaped(jobs=1, task_results=0)
    assert dict(Job.objects.values_list("pk", "status")) == {stale.pk: "failed", fresh.pk: "running"}


def test_jobs_reap_command_reports_what_it_changed(db):
    # given
    job("running", beat=5, started=60)

    # when
    out = StringIO()
    call_command("jobs_reap", "--timeout", "3", stdout=out)
    again = StringIO()
    call_command("jobs_reap", "--timeout", "3", stdout=again)

    # then
    assert out.getvalue() == "已将 1 个中断的后台任务标记为失败（队列记录 0 条）\n"
    assert again.getvalue() == "已将 0 个中断的后台任务标记为失败（队列记录 0 条）\n"


def test_the_job_page_shows_a_dead_job_as_failed(client, users):
    # given a job whose worker was killed five minutes ago
    dead = job("running", beat=300, started=400)
    Job.objects.filter(pk=dead.pk).update(created_by=users["caseworker"], progress_done=1, progress_total=4)
    client.force_login(users["caseworker"])

    # when
    html = client.get(f"/jobs/{dead.pk}/progress/").content.decode()

    # then: failed, with the reason, and the bar stops polling
    assert 'data-status="failed"' in html
    assert "hx-trigger" not in html
    assert INTERRUPTED in html


def test_a_running_job_shows_its_last_heartbeat(client, users):
    # given
    alive = job("running", beat=5, started=60)
    Job.objects.filter(pk=alive.pk).update(created_by=users["caseworker"])
    client.force_login(users["caseworker"])

    # when
    html = client.get(f"/jobs/{alive.pk}/progress/").content.decode()

    # then
    at = timezone.localtime(Job.objects.get(pk=alive.pk).heartbeat_at)
    assert (
        f'<p class="mt-1 mb-0 small text-secondary" id="job-heartbeat">后台进程最近一次报告：{at:%H:%M:%S}</p>'
        in html
    )


# --- job_running ----------------------------------------------------------------------------------------


def test_job_running_fails_the_job_when_the_worker_is_told_to_stop(db):
    # given
    queued = job("queued")

    # when: the worker's second SIGTERM raises SystemExit inside the task
    with pytest.raises(SystemExit), job_running(job_id=queued.pk, total=3):
        raise SystemExit(1)

    # then
    queued.refresh_from_db()
    assert (queued.status, queued.message, queued.progress_total) == ("failed", ABORTED, 3)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_visible_while_the_task_holds_a_transaction(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the beat through its own connection is PostgreSQL's (SQLite beats between writes)")
    # given
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    queued = job("queued")

    # when: the task sits in one long transaction
    with job_running(job_id=queued.pk):
        started = Job.objects.get(pk=queued.pk).heartbeat_at
        with transaction.atomic():
            CalendarDay.objects.create(date=dt.date(2031, 1, 1), is_workday=False, name="元旦")
            time.sleep(0.4)
            beaten = Job.objects.get(pk=queued.pk).heartbeat_at  # read committed: the beats are committed

    # then
    assert started is not None
    assert beaten is not None
    assert beaten > started
    assert Job.objects.get(pk=queued.pk).status == "running"  # the body did not finish it


# --- the monitoring-run lock ----------------------------------------------------------------------------
# Explicit ids: the runs here must not advance the id sequence (other tests number alerts "YJ<run id>-n").
RUN_PK = 900_001


def test_a_dead_monitoring_run_no_longer_blocks_an_overlapping_run(users, settings):
    # given a run of the whole region whose worker was killed, and a live run in Taibus
    settings.TASKS = DATABASE_TASKS
    killed = job(
        "running", beat=300, started=600, kind="monitoring_run", parameters={"division_prefix": "15"}
    )
    killed_run = MonitoringRun.objects.create(pk=RUN_PK, kind="manual", as_of=dt.date(2026, 3, 2), division_code="15",
                                              job=killed)  # fmt: skip
    live = job(
        "running", beat=5, started=600, kind="monitoring_run", parameters={"division_prefix": "152527"}
    )
    MonitoringRun.objects.create(pk=RUN_PK + 1, kind="manual", as_of=dt.date(2026, 3, 2), division_code="152527",
                                 job=live)  # fmt: skip

    # when Xincheng's county starts a run
    started = monitoring_run_start(actor=users["county"])

    # then the dead run is closed and no longer blocks; the live one is not touched
    killed.refresh_from_db()
    killed_run.refresh_from_db()
    assert (killed.status, killed_run.status, killed_run.message) == ("failed", "failed", INTERRUPTED)
    assert (started.status, started.parameters) == ("queued", {"division_prefix": "150102"})
    assert sorted(runs_live_scopes()) == ["150102", "152527", "152527"]

    # and Taibus's county, whose live run overlaps, is refused with the reason
    with pytest.raises(Conflict) as refused:
        monitoring_run_start(actor=users["taibus_county"])
    assert refused.value.message == "已有监测运行正在进行（覆盖您的辖区），请等它完成后再运行"
    assert Job.objects.filter(kind="monitoring_run").count() == 3


def test_a_scheduled_run_without_a_job_blocks_until_it_is_stale(users):
    # given two runs started by cron (no job, no heartbeat): one an hour ago, one four hours ago
    recent = MonitoringRun.objects.create(
        pk=RUN_PK, kind="scheduled", as_of=dt.date(2026, 3, 2), division_code="1501"
    )
    old = MonitoringRun.objects.create(
        pk=RUN_PK + 1, kind="scheduled", as_of=dt.date(2026, 3, 2), division_code="1525"
    )
    MonitoringRun.objects.filter(pk=recent.pk).update(started_at=ago(3600))
    MonitoringRun.objects.filter(pk=old.pk).update(started_at=ago(4 * 3600))

    # when / then
    assert runs_live_scopes() == ["1501"]
    with pytest.raises(Conflict):
        monitoring_run_start(actor=users["county"])


# --- a real worker killed with kill -9 ------------------------------------------------------------------

WORKER = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.JOB_HEARTBEAT_SECONDS = 0.3
call_command("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", *__import__("sys").argv[1:])
"""


def _worker(tmp_path, *args: str) -> subprocess.Popen[str]:
    """A real ``db_worker`` process on this test's database (base settings: the database queue)."""
    db = connection.settings_dict
    url = (
        f"postgres://{quote(db['USER'] or '')}:{quote(str(db['PASSWORD'] or ''))}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "minzheng.config.settings.base",
           "MINZHENG_DATA_DIR": str(tmp_path), "MINZHENG_MEDIA_ROOT": str(tmp_path / "media")}  # fmt: skip
    return subprocess.Popen(  # noqa: S603 - our own interpreter and worker
        [sys.executable, "-c", WORKER, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(predicate, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_is_killed_is_failed_and_a_rerun_succeeds(settings, make_user, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can see (the PostgreSQL test database)")
    settings.TASKS = DATABASE_TASKS
    actor = make_user("worker_admin", "system_admin", None)

    # given a self-test that waits 20 s before its first step, picked up by a real worker
    first = job_create(actor=actor, kind="selftest", title="自检", total=2)
    job_enqueue(job_selftest, first, count=2, delay_ms=20_000)
    worker = _worker(tmp_path)
    try:
        # the worker beats while the task runs without any progress
        def beating() -> bool:
            current = Job.objects.get(pk=first.pk)
            return bool(
                current.status == "running"
                and current.started_at
                and current.heartbeat_at
                and current.heartbeat_at - current.started_at >= dt.timedelta(seconds=0.5)
            )

        assert _wait_for(beating), worker.stderr.read() if worker.poll() is not None else "no heartbeat"
        assert Job.objects.get(pk=first.pk).progress_done == 0

        # when the worker is killed
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # then, as before this issue, nothing moves by itself: running 0/2, the queue row RUNNING
    first.refresh_from_db()
    row = DBTaskResult.objects.get(id=first.task_result_id)
    assert (first.status, row.status) == ("running", "RUNNING")

    # when its heartbeat is older than the (shortened) timeout, the reaper runs
    assert first.heartbeat_at is not None
    time.sleep(max(0.0, 1.2 - (timezone.now() - first.heartbeat_at).total_seconds()))
    out = StringIO()
    call_command("jobs_reap", "--timeout", "1", stdout=out)

    # then the job is failed with the reason, the queue row is not running any more
    first.refresh_from_db()
    row.refresh_from_db()
    assert out.getvalue() == "已将 1 个中断的后台任务标记为失败（队列记录 1 条）\n"
    assert (first.status, first.message, first.progress_done) == ("failed", INTERRUPTED, 0)
    assert (row.status, row.exception_class_path) == ("FAILED", INTERRUPTED_PATH)

    # when the same kind of job is started again and a new worker runs the queue
    rerun = job_create(actor=actor, kind="selftest", title="自检", total=3)
    job_enqueue(job_selftest, rerun, count=3)
    batch = _worker(tmp_path, "--batch")
    try:
        batch.wait(timeout=30)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()

    # then the rerun succeeds and the killed job stays failed
    rerun.refresh_from_db()
    first.refresh_from_db()
    assert batch.returncode == 0, batch.stderr.read() if batch.stderr else ""
    assert (rerun.status, rerun.progress_done, rerun.message) == ("succeeded", 3, "自检完成，共计数 3")
    assert DBTaskResult.objects.get(id=rerun.task_result_id).status == "SUCCESSFUL"
    assert (tmp_path / "media" / rerun.result_file).read_text(encoding="utf-8") == "1\n2\n3\n"
    assert first.status == "failed"
