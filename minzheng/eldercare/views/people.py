"""Pages of eldercare: older people (issue 17 §1, §9) — the register with search, filters, sorting, pages and
Excel; one older person with flags, contacts and assessments; the reported flags and the home; contacts and
the guardian; the background refresh.

Each view checks a capability, reads through a selector with the request's user (another jurisdiction's
older person is a 404) and writes through one service; a ``DomainError`` re-renders the form with the message.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.common.selectors import queryset_count_capped
from minzheng.eldercare import exports_people
from minzheng.eldercare.forms_people import FLAG_LABELS, ContactForm, OlderPersonFilterForm, ReportedForm
from minzheng.eldercare.rules.assessment import Level
from minzheng.eldercare.rules.people import age_on
from minzheng.eldercare.selectors import assessment as assessment_selectors
from minzheng.eldercare.selectors import people as selectors
from minzheng.eldercare.services import people as services
from minzheng.monitoring.selectors import division_filter_choices

SORT_COLUMNS = [
    ("name", gettext_lazy("姓名")),
    (None, gettext_lazy("身份证号码")),
    ("age", gettext_lazy("年龄")),
    ("division", gettext_lazy("居住地")),
    (None, gettext_lazy("生活状况")),
    (None, gettext_lazy("能力等级")),
    ("next", gettext_lazy("下次评估")),
]


def _filter_form(request: HttpRequest) -> OlderPersonFilterForm:
    return OlderPersonFilterForm(request.GET if request.GET else None)


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def older_person_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = _filter_form(request)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filters() if valid else selectors.OlderPersonFilters()
    page = None
    if valid:
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        page = list_page(selectors.older_person_list(actor=actor, filters=filters), number)
    today = timezone.localdate()
    rows = [
        (
            older,
            age_on(older.birth_date, today),
            [label for code, label in FLAG_LABELS if getattr(older, code)],
        )
        for older in (page.rows if page else [])
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "columns": sort_columns(SORT_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort"),
        "page_query": query_without(request, "page"),
        "export_query": query_without(request, "page"),
        "can_export": actor.can(Capability.EXPORT),
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
        "division_choices": division_filter_choices(actor=actor),
        "level_labels": dict(Level.choices),
    }
    if request.htmx and request.htmx.target == "older-results":  # type: ignore[attr-defined]
        return render(request, "eldercare/people/_older_results.html", context)
    return render(request, "eldercare/people/older_person_list.html", context, status=200 if valid else 422)


@require_GET
@capability_required(Capability.EXPORT)
def older_person_export(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    back = f"{reverse('eldercare:older_person_list')}?{query_without(request, 'page')}"
    if not actor.can(Capability.VIEW_ELDERCARE):
        return redirect("eldercare:older_person_list")
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请修改后再导出"))
        return redirect(back)
    filters = form.to_filters()
    _total, too_many = queryset_count_capped(
        selectors.older_person_list(actor=actor, filters=filters), cap=settings.EXPORT_SYNC_LIMIT
    )
    if too_many:
        messages.error(
            request, _("导出记录超过 %(limit)s 条，请缩小筛选范围") % {"limit": settings.EXPORT_SYNC_LIMIT}
        )
        return redirect(back)
    content, _count = exports_people.older_people_export(
        actor=actor, filters=filters, ip_address=client_address(request)
    )
    response = HttpResponse(content, content_type=exports_people.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"老年人名册-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    )
    return response


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def older_people_refresh(request: HttpRequest) -> HttpResponse:
    job_id = services.older_people_refresh_start(actor=request_actor(request))
    return redirect("jobs:detail", job_id=job_id)


def _detail_context(request: HttpRequest, pk: int) -> dict[str, object]:
    actor = request_actor(request)
    older = selectors.older_person_get(actor=actor, pk=pk)
    return {
        "older": older,
        "age": age_on(older.birth_date, timezone.localdate()),
        "flags": [(label, getattr(older, code)) for code, label in FLAG_LABELS],
        "contacts": selectors.contact_list(actor=actor, older_person=older),
        "assessments": assessment_selectors.assessment_history(actor=actor, older_person=older)[:50],
        "level_labels": dict(Level.choices),
        "can_manage": actor.can(Capability.MANAGE_ELDERCARE),
    }


@require_GET
@capability_required(Capability.VIEW_ELDERCARE)
def older_person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = _detail_context(request, pk)
    context["contact_form"] = ContactForm(initial={"may_order": True})
    return render(request, "eldercare/people/older_person_detail.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ELDERCARE)
def older_person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    older = selectors.older_person_get(actor=actor, pk=pk)
    status = 200
    if request.method == "POST":
        form = ReportedForm(request.POST)
        if form.is_valid():
            try:
                services.older_person_update(actor=actor, pk=older.pk, data=form.to_data())
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已保存"))
                return redirect("eldercare:older_person_detail", pk=older.pk)
        else:
            status = 422
    else:
        fields = ("left_behind", "bereaved_parent", "home_latitude", "home_longitude")
        form = ReportedForm(initial={name: getattr(older, name) for name in fields})
    return render(
        request, "eldercare/people/older_person_edit.html", {"older": older, "form": form}, status=status
    )


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    form = ContactForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.contact_add(actor=actor, older_person_id=pk, data=form.to_data())
        except DomainError as error:
            status = error_attach(form, error)
        else:
            messages.success(request, _("已添加联系人"))
            return redirect("eldercare:older_person_detail", pk=pk)
    context = _detail_context(request, pk)
    context["contact_form"] = form
    return render(request, "eldercare/people/older_person_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_ELDERCARE)
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = request_actor(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    status = 200
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                services.contact_update(actor=actor, contact_id=contact.pk, data=form.to_data())
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已保存联系人"))
                return redirect("eldercare:older_person_detail", pk=contact.older_person_id)
        else:
            status = 422
    else:
        fields = ("name", "relation", "is_guardian", "may_order", "note")
        form = ContactForm(initial={**{name: getattr(contact, name) for name in fields}, "phone": ""})
        form.fields["phone"].help_text = _("原号码 %(masked)s，修改时请重新填写完整号码") % {
            "masked": contact.phone_masked
        }
    context = {"contact": contact, "older": contact.older_person, "form": form}
    return render(request, "eldercare/people/contact_edit.html", context, status=status)


@require_POST
@capability_required(Capability.MANAGE_ELDERCARE)
def contact_remove(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = request_actor(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    try:
        services.contact_remove(actor=actor, contact_id=contact.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已删除联系人 %(name)s") % {"name": contact.name})
    return redirect("eldercare:older_person_detail", pk=contact.older_person_id)


urlpatterns: list[URLPattern | URLResolver] = [
    path("people/", older_person_list, name="older_person_list"),
    path("people/export/", older_person_export, name="older_person_export"),
    path("people/refresh/", older_people_refresh, name="older_people_refresh"),
    path("people/<int:pk>/", older_person_detail, name="older_person_detail"),
    path("people/<int:pk>/edit/", older_person_edit, name="older_person_edit"),
    path("people/<int:pk>/contacts/", contact_add, name="contact_add"),
    path("people/contacts/<int:contact_id>/", contact_edit, name="contact_edit"),
    path("people/contacts/<int:contact_id>/remove/", contact_remove, name="contact_remove"),
]
