"""Reads of the applicant portal (救助通), by sub-domain: the account and its household (``accounts``), the
policy guide (``policy``, its per-programme writers in ``portal.guides``), the self-check (``self_check``),
the entitlement list (``entitlements``), the periodic self-report (``self_report``) and household QR codes
(``qr``). Callers import from here.

Portal reads are not scoped by a staff jurisdiction (``visible_to``) but by the signed-in account: a
person sees only the household they currently belong to (``account_household``), whatever id a URL or
an API call names (ADR 0020). Staff reads of the QR page are scoped with ``visible_to(actor)`` as usual.
The policy guide and the self-check read published policy parameters, which are not personal data.
"""

from __future__ import annotations

from minzheng.catalogue.programmes import PROGRAMME_LABELS
from minzheng.portal.guides import URBAN_RURAL_TEXT, Figure
from minzheng.portal.selectors.accounts import (
    account_household,
    account_household_require,
    account_is_member,
    sign_in_locked_until,
    sign_in_send_history,
    township_of,
)
from minzheng.portal.selectors.entitlements import (
    PENDING,
    RECEIVED,
    EntitlementList,
    EntitlementRow,
    PaymentRow,
    ProgrammeTotal,
    entitlement_list,
)
from minzheng.portal.selectors.policy import (
    REGION_CODE,
    PolicyGuide,
    ProgrammeGuide,
    guide_writer,
    policy_divisions,
    policy_guide,
    policy_place,
    policy_place_choices,
)
from minzheng.portal.selectors.qr import QR_SALT, QrLookup, household_qr_get, qr_resolve, qr_signed
from minzheng.portal.selectors.self_check import SelfCheckRow, self_check_run
from minzheng.portal.selectors.self_report import (
    ReportItem,
    ReportMember,
    household_members,
    self_report_item,
    self_report_items,
)

# The statutory label of each programme (the catalogue's), as the portal's pages and tests name it.
PROGRAMME_NAMES = PROGRAMME_LABELS

__all__ = [
    "PENDING",
    "PROGRAMME_NAMES",
    "QR_SALT",
    "RECEIVED",
    "REGION_CODE",
    "URBAN_RURAL_TEXT",
    "EntitlementList",
    "EntitlementRow",
    "Figure",
    "PaymentRow",
    "PolicyGuide",
    "ProgrammeGuide",
    "ProgrammeTotal",
    "QrLookup",
    "ReportItem",
    "ReportMember",
    "SelfCheckRow",
    "account_household",
    "account_household_require",
    "account_is_member",
    "entitlement_list",
    "guide_writer",
    "household_members",
    "household_qr_get",
    "policy_divisions",
    "policy_guide",
    "policy_place",
    "policy_place_choices",
    "qr_resolve",
    "qr_signed",
    "self_check_run",
    "self_report_item",
    "self_report_items",
    "sign_in_locked_until",
    "sign_in_send_history",
    "township_of",
]
