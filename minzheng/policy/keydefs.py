"""The parameter-key definition (``ParameterKey``) and its helpers, shared by ``policy.rules`` (the social
assistance keys) and ``policy.keys`` (one module per civil-affairs area: eldercare, marriage, …), so a new
area registers its figures in its own file. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from minzheng.policy import values


class Kind(StrEnum):
    MONEY = "money"
    RATIO = "ratio"
    MULTIPLE = "multiple"
    INTEGER = "integer"
    JSON = "json"


@dataclass(frozen=True)
class ParameterKey:
    key: str
    label: str
    kind: Kind
    unit: str
    programme: str | None  # the programme the key belongs to; None = shared by several
    validator: Callable[[Any], Any]


def key_define(
    key: str,
    label: str,
    kind: Kind,
    unit: str,
    programme: str | None,
    validator: Callable[[Any], Any] | None = None,
) -> ParameterKey:
    simple: dict[Kind, Callable[[Any], Any]] = {
        Kind.MONEY: partial(values.money, where="金额"),
        Kind.RATIO: partial(values.ratio, where="比例"),
        Kind.MULTIPLE: partial(values.multiple, where="倍数"),
    }
    chosen = validator or simple[kind]
    return ParameterKey(key, label, kind, unit, programme, chosen)


def months_between(minimum: int, maximum: int) -> Callable[[Any], int]:
    return partial(values.integer, where="月数", minimum=minimum, maximum=maximum)


def choice_of(raw: Any, where: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        raise values.ValueProblem(f"{where}“{raw}”不是允许的取值（{', '.join(allowed)}）")
    return str(raw)
