"""Signals of the application workflow, for apps that must react to it without the workflow importing them
(the applicant portal's SMS notifications, issue 7 item 5).

``timeline_recorded`` is sent by ``timeline.timeline_record`` for every line of a case timeline, inside the
transaction that wrote it, with ``event`` (the ``ApplicationEvent``). A receiver must never make the
workflow's write fail: it defers or catches whatever it does.
"""

from __future__ import annotations

from django.dispatch import Signal

timeline_recorded = Signal()
