"""Writes of enrolments (issue 5 §1): enrolment from a decision, changes split into entitlement periods,
gradual exit, 特困 termination with its notice, transfer, and the set-based close of finished schedules.

Every change locks the enrolment row (``select_for_update``), checks the change table of ``rules`` against
the status it finds, rewrites the periods from the effective month on (closing the running one, replacing
later ones — a back-dated change is allowed: the payroll compares owed with paid) and records an
``EnrolmentChange`` and an audit event in the same transaction. Services use ``transaction.atomic`` so
they nest (as a savepoint) inside a caller's transaction, e.g. the approval of an application."""

from minzheng.enrolments.services._base import money_parse as money_parse
from minzheng.enrolments.services._base import period_spans as period_spans
from minzheng.enrolments.services._base import township_of as township_of
from minzheng.enrolments.services.changes import enrolment_change as enrolment_change
from minzheng.enrolments.services.changes import enrolment_gradual_exit as enrolment_gradual_exit
from minzheng.enrolments.services.changes import enrolments_close_finished as enrolments_close_finished
from minzheng.enrolments.services.decisions import Enrolled as Enrolled
from minzheng.enrolments.services.decisions import enrolment_from_decision as enrolment_from_decision
from minzheng.enrolments.services.extreme_poverty import (
    extreme_poverty_termination_confirm as extreme_poverty_termination_confirm,
)
from minzheng.enrolments.services.extreme_poverty import (
    extreme_poverty_termination_propose as extreme_poverty_termination_propose,
)
from minzheng.enrolments.services.extreme_poverty import (
    extreme_poverty_termination_withdraw as extreme_poverty_termination_withdraw,
)
from minzheng.enrolments.services.extreme_poverty import extreme_poverty_transfer as extreme_poverty_transfer
