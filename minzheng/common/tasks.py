"""Background tasks of the common app: a self-test job that exercises progress and download."""

from __future__ import annotations

import time

from django_tasks import task

from minzheng.common.services import job_finish, job_progress, job_result_path, job_running

SELFTEST_KIND = "selftest"


@task()
def job_selftest(job_id: int, count: int, delay_ms: int = 0, fail_at: int | None = None) -> int:
    """Count to ``count`` reporting progress; writes a small text file as the job's result."""
    with job_running(job_id=job_id, total=count):
        for number in range(1, count + 1):
            if fail_at is not None and number == fail_at:
                raise RuntimeError(f"自检在第 {number} 步按要求失败")
            if delay_ms:
                time.sleep(delay_ms / 1000)
            job_progress(job_id=job_id, done=number, message=f"已计数 {number}/{count}")
        path, relative = job_result_path(job_id=job_id, filename="selftest.txt")
        path.write_text("".join(f"{number}\n" for number in range(1, count + 1)), encoding="utf-8")
        job_finish(job_id=job_id, result_file=relative, message=f"自检完成，共计数 {count}")
    return count
