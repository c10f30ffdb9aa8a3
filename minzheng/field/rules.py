"""Pure rules of the offline sync (ADR 0039): what an offline copy becomes when it reaches the server.

Conflict rules (issue 24 item 1): when the case is closed on the server — the application has reached a final
step or a step that takes no home visit, the older person has left the visit list — the server wins and the
offline copy is kept as a rejected version with the reason; otherwise the offline record is added and, when
the server received other records of the same subject since the phone took its list, both are kept as
versions (the submission names the other records)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Final


class Kind(StrEnum):
    ELDERCARE_VISIT = "eldercare_visit"  # 探访关爱记录 (eldercare.VisitRecord)
    HOME_VISIT = "home_visit"  # 入户调查 (applications.HomeVisit, 审核确认办法第 16 条)


class Outcome(StrEnum):
    RECORDED = "recorded"
    BOTH_KEPT = "both_kept"
    REJECTED = "rejected"


KIND_LABELS: Final = {Kind.ELDERCARE_VISIT: "探访关爱记录", Kind.HOME_VISIT: "入户调查"}
OUTCOME_LABELS: Final = {
    Outcome.RECORDED: "已记录",
    Outcome.BOTH_KEPT: "已记录（与服务器上的记录并存）",
    Outcome.REJECTED: "未采用（以服务器为准）",
}
MAX_PHOTOS: Final = 6  # as many as the online visit form takes (eldercare.services.photos.MAX_PHOTOS)


def outcome_of(*, closed_reason: str, others_since: Sequence[int]) -> Outcome:
    """The fate of an offline copy: ``closed_reason`` (non-empty: the server refused it for the case's state)
    wins over everything; otherwise the copy is recorded, beside ``others_since`` (records of the same
    subject the server received after the phone's list was taken) when there are any."""
    if closed_reason:
        return Outcome.REJECTED
    return Outcome.BOTH_KEPT if others_since else Outcome.RECORDED


def outcome_reason(outcome: Outcome, *, closed_reason: str, others: int) -> str:
    """The sentence the phone shows under the version."""
    if outcome == Outcome.REJECTED:
        return f"服务器上的案件状态已变化，离线记录未采用，已作为退回版本保存：{closed_reason}"
    if outcome == Outcome.BOTH_KEPT:
        return f"离线期间服务器上已有该对象的 {others} 条新记录，两个版本均已保存"
    return ""


def photo_slots_left(*, announced: int, received: int) -> int:
    """Photos a submission may still receive: as many as it announced, never above ``MAX_PHOTOS``."""
    return max(0, min(announced, MAX_PHOTOS) - received)


def base_time(base_at: dt.datetime | None, saved_at: dt.datetime) -> dt.datetime:
    """The moment the phone's copy diverged from the server: its list's time, else the time it was saved."""
    return base_at if base_at is not None and base_at <= saved_at else saved_at
