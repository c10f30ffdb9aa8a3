"""The petitioner's identity: shown to the handlers of the matter only, each reveal logged (issue 20 §5)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.audit.services import personal_data_access_record
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied
from minzheng.petitions import selectors
from minzheng.petitions.models import Petition

# --- the petitioner's identity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str
    id_number: str
    phone: str


@transaction.atomic
def petition_identity_reveal(
    *, actor: User, pk: int, purpose: str, ip_address: str | None = None
) -> Identity:
    """The petitioner's identity for a handler of the matter (issue 20 §5), each reveal in the personal-data
    access log; anyone else is refused."""
    petition = selectors.petition_get(actor=actor, pk=pk)
    if not selectors.identity_visible(actor, petition):
        raise PermissionDenied("信访人身份仅对该事项的办理人员可见")
    personal_data_access_record(
        actor=actor,
        fields=["petitioner_name", "petitioner_id_number", "petitioner_phone"],
        purpose=f"{purpose}:{petition.number}"[:60],
        person_id=petition.person_id,
        ip_address=ip_address,
    )
    return Identity(
        name=crypto.decrypt(petition.petitioner_name_encrypted),
        id_number=crypto.decrypt(petition.petitioner_id_encrypted)
        if petition.petitioner_id_encrypted
        else "",
        phone=crypto.decrypt(petition.petitioner_phone_encrypted)
        if petition.petitioner_phone_encrypted
        else "",
    )


def petitioner_name(petition: Petition) -> str:
    """For the petitioner's own documents on the portal (they are the petitioner)."""
    return crypto.decrypt(petition.petitioner_name_encrypted)
