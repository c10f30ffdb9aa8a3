"""Application pages (issue 4 §9): my queue, the list with filters and Excel export, intake with its
printable receipt, the detail with the actions this user may take at the current step, and a village's
public notice.

Each view checks a capability, reads through one selector with ``actor=request.user`` (an application
outside the user's divisions is a 404) and writes through one service. Actions post the step the user
saw (``expected_step``) and follow Post/Redirect/Get. A ``DomainError`` re-renders the page with the
message and the error's status (409 when the step moved on meanwhile, 422 for a missing record or
input, 403 for the wrong role); the service wrote nothing.
"""

from minzheng.applications.views.detail import application_act, application_detail
from minzheng.applications.views.intake import application_create, application_receipt
from minzheng.applications.views.lists import (
    application_export,
    application_list,
    application_queue,
    public_notice,
)
from minzheng.applications.views.records import (
    application_extend,
    application_handover,
    care_assessment_add,
    expense_add,
    home_visit_add,
    objection_add,
    verification_add,
)

__all__ = [
    "application_act",
    "application_create",
    "application_detail",
    "application_export",
    "application_extend",
    "application_handover",
    "application_list",
    "application_queue",
    "application_receipt",
    "care_assessment_add",
    "expense_add",
    "home_visit_add",
    "objection_add",
    "public_notice",
    "verification_add",
]
