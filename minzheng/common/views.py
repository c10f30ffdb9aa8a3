"""Background-job pages: the user's jobs, a progress bar polled by htmx, the result download."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.catalogue.roles import Capability
from minzheng.common import selectors
from minzheng.common.errors import NotFound
from minzheng.common.models import Job
from minzheng.common.services import job_create, job_enqueue, jobs_reap
from minzheng.common.tasks import SELFTEST_KIND, job_selftest


def _bounded_int(value: str | None, *, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or default)))
    except ValueError:
        return default


def job_list(request: HttpRequest) -> HttpResponse:
    jobs_reap()  # a job whose worker died shows as failed, not "running" forever
    jobs = selectors.job_list(actor=request.user).select_related("created_by")[:200]
    can_selftest = request.user.can(Capability.MANAGE_USERS)  # type: ignore[union-attr]
    return render(request, "common/job_list.html", {"jobs": jobs, "can_selftest": can_selftest})


def _job_or_404(request: HttpRequest, job_id: int) -> Job:
    jobs_reap()
    try:
        return selectors.job_get(actor=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404(error.message) from error


def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "common/job_detail.html", {"job": _job_or_404(request, job_id)})


def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "common/_job_progress.html", {"job": _job_or_404(request, job_id)})


def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    try:
        path = selectors.job_download_path(actor=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_POST
def job_selftest_start(request: HttpRequest) -> HttpResponse:
    """Diagnostic for administrators: proves the worker runs and progress reaches the page."""
    if not request.user.can(Capability.MANAGE_USERS):  # type: ignore[union-attr]
        raise HttpForbidden(_("您的角色无权执行后台任务自检"))
    count = _bounded_int(request.POST.get("count"), default=20, low=1, high=1000)
    delay_ms = _bounded_int(request.POST.get("delay_ms"), default=250, low=0, high=1000)
    job = job_create(
        actor=request.user,
        kind=SELFTEST_KIND,
        title=_("后台任务自检"),
        total=count,
        parameters={"count": count, "delay_ms": delay_ms},
    )
    job_enqueue(job_selftest, job, count=count, delay_ms=delay_ms)
    return redirect("jobs:detail", job_id=job.pk)
