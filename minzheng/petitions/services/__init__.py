"""Writes of the 信访 register (issue 20), one module per part: registration, transitions, identity."""

from minzheng.petitions.services.identity import Identity, petition_identity_reveal, petitioner_name
from minzheng.petitions.services.registration import (
    PetitionData,
    PortalFiling,
    petition_portal_file,
    petition_register,
)
from minzheng.petitions.services.transitions import (
    petition_accept,
    petition_assign,
    petition_close,
    petition_decline,
    petition_evaluate,
    petition_extend,
    petition_object,
    petition_reply,
    petition_rereview_decide,
    petition_rereview_request,
    petition_review_decide,
    petition_review_request,
    petition_start,
)

__all__ = [
    "Identity",
    "PetitionData",
    "PortalFiling",
    "petition_accept",
    "petition_assign",
    "petition_close",
    "petition_decline",
    "petition_evaluate",
    "petition_extend",
    "petition_identity_reveal",
    "petition_object",
    "petition_portal_file",
    "petition_register",
    "petition_reply",
    "petition_rereview_decide",
    "petition_rereview_request",
    "petition_review_decide",
    "petition_review_request",
    "petition_start",
    "petitioner_name",
]
