"""Navigation for the dashboard shell; later modules add their entries here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.catalogue.roles import Capability

# (label, url name, capability required, active-path prefix). Modules of later issues are listed
# with url_name None until they exist, so the shell shows what is coming without dead links.
NAVIGATION: list[tuple[Promise, str | None, Capability | None]] = [
    (_("工作台"), "dashboard", None),
    (_("户籍家庭"), "registry:household_list", Capability.VIEW_REGISTRY),
    (_("人员查询"), "registry:person_list", Capability.VIEW_REGISTRY),
    (_("近亲属备案"), "registry:staff_relative_list", Capability.MANAGE_STAFF_RELATIVES),
    (_("政策参数"), "policy:parameter_list", Capability.VIEW_REGISTRY),
    (_("标准测算"), "benefits:whatif", Capability.MANAGE_POLICY),
    (_("救助申请"), "applications:list", Capability.VIEW_REGISTRY),
    (_("在保对象"), "enrolments:list", Capability.VIEW_REGISTRY),
    (_("资金发放"), "payments:payroll_list", Capability.VIEW_PAYMENTS),
    (_("动态监测预警"), "monitoring:alert_list", Capability.MONITOR),
    (_("婚姻登记"), "marriage:queue", Capability.REGISTER_MARRIAGES),
    (_("统计分析"), "statistics:overview", Capability.VIEW_REGISTRY),
    (_("智慧养老"), "eldercare:home", Capability.VIEW_ELDERCARE),
    (_("上门服务"), "eldercare:worker_today", Capability.PROVIDE_CARE),
    (_("信访投诉"), "petitions:list", Capability.VIEW_PETITIONS),
    (_("探访关爱"), "eldercare:visit_list", Capability.VIEW_ELDERCARE),
    # the offline field app (ADR 0039) of those who visit homes: village assistants, township caseworkers
    (_("离线走访"), "field:app", Capability.ACCEPT_APPLICATIONS),
    (_("社会组织"), "organisations:list", Capability.REGISTER_ORGANISATIONS),
    (_("年报初审"), "organisations:prereview", Capability.SUPERVISE_ORGANISATIONS),
    (_("部门转办"), "departments:referrals", Capability.ANSWER_REFERRALS),
    (_("一件事联办"), "departments:joint_list", Capability.ACCEPT_APPLICATIONS),
    (_("后台任务"), "jobs:list", None),
    (_("审计日志"), "audit:event_list", Capability.VIEW_AUDIT),
    (_("工作人员管理"), "accounts:user_list", Capability.MANAGE_USERS),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, url_name, capability in NAVIGATION:
        if capability is not None and not user.can(capability):
            continue
        url = None
        if url_name:
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                url = None
        active = url is not None and (request.path == url if url == "/" else request.path.startswith(url))
        items.append({"label": label, "url": url, "active": active})
    # what the user may do, by capability code, so a page shows only the links the user can open
    return {"navigation": items, "user_can": {c.value: user.can(c) for c in Capability}}
