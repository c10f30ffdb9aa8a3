"""Shapes every API area shares (issue 16): the one error body, the refusals each operation documents, and
input types that accept exactly what the OpenAPI document says.

pydantic's lax mode reads ``0`` as the date 1970-01-01 (a Unix timestamp) and ``"0000-00"`` passes a bare
``\\d{4}-\\d{2}`` pattern; the types here refuse both with a Chinese message (422), so that what is sent
in a query string or a JSON body means what the schema promises.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, BeforeValidator, ModelWrapValidatorHandler, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

# --- errors -------------------------------------------------------------------------------------


class FieldErrorOut(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    code: str = Field(..., description="稳定的错误代码，如 id_checksum、person_in_other_household")
    message: str = Field(..., description="中文说明，可直接展示给用户")
    field: str | None = Field(None, description="出错的字段（嵌套字段用点号，如 head.id_number）")
    errors: list[FieldErrorOut] | None = Field(None, description="请求格式错误（422）时逐项列出")


# Every operation can answer 400 (a body that is not JSON or not multipart as declared, control characters
# such as NUL anywhere in the request: common.middleware.InputGuardMiddleware) and 422 (the request's shape).
ALWAYS = frozenset({400, 422})
AUTHENTICATED = frozenset({401, 403})  # no valid credentials; the role, or CSRF on a session, refuses


def refusals(
    *statuses: int, public: bool = False, besides: frozenset[int] = frozenset()
) -> dict[int | frozenset[int], Any]:
    """The error responses of an operation, all ``ErrorOut``: 400 and 422 always, 401 and 403 unless the
    operation is ``public`` (needs no login), and the ``statuses`` its services raise (404, 409, 429, 503).
    ``besides``: statuses the operation documents with a richer shape of its own (a subclass of ErrorOut)."""
    codes = (ALWAYS | frozenset(statuses) | (frozenset() if public else AUTHENTICATED)) - besides
    return {codes: ErrorOut}


# --- input types --------------------------------------------------------------------------------

MONTH_PATTERN = r"^[12]\d{3}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


def _month(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(MONTH_PATTERN, value.strip()):
        raise ValueError("应为 YYYY-MM 格式的月份（月份 01—12），如 2026-11")
    return value.strip()


def _date(value: Any) -> Any:
    """ISO ``YYYY-MM-DD`` text (or a ``date``, as a default is); no number, no date-time."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:  # 2026-02-30
            pass
    # pydantic's own error type, so the API's message is the one it gives for any bad date
    raise PydanticCustomError("date_parsing", "不是有效日期（格式 YYYY-MM-DD）")


def _month_or_date(value: Any) -> Any:
    """``YYYY-MM`` (that month) or a ``YYYY-MM-DD`` inside it."""
    if isinstance(value, str) and re.fullmatch(MONTH_PATTERN, value.strip()):
        return dt.date.fromisoformat(f"{value.strip()}-01")
    try:
        return _date(value)
    except PydanticCustomError:
        raise ValueError("应为 YYYY-MM 格式的月份或 YYYY-MM-DD 格式的日期，如 2026-11") from None


Month = Annotated[
    str,
    BeforeValidator(_month),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "examples": ["2026-11"]}),
]
"""A calendar month as ``YYYY-MM`` text (month 01–12); 0, 13 or ``0000-00`` are refused (422)."""

IsoDate = Annotated[
    dt.date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN, "examples": ["2026-11-01"]}),
]
"""A date as ISO ``YYYY-MM-DD`` text only."""

MonthOrDate = Annotated[
    dt.date,
    BeforeValidator(_month_or_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[12]\d{3}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$",
            "examples": ["2026-11", "2026-11-15"],
        }
    ),
]
"""A month given as ``YYYY-MM`` or as any ``YYYY-MM-DD`` inside it (the value is that date)."""


class BodyIn(Schema):
    """Base of every JSON request body (and of the objects nested in one): only a JSON object is read.

    ninja's ``Schema`` reads its fields from the attributes of *any* value, so a body whose fields all have
    defaults — a PATCH, a search — would take ``[null, null]``, ``5`` or ``"x"`` as "no fields given" and
    answer 200. Here anything but an object is a 422 (``model_type``: "应为 JSON 对象")."""

    @model_validator(mode="wrap")
    @classmethod
    def _object_only(cls, values: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        raw = values._obj if isinstance(values, DjangoGetter) else values
        if not isinstance(raw, Mapping | BaseModel):
            raise PydanticCustomError("model_type", "应为 JSON 对象")
        return handler(values)
