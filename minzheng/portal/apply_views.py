"""Portal pages of the online application (救助通, issue 7 items 4–5): choose a programme, fill the draft
section by section (saved at every step), photograph papers, sign the pledge, submit; then follow the
household's applications and send what is missing.

Plain forms, no script: the village chooser goes county → township → village with a button per level.
Each view calls one service or selector of ``portal.apply``; someone else's draft or application is a
404 page with a neutral message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from minzheng.catalogue.programmes import WORKFLOW_LABELS, Workflow
from minzheng.common import crypto
from minzheng.common.errors import DomainError
from minzheng.common.network import client_address
from minzheng.documents.models import DocumentKind
from minzheng.portal import apply
from minzheng.portal.apply_forms import (
    AssetsForm,
    BoundHouseholdForm,
    HardshipForm,
    HouseholdForm,
    IncomeForm,
    MemberFormSet,
    PledgeForm,
    StartForm,
    SubjectForm,
    UploadForm,
)
from minzheng.portal.auth import portal_bound_required, portal_login_required
from minzheng.portal.labels import label
from minzheng.portal.models import ApplicationDraft, PortalAccount
from minzheng.portal.rules import NotYours, documents_of

Section = apply.Section
FORMS: dict[Section, type[Any]] = {
    Section.INCOME: IncomeForm,
    Section.ASSETS: AssetsForm,
    Section.HARDSHIP: HardshipForm,
    Section.PLEDGE: PledgeForm,
}


def _account(request: HttpRequest) -> PortalAccount:
    account: PortalAccount = request.portal_account  # type: ignore[attr-defined]  # set by the decorators
    return account


def _not_found(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "portal/progress/not_found.html", {"message": error.message}, status=404)


def _section_url(draft: ApplicationDraft, section: Section) -> str:
    return f"{reverse('portal:draft', args=[draft.pk])}?step={section.value}"


# --- start ------------------------------------------------------------------------------------------------


@portal_login_required
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = apply.draft_start(account=account, workflow=form.cleaned_data["workflow"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect(_section_url(draft, (apply.missing_sections(draft) or [Section.SUBMIT])[0]))
    programmes = [(w.value, label(WORKFLOW_LABELS[w]), apply.ONLINE_HINTS[w]) for w in apply.ONLINE_SECTIONS]
    drafts = [d for d in apply.draft_list(account=account) if d.submitted_at is None]
    context = {
        "form": form, "programmes": programmes, "allowances": apply.window_allowances(),
        "drafts": [(d, label(WORKFLOW_LABELS[Workflow(d.workflow)])) for d in drafts],
    }  # fmt: skip
    return render(request, "portal/apply/start.html", context)


# --- the draft, section by section -----------------------------------------------------------------------


def _steps(draft: ApplicationDraft, current: Section) -> list[dict[str, Any]]:
    return [
        {"code": s.value, "label": apply.SECTION_LABELS[s], "done": apply.section_done(draft, s),
         "current": s == current, "url": _section_url(draft, s)}
        for s in apply.sections_of(draft)
    ]  # fmt: skip


def _member_initial(draft: ApplicationDraft) -> list[dict[str, str]]:
    """The members typed earlier, for the owner of the draft to correct (decrypted for this page only)."""
    return [
        {"name": m["name"], "id_number": crypto.decrypt(m["id_number_encrypted"]), "relation": m["relation"],
         "employment_status": m["employment_status"]}
        for m in draft.data.get("household", {}).get("members", [])
    ]  # fmt: skip


def _chooser(request: HttpRequest, draft: ApplicationDraft) -> dict[str, Any]:
    saved = draft.data.get("household", {}).get("village_code", "")
    county, township = apply.village_path(saved) if saved else ("", "")
    params = request.POST if request.method == "POST" else request.GET
    county = params.get("county", county)
    township = params.get("township", township) if county else ""
    townships = apply.division_options(parent_code=county) if county else []
    if township not in {code for code, _name in townships}:
        township = ""
    return {
        "county": county, "township": township, "counties": apply.division_options(),
        "townships": townships, "villages": apply.division_options(parent_code=township) if township else [],
        "village": saved,
    }  # fmt: skip


def _household_context(
    request: HttpRequest, account: PortalAccount, draft: ApplicationDraft
) -> dict[str, Any]:
    saved = draft.data.get("household", {})
    household = apply.household_of(account)
    if household is not None:
        bound_form = BoundHouseholdForm(request.POST or None, initial=saved)
        return {"bound": True, "form": bound_form, "members": apply.household_members(household),
                "household": household}  # fmt: skip
    chooser = _chooser(request, draft)
    form = HouseholdForm(request.POST or None, initial=saved, villages=chooser["villages"])
    if request.method == "POST":  # no initial: a row equal to it would count as unchanged and be skipped
        formset = MemberFormSet(request.POST, prefix="members")
    else:
        formset = MemberFormSet(initial=_member_initial(draft) or [_applicant_row(account)], prefix="members")
    return {"bound": False, "form": form, "formset": formset, **chooser}


def _applicant_row(account: PortalAccount) -> dict[str, str]:
    """Member 1 is the applicant: the name and ID number given when signing in, when there are any."""
    number = crypto.decrypt(account.id_number_encrypted) if account.id_number_encrypted else ""
    return {"name": account.name, "id_number": number}


def _household_values(context: dict[str, Any]) -> dict[str, Any] | None:
    form = context["form"]
    if not form.is_valid():
        return None
    if context["bound"]:
        return dict(form.cleaned_data)
    formset = context["formset"]
    if not formset.is_valid():
        return None
    members = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    members = [{k: v for k, v in m.items() if k != "DELETE"} for m in members]
    return {**form.cleaned_data, "members": members}


def _save(request: HttpRequest, account: PortalAccount, draft: ApplicationDraft, section: Section,
          values: dict[str, Any]) -> HttpResponse | DomainError:  # fmt: skip
    try:
        draft = apply.draft_section_save(account=account, pk=draft.pk, section=section.value, values=values)
    except apply.AlreadySubmitted as error:
        return _already(request, error)
    except DomainError as error:
        return error
    messages.success(request, _("已保存草稿"))
    if request.POST.get("action") == "stay":
        return redirect(_section_url(draft, section))
    return redirect(_section_url(draft, apply.next_section(draft, section)))


def _already(request: HttpRequest, error: apply.AlreadySubmitted) -> HttpResponse:
    messages.info(request, error.message)
    if error.application_id:
        return redirect("portal:progress_detail", pk=error.application_id)
    return redirect("portal:progress")


@portal_login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request)
    try:
        draft = apply.draft_get(account=account, pk=pk)
    except NotYours as error:
        return _not_found(request, error)
    if draft.submitted_at is not None:
        return _already(request, apply.AlreadySubmitted(draft.application_id))
    try:
        section = Section(request.GET.get("step", ""))
    except ValueError:
        section = Section.HOUSEHOLD
    if section not in apply.sections_of(draft):
        section = Section.HOUSEHOLD
    context: dict[str, Any] = {
        "draft": draft, "workflow_label": label(WORKFLOW_LABELS[Workflow(draft.workflow)]),
        "section": section.value,
        "section_label": apply.SECTION_LABELS[section], "steps": _steps(draft, section),
    }  # fmt: skip
    problem: DomainError | None = None
    if section == Section.HOUSEHOLD:
        context.update(_household_context(request, account, draft))
        values = _household_values(context) if request.method == "POST" else None
    elif section == Section.SUBJECT:
        choices = apply.subject_choices(account=account, draft=draft)
        members = [(c.key, f"{c.name}（{c.relation}，{c.id_number_masked}）") for c in choices]
        form = SubjectForm(request.POST or None, initial=draft.data.get("subject", {}), members=members)
        context.update(form=form, subject_choices=choices,
                       disability=draft.workflow == Workflow.DISABILITY_SUBSIDIES.value)  # fmt: skip
        values = form.values() if request.method == "POST" and form.is_valid() else None
    elif section in FORMS:
        form = FORMS[section](request.POST or None, initial=draft.data.get(section.value, {}))
        context["form"] = form
        values = (form.values() if hasattr(form, "values") else form.cleaned_data) if (
            request.method == "POST" and form.is_valid()) else None  # fmt: skip
    else:
        values = None
    if values is not None:
        outcome = _save(request, account, draft, section, values)
        if isinstance(outcome, HttpResponse):
            return outcome
        problem = outcome
    context.update(_section_extras(account, draft, section))
    context["problem"] = problem
    status = 422 if request.method == "POST" else 200  # a POST that is still here was refused
    return render(request, "portal/apply/draft.html", context, status=status)


def _section_extras(account: PortalAccount, draft: ApplicationDraft, section: Section) -> dict[str, Any]:
    if section == Section.DOCUMENTS:
        programme = apply.ONLINE_PROGRAMME[Workflow(draft.workflow)]
        return {"upload_form": UploadForm(), "max_documents": apply.MAX_DRAFT_DOCUMENTS,
                "documents": [(d, label(DocumentKind(d.kind).label)) for d in apply.draft_documents(draft)],
                "papers": [label(kind.label) for kind in documents_of(programme)],
                "next_step": apply.next_section(draft, section).value}  # fmt: skip
    if section == Section.PLEDGE:
        texts = apply.pledge_texts(Workflow(draft.workflow))
        return {"pledge_article": texts.article, "pledge_text": texts.pledge,
                "authorisation_title": texts.authorisation_title, "authorisation_text": texts.authorisation,
                "pledge_basis": texts.basis}  # fmt: skip
    if section == Section.SUBMIT:
        return {"summary": apply.draft_summary(account=account, draft=draft),
                "missing": [(s.value, apply.SECTION_LABELS[s]) for s in apply.missing_sections(draft)],
                "documents": apply.draft_documents(draft)}  # fmt: skip
    return {}


@portal_login_required
@require_POST
def draft_upload(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request)
    form = UploadForm(request.POST, request.FILES)
    back = f"{reverse('portal:draft', args=[pk])}?step={Section.DOCUMENTS.value}"
    if not form.is_valid():
        messages.error(request, str(next(iter(form.errors.values()))[0]))
        return redirect(back)
    try:
        document = apply.draft_document_add(
            account=account, pk=pk, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"],
            ip_address=client_address(request),
        )  # fmt: skip
    except apply.AlreadySubmitted as error:
        return _already(request, error)
    except NotYours as error:
        return _not_found(request, error)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("已上传“%(name)s”，已保存草稿") % {"name": document.original_name})
    return redirect(back)


@portal_login_required
@require_POST
def draft_document_remove(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    account = _account(request)
    try:
        apply.draft_document_remove(account=account, pk=pk, document_id=document_id)
    except apply.AlreadySubmitted as error:
        return _already(request, error)
    except NotYours as error:
        return _not_found(request, error)
    messages.success(request, _("已删除该材料"))
    return redirect(f"{reverse('portal:draft', args=[pk])}?step={Section.DOCUMENTS.value}")


@portal_login_required
@require_POST
def draft_submit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request)
    try:
        application = apply.draft_submit(account_id=account.pk, pk=pk)
    except apply.AlreadySubmitted as error:
        return _already(request, error)
    except NotYours as error:
        return _not_found(request, error)
    except DomainError as error:
        messages.error(request, error.message)
        section = error.field if error.field in {s.value for s in Section} else Section.SUBMIT.value
        return redirect(f"{reverse('portal:draft', args=[pk])}?step={section}")
    messages.success(request, _("申请已提交，申请编号：%(number)s") % {"number": application.number})
    return redirect("portal:progress_detail", pk=application.pk)


# --- progress ---------------------------------------------------------------------------------------------


@portal_bound_required
def progress_list(request: HttpRequest) -> HttpResponse:
    """The household's applications; ``?number=`` opens one by its application number."""
    account = _account(request)
    number = request.GET.get("number", "").strip()
    if number:
        try:
            return redirect("portal:progress_detail", pk=apply.progress_find(account=account, number=number))
        except NotYours as error:
            return _not_found(request, error)
    return render(request, "portal/progress/list.html", {"rows": apply.progress_list(account=account)})


@portal_bound_required
@require_http_methods(["GET", "POST"])
def progress_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request)
    try:
        detail = apply.progress_detail(account=account, pk=pk)
    except NotYours as error:
        return _not_found(request, error)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            document = apply.progress_document_upload(
                account=account, pk=pk, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"],
                ip_address=client_address(request),
            )  # fmt: skip
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(
                request, _("已上传“%(name)s”，经办人员会尽快核对") % {"name": document.original_name}
            )
            return redirect("portal:progress_detail", pk=pk)
    if form.errors:
        status = 422
    return render(request, "portal/progress/detail.html", {"detail": detail, "form": form}, status=status)
