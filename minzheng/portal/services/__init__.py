"""Writes of the applicant portal (救助通), by sub-domain: the SMS outbox (``outbox``), sign-in codes and
binding (``accounts``), household QR tokens (``qr_tokens``) and self-reports (``self_report``). Callers
import from here.

Every service runs in one transaction and raises ``DomainError`` subclasses with Chinese messages;
nothing is written when one is raised. Messages never reveal whether a phone number has an account,
or anything about a registry person beyond what the signed-in person typed.
"""

from __future__ import annotations

from minzheng.portal.services.accounts import (
    CODE_INDEX,
    MISMATCH_PHONE,
    SMS_SIGN_IN,
    account_bind,
    code_hash,
    sign_in_code_send,
    sign_in_code_verify,
)
from minzheng.portal.services.outbox import sms_send
from minzheng.portal.services.qr_tokens import household_token_issue, household_token_revoke
from minzheng.portal.services.self_report import MemberReport, SelfReport, self_report_submit

__all__ = [
    "CODE_INDEX",
    "MISMATCH_PHONE",
    "SMS_SIGN_IN",
    "MemberReport",
    "SelfReport",
    "account_bind",
    "code_hash",
    "household_token_issue",
    "household_token_revoke",
    "self_report_submit",
    "sign_in_code_send",
    "sign_in_code_verify",
    "sms_send",
]
