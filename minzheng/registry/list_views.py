"""Registry lists: households (filter, sort, export) and persons, with the ID search (issue 14 §4).

A search by ID number is POSTed; the list's URL then carries an opaque token that names the number kept
(encrypted) in the session, so a full ID number never appears in a URL, a link or a server log.
"""

from __future__ import annotations

import dataclasses
import io
import secrets
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, list_page, query_without, sort_columns
from minzheng.common.pages import error_attach as _attach
from minzheng.common.selectors import queryset_count_capped
from minzheng.registry import exports, selectors
from minzheng.registry.forms import HouseholdFilterForm, PersonFilterForm
from minzheng.registry.models import Household

# --- households: list, export ------------------------------------------------------------------

# (sort key, header, CSS classes: narrow screens hide the less needed columns)
SORT_COLUMNS = [
    ("id", _lazy("户编号"), ""),
    ("head", _lazy("户主"), ""),
    (None, _lazy("身份证号"), "d-none d-md-table-cell"),
    ("division", _lazy("户籍地"), "d-none d-sm-table-cell"),
    (None, _lazy("城乡"), "d-none d-lg-table-cell"),
    ("members", _lazy("人数"), ""),
    ("updated", _lazy("更新时间"), "d-none d-lg-table-cell"),
]


_ID_SENTINEL = 987654321


def _household_rows(households: list[Household]) -> SafeString:
    """The ``<tr>`` of the list's table. Built here, not in the template: through the template engine
    each row (two URL tags, nine lookups through the models, two filters) cost ~0.5 ms, 25 rows more than
    half of the page's rendering (bench/speed-seed-list.md). Same markup as before; escaped by
    ``format_html``."""
    if not households:
        return format_html(
            '<tr><td colspan="7" class="text-secondary text-center py-4">{}</td></tr>',
            _("没有符合条件的家庭"),
        )
    detail = reverse("registry:household_detail", args=[_ID_SENTINEL]).replace(str(_ID_SENTINEL), "{}")
    return format_html_join("\n", _ROW, (_row_values(h, detail.format(h.pk)) for h in households))


# what the rows show: the page query reads only these columns (no ciphertexts, no addresses)
_ROW_FIELDS = (
    "urban_rural",
    "member_count",
    "updated_at",
    "head__name",
    "head__id_number_masked",
    "hukou_division__name",
    "hukou_division__parent__name",
)
_ROW = (
    '<tr data-household-id="{}"><td><a href="{}">{}</a></td><td><a href="{}">{}</a></td>'
    '<td class="d-none d-md-table-cell masked">{}</td><td class="d-none d-sm-table-cell">{}</td>'
    '<td class="d-none d-lg-table-cell">{}</td><td>{}</td><td class="d-none d-lg-table-cell">{}</td></tr>'
)


def _row_values(household: Household, url: str) -> tuple[Any, ...]:
    head, division = household.head, household.hukou_division
    place = f"{division.parent.name} {division.name}" if division.parent else division.name
    updated = timezone.localtime(household.updated_at).strftime("%Y-%m-%d %H:%M")
    return (
        household.pk,
        url,
        household.pk,
        url,
        (head.name if head else "") or "—",
        (head.id_number_masked if head else "") or "—",
        place,
        household.get_urban_rural_display(),
        household.member_count,
        updated,
    )


# --- ID searches: the number is POSTed and the list's URL carries an opaque token (issue 14 §4) --------

_ID_SEARCHES = "registry.id_searches"
_ID_SEARCHES_KEPT = 20


def _id_search_stash(request: HttpRequest, id_number: str) -> str:
    """Keep a searched ID number in the session (encrypted, like every stored ID) under a random token."""
    stash: dict[str, str] = dict(request.session.get(_ID_SEARCHES, {}))
    token = secrets.token_urlsafe(9)
    stash[token] = crypto.encrypt(id_number)
    request.session[_ID_SEARCHES] = dict(list(stash.items())[-_ID_SEARCHES_KEPT:])
    return token


