"""Pages of the benefit engine: a household's assessment with its explanation, and the what-if."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from minzheng.accounts.actors import request_actor
from minzheng.benefits import selectors
from minzheng.benefits.engine import HOUSEHOLD_ONLY
from minzheng.benefits.facts import AssistanceType, TemporaryRequest
from minzheng.benefits.reasons import AssessmentResult, ParameterUse, Reason
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError
from minzheng.common.pages import capability_required
from minzheng.policy.rules import PROGRAMMES
from minzheng.registry import selectors as registry_selectors
from minzheng.registry.choices import SelfCare
from minzheng.registry.forms import DateInput, TablerFormMixin

PROGRAMME_NAMES = {p.code: p.name for p in PROGRAMMES}
TEMPORARY = Programme.TEMPORARY_ASSISTANCE
ASSISTANCE_TYPES = [
    (AssistanceType.EMERGENCY.value, _lazy("急难型")),
    (AssistanceType.EXPENDITURE.value, _lazy("支出型")),
    (AssistanceType.SMALL_FAST.value, _lazy("小额快救")),
]
# Result levels set by the rules; tiers defined in the parameters keep their code when not listed here.
LEVEL_LABELS: dict[str, Any] = {
    "supplemented": _lazy("含分类施保加发"),
    "single_person": _lazy("单人户单独申请"),
    "gradual_exit": _lazy("渐退期"),
    **{choice.value: choice.label for choice in SelfCare},
    "small_fast": _lazy("小额快救"),
    "emergency": _lazy("急难型临时救助"),
    "expenditure": _lazy("支出型临时救助"),
}
APPROVAL_LABELS = {"township": _lazy("乡镇（街道）审批"), "county": _lazy("县级民政部门审批")}
PROCEDURE_LABELS = {
    "no_financial_verification": _lazy("免于家庭经济状况核对"),
    "no_publicity": _lazy("不予公示"),
    "decide_within_3_days": _lazy("3 日内作出决定"),
    "aid_first": _lazy("先行救助"),
    "complete_paperwork_after": _lazy("事后补齐材料"),
    "financial_verification": _lazy("家庭经济状况核对"),
    "publicity": _lazy("公示"),
    "spending_check_only": _lazy("只核查必需支出"),
}


class AssessmentForm(TablerFormMixin, forms.Form):
    """Shape of the assessment query; the rules and their errors are the engine's."""

    programme = forms.ChoiceField(
        label=_lazy("救助项目"), choices=[(p.code, p.name) for p in PROGRAMMES], initial=Programme.DIBAO
    )
    as_of = forms.DateField(label=_lazy("评估日期"), widget=DateInput())
    member = forms.ChoiceField(
        label=_lazy("成员"),
        required=False,
        help_text=_lazy("按人认定的项目（特困、津贴补贴）或低保单独申请时选择；留空为全户"),
    )
    assistance_type = forms.ChoiceField(
        label=_lazy("临时救助类型"), required=False, choices=[("", "—"), *ASSISTANCE_TYPES]
    )
    hardship = forms.CharField(label=_lazy("困难情形"), required=False, max_length=200)
    requested_amount = forms.DecimalField(
        label=_lazy("所需金额（元）"), required=False, min_value=Decimal(0), max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("全户")), *members]  # type: ignore[attr-defined]
        self.apply_css()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        programme = data.get("programme")
        if programme in HOUSEHOLD_ONLY and data.get("member"):
            name = PROGRAMME_NAMES[programme]
            self.add_error("member", _("“%(name)s”按户认定，不能指定单个成员") % {"name": name})
        if programme == TEMPORARY and not data.get("assistance_type"):
            self.add_error("assistance_type", _("请选择临时救助类型"))
        return data

    def temporary_request(self) -> TemporaryRequest | None:
        data = self.cleaned_data
        if data["programme"] != TEMPORARY:
            return None
        return TemporaryRequest(
            assistance_type=data["assistance_type"],
            hardship=data["hardship"],
            requested_amount=data["requested_amount"],
        )


