from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class Job(models.Model):
    """A long-running background task with progress a page can poll (ADR 0010)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("任务类型", max_length=40)
    title = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    parameters = models.JSONField("参数", default=dict, blank=True)
    result_file = models.CharField("结果文件", max_length=300, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="发起人", null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Written by the worker while the task runs (start, progress, and a beat every JOB_HEARTBEAT_SECONDS);
    # a running job whose heartbeat is older than JOB_HEARTBEAT_TIMEOUT is reaped as failed.
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))


class CalendarDay(models.Model):
    """An entry of the State Council holiday schedule that overrides chinese-calendar.

    Needed for years the library does not know yet (each November the State Council publishes the
    next year's schedule): holidays on weekdays (``is_workday=False``) and make-up working days on
    weekends (``is_workday=True``).
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("说明", max_length=60, blank=True, help_text="如：春节、国庆节调休上班")
    source = models.CharField("依据", max_length=200, blank=True, help_text="如：国办发明电〔2026〕X号")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"