def _id_search_lookup(request: HttpRequest, token: str) -> str | None:
    stored = request.session.get(_ID_SEARCHES, {}).get(token)
    return crypto.decrypt(stored) if stored else None


def _id_search_from_url(request: HttpRequest, form: django_forms.Form) -> tuple[str, str]:
    """``(ID number or suffix, how to show it)`` for the ``idq`` token in the URL; a form error for an
    unknown token or for an ID number put in the URL by hand (it is never accepted there)."""
    if request.GET.get("id_number"):
        form.add_error("id_number", _("为保护个人信息，身份证号码不能出现在网址中，请在查询框中输入"))
        return "", ""
    token = request.GET.get("idq", "")
    if not token:
        return "", ""
    value = _id_search_lookup(request, token)
    if value is None:
        form.add_error("id_number", _("身份证号码查询条件已失效，请重新输入"))
        return "", ""
    try:
        query = selectors.id_number_query(value)
    except DomainError as error:
        _attach(form, error)
        return "", ""
    return value, query.masked


def _without_id(data: Any) -> Any:
    """The GET parameters for a filter form: never an ID number (it comes from the token)."""
    data = data.copy()
    data.pop("id_number", None)
    return data


def _search_redirect(
    request: HttpRequest, form: django_forms.Form, url_name: str
) -> tuple[HttpResponse | None, int]:
    """A POSTed list filter: check the ID number's shape, stash it and redirect to the list with a token
    (``303``; htmx follows it and pushes the token URL). ``(None, 422)`` when the form has errors."""
    if not form.is_valid():
        return None, 422
    id_number = (form.cleaned_data.get("id_number") or "").strip()
    params = [
        (name, str(value))
        for name, value in form.cleaned_data.items()
        if name not in ("id_number", "page") and value not in (None, "")
    ]
    if id_number:
        try:
            selectors.id_number_query(id_number)
        except DomainError as error:
            return None, _attach(form, error)
        params.append(("idq", _id_search_stash(request, id_number)))
    elif request.POST.get("idq") and _id_search_lookup(request, request.POST["idq"]) is not None:
        params.append(("idq", request.POST["idq"]))  # blank box, earlier ID search kept (see the hint)
    query = urlencode(params)
    response = redirect(f"{reverse(url_name)}{'?' if query else ''}{query}")
    response.status_code = 303  # See Other: the browser (and htmx's request) GETs the list
    return response, 303


def _household_filter_form(request: HttpRequest) -> tuple[HouseholdFilterForm, str, str]:
    """The list filter from the URL and the ID search its token names: ``(form, ID number, shown as)``."""
    form = HouseholdFilterForm(_without_id(request.GET) if request.GET else None)
    id_number, shown = _id_search_from_url(request, form)
    return form, id_number, shown


def _filters_or_errors(form: HouseholdFilterForm, id_number: str) -> selectors.HouseholdFilters | None:
    if form.is_bound and not form.is_valid():
        return None
    filters = form.to_filters() if form.is_bound else selectors.HouseholdFilters()
    return dataclasses.replace(filters, id_number=id_number)


