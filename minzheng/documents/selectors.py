"""Reads of application documents, always through the application's jurisdiction (``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.applications.rules import Step
from minzheng.common.errors import NotFound
from minzheng.documents.models import Document


@dataclass(frozen=True)
class StepGroup:
    step: str
    label: str
    documents: list[Document]


def document_list(*, actor: User, application_id: int, include_removed: bool = True) -> QuerySet[Document]:
    """The documents of one visible application, oldest first (an invisible one has none)."""
    documents = Document.objects.visible_to(actor).filter(application_id=application_id)
    if not include_removed:
        documents = documents.filter(removed_at__isnull=True)
    return documents.select_related("uploaded_by", "removed_by").order_by("uploaded_at", "id")


def documents_by_step(documents: list[Document]) -> list[StepGroup]:
    """Group in the order the steps were met (the upload order), each step once."""
    groups: dict[str, list[Document]] = {}
    for document in documents:
        groups.setdefault(document.step, []).append(document)
    labels = dict(Step.choices)
    return [StepGroup(step, str(labels.get(step, step)), rows) for step, rows in groups.items()]


def document_get(*, actor: User, pk: int) -> Document:
    document = (
        Document.objects.visible_to(actor)
        .select_related("application__division", "application__household")
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise NotFound("材料不存在或不在您的管辖范围内", field="document")
    return document


def application_for_documents(*, actor: User, pk: int) -> Application:
    application = Application.objects.visible_to(actor).select_related("division").filter(pk=pk).first()
    if application is None:
        raise NotFound("申请不存在或不在您的管辖范围内", field="application")
    return application
