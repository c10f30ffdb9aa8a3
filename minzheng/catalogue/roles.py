"""Staff roles and what each may do: one table, read by every guard (house style §8.3 ``can_<verb>``).

Roles follow the five-level division tree (architecture.md, Users): the village assistant at the
嘎查/村, township caseworkers and reviewers, the county approver, league/city and region supervisors,
auditors and the system administrator. A user holds one role at one division (ADR 0006).
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_ASSISTANT = "village_assistant", _("村级社会救助协理员")
    TOWNSHIP_CASEWORKER = "township_caseworker", _("乡镇（街道）经办人员")
    TOWNSHIP_REVIEWER = "township_reviewer", _("乡镇（街道）审核人员")
    COUNTY_APPROVER = "county_approver", _("旗县民政审核确认人员")
    PREFECTURE_SUPERVISOR = "prefecture_supervisor", _("盟市监管人员")
    REGION_SUPERVISOR = "region_supervisor", _("自治区监管人员")
    AUDITOR = "auditor", _("审计人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    # The civil-affairs areas beside social assistance (architecture.md, wave 2).
    CARE_PROVIDER = "care_provider", _("养老服务机构人员")  # a provider's dispatcher or worker (eldercare)
    MARRIAGE_REGISTRAR = "marriage_registrar", _("婚姻登记员")
    ORGANISATION_REGISTRAR = "organisation_registrar", _("社会组织登记管理人员")
    ORGANISATION_SUPERVISOR = "organisation_supervisor", _("业务主管单位人员")
    PETITION_HANDLER = "petition_handler", _("信访办理人员")  # 信访 and complaints (petitions, ADR 0035)
    # Other departments answering referrals and joint cases (departments, ADR 0036)
    DEPT_MEDICAL_INSURANCE = "dept_medical_insurance", _("医疗保障部门人员")
    DEPT_HUMAN_RESOURCES = "dept_human_resources", _("人力资源社会保障部门人员")
    DEPT_DISABLED_FEDERATION = "dept_disabled_federation", _("残联工作人员")
    DEPT_EDUCATION = "dept_education", _("教育部门人员")
    DEPT_HOUSING = "dept_housing", _("住房城乡建设部门人员")
    DEPT_RURAL_REVITALISATION = "dept_rural", _("乡村振兴部门人员")
    DEPT_RED_CROSS = "dept_red_cross", _("红十字会工作人员")
    DEPT_CHARITY = "dept_charity", _("慈善组织工作人员")


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
    VIEW_ELDERCARE = "view_eldercare"  # older people, assessments, orders, institutions of the jurisdiction
    MANAGE_ELDERCARE = "manage_eldercare"  # assess, grant entitlements, dispatch, visit, settle, inspect
    PROVIDE_CARE = "provide_care"  # a provider's own orders: accept, check in/out (eldercare)
    REGISTER_MARRIAGES = "register_marriages"  # appointments, registrations, records (marriage)
    REGISTER_ORGANISATIONS = "register_organisations"  # registry and annual inspection (organisations)
    SUPERVISE_ORGANISATIONS = "supervise_organisations"  # 业务主管单位 pre-review (organisations)
    HANDLE_PETITIONS = "handle_petitions"  # register, assign, handle, reply to 信访 matters (petitions)
    VIEW_PETITIONS = "view_petitions"  # read the 信访 register and dashboard of the jurisdiction (petitions)
    ANSWER_REFERRALS = "answer_referrals"  # a department's own referrals: read, reply, attach, close


_READ = {Capability.VIEW_REGISTRY, Capability.EXPORT}
_PERSONAL = {Capability.EDIT_REGISTRY, Capability.REVEAL_PERSONAL_DATA, Capability.MANAGE_STAFF_RELATIVES}
_CASEWORK = {Capability.ASSESS}
_INTAKE = {Capability.ACCEPT_APPLICATIONS}
# Standards are set by the region, the leagues/cities and the counties (policy-rules.md §5); the
# township only applies them.
_STANDARD_SETTERS = {Capability.ASSESS, Capability.MANAGE_POLICY}
_OVERSIGHT = {Capability.VIEW_PAYMENTS, Capability.MONITOR, Capability.VIEW_ELDERCARE}
# Township and county civil-affairs staff run eldercare services as well (architecture.md, wave 2).
_ELDERCARE = {Capability.VIEW_ELDERCARE, Capability.MANAGE_ELDERCARE}
_ADMIN = {
    Capability.VIEW_REGISTRY,
    Capability.MANAGE_USERS,
    Capability.VIEW_AUDIT,
    Capability.MANAGE_ALERT_RULES,
}
# Who needs unmasked personal data: the township caseworker (intake, bank details for payment),
# the county approver (verification, payroll). Everyone else sees masked values.
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    # VIEW_ELDERCARE: the village assistant visits older people (探访关爱, docs/eldercare.md "Visits")
    Role.VILLAGE_ASSISTANT: frozenset(
        {
            Capability.VIEW_REGISTRY,
            Capability.ACCEPT_APPLICATIONS,
            Capability.MONITOR,
            Capability.VIEW_ELDERCARE,
        }
    ),
    Role.TOWNSHIP_CASEWORKER: frozenset(
        _READ | _CASEWORK | _INTAKE | _PERSONAL | _OVERSIGHT | _ELDERCARE | {Capability.MANAGE_ENROLMENTS}
    ),
    Role.TOWNSHIP_REVIEWER: frozenset(
        _READ | _CASEWORK | _OVERSIGHT | _ELDERCARE | {Capability.MANAGE_STAFF_RELATIVES}
    ),
    Role.COUNTY_APPROVER: frozenset(
        _READ
        | _STANDARD_SETTERS
        | _PERSONAL
        | _OVERSIGHT
        | _ELDERCARE
        | {Capability.MANAGE_ENROLMENTS, Capability.MANAGE_PAYMENTS, Capability.IMPORT_FEEDS}
    ),
    Role.PREFECTURE_SUPERVISOR: frozenset(_READ | _STANDARD_SETTERS | _OVERSIGHT | {Capability.IMPORT_FEEDS}),
    Role.REGION_SUPERVISOR: frozenset(
        _READ | _STANDARD_SETTERS | _OVERSIGHT | {Capability.IMPORT_FEEDS, Capability.MANAGE_ALERT_RULES}
    ),
    Role.AUDITOR: frozenset(_READ | {Capability.VIEW_AUDIT, Capability.VIEW_PAYMENTS}),
    Role.SYSTEM_ADMIN: frozenset(_ADMIN),
    Role.CARE_PROVIDER: frozenset({Capability.PROVIDE_CARE}),
    Role.MARRIAGE_REGISTRAR: frozenset({Capability.REGISTER_MARRIAGES}),
    Role.ORGANISATION_REGISTRAR: frozenset({Capability.REGISTER_ORGANISATIONS, Capability.EXPORT}),
    Role.ORGANISATION_SUPERVISOR: frozenset({Capability.SUPERVISE_ORGANISATIONS}),
    Role.PETITION_HANDLER: frozenset(
        {Capability.HANDLE_PETITIONS, Capability.VIEW_PETITIONS, Capability.EXPORT, Capability.VIEW_REGISTRY}
    ),
}
# Petitions (ADR 0035): the county approver and the township caseworker also handle the matters assigned to
# their unit (《信访工作条例》第二十二条 转送、交办 to the body with the power to handle); reviewers and
# supervisors read the register and the dashboard.
for _role in (Role.COUNTY_APPROVER, Role.TOWNSHIP_CASEWORKER):
    ROLE_CAPABILITIES[_role] |= {Capability.HANDLE_PETITIONS, Capability.VIEW_PETITIONS}
for _role in (Role.TOWNSHIP_REVIEWER, Role.PREFECTURE_SUPERVISOR, Role.REGION_SUPERVISOR):
    ROLE_CAPABILITIES[_role] |= {Capability.VIEW_PETITIONS}
# Department users (ADR 0036) see only the referrals and joint-case requests sent to their department in
# their division, and within them only the fields the matter needs (departments.rules.REFERRAL_FIELDS).
DEPARTMENT_ROLES = (
    Role.DEPT_MEDICAL_INSURANCE,
    Role.DEPT_HUMAN_RESOURCES,
    Role.DEPT_DISABLED_FEDERATION,
    Role.DEPT_EDUCATION,
    Role.DEPT_HOUSING,
    Role.DEPT_RURAL_REVITALISATION,
    Role.DEPT_RED_CROSS,
    Role.DEPT_CHARITY,
)
for _role in DEPARTMENT_ROLES:
    ROLE_CAPABILITIES[_role] = frozenset({Capability.ANSWER_REFERRALS})


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
