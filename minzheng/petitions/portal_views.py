"""信访 on the citizen portal (issue 20 §4, a 360 px phone): file a complaint or a policy question about one's
own case, follow its progress and answer, evaluate, ask for a review; the public Q&A of
answered policy questions.

A signed-in, bound account sees only its own petitions (any other id is a 404); the Q&A shows only the public
wording staff wrote (``selectors.public_questions``), never a petitioner's text or name.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.common.errors import DomainError, NotFound
from minzheng.petitions import exports, rules, selectors, services
from minzheng.petitions.forms import PortalActionForm, PortalFilingForm
from minzheng.portal.auth import portal_bound_required
from minzheng.portal.models import PortalAccount


def _account(request: HttpRequest) -> PortalAccount:
    return request.portal_account  # type: ignore[attr-defined]


@require_GET
@portal_bound_required
def my_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.portal_petitions(account=_account(request))[:100])
    return render(request, "petitions/portal/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@portal_bound_required
def file(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    try:
        cases = selectors.portal_cases(account=account)
    except NotFound as error:
        return render(request, "petitions/portal/list.html", {"rows": [], "problem": error.message})
    form = PortalFilingForm(request.POST or None, cases=cases, initial={"case": request.GET.get("case", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                petition = services.petition_portal_file(account=account, filing=form.to_filing())
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = 422
            else:
                messages.success(
                    request,
                    _("已提交，编号 %(number)s。我们将在15日内告知是否受理。") % {"number": petition.number},
                )
                return redirect("petitions_portal:detail", pk=petition.pk)
        else:
            status = 422
    return render(request, "petitions/portal/file.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, pk: int, form: PortalActionForm | None = None, status: int = 200
) -> HttpResponse:
    try:
        petition = selectors.portal_petition(account=_account(request), pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None
    events = list(petition.events.all())
    context = {
        "petition": petition,
        "events": events,
        "form": form or PortalActionForm(initial={"expected_status": petition.status}),
        "can_evaluate": petition.status == rules.Status.REPLIED,
        "can_review": rules.transition_for(petition.status, "request_review") is not None
        and petition.review_requested_on is None,
        "can_rereview": rules.transition_for(petition.status, "request_rereview") is not None
        and petition.reviewed_on is not None
        and petition.rereview_requested_on is None,
        "documents": [(c, t) for c, t in exports.DOCUMENTS.items() if exports.document_text(petition, c)],
        "satisfaction_label": rules.SATISFACTION_LABELS.get(rules.Satisfaction(petition.satisfaction))
        if petition.satisfaction
        else "",
    }
    return render(request, "petitions/portal/detail.html", context, status=status)


@require_GET
@portal_bound_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


PORTAL_ACTIONS = {
    "evaluate": lambda account, pk, d: services.petition_evaluate(
        account=account,
        pk=pk,
        expected_status=d["expected_status"],
        satisfaction=d["satisfaction"] or "",
        note=d["note"],
    ),  # fmt: skip
    "request_review": lambda account, pk, d: services.petition_review_request(
        account=account, pk=pk, expected_status=d["expected_status"], reason=d["reason"]
    ),
    "request_rereview": lambda account, pk, d: services.petition_rereview_request(
        account=account, pk=pk, expected_status=d["expected_status"], reason=d["reason"]
    ),
}


@require_POST
@portal_bound_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PORTAL_ACTIONS:
        raise Http404(_("没有这项操作"))
    form = PortalActionForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, form, status=422)
    try:
        PORTAL_ACTIONS[action](_account(request), pk, form.cleaned_data)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _detail(request, pk, form, status=422)
    messages.success(request, _("已提交"))
    return redirect("petitions_portal:detail", pk=pk)


@require_GET
@portal_bound_required
def document(request: HttpRequest, pk: int, document: str) -> HttpResponse:
    try:
        petition = selectors.portal_petition(account=_account(request), pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None
    if document not in exports.DOCUMENTS or not exports.document_text(petition, document):
        raise Http404(_("该文书尚未形成"))
    content = exports.petition_pdf(petition, document, services.petitioner_name(petition))
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{exports.DOCUMENTS[document]}-{petition.number}.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or ""
    return response


@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    """The public Q&A: no sign-in, no personal data."""
    search = request.GET.get("q", "")[:50]
    rows = selectors.public_questions(search=search).values(
        "pk", "public_question", "public_answer", "replied_on"
    )
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "petitions/portal/questions.html", {"page": page, "q": search})