def _household_list_context(
    request: HttpRequest, actor: User, form: HouseholdFilterForm, id_number: str, id_shown: str
) -> dict[str, Any]:
    filters = _filters_or_errors(form, id_number)
    page = None
    if filters is not None:
        try:
            queryset, counter = selectors.household_list_counted(actor=actor, filters=filters)
            queryset = queryset.select_related("hukou_division__parent").only(*_ROW_FIELDS)
            page = list_page(queryset, (form.cleaned_data.get("page") or 1) if form.is_bound else 1, counter)
        except DomainError as error:
            _attach(form, error)
    partial = bool(request.htmx and request.htmx.target == "household-results")  # type: ignore[attr-defined]
    return {
        "form": form,
        "page": page,
        "rows": _household_rows(page.rows) if page else "",
        "partial": partial,
        "columns": sort_columns(SORT_COLUMNS, filters.sort if filters else "-id"),
        "division_choices": [] if partial else selectors.division_filter_choices(actor=actor),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "id_query": request.GET.get("idq", "") if id_shown else "",
        "id_shown": id_shown,
        "clear_id_query": query_without(request, "page", "idq"),
        "can_edit": actor.can(Capability.EDIT_REGISTRY),
        "can_export": actor.can(Capability.EXPORT),
    }


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REGISTRY)
def household_list(request: HttpRequest) -> HttpResponse:
    """GET: the list for the filters in the URL. POST (the filter form): redirect to that URL, with an
    ID number replaced by an opaque token; never an ID number in a URL."""
    actor = request_actor(request)
    if request.method == "POST":
        form = HouseholdFilterForm(request.POST)
        response, status = _search_redirect(request, form, "registry:household_list")
        if response is not None:
            return response
        context = _household_list_context(request, actor, form, "", "")
        context["page"] = None
    else:
        form, id_number, id_shown = _household_filter_form(request)
        context = _household_list_context(request, actor, form, id_number, id_shown)
        status = 200 if context["page"] else 422
    if context["partial"]:
        # htmx swaps only 2xx responses: the partial carries the error message, so it is a 200
        return render(request, "registry/_household_results.html", context)
    return render(request, "registry/household_list.html", context, status=status)


@require_GET
@capability_required(Capability.EXPORT)
def household_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form, id_number, _shown = _household_filter_form(request)
    filters = _filters_or_errors(form, id_number) if not form.errors else None
    if filters is None:
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(f"{reverse('registry:household_list')}?{query_without(request, 'page')}")
    queryset = selectors.household_list(actor=actor, filters=filters)
    _total, too_many = queryset_count_capped(queryset, cap=settings.EXPORT_SYNC_LIMIT)
    if too_many:
        job = exports.household_export_start(actor=actor, filters=filters)
        messages.info(request, _("导出记录较多，已转入后台处理，完成后可在此下载"))
        return redirect(reverse("jobs:detail", args=[job.pk]))
    buffer = io.BytesIO()
    exports.household_export_now(
        actor=actor, filters=filters, target=buffer, ip_address=client_address(request)
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"家庭名单-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_REGISTRY)
def person_list(request: HttpRequest) -> HttpResponse:
    """By name prefix and/or ID number (whole, or its last 4–6 digits within the user's jurisdiction).
    The search is POSTed and redirected to a URL carrying a token instead of the number."""
    actor = request_actor(request)
    page = None
    id_shown = ""
    if request.method == "POST":
        form = PersonFilterForm(request.POST)
        response, status = _search_redirect(request, form, "registry:person_list")
        if response is not None:
            return response
    else:
        form = PersonFilterForm(_without_id(request.GET) if request.GET else None)
        id_number, id_shown = _id_search_from_url(request, form)
        if not form.errors and (not form.is_bound or form.is_valid()):
            data = form.cleaned_data if form.is_bound else {}
            try:
                queryset = selectors.person_list(
                    actor=actor, name=data.get("name") or "", id_number=id_number
                )
                page = list_page(queryset, data.get("page") or 1)
            except DomainError as error:
                _attach(form, error)
        status = 200 if page else 422
    context = {
        "form": form,
        "page": page,
        "page_query": query_without(request, "page"),
        "id_query": request.GET.get("idq", "") if id_shown else "",
        "id_shown": id_shown,
        "clear_id_query": query_without(request, "page", "idq"),
    }
    if request.htmx and request.htmx.target == "person-results":  # type: ignore[attr-defined]
        return render(request, "registry/_person_results.html", context)  # htmx swaps only 2xx
    return render(request, "registry/person_list.html", context, status=status)
