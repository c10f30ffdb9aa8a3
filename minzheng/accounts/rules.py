"""Roles and what each may do: one table, read by every guard (house style §8.3 ``can_<verb>``)."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    VIEW_REGISTRY = "view_registry"
    EDIT_REGISTRY = "edit_registry"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"  # see full ID numbers, phones, bank accounts
    EXPORT = "export"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_STAFF_RELATIVES = "manage_staff_relatives"
    ACCEPT_APPLICATIONS = "accept_applications"  # register applications (window, entrusted, proactive)
    ASSESS = "assess"  # run the benefit engine on a household and read its explanation
    # run standard-setting what-ifs; who may write parameters is policy.rules.can_set_parameter
    MANAGE_POLICY = "manage_policy"
    MANAGE_ENROLMENTS = "manage_enrolments"  # changes, suspensions, reviews, exits of recipients
    VIEW_PAYMENTS = "view_payments"  # payrolls, rosters, reserve-fund ledgers, payment statistics
    MANAGE_PAYMENTS = "manage_payments"  # generate/approve payrolls (maker ≠ checker), bank files, results
    MONITOR = "monitor"  # see and work the early-warning alerts of the jurisdiction
    IMPORT_FEEDS = "import_feeds"  # load other departments' data feeds
    MANAGE_ALERT_RULES = "manage_alert_rules"  # write and publish warning rules


_READ = {Capability.VIEW_REGISTRY, Capability.EXPORT}
_PERSONAL = {Capability.EDIT_REGISTRY, Capability.REVEAL_PERSONAL_DATA, Capability.MANAGE_STAFF_RELATIVES}
_CASEWORK = {Capability.ASSESS}
_INTAKE = {Capability.ACCEPT_APPLICATIONS}
# Standards are set by the region, the leagues/cities and the counties (policy-rules.md §5); the
# township only applies them.
_STANDARD_SETTERS = {Capability.ASSESS, Capability.MANAGE_POLICY}
_OVERSIGHT = {Capability.VIEW_PAYMENTS, Capability.MONITOR}

# Who needs unmasked personal data: the township caseworker (intake, bank details for payment),
# the county approver (verification, payroll). Everyone else sees masked values.
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "village_assistant": frozenset(
        {Capability.VIEW_REGISTRY, Capability.ACCEPT_APPLICATIONS, Capability.MONITOR}
    ),
    "township_caseworker": frozenset(
        _READ | _CASEWORK | _INTAKE | _PERSONAL | _OVERSIGHT | {Capability.MANAGE_ENROLMENTS}
    ),
    "township_reviewer": frozenset(_READ | _CASEWORK | _OVERSIGHT | {Capability.MANAGE_STAFF_RELATIVES}),
    "county_approver": frozenset(
        _READ
        | _STANDARD_SETTERS
        | _PERSONAL
        | _OVERSIGHT
        | {Capability.MANAGE_ENROLMENTS, Capability.MANAGE_PAYMENTS, Capability.IMPORT_FEEDS}
    ),
    "prefecture_supervisor": frozenset(_READ | _STANDARD_SETTERS | _OVERSIGHT | {Capability.IMPORT_FEEDS}),
    "region_supervisor": frozenset(
        _READ | _STANDARD_SETTERS | _OVERSIGHT | {Capability.IMPORT_FEEDS, Capability.MANAGE_ALERT_RULES}
    ),
    "auditor": frozenset(_READ | {Capability.VIEW_AUDIT, Capability.VIEW_PAYMENTS}),
    "system_admin": frozenset(
        {
            Capability.VIEW_REGISTRY,
            Capability.MANAGE_USERS,
            Capability.VIEW_AUDIT,
            Capability.MANAGE_ALERT_RULES,
        }  # fmt: skip
    ),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
