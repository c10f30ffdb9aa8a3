"""The case timeline's one writer (issue 4 item 7). A module of its own so that the apps the applications
workflow calls (enrolments, payments) can write to the timeline without importing the workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from minzheng.accounts.models import User
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.signals import timeline_recorded


def timeline_record(
    application: Application,
    actor: User | None,
    kind: str,
    code: str,
    message: str,
    *,
    basis: str = "",
    from_step: str = "",
    to_step: str = "",
    due_on: dt.date | None = None,
    due_provisional: bool = False,
    data: Mapping[str, Any] | None = None,
) -> ApplicationEvent:
    """One line of the case timeline; other apps (documents, enrolments) add theirs through this. Sends
    ``signals.timeline_recorded`` (step changes notify the applicant by SMS)."""
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        kind=kind,
        code=code,
        message=message[:500],
        basis=basis[:200],
        from_step=from_step,
        to_step=to_step,
        due_on=due_on,
        due_provisional=due_provisional,
        data=dict(data or {}),
    )
    timeline_recorded.send(sender=ApplicationEvent, event=event)
    return event
