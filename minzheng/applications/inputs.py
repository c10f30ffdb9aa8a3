"""What each transition carries (pure): one small frozen dataclass per shape, and ``INPUTS``, the one table
from transition code to its input type. The detail page's action forms, the API's ``TransitionIn.data`` and
``services.application_transition`` all go through it, so the three agree on the shape.

The input type also says what the transition does with what it carries (``services.decisions`` dispatches
on it): ``AcceptInput`` records the acceptance, ``NoticeInput`` opens the public notice, ``ApprovalInput``
decides with the engine's amount, ``ReasonInput`` closes the application with written reasons, and so on.
Which of the fields a step *requires* is the transition's ``requires`` (``rules``); a field the type does
not have cannot be sent.

``transition_input`` is the one boundary where a mapping (a form's cleaned data, the API's JSON, an older
caller's dict) becomes the typed input. Bad content is a Chinese ``StepRequirementMissing`` naming the
field at fault, raised before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from minzheng.applications.errors import StepRequirementMissing

# What the timeline keeps of a transition's input (``ApplicationEvent.data``); the applicant's progress page
# reads the missing materials, the reasons and the amount paid first from it.
RECORDED_FIELDS: Final = (
    "reason",
    "opinion",
    "amount",
    "missing_materials",
    "meeting_note",
    "instalments",
    "manual_reason",
    "manual_level",
)
CENT: Final = Decimal("0.01")


@dataclass(frozen=True, kw_only=True)
class TransitionInput:
    """What every transition may carry: a comment for the timeline. Also the input of the transitions that
    need nothing else (their records are entered through the record services)."""

    comment: str = ""

    def detail(self) -> str:
        """The text the timeline line quotes: the reasons, else the opinion, else the comment."""
        for name in ("reason", "opinion", "comment"):
            text = getattr(self, name, "")
            if text:
                return str(text)
        return ""

    def recorded(self) -> dict[str, Any]:
        """The fields the timeline keeps, as JSON values; empty ones are left out."""
        values = {name: getattr(self, name, None) for name in RECORDED_FIELDS}
        return {name: _json(value) for name, value in values.items() if value not in (None, "", ())}


@dataclass(frozen=True, kw_only=True)
class AcceptInput(TransitionInput):
    """受理: the pledge and the authorisation signed at the window now (审核确认办法第 9 条); 急难型 aid is
    accepted before the paperwork."""

    pledge_signed: bool = False


@dataclass(frozen=True, kw_only=True)
class MaterialsInput(TransitionInput):
    """一次性告知: every missing item at once (审核确认办法第 10 条)."""

    missing_materials: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OpinionInput(TransitionInput):
    """A review that passes the application on with its opinion (初审、审核意见)."""

    opinion: str = ""


@dataclass(frozen=True, kw_only=True)
class NoticeInput(TransitionInput):
    """提出初审意见并公示: the opinion is kept on the application and the 7-day notice starts (第 19 条)."""

    opinion: str = ""


@dataclass(frozen=True, kw_only=True)
class AppraisalInput(TransitionInput):
    """民主评议: its opinion is kept and settles the open objections (第 19 条)."""

    opinion: str = ""


@dataclass(frozen=True, kw_only=True)
class ReinvestigationInput(TransitionInput):
    """重新调查 after an objection: ``reason`` is how the objections were handled."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReferralInput(TransitionInput):
    """提请一事一议: why the case goes to the county's coordination mechanism."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReasonInput(TransitionInput):
    """不予批准, 撤回, 终止: the written reasons (第 21 条); a 一事一议 refusal also carries the minutes."""

    reason: str = ""
    meeting_note: str = ""


@dataclass(frozen=True)
class Instalment:
    """One stage of a temporary-assistance payment decided at once (一次审批、分阶段救助)."""

    month: dt.date
    amount: Decimal

    def as_dict(self) -> dict[str, str]:
        return {"month": self.month.isoformat(), "amount": str(self.amount)}


@dataclass(frozen=True, kw_only=True)
class ApprovalInput(TransitionInput):
    """批准 (and 先行救助): the amount of temporary assistance, within the tier and the approval level's
    ceiling (社会救助暂行办法第 48 条), paid once or in ``instalments``; a 一事一议 approval carries the
    minutes. The monthly programmes take their amount from the benefit engine and need none of these.

    人工核定 (ADR 0031): when the engine's result is 需人工核定 (a figure the rules leave to the local
    authority is not configured), the approver decides the ``amount`` (and ``manual_level``, the level or
    tier where the programme has one) with a written ``manual_reason`` (审核确认办法第 21 条: the approving
    authority fixes the amount; 社会救助暂行办法第 10 条: the local figures are the local authority's)."""

    reason: str = ""
    amount: Decimal | None = None
    instalments: tuple[Instalment, ...] = ()
    meeting_note: str = ""
    manual_reason: str = ""
    manual_level: str = ""


@dataclass(frozen=True, kw_only=True)
class PaperworkInput(TransitionInput):
    """补办审批手续 after aid paid first: the pledge signed now, and the approval's note."""

    pledge_signed: bool = False
    reason: str = ""


INPUTS: Final[dict[str, type[TransitionInput]]] = {
    "accept": AcceptInput,
    "request_materials": MaterialsInput,
    "materials_received": TransitionInput,
    "start_investigation": TransitionInput,
    "request_verification": TransitionInput,
    "record_verification": TransitionInput,
    "publish_notice": NoticeInput,
    "close_notice": TransitionInput,
    "hold_appraisal": AppraisalInput,
    "reinvestigate": ReinvestigationInput,
    "submit_after_appraisal": AppraisalInput,
    "submit_review": OpinionInput,
    "village_review": OpinionInput,
    "township_review": OpinionInput,
    "submit_federation": OpinionInput,
    "record_federation": TransitionInput,
    "refer_case_by_case": ReferralInput,
    "pay_aid_first": ApprovalInput,
    "approve": ApprovalInput,
    "complete_paperwork": PaperworkInput,
    "reject": ReasonInput,
    "withdraw": ReasonInput,
    "terminate": ReasonInput,
}


def input_fields(code: str) -> tuple[str, ...]:
    """The names a transition's input has (the API documents them; the form offers a subset)."""
    return tuple(f.name for f in fields(INPUTS[code]))


def transition_input(code: str, data: TransitionInput | Mapping[str, Any] | None) -> TransitionInput:
    """``data`` as the typed input of transition ``code``. A mapping is converted field by field; a key the
    input does not have is ignored, as the transition has no use for it. A typed input of another
    transition's type is a programming error."""
    kind = INPUTS[code]
    if isinstance(data, TransitionInput):
        if type(data) is not kind:
            raise TypeError(f"transition {code!r} takes {kind.__name__}, not {type(data).__name__}")
        return data
    raw = data or {}
    return kind(**{f.name: _PARSERS[f.name](raw[f.name]) for f in fields(kind) if f.name in raw})


def _text(value: Any) -> str:
    return str(value or "").strip()


def _items(value: Any) -> tuple[str, ...]:
    """Lines of text or a list: the non-blank items."""
    if isinstance(value, str):
        value = value.splitlines()
    return tuple(str(item).strip() for item in value or () if str(item).strip())


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
        if amount <= 0 or amount != amount.quantize(CENT):
            raise StepRequirementMissing("救助金额须为正数，最多两位小数", field="amount")
    except InvalidOperation:
        raise StepRequirementMissing("救助金额不是有效数字", field="amount") from None
    return amount


def _instalments(value: Any) -> tuple[Instalment, ...]:
    """``[{"month": "2026-12-01", "amount": "500.00"}, …]`` or text lines ``2026-12 500``; each row a month
    and a positive amount, months strictly increasing. The total and the first month are checked against
    the decision (``services.decisions``)."""
    if value in (None, "", []):
        return ()
    rows: list[tuple[str, Any]] = []
    if isinstance(value, str):
        for line in value.splitlines():
            parts = line.replace("，", " ").replace(",", " ").split()
            if parts:
                rows.append((parts[0], parts[1] if len(parts) > 1 else None))
    else:
        rows = [
            (str(item.get("month", "")), item.get("amount")) if isinstance(item, Mapping) else ("", None)
            for item in value
        ]
    plan: list[Instalment] = []
    for number, (month_text, amount) in enumerate(rows, start=1):
        try:
            month = dt.date.fromisoformat(month_text[:7] + "-01")
            cents = Decimal(str(amount)).quantize(CENT)
        except (ValueError, InvalidOperation):
            raise StepRequirementMissing(
                f"分阶段发放计划第 {number} 行格式有误，应为“年-月 金额”，如“2026-12 500”",
                field="instalments",
            ) from None
        if cents <= 0 or (plan and month <= plan[-1].month):
            raise StepRequirementMissing(
                f"分阶段发放计划第 {number} 行：金额须为正数，月份须逐行递增", field="instalments"
            )
        plan.append(Instalment(month, cents))
    return tuple(plan)


_PARSERS: Final[dict[str, Callable[[Any], Any]]] = {
    "comment": _text,
    "reason": _text,
    "opinion": _text,
    "meeting_note": _text,
    "manual_reason": _text,
    "manual_level": _text,
    "pledge_signed": bool,
    "missing_materials": _items,
    "amount": _amount,
    "instalments": _instalments,
}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [item.as_dict() if isinstance(item, Instalment) else item for item in value]
    return value
