"""Background jobs: services, the self-test task on both task backends, progress polling, download."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from minzheng.common.models import Job
from minzheng.common.services import job_create, job_enqueue, job_finish, job_progress, job_start
from minzheng.common.tasks import job_selftest

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def make_job(actor, total: int = 5) -> Job:
    return job_create(actor=actor, kind="selftest", title="自检", total=total, parameters={"count": total})


def test_selftest_runs_with_the_immediate_backend(users, media_root):
    # given
    job = make_job(users["caseworker"])

    # when
    result = job_enqueue(job_selftest, job, count=5)

    # then
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.percent) == ("succeeded", 5, 5, 100)
    assert job.task_result_id == str(result.id)
    assert job.message == "自检完成，共计数 5"
    assert job.result_file == f"jobs/{job.pk}/selftest.txt"
    assert (media_root / job.result_file).read_text(encoding="utf-8") == "1\n2\n3\n4\n5\n"
    assert job.started_at is not None
    assert job.finished_at is not None
    assert result.return_value == 5


def test_a_failing_task_marks_the_job_failed(users):
    # given
    job = make_job(users["caseworker"])

    # when
    job_enqueue(job_selftest, job, count=5, fail_at=3)

    # then
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.result_file) == ("failed", 2, "")
    assert job.message == "任务失败：自检在第 3 步按要求失败"


def test_progress_never_goes_backwards_and_does_not_touch_finished_jobs(users):
    # given
    job = make_job(users["caseworker"], total=10)
    job_start(job_id=job.pk)

    # when
    job_progress(job_id=job.pk, done=6, message="第 6 条")
    job_progress(job_id=job.pk, done=4)
    job_finish(job_id=job.pk)
    job_progress(job_id=job.pk, done=1, total=99, message="迟到的进度")

    # then
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.message) == ("succeeded", 10, 10, "")


@pytest.mark.django_db(transaction=True)
def test_database_backend_and_db_worker_run_the_job(settings, make_user, media_root):
    # given: the real queue, as in production
    settings.TASKS = DATABASE_TASKS
    actor = make_user("worker_user", "system_admin", None)
    job = make_job(actor, total=4)

    # when: enqueued, the job waits in the queue
    job_enqueue(job_selftest, job, count=4)

    # then
    job.refresh_from_db()
    queued = DBTaskResult.objects.get(id=job.task_result_id)
    assert queued.status == "READY"
    assert queued.task_path == "minzheng.common.tasks.job_selftest"
    assert (job.status, job.progress_done) == ("queued", 0)

    # when: one batch of the worker
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    # then
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 4, 4)
    assert (media_root / job.result_file).read_text(encoding="utf-8") == "1\n2\n3\n4\n"
    finished = DBTaskResult.objects.get(id=job.task_result_id)
    assert finished.status == "SUCCESSFUL"
    assert finished.return_value == 4


def test_progress_partial_polls_every_second_while_running(client, users):
    # given
    job = make_job(users["caseworker"], total=5)
    job_start(job_id=job.pk)
    job_progress(job_id=job.pk, done=2, message="已计数 2/5")
    client.force_login(users["caseworker"])

    # when
    response = client.get(f"/jobs/{job.pk}/progress/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="/jobs/{job.pk}/progress/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert 'style="width: 40%"' in html
    assert "已计数 2/5" in html
    assert "下载结果" not in html


def test_progress_partial_stops_polling_when_finished(client, users, media_root):
    # given
    job = make_job(users["caseworker"], total=3)
    job_enqueue(job_selftest, job, count=3)
    client.force_login(users["caseworker"])

    # when
    response = client.get(f"/jobs/{job.pk}/progress/")

    # then
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert 'style="width: 100%"' in html
    assert f'href="/jobs/{job.pk}/download/"' in html


def test_detail_page_embeds_the_polling_partial(client, users):
    # given
    job = make_job(users["caseworker"])
    client.force_login(users["caseworker"])

    # when
    response = client.get(f"/jobs/{job.pk}/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="job-progress"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "/static/vendor/htmx.min.js" in html


def test_download_serves_the_result_to_its_creator_only(client, users):
    # given
    job = make_job(users["caseworker"], total=3)
    job_enqueue(job_selftest, job, count=3)

    # when
    client.force_login(users["caseworker"])
    own = client.get(f"/jobs/{job.pk}/download/")
    client.force_login(users["reviewer"])
    other_download = client.get(f"/jobs/{job.pk}/download/")
    other_detail = client.get(f"/jobs/{job.pk}/")
    other_progress = client.get(f"/jobs/{job.pk}/progress/")

    # then
    assert own.status_code == 200
    assert own["Content-Disposition"] == 'attachment; filename="selftest.txt"'
    assert b"".join(own.streaming_content) == b"1\n2\n3\n"
    assert (other_download.status_code, other_detail.status_code, other_progress.status_code) == (
        404,
        404,
        404,
    )


def test_download_refuses_unfinished_jobs_and_paths_outside_media_root(client, users):
    # given
    running = make_job(users["caseworker"])
    escaping = make_job(users["caseworker"])
    job_finish(job_id=escaping.pk, result_file="../../etc/passwd")
    client.force_login(users["caseworker"])

    # when / then
    assert client.get(f"/jobs/{running.pk}/download/").status_code == 404
    assert client.get(f"/jobs/{escaping.pk}/download/").status_code == 404


def test_list_shows_only_the_users_own_jobs(client, users):
    # given
    make_job(users["caseworker"])
    Job.objects.create(kind="selftest", title="别人的任务", created_by=users["reviewer"])
    client.force_login(users["caseworker"])

    # when
    response = client.get("/jobs/")

    # then
    assert [job.title for job in response.context["jobs"]] == ["自检"]
    assert "别人的任务" not in response.content.decode()


def test_admin_starts_a_selftest_from_the_page(client, users):
    # given
    client.force_login(users["admin"])

    # when
    response = client.post("/jobs/selftest/", {"count": "3", "delay_ms": "0"})

    # then
    job = Job.objects.get(created_by=users["admin"])
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.status, job.progress_done, job.progress_total) == ("selftest", "succeeded", 3, 3)


def test_other_roles_cannot_start_a_selftest(client, users):
    # given
    client.force_login(users["caseworker"])

    # when
    response = client.post("/jobs/selftest/", {"count": "3", "delay_ms": "0"})

    # then
    assert response.status_code == 403
    assert not Job.objects.exists()
