"""The eldercare overview (智慧养老概览, ``eldercare:home``, issue 17 §9): the figures of
``selectors.dashboard`` as cards, tables and charts, drill-down by ``?division=<code>``, the same tables as
Excel (``?format=xlsx``), and links to the eldercare list pages that exist."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound
from minzheng.common.months import month_label, month_start, parse_month
from minzheng.common.spreadsheets import xlsx_append
from minzheng.eldercare.selectors.dashboard import Dashboard, eldercare_dashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The eldercare list pages the overview links to, when their part has declared them (url name, label).
PART_LINKS = (
    ("eldercare:older_person_list", "老年人"),
    ("eldercare:assessment_due", "能力评估到期"),
    ("eldercare:entitlement_list", "服务资格"),
    ("eldercare:visit_list", "探访关爱"),
    ("eldercare:home_care_list", "家庭养老床位与适老化改造"),
    ("eldercare:order_list", "服务订单"),
    ("eldercare:plan_list", "固定服务计划"),
    ("eldercare:provider_list", "服务机构"),
    ("eldercare:settlement_list", "养老服务结算"),
    ("eldercare:institution_list", "养老机构"),
    ("eldercare:institution_plan_list", "双随机检查计划"),
    ("eldercare:institution_inspection_list", "机构检查与整改"),
)
FIGURE_HEADERS = (
    "订单数",
    "已服务",
    "已确认",
    "有异议",
    "未上门",
    "准时签到率（%）",
    "确认率（%）",
    "差评数",
    "已确认补贴（元）",
)


def _links() -> list[tuple[str, str]]:
    links = []
    for name, label in PART_LINKS:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue  # that part's page is not there (yet)
    return links


def _link(**query: str) -> str:
    return f"{reverse('eldercare:home')}?{urlencode({k: v for k, v in query.items() if v})}"


def _figures(row: dict[str, Any]) -> list[Any]:
    return [
        row["orders"],
        row["served"],
        row["confirmed"],
        row["disputed"],
        row["no_show"],
        row["on_time_rate"] if row["on_time_rate"] is not None else "—",
        row["confirmation_rate"] if row["confirmation_rate"] is not None else "—",
        row["low_rating"],
        row["subsidy"],
    ]


def _chart(board: Dashboard) -> dict[str, Any]:
    return {
        "kinds": [{"name": r["label"], "value": r["orders"]} for r in board.by_kind],
        "providers": {
            "names": [r["provider__name"] for r in board.by_provider[:10]],
            "orders": [r["orders"] for r in board.by_provider[:10]],
        },
        "coverage": {
            "names": [r["label"] for r in board.coverage],
            "people": [r["people"] for r in board.coverage],
            "served": [r["served"] for r in board.coverage],
        },
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    if not actor.can(Capability.VIEW_ELDERCARE):
        if actor.can(Capability.PROVIDE_CARE):  # a provider's staff: their own statements
            return redirect("eldercare:settlement_list")
        raise PermissionDenied("您的角色无权查看智慧养老")
    month = parse_month(request.GET.get("month", "")) or month_start(timezone.localdate())
    code = request.GET.get("division", "").strip()
    try:
        board = eldercare_dashboard(actor=actor, month=month, division_code=code or None)
    except NotFound as error:
        raise PermissionDenied(error.message) from None
    if request.GET.get("format") == "xlsx":
        if not actor.can(Capability.EXPORT):
            raise PermissionDenied("您的角色无权导出")
        response = HttpResponse(_workbook(board), content_type=XLSX)
        name = f"智慧养老概览-{board.division.name}-{month:%Y-%m}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    here = code if code else ""
    query = {"month": f"{month:%Y-%m}"}
    context = {
        "board": board,
        "title": f"{board.division.name} {month_label(month)} 智慧养老概览",
        "month_value": f"{month:%Y-%m}",
        "division_code": here,
        "crumbs": [(d.name, _link(division=d.code, **query)) for d in board.breadcrumb],
        "area_rows": [(row, _link(division=row["code"], **query), _figures(row)) for row in board.areas],
        "kind_rows": [(row, _figures(row)) for row in board.by_kind],
        "provider_rows": [(row, _figures(row)) for row in board.by_provider],
        "totals": _figures(board.totals),
        "headers": FIGURE_HEADERS,
        "chart": _chart(board),
        "links": _links(),
        "export_url": _link(division=here, format="xlsx", **query),
        "can_export": actor.can(Capability.EXPORT),
    }
    return render(request, "eldercare/dashboard/home.html", context)


def _workbook(board: Dashboard) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "覆盖情况"
    xlsx_append(sheet, (f"{board.division.name} {month_label(board.month)} 智慧养老概览",))
    xlsx_append(sheet, ("类别", "老年人数", "本月有服务订单", "覆盖率（%）"))
    for row in board.coverage:
        xlsx_append(
            sheet,
            (row["label"], row["people"], row["served"], row["rate"] if row["rate"] is not None else "—"),
        )
    for title, first, rows in (
        ("按服务类别", "服务类别", [(r["label"], r) for r in board.by_kind]),
        ("按服务机构", "服务机构", [(r["provider__name"], r) for r in board.by_provider]),
        ("按区划", "区划", [(r["name"], r) for r in board.areas]),
    ):
        part = book.create_sheet(title)
        xlsx_append(part, (first, *FIGURE_HEADERS))
        for label, row in rows:
            xlsx_append(part, (label, *_figures(row)))
        xlsx_append(part, ("合计", *_figures(board.totals)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
]