@dataclass(frozen=True)
class ReasonRow:
    number: int
    message: str
    article: str
    parameters: tuple[ParameterUse, ...]
    status: str


@dataclass(frozen=True)
class MemberRow:
    name: str
    eligible: bool
    monthly_amount: Decimal
    level: str


def _named(text: str, names: dict[str, str]) -> str:
    """Messages cite members by key (成员“12”); the page shows their names."""
    for key, name in names.items():
        text = text.replace(f"成员“{key}”", f"成员“{name}”")
    return text


def _reason_rows(reasons: tuple[Reason, ...], names: dict[str, str]) -> list[ReasonRow]:
    return [
        ReasonRow(number, _named(r.message_zh, names), r.article, r.parameters, r.status)
        for number, r in enumerate(reasons, start=1)
    ]


def _level(code: str) -> str:
    if code in LEVEL_LABELS:
        return str(LEVEL_LABELS[code])
    if code[:1].isdigit() and "-" in code:  # senior allowance age bracket, e.g. 80-99 or 100-以上
        low, high = code.split("-", 1)
        return _("%(low)s 岁以上") % {"low": low} if not high[:1].isdigit() else f"{low}—{high} 岁"
    return code


def _result_context(result: AssessmentResult, names: dict[str, str]) -> dict[str, Any]:
    return {
        "result": result,
        "programme_name": PROGRAMME_NAMES.get(result.programme, result.programme),
        "level_label": _level(result.level) if result.level else "",
        "approval_label": APPROVAL_LABELS.get(result.approval_level, result.approval_level),
        "procedure_labels": [str(PROCEDURE_LABELS.get(code, code)) for code in result.procedure],
        "counted_names": [names.get(key, key) for key in result.counted_members],
        "member_rows": [
            MemberRow(names.get(m.person_key, m.person_key), m.eligible, m.monthly_amount, _level(m.level))
            for m in result.members
        ],
        "reason_rows": _reason_rows(result.reasons, names),
    }


def _as_of(raw: str | None) -> dt.date:
    """The date whose members the member choices list: the one asked for when valid, else today."""
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return timezone.localdate()


@require_GET
@capability_required(Capability.ASSESS)
def household_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessment form and, once submitted, the result with its reasons. Errors of the engine are
    shown on the page (a 200: it is a form), never a 500; a household out of scope is a 404."""
    actor = request_actor(request)  # capability_required has checked the capability
    household = registry_selectors.household_get(actor=actor, pk=pk)
    submitted = "programme" in request.GET
    as_of = _as_of(request.GET.get("as_of")) if submitted else timezone.localdate()
    members = selectors.household_member_names(actor=actor, household_id=household.pk, as_of=as_of)
    names = dict(members)
    form = AssessmentForm(
        request.GET if submitted else None,
        members=members,
        initial={"programme": Programme.DIBAO, "as_of": as_of},
    )
    context: dict[str, Any] = {
        "household": household,
        "form": form,
        "submitted": submitted,
        "household_only": sorted(HOUSEHOLD_ONLY),
    }
    if submitted and form.is_valid():
        data = form.cleaned_data
        try:
            result = selectors.household_assess(
                actor=actor,
                household_id=household.pk,
                programme=data["programme"],
                as_of=data["as_of"],
                person_key=data["member"] or None,
                temporary_request=form.temporary_request(),
            )
        except DomainError as error:
            context["error"] = error
        else:
            context.update(_result_context(result, names))
    if request.htmx and request.htmx.target == "assessment-result":  # type: ignore[attr-defined]
        return render(request, "benefits/_assessment_result.html", context)
    return render(request, "benefits/assessment.html", context)


# The what-if page (标准测算) lives in whatif_views; the URLs name it here.
from minzheng.benefits.whatif_views import whatif, whatif_job  # noqa: E402

__all__ = ["household_assessment", "whatif", "whatif_job"]
