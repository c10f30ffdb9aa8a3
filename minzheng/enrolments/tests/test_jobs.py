"""Progress of a job reported from inside a long transaction is visible to other connections at once."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from minzheng.common.jobs import job_link, progress_report
from minzheng.common.services import job_create, job_start


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_is_seen_by_the_polling_page():
    job = job_create(actor=None, kind="payroll_generate", title="生成发放批次", total=4)
    job_start(job_id=job.pk, total=4)
    page = connections.create_connection(DEFAULT_DB_ALIAS)  # what the polling request uses
    try:
        with transaction.atomic():
            progress_report(job_id=job.pk, done=2, total=4, message="已写入当月发放明细 167 条")
            with page.cursor() as cursor:
                cursor.execute("SELECT progress_done, message FROM common_job WHERE id = %s", [job.pk])
                assert cursor.fetchone() == (2, "已写入当月发放明细 167 条")
            # never backwards
            progress_report(job_id=job.pk, done=1, total=4)
        job_link(job_id=job.pk, url="/payments/1/", label="查看发放批次")
        job.refresh_from_db()
        assert (job.progress_done, job.parameters) == (
            2,
            {"result_url": "/payments/1/", "result_label": "查看发放批次"},
        )
    finally:
        page.close()
