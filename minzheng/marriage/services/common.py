"""What the marriage services share: the capability guard, sealing an identity (ciphertext, blind index,
mask), the parameters of the area and the audit/timeline rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied
from minzheng.common.identity import ResidentId, parse_resident_id
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.divisions.models import Division
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.selectors import parameter_value
from minzheng.registry.rules import normalise_person_name
from minzheng.registry.services import ID_INDEX, PHONE_INDEX

BUILTIN_PARAMETERS = Path(__file__).resolve().parent.parent / "builtin_parameters.json"
REGION = "150000000000"


def capability_require(actor: User, capability: Capability = Capability.REGISTER_MARRIAGES) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权办理婚姻登记")


@dataclass(frozen=True)
class Sealed:
    """An ID number (or phone) as stored: ciphertext, blind index, mask."""

    encrypted: str
    index: str
    masked: str


def id_index(number: str) -> str:
    return crypto.blind_index(number, purpose=ID_INDEX)


def seal_id(number: str) -> Sealed:
    return Sealed(crypto.encrypt(number), id_index(number), mask_id_number(number))


def seal_phone(phone: str) -> Sealed:
    return Sealed(crypto.encrypt(phone), crypto.blind_index(phone, purpose=PHONE_INDEX), mask_phone(phone))


@dataclass(frozen=True)
class Identity:
    """A party as typed at the window or in the portal: name and checked ID number."""

    name: str
    resident: ResidentId


def identity_parse(name: str, number: str, *, field: str) -> Identity:
    """Name and ID number checked (GB 11643 checksum, birth date), errors naming the field."""
    clean = normalise_person_name(name, field=f"{field}_name")
    return Identity(clean, parse_resident_id(number, field=f"{field}_id_number"))


def couple_fields(first: Identity, second: Identity) -> dict[str, Any]:
    """The ``PersonalFields`` of a record or application: 男方/女方 by the ID numbers' sex digit (a couple of
    the same sex is refused before this by ``rules.marriage_refusals``; here the first is taken as 男方)."""
    man, woman = (
        (second, first)
        if first.resident.sex == "female" and second.resident.sex == "male"
        else (first, second)
    )
    fields: dict[str, Any] = {}
    for prefix, party in (("man", man), ("woman", woman)):
        sealed = seal_id(party.resident.number)
        fields |= {
            f"{prefix}_name": party.name,
            f"{prefix}_id_encrypted": sealed.encrypted,
            f"{prefix}_id_index": sealed.index,
            f"{prefix}_id_masked": sealed.masked,
            f"{prefix}_birth_date": party.resident.birth_date,
        }
    return fields


def integer_parameter(key: str, division: Division, on: dt.date) -> int:
    """A whole-number parameter of the area; a missing one is a ``ParameterMissing`` naming it (the page
    shows 需人工核定 and why), never a silent default."""
    value = parameter_value(key, division, on).value
    if not isinstance(value, int):
        raise ParameterMissing(f"政策参数“{key}”的取值不是整数")
    return value


def marriage_parameters_load() -> int:
    """Load the built-in parameters (``builtin_parameters.json``: the cooling-off periods of 《民法典》第一千
    零七十七条, the booking horizon and opening hour) where a chain has no version yet, so a deployment's own
    figures are never overwritten. Needs the region division; returns the rows created."""
    from minzheng.policy.services import parameter_import

    if not Division.objects.filter(code=REGION).exists():
        return 0
    text = BUILTIN_PARAMETERS.read_text(encoding="utf-8")
    return parameter_import(actor=None, text=text, skip_existing_chains=True).created
