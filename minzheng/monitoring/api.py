"""动态监测预警 endpoints of the JSON API: department feed delivery (the data partners' interface), feed
batch status, and the alerts of the user's jurisdiction (another county's alert is 404).

``POST /monitoring/feeds/{feed}`` takes ``{"rows": [{column key: value, …}, …]}`` — the same columns and
validation as the CSV/Excel upload (docs/feeds/). The whole delivery is loaded or none of it: a rejected
delivery answers 422 ``feed_invalid`` with every row error; the same rows posted again answer 200 with
``duplicate: true`` and change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.schemas import BodyIn, ErrorOut, refusals
from minzheng.monitoring import feeds, selectors
from minzheng.monitoring.models import Alert, FeedBatch

router = Router(tags=["动态监测预警"])


class FeedRowsIn(BodyIn):
    rows: list[dict[str, Any]]
    label: str = ""


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    message: str


class FeedBatchOut(Schema):
    id: int
    feed: str
    file_name: str
    sha256: str
    status: str
    duplicate: bool = False
    rows_total: int
    rows_new: int
    rows_existing: int
    rows_matched: int
    rows_unmatched: int
    imported_at: dt.datetime
    errors: list[RowErrorOut]


class FeedRejectedOut(ErrorOut):
    """422: the error shape; a rejected delivery (``feed_invalid``) adds the batch with every row error."""

    batch: FeedBatchOut | None = Field(None, description="feed_invalid 时：被拒绝的批次及逐行错误")


class AlertOut(Schema):
    id: int
    number: str
    rule_code: str
    rule_version: int
    severity: str
    status: str
    household_id: int
    person_id: int | None
    division_code: str
    raised_on: dt.date
    due_on: dt.date
    due_provisional: bool = Field(description="时限所在年度的节假日安排尚未录入，按周一至周五推算（暂定）")
    escalated: bool
    evidence: dict[str, Any]


class AlertQuery(Schema):
    status: str = "open"
    severity: str = ""
    rule: str = ""
    division: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码，每页 100 条")


class AlertPage(Schema):
    page: int
    has_next: bool
    results: list[AlertOut]


def _batch(batch: FeedBatch, duplicate: bool = False) -> FeedBatchOut:
    return FeedBatchOut(
        id=batch.pk,
        feed=batch.feed,
        file_name=batch.file_name,
        sha256=batch.sha256,
        status=batch.status,
        duplicate=duplicate,
        rows_total=batch.rows_total,
        rows_new=batch.rows_new,
        rows_existing=batch.rows_existing,
        rows_matched=batch.rows_matched,
        rows_unmatched=batch.rows_unmatched,
        imported_at=batch.imported_at,
        errors=[RowErrorOut(**e) for e in batch.errors],
    )


def _alert(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        number=alert.number,
        rule_code=alert.rule_code,
        rule_version=alert.rule_version,
        severity=alert.severity,
        status=alert.status,
        household_id=alert.household_id,
        person_id=alert.person_id,
        division_code=alert.division.code,
        raised_on=alert.raised_on,
        due_on=alert.due_on,
        due_provisional=alert.due_provisional,
        escalated=alert.escalated_at is not None,
        evidence=alert.evidence,
    )


@router.post(
    "/monitoring/feeds/{feed}",
    response={
        201: FeedBatchOut,
        200: FeedBatchOut,
        422: FeedRejectedOut,
        **refusals(besides=frozenset({422})),
    },
    summary="报送部门数据",
)
def feed_deliver(request: HttpRequest, feed: str, payload: FeedRowsIn) -> tuple[int, Any]:
    actor = request_actor(request)
    outcome = feeds.feed_import_rows(actor=actor, feed=feed, rows=payload.rows, label=payload.label)
    if outcome.rejected:
        return 422, FeedRejectedOut(
            code="feed_invalid",
            message=f"数据有 {len(outcome.batch.errors)} 处错误，未导入任何记录",
            field="rows",
            errors=None,
            batch=_batch(outcome.batch),
        )
    return (200 if outcome.duplicate_file else 201), _batch(outcome.batch, outcome.duplicate_file)


@router.get(
    "/monitoring/feeds/batches/{batch_id}",
    response={200: FeedBatchOut, **refusals(404)},
    summary="部门数据批次",
)
def feed_batch_get(request: HttpRequest, batch_id: int) -> FeedBatchOut:
    return _batch(selectors.feed_batch_get(actor=request_actor(request), pk=batch_id))


@router.get("/monitoring/alerts", response={200: AlertPage, **refusals()}, summary="预警列表（本级管辖范围）")
def alert_list(request: HttpRequest, filters: Query[AlertQuery]) -> dict[str, Any]:
    actor = request_actor(request)
    queryset = selectors.alert_list(
        actor=actor,
        filters=selectors.AlertFilters(
            status=filters.status, severity=filters.severity, rule=filters.rule, division=filters.division
        ),
    )
    size, page = 100, max(1, filters.page)
    rows = list(queryset[(page - 1) * size : page * size + 1])
    return {"page": page, "has_next": len(rows) > size, "results": [_alert(a) for a in rows[:size]]}


@router.get("/monitoring/alerts/{alert_id}", response={200: AlertOut, **refusals(404)}, summary="预警")
def alert_get(request: HttpRequest, alert_id: int) -> AlertOut:
    return _alert(selectors.alert_get(actor=request_actor(request), pk=alert_id))
