"""``bulk.copy_pipeline``: the COPYs of one transaction on a worker thread (issue 21, the legacy import). Each
table is written in the caller's transaction and in order; a COPY that fails raises its error when the block
ends and nothing is written; an error inside the block waits for the running COPY and leaves the connection
usable."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import transaction

from minzheng.common.bulk import copy_pipeline
from minzheng.common.models import CalendarDay

pytestmark = pytest.mark.django_db

DAYS = [dt.date(2031, 1, day) for day in range(1, 11)]


def _days() -> list[tuple[dt.date, bool, str]]:
    return list(
        CalendarDay.objects.filter(date__year=2031).order_by("date").values_list("date", "is_workday", "name")
    )


def test_each_table_is_written_in_the_callers_transaction() -> None:
    # when
    with transaction.atomic(), copy_pipeline() as copy:
        counted = [
            copy(CalendarDay, {"date": DAYS[:5], "is_workday": [True] * 5, "name": ["甲,“引号”\n换行"] * 5}),
            copy(CalendarDay, {"date": DAYS[5:], "is_workday": [False] * 5}),
        ]
    # then
    assert counted == [5, 5]
    assert _days() == [(d, True, "甲,“引号”\n换行") for d in DAYS[:5]] + [(d, False, "") for d in DAYS[5:]]


def _copy_a_day_twice() -> None:
    with transaction.atomic(), copy_pipeline() as copy:
        copy(CalendarDay, {"date": DAYS[:2], "is_workday": [True] * 2})
        copy(CalendarDay, {"date": DAYS[1:3], "is_workday": [True] * 2})  # DAYS[1] again
        copy(CalendarDay, {"date": DAYS[3:], "is_workday": [True] * 7})


def test_a_failed_copy_raises_when_the_block_ends_and_nothing_is_written() -> None:
    # when
    with pytest.raises(psycopg.errors.UniqueViolation):
        _copy_a_day_twice()
    # then
    assert _days() == []


def _copy_then_fail() -> None:
    with transaction.atomic(), copy_pipeline() as copy:
        copy(CalendarDay, {"date": DAYS, "is_workday": [True] * 10})
        raise RuntimeError("检查失败")


def test_an_error_in_the_block_rolls_back_and_the_connection_stays_usable() -> None:
    # when
    with pytest.raises(RuntimeError, match="检查失败"):
        _copy_then_fail()
    # then
    assert _days() == []
    CalendarDay.objects.create(date=DAYS[0], is_workday=True)
    assert len(_days()) == 1
