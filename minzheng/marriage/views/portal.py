"""Citizen pages of the marriage area in the portal (救助通, 360-px phone): my bookings and records, book a
slot for both parties, confirm as the other party, cancel, reschedule.

Signed in by the portal's phone + SMS code (``portal.auth``). Booking needs the account's own name and ID
number (the portal's binding page records them); a person sees only appointments where their own ID number
is one of the two parties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.common.errors import DomainError, NotFound
from minzheng.marriage import rules, services
from minzheng.marriage.forms import ActionForm, BookForm, RescheduleForm, SlotSearchForm
from minzheng.marriage.models import Appointment
from minzheng.marriage.selectors import portal as selectors
from minzheng.marriage.selectors.records import records_of_person
from minzheng.portal.auth import portal_login_required
from minzheng.portal.models import PortalAccount

STATUS_LABELS = {s.value: label for s, label in rules.APPOINTMENT_STATUS_LABELS.items()}
SERVICE_LABELS = {s.value: label for s, label in rules.SERVICE_LABELS.items()}


def _account(request: HttpRequest) -> PortalAccount:
    account = getattr(request, "portal_account", None)
    assert isinstance(account, PortalAccount)  # set by portal_login_required
    return account


def _needs_identity(request: HttpRequest) -> HttpResponse | None:
    """Booking and confirming need the account's own ID number: to the portal's binding page first."""
    if _account(request).id_number_index:
        return None
    messages.info(request, _("预约婚姻登记前，请先登记您的姓名和身份证号码"))
    return redirect(f"{reverse('portal:bind')}?{urlencode({'next': request.get_full_path()})}")


def _offices() -> list[tuple[int, str]]:
    return [(o.pk, o.name) for o in selectors.open_offices()]


@require_GET
@portal_login_required
def home(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    context = {
        "account": account,
        "appointments": list(selectors.my_appointments(account=account)[:20]),
        "records": list(records_of_person(account.id_number_index)[:10]),
        "status_labels": STATUS_LABELS,
        "service_labels": SERVICE_LABELS,
        "kind_labels": {k.value: label for k, label in rules.RECORD_KIND_LABELS.items()},
    }
    return render(request, "marriage/portal/home.html", context)


def _slot_search(request: HttpRequest, data: Any) -> tuple[SlotSearchForm, list[Any]]:
    form = SlotSearchForm(
        data, offices=_offices(), initial={"day": timezone.localdate() + dt.timedelta(days=1)}
    )
    slots: list[Any] = []
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        slots = list(selectors.free_slots(office_id=d["office"], service=d["service"], day=d["day"]))
    return form, slots


@require_http_methods(["GET", "POST"])
@portal_login_required
def book(request: HttpRequest) -> HttpResponse:
    """GET: choose service, office and day, see the free slots. POST: book one slot with the other party's
    name, ID number and phone."""
    redirect_to = _needs_identity(request)
    if redirect_to is not None:
        return redirect_to
    search, slots = _slot_search(request, request.GET if request.GET.get("office") else None)
    form = BookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                appointment = services.appointment_book(
                    account=_account(request),
                    slot_id=d["slot"],
                    service=d["service"],
                    partner=services.PartnerInput(
                        d["partner_name"], d["partner_id_number"], d["partner_phone"]
                    ),
                )
            except DomainError as error:
                field = {"slot": None}.get(error.field or "", error.field)
                form.add_error(field if field in form.fields else None, error.message)
                status = 422 if error.http_status in (400, 404, 422) else error.http_status
            else:
                messages.success(request, _("预约成功，已短信通知对方确认"))
                return redirect("marriage_portal:detail", pk=appointment.pk)
        else:
            status = 422
    context = {
        "search": search,
        "slots": slots,
        "form": form,
        "service_labels": SERVICE_LABELS,
        "selected_slot": request.POST.get("slot", ""),
    }
    return render(request, "marriage/portal/book.html", context, status=status)


def _detail_page(
    request: HttpRequest,
    appointment: Appointment,
    *,
    error: str = "",
    status: int = 200,
    search: SlotSearchForm | None = None,
    slots: list[Any] | None = None,
) -> HttpResponse:
    account = _account(request)
    context = {
        "appointment": appointment,
        "is_partner": account.id_number_index == appointment.partner_id_index,
        "status_label": STATUS_LABELS[appointment.status],
        "service_label": SERVICE_LABELS[appointment.service],
        "active": appointment.status in {s.value for s in rules.ACTIVE_APPOINTMENT},
        "events": appointment.events.all(),
        "error": error,
        "search": search,
        "slots": slots or [],
    }
    return render(request, "marriage/portal/detail.html", context, status=status)


@require_GET
@portal_login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    redirect_to = _needs_identity(request)
    if redirect_to is not None:
        return redirect_to
    try:
        appointment = selectors.my_appointment(account=_account(request), pk=pk)
    except NotFound:
        return render(request, "marriage/portal/not_found.html", status=404)
    search: SlotSearchForm | None = None
    slots: list[Any] = []
    if request.GET.get("reschedule") and appointment.status in {s.value for s in rules.ACTIVE_APPOINTMENT}:
        data = request.GET.copy()
        data["service"] = appointment.service
        search, slots = _slot_search(request, data if data.get("office") else None)
        if search is not None and not search.is_bound:
            search = SlotSearchForm(
                offices=_offices(),
                initial={
                    "office": appointment.office_id,
                    "service": appointment.service,
                    "day": appointment.slot.day,
                },
            )
    return _detail_page(request, appointment, search=search, slots=slots)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    account = _account(request)
    form = RescheduleForm(request.POST) if action == "reschedule" else ActionForm(request.POST)
    try:
        if not form.is_valid():
            raise services.appointments.AppointmentRefused(_("请选择新的时段"), field="slot")
        expected = form.cleaned_data.get("expected_status", "")
        if action == "confirm":
            services.appointment_confirm(account=account, appointment_id=pk, expected_status=expected)
            messages.success(request, _("已确认预约，请按时与对方一同到场"))
        elif action == "cancel":
            services.appointment_cancel(account=account, appointment_id=pk, expected_status=expected)
            messages.success(request, _("预约已取消"))
        else:
            services.appointment_reschedule(
                account=account,
                appointment_id=pk,
                slot_id=form.cleaned_data["slot"],
                expected_status=expected,
            )
            messages.success(request, _("已改约"))
    except NotFound:
        return render(request, "marriage/portal/not_found.html", status=404)
    except DomainError as error:
        appointment = selectors.my_appointment(account=account, pk=pk)
        return _detail_page(
            request, appointment, error=error.message, status=409 if error.http_status == 409 else 422
        )
    return redirect("marriage_portal:detail", pk=pk)


@require_POST
@portal_login_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _needs_identity(request) or _act(request, pk, "confirm")


@require_POST
@portal_login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _needs_identity(request) or _act(request, pk, "cancel")


@require_POST
@portal_login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _needs_identity(request) or _act(request, pk, "reschedule")
