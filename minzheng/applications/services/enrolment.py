"""Approval enrols the beneficiary: the enrolments app creates the enrolments and their periods, and the
application's timeline records each one (the enrolments app sits below applications, so it hands the lines
back instead of writing them)."""

from __future__ import annotations

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.applications.timeline import timeline_record
from minzheng.enrolments.models import Enrolment
from minzheng.enrolments.services import enrolment_from_decision


def enrolment_from_application(*, actor: User | None, application: Application) -> Enrolment | None:
    """Enrol the beneficiary of an approved application (``enrolments.services.enrolment_from_decision``:
    低保 from the month after approval, 审核确认办法第 21 条; 特困 the person, 特困人员认定办法第 17 条;
    临时救助 one period per instalment; the allowances each programme granted) and record “纳入在保” on the
    timeline for each enrolment created. Idempotent; returns the first enrolment, or None for the programmes
    that pay nothing monthly (低保边缘, 刚性支出). Runs inside the caller's transaction."""
    enrolled = enrolment_from_decision(actor=actor, application=application)
    for enrolment, note in enrolled.notes:
        timeline_record(application, actor, "record", "enrolled", note, data={"enrolment_id": enrolment.pk})
    return enrolled.enrolments[0] if enrolled.enrolments else None
