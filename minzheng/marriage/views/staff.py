"""The registrar's window pages: the day's queue per office, registration of a marriage, divorce applications
with their cooling-off dates, and the offices' calendars and slots.

Each view checks ``REGISTER_MARRIAGES``, reads through a selector with the request's user (another county's
row is a 404) and writes through one service; a ``DomainError`` re-renders the form with the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required, error_attach, list_page, query_without, sort_columns
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.marriage import exports, rules, services
from minzheng.marriage.forms import (
    DivorceApplyForm,
    DivorceFilterForm,
    DivorceRegisterForm,
    DivorceWithdrawForm,
    GenerateForm,
    OfficeDayForm,
    OfficeForm,
    PlanForm,
    QueueForm,
    RegisterForm,
)
from minzheng.marriage.selectors import staff as selectors
from minzheng.marriage.services.common import id_index

REGISTRAR = Capability.REGISTER_MARRIAGES
DIVORCE_COLUMNS = [
    (None, _lazy("申请编号")),
    (None, _lazy("男方")),
    (None, _lazy("女方")),
    ("received", _lazy("受理日期")),
    (None, _lazy("可撤回至")),
    ("register_by", _lazy("申领离婚证期间")),
    (None, _lazy("状态")),
    (None, _lazy("阶段")),
]


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def office_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(o.pk, o.name) for o in selectors.office_list(actor=request_actor(request))]


def _nav(active: str) -> dict[str, Any]:
    return {"marriage_tab": active}


# --- queue ----------------------------------------------------------------------------------------------


@require_GET
@capability_required(REGISTRAR)
def queue(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    offices = office_choices(request)
    today = timezone.localdate()
    form = QueueForm(request.GET or None, offices=offices, initial={"day": today})
    office_id, day = (offices[0][0] if offices else None), today
    if form.is_bound and form.is_valid():
        office_id, day = form.cleaned_data["office"], form.cleaned_data["day"]
    elif not form.is_bound and offices:
        form = QueueForm(offices=offices, initial={"office": office_id, "day": today})
    rows = []
    office = None
    if office_id:
        office = selectors.office_get(actor=actor, pk=office_id)
        rows = list(selectors.queue(actor=actor, office=office, day=day))
    context = {
        "form": form,
        "office": office,
        "day": day,
        "rows": rows,
        "today": today,
        "status_labels": {s.value: label for s, label in rules.APPOINTMENT_STATUS_LABELS.items()},
        "service_labels": {s.value: label for s, label in rules.SERVICE_LABELS.items()},
        **_nav("queue"),
    }
    return render(request, "marriage/queue.html", context, status=200 if not form.errors else 422)


def _queue_action(request: HttpRequest, pk: int, action: Callable[..., object], done: str) -> HttpResponse:
    """Run one queue action on an appointment; back to that day's queue with the outcome as a message."""
    actor = request_actor(request)
    appointment = selectors.appointment_get(actor=actor, pk=pk)
    try:
        action(actor=actor, appointment_id=pk, expected_status=request.POST.get("expected_status", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    query = urlencode({"office": appointment.office_id, "day": f"{appointment.slot.day:%Y-%m-%d}"})
    return redirect(f"{reverse('marriage:queue')}?{query}")


@require_POST
@capability_required(REGISTRAR)
def appointment_attend(request: HttpRequest, pk: int) -> HttpResponse:
    """办结 from the queue, for services handled on another page (离婚登记, 补领)."""
    return _queue_action(request, pk, services.appointment_attend_at_window, _("已办结"))


@require_POST
@capability_required(REGISTRAR)
def appointment_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _queue_action(request, pk, services.appointment_no_show, _("已记录未到场"))


# --- registration at the window -------------------------------------------------------------------------


def _from_appointment(request: HttpRequest) -> tuple[Any, dict[str, Any]]:
    """The appointment named by ``?appointment=`` (or the posted field) and the form's initial values: office
    and the two names, 男方 first (the sex digit, the 17th, is among the four digits the mask keeps)."""
    raw = request.GET.get("appointment") or request.POST.get("appointment") or ""
    if not str(raw).isdigit():
        return None, {}
    appointment = selectors.appointment_get(actor=request_actor(request), pk=int(raw))
    names = [appointment.booker_name, appointment.partner_name]
    if int(appointment.booker_id_masked[-2]) % 2 == 0:  # the booker is the woman
        names.reverse()
    initial = {
        "office": appointment.office_id,
        "appointment": appointment.pk,
        "first_name": names[0],
        "second_name": names[1],
    }
    return appointment, initial


def _appointment_matches(request: HttpRequest, form: RegisterForm, appointment_id: int | None) -> bool:
    """Identity check: the ID numbers typed from the cards must be the two booked (by blind index)."""
    if not appointment_id:
        return True
    appointment = selectors.appointment_get(actor=request_actor(request), pk=appointment_id)
    try:
        typed = {
            id_index(parse_resident_id(form.cleaned_data[name], field=name).number)
            for name in ("first_id_number", "second_id_number")
        }
    except ValidationFailed as error:
        form.add_error(error.field, error.message)
        return False
    if typed != {appointment.booker_id_index, appointment.partner_id_index}:
        form.add_error(None, _("身份证号码与预约的当事人不一致，请核对身份证件"))
        return False
    return True


@require_http_methods(["GET", "POST"])
@capability_required(REGISTRAR)
def register(request: HttpRequest) -> HttpResponse:
    """结婚登记 at the window. With ``?appointment=`` the names come from the booking; the ID numbers are
    typed from the cards and must match the booking."""
    actor = request_actor(request)
    offices = office_choices(request)
    appointment, initial = _from_appointment(request)
    form = RegisterForm(request.POST or None, offices=offices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _appointment_matches(request, form, form.cleaned_data.get("appointment")):
            data = form.cleaned_data
            try:
                record = services.marriage_register(
                    actor=actor,
                    office_id=data["office"],
                    couple=services.CoupleInput(
                        data["first_name"],
                        data["first_id_number"],
                        data["second_name"],
                        data["second_id_number"],
                    ),
                    declaration_signed=data["declaration_signed"],
                    both_present=data["both_present"],
                    appointment_id=data.get("appointment"),
                )
            except services.RegistrationRefused as refused:
                for reason in refused.reasons:
                    form.add_error(None, reason)
                status = 422
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(
                    request, _("结婚登记完成，结婚证字号 %(n)s") % {"n": record.certificate_number}
                )
                return redirect("marriage:record_detail", pk=record.pk)
        else:
            status = 422
    context = {"form": form, "appointment": appointment, **_nav("register")}
    return render(request, "marriage/register.html", context, status=status)


# --- divorce ----------------------------------------------------------------------------------------------


@require_GET
@capability_required(REGISTRAR)
def divorce_list(request: HttpRequest) -> HttpResponse:
    """The cooling-off list: filters, sorting by the dates, pages; ``?format=xlsx`` for Excel (masked IDs,
    logged as a personal-data access)."""
    actor = request_actor(request)
    form = DivorceFilterForm(request.GET or None)
    filters = selectors.DivorceFilters()
    number = 1
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.DivorceFilters(
            status=data["status"], phase=data["phase"], sort=data["sort"] or "register_by"
        )
        number = data.get("page") or 1
    today = timezone.localdate()
    applications = selectors.divorce_list(actor=actor, filters=filters, today=today)
    if request.GET.get("format") == "xlsx":
        content = exports.divorce_export(
            actor=actor, applications=applications[:5000], today=today, ip_address=client_address(request)
        )
        return xlsx_response(content, f"离婚登记申请-{today:%Y%m%d}.xlsx")
    page = list_page(applications, number)
    rows = [
        (a, rules.DIVORCE_PHASE_LABELS[rules.divorce_phase(a.withdraw_until, a.register_by, today)])
        for a in page.rows
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": today,
        "columns": sort_columns(DIVORCE_COLUMNS, filters.sort),
        "base_query": query_without(request, "page", "sort", "format"),
        "page_query": query_without(request, "page", "format"),
        **_nav("divorce"),
    }
    return render(request, "marriage/divorce_list.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(REGISTRAR)
def divorce_new(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    appointment, initial = _from_appointment(request)
    form = DivorceApplyForm(request.POST or None, offices=office_choices(request), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _appointment_matches(request, form, form.cleaned_data.get("appointment")):
            data = form.cleaned_data
            try:
                application = services.divorce_apply(
                    actor=actor,
                    office_id=data["office"],
                    couple=services.CoupleInput(
                        data["first_name"],
                        data["first_id_number"],
                        data["second_name"],
                        data["second_id_number"],
                    ),
                    marriage_certificate=data["marriage_certificate"],
                    agreement_signed=data["agreement_signed"],
                    both_present=data["both_present"],
                    appointment_id=data.get("appointment"),
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已受理离婚登记申请"))
                return redirect("marriage:divorce_detail", pk=application.pk)
        else:
            status = 422
    context = {"form": form, "appointment": appointment, **_nav("divorce")}
    return render(request, "marriage/divorce_new.html", context, status=status)


def _divorce_page(
    request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    application = selectors.divorce_get(actor=request_actor(request), pk=pk)
    today = timezone.localdate()
    initial = {"expected_status": application.status}
    bound = bound or {}
    context = {
        "application": application,
        "phase": rules.divorce_phase(application.withdraw_until, application.register_by, today),
        "phase_labels": {p.value: label for p, label in rules.DIVORCE_PHASE_LABELS.items()},
        "status_label": rules.DIVORCE_STATUS_LABELS[rules.DivorceStatus(application.status)],
        "withdraw_form": bound.get("withdraw") or DivorceWithdrawForm(initial=initial),
        "register_form": bound.get("register") or DivorceRegisterForm(initial=initial),
        "events": application.events.select_related("actor"),
        "today": today,
        "error": error,
        **_nav("divorce"),
    }
    return render(request, "marriage/divorce_detail.html", context, status=status)


@require_GET
@capability_required(REGISTRAR)
def divorce_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _divorce_page(request, pk)


@require_POST
@capability_required(REGISTRAR)
def divorce_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    form = DivorceWithdrawForm(request.POST)
    if not form.is_valid():
        return _divorce_page(request, pk, bound={"withdraw": form}, status=422)
    try:
        services.divorce_withdraw(
            actor=request_actor(request),
            application_id=pk,
            party=form.cleaned_data["party"],
            expected_status=form.cleaned_data["expected_status"],
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _divorce_page(request, pk, bound={"withdraw": form}, status=status, error=error.message)
    messages.success(request, _("离婚登记申请已撤回"))
    return redirect("marriage:divorce_detail", pk=pk)


@require_POST
@capability_required(REGISTRAR)
def divorce_register(request: HttpRequest, pk: int) -> HttpResponse:
    form = DivorceRegisterForm(request.POST)
    if not form.is_valid():
        return _divorce_page(request, pk, bound={"register": form}, status=422)
    try:
        application = services.divorce_register(
            actor=request_actor(request),
            application_id=pk,
            both_present=form.cleaned_data["both_present"],
            expected_status=form.cleaned_data["expected_status"],
        )
    except DomainError as error:
        status = error_attach(form, error)
        return _divorce_page(request, pk, bound={"register": form}, status=status, error=error.message)
    number = application.divorce_record.certificate_number if application.divorce_record else ""
    messages.success(request, _("离婚登记完成，离婚证字号 %(n)s") % {"n": number})
    return redirect("marriage:divorce_detail", pk=pk)


# --- offices ------------------------------------------------------------------------------------------------


def _counties(request: HttpRequest) -> list[tuple[int, str]]:
    actor = request_actor(request)
    counties = Division.objects.visible_to(actor).filter(level=Level.COUNTY, abolished_on__isnull=True)
    return [(d.pk, d.name) for d in counties.order_by("code")[:500]]


@require_http_methods(["GET", "POST"])
@capability_required(REGISTRAR)
def office_list(request: HttpRequest) -> HttpResponse:
    """The offices of the jurisdiction, and a new one (its timetable is set on its page)."""
    actor = request_actor(request)
    form = OfficeForm(request.POST or None, counties=_counties(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            division = Division.objects.visible_to(actor).filter(pk=data["division"]).first()
            try:
                if division is None:
                    raise ValidationFailed("区划不在您的管辖范围内", field="division")
                office = services.office_create(
                    actor=actor,
                    division=division,
                    name=data["name"],
                    address=data["address"],
                    phone=data["phone"],
                )
            except DomainError as error:
                status = error_attach(form, error)
            else:
                messages.success(request, _("已新建登记机关，请设置每日号源安排"))
                return redirect("marriage:office_detail", pk=office.pk)
        else:
            status = 422
    offices = list(selectors.office_list(actor=actor))
    context = {"offices": offices, "form": form, **_nav("offices")}
    return render(request, "marriage/office_list.html", context, status=status)


def _office_page(
    request: HttpRequest,
    pk: int,
    *,
    day_form: OfficeDayForm | None = None,
    generate_form: GenerateForm | None = None,
    plan_form: PlanForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    office = selectors.office_get(actor=actor, pk=pk)
    today = timezone.localdate()
    context = {
        "office": office,
        "days": office.days.filter(date__gte=today - dt.timedelta(days=30)).order_by("date"),
        "slot_days": selectors.slot_days(actor=actor, office=office, start=today),
        "services": [(s.value, label) for s, label in rules.SERVICE_LABELS.items()],
        "plan": [
            {
                "service": rules.SERVICE_LABELS[e.service],
                "starts_at": e.starts_at,
                "ends_at": e.ends_at,
                "capacity": e.capacity,
            }
            for e in rules.slot_plan_parse(office.slot_plan)
        ],
        "day_form": day_form or OfficeDayForm(),
        "plan_form": plan_form
        or PlanForm(initial={"slot_plan": rules.slot_plan_text(rules.slot_plan_parse(office.slot_plan))}),
        "generate_form": generate_form
        or GenerateForm(initial={"start": today, "end": today + dt.timedelta(days=30)}),
        **_nav("offices"),
    }
    return render(request, "marriage/office_detail.html", context, status=status)


@require_GET
@capability_required(REGISTRAR)
def office_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_page(request, pk)


@require_POST
@capability_required(REGISTRAR)
def office_day(request: HttpRequest, pk: int) -> HttpResponse:
    form = OfficeDayForm(request.POST)
    if not form.is_valid():
        return _office_page(request, pk, day_form=form, status=422)
    data = form.cleaned_data
    try:
        services.office_day_set(
            actor=request_actor(request),
            office_id=pk,
            date=data["date"],
            is_open=data["is_open"],
            reason=data["reason"],
        )
    except DomainError as error:
        return _office_page(request, pk, day_form=form, status=error_attach(form, error))
    messages.success(request, _("开放日调整已保存"))
    return redirect("marriage:office_detail", pk=pk)


@require_POST
@capability_required(REGISTRAR)
def office_plan(request: HttpRequest, pk: int) -> HttpResponse:
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _office_page(request, pk, plan_form=form, status=422)
    try:
        plan = rules.slot_plan_from_text(form.cleaned_data["slot_plan"])
        services.office_plan_set(actor=request_actor(request), office_id=pk, slot_plan=plan)
    except DomainError as error:
        return _office_page(request, pk, plan_form=form, status=error_attach(form, error))
    messages.success(request, _("每日号源安排已保存；新安排用于此后生成的号源"))
    return redirect("marriage:office_detail", pk=pk)


@require_POST
@capability_required(REGISTRAR)
def office_generate(request: HttpRequest, pk: int) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        return _office_page(request, pk, generate_form=form, status=422)
    try:
        created = services.slots_generate(
            actor=request_actor(request),
            office_id=pk,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    except ValidationFailed as error:
        return _office_page(request, pk, generate_form=form, status=error_attach(form, error))
    messages.success(request, _("已生成号源 %(n)s 个") % {"n": created})
    return redirect("marriage:office_detail", pk=pk)
