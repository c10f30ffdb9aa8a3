"""Registry pages: household and person details, forms, staff relatives (the lists, their ID search and the
Excel export are in ``list_views``).

Each view checks the role's capability, reads through one selector with ``actor=request.user``
(so a record outside the user's divisions is a 404) and writes through one service. A
``DomainError`` from a service is attached to the form field it names and the form is shown
again with the error's status; nothing has been written (the service's transaction rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.network import client_address
from minzheng.common.pages import capability_required
from minzheng.common.pages import error_attach as _attach
from minzheng.divisions.models import Division
from minzheng.registry import selectors, services
from minzheng.registry.choices import RelationToHead
from minzheng.registry.forms import (
    AssetAddForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    IncomeAddForm,
    MemberAddForm,
    MemberLeaveForm,
    PersonEditForm,
    StaffRelativeForm,
)
from minzheng.registry.list_views import household_export as household_export
from minzheng.registry.list_views import household_list as household_list
from minzheng.registry.list_views import person_list as person_list
from minzheng.registry.models import Household, Person, StaffRelative
from minzheng.registry.rules import age_on

_T = TypeVar("_T")


def _submit(
    request: HttpRequest,
    form: django_forms.Form,
    save: Callable[[dict[str, Any]], _T],
    aliases: dict[str, str] | None = None,
) -> tuple[int, _T | None]:
    """Run ``save(cleaned_data)`` for a valid POSTed form: ``(HTTP status, result or None)``.

    A ``DomainError`` from the service lands on the form field it names; the service wrote nothing.
    """
    if request.method != "POST":
        return 200, None
    if not form.is_valid():
        return 422, None
    try:
        return 200, save(form.cleaned_data)
    except DomainError as error:
        return _attach(form, error, aliases), None


def _form_page(
    request: HttpRequest, form: django_forms.Form, *, title: str, back: str, status: int = 200, **extra: Any
) -> HttpResponse:
    template = extra.pop("template", "registry/form.html")
    context = {"form": form, "title": title, "back_url": back, **extra}
    return render(request, template, context, status=status)


# --- households: detail and forms ------------------------------------------------------------


def _breadcrumb(household: Household) -> list[str]:
    names = []
    division: Division | None = household.hukou_division
    while division is not None:
        names.append(division.name)
        division = division.parent
    return list(reversed(names))


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    household = selectors.household_get(actor=actor, pk=pk)
    today = timezone.localdate()
    members = [
        {
            "person": member,
            "relation": RelationToHead(member.relation).label,  # type: ignore[attr-defined]
            "age": age_on(member.birth_date, member.death_date or today),
        }
        for member in selectors.household_members(actor=actor, household=household)
    ]
    context = {
        "household": household,
        "breadcrumb": _breadcrumb(household),
        "members": members,
        "memberships": selectors.household_member_history(actor=actor, household=household),
        "incomes": selectors.household_incomes(actor=actor, household=household),
        "assets": selectors.household_assets(actor=actor, household=household),
        "events": selectors.household_events(actor=actor, household=household),
        "history": selectors.household_field_history(actor=actor, household=household),
        "can_edit": actor.can(Capability.EDIT_REGISTRY),
        "can_assess": actor.can(Capability.ASSESS),
    }
    return render(request, "registry/household_detail.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def household_create(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = HouseholdCreateForm(request.POST or None)
    status, household = _submit(
        request,
        form,
        lambda data: services.household_create(
            actor=actor,
            household=form.household_data(),
            head=form.person_data(),
            joined_on=data["joined_on"],
        ),
    )
    if household is not None:
        messages.success(request, _("已新建家庭 %(pk)s") % {"pk": household.pk})
        return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        title=_("新建家庭"),
        back=reverse("registry:household_list"),
        status=status,
        template="registry/household_create.html",
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    household = selectors.household_get(actor=actor, pk=pk)
    initial = {
        "hukou_division_code": household.hukou_division.code,
        "hukou_address": household.hukou_address,
        "residence_division_code": household.residence_division.code if household.residence_division else "",
        "residence_address": household.residence_address,
        "urban_rural": household.urban_rural,
        "bank_name": household.bank_name,
    }
    form = HouseholdEditForm(
        request.POST or None, initial=initial, bank_account_masked=household.bank_account_masked
    )
    status, saved = _submit(
        request,
        form,
        lambda data: services.household_update(actor=actor, household=household, data=form.household_data()),
    )
    if saved is not None:
        messages.success(request, _("家庭信息已保存"))
        return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        title=_("修改家庭信息"),
        back=reverse("registry:household_detail", args=[pk]),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    household = selectors.household_get(actor=actor, pk=pk)
    form = MemberAddForm(request.POST or None)
    status, person = _submit(
        request,
        form,
        lambda data: services.person_add_to_household(
            actor=actor,
            household=household,
            data=form.person_data(),
            relation=data["relation"],
            joined_on=data["joined_on"],
        ),
    )
    if person is not None:
        messages.success(request, _("已添加成员 %(name)s") % {"name": person.name})
        return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        title=_("添加家庭成员"),
        back=reverse("registry:household_detail", args=[pk]),
        status=status,
        subject=household,
    )


def _member_choices(actor: User, household: Household) -> list[tuple[int, str]]:
    return [(p.pk, p.name) for p in selectors.household_members(actor=actor, household=household)]


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def income_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    household = selectors.household_get(actor=actor, pk=pk)
    form = IncomeAddForm(request.POST or None, members=_member_choices(actor, household))
    status, saved = _submit(
        request,
        form,
        lambda data: services.income_record_add(
            actor=actor,
            household=household,
            person=_member(actor, data["person"]),
            category=data["category"],
            amount=data["amount"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            source=data["source"],
            note=data["note"],
        ),
    )
    if saved is not None:
        messages.success(request, _("收入记录已添加"))
        return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        title=_("添加收入记录"),
        back=reverse("registry:household_detail", args=[pk]),
        status=status,
        subject=household,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def asset_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    household = selectors.household_get(actor=actor, pk=pk)
    form = AssetAddForm(request.POST or None, members=_member_choices(actor, household))
    status, saved = _submit(
        request,
        form,
        lambda data: services.asset_record_add(
            actor=actor,
            household=household,
            person=_member(actor, data["person"]),
            category=data["category"],
            value=data["value"],
            valued_on=data["valued_on"],
            description=data["description"],
            quantity=data["quantity"],
            exempt=data["exempt"],
            source=data["source"],
            note=data["note"],
        ),
    )
    if saved is not None:
        messages.success(request, _("财产记录已添加"))
        return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        title=_("添加财产记录"),
        back=reverse("registry:household_detail", args=[pk]),
        status=status,
        subject=household,
    )


def _member(actor: User, person_pk: int | None) -> Person | None:
    return selectors.person_get(actor=actor, pk=person_pk) if person_pk else None


# --- persons -------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.VIEW_REGISTRY)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    person = selectors.person_get(actor=actor, pk=pk)
    today = timezone.localdate()
    context = {
        "person": person,
        "age": age_on(person.birth_date, person.death_date or today),
        "memberships": selectors.person_memberships(actor=actor, person=person),
        "events": selectors.person_events(actor=actor, person=person),
        "history": selectors.person_field_history(actor=actor, person=person),
        "can_reveal": actor.can(Capability.REVEAL_PERSONAL_DATA),
        "can_edit": actor.can(Capability.EDIT_REGISTRY),
    }
    return render(request, "registry/person_detail.html", context)


@require_POST
@capability_required(Capability.REVEAL_PERSONAL_DATA)
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    person = selectors.person_get(actor=actor, pk=pk)
    ip_address = client_address(request)
    revealed = services.person_reveal_personal_data(actor=actor, person=person, ip_address=ip_address)
    return render(request, "registry/_person_revealed.html", {"person": person, "revealed": revealed})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    person = selectors.person_get(actor=actor, pk=pk)
    initial = {
        name: getattr(person, name)
        for name in PersonEditForm.base_fields
        if name not in ("id_number", "phone") and hasattr(person, name)
    }
    form = PersonEditForm(request.POST or None, initial=initial, person=person)
    status, saved = _submit(
        request,
        form,
        lambda data: services.person_update(actor=actor, person=person, data=form.person_data_for(person)),
    )
    if saved is not None:
        messages.success(request, _("人员信息已保存"))
        return redirect("registry:person_detail", pk=person.pk)
    return _form_page(
        request,
        form,
        title=_("修改人员信息"),
        back=reverse("registry:person_detail", args=[pk]),
        status=status,
        subject=person,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_REGISTRY)
def person_leave(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    person = selectors.person_get(actor=actor, pk=pk)
    form = MemberLeaveForm(request.POST or None)
    status, membership = _submit(
        request,
        form,
        lambda data: services.membership_end(
            actor=actor, person=person, left_on=data["left_on"], reason=data["reason"]
        ),
    )
    if membership is not None:
        messages.success(request, _("%(name)s 已离开家庭") % {"name": person.name})
        return redirect("registry:household_detail", pk=membership.household_id)
    back = (
        reverse("registry:household_detail", args=[person.household_id])
        if person.household_id
        else reverse("registry:person_detail", args=[pk])
    )
    return _form_page(request, form, title=_("成员离开家庭"), back=back, status=status, subject=person)


# --- staff relatives -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF_RELATIVES)
def staff_relative_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = StaffRelativeForm(request.POST or None)

    def register(data: dict[str, Any]) -> StaffRelative:
        relative = selectors.person_find_by_id_number(actor=actor, id_number=data["id_number"])
        if relative is None:
            raise NotFound(_("未找到该身份证号码对应的人员，或其不在您的管辖范围内"), field="id_number")
        return services.staff_relative_register(
            actor=actor,
            relative=relative,
            relation=data["relation"],
            staff_name=data["staff_name"],
            staff_position=data["staff_position"],
            staff_division_code=data["staff_division_code"],
            note=data["note"],
        )

    status, record = _submit(request, form, register, aliases={"relative": "id_number"})
    if record is not None:
        messages.success(request, _("近亲属备案已登记"))
        return redirect("registry:staff_relative_list")
    context = {
        "form": form,
        "records": selectors.staff_relative_list(actor=actor)[:200],
    }
    return render(request, "registry/staff_relative_list.html", context, status=status)
