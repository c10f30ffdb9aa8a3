"""申请材料 endpoints of the JSON API: upload (multipart), list and soft removal of an application's
documents. They call the same services and selectors as the pages: an application outside the user's
jurisdiction is 404, refusals are ``{code, message, field}`` (422 type/size/content/virus, 409 duplicate,
403 role, 503 scanner unavailable) and nothing is stored.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.network import client_address
from minzheng.common.schemas import refusals
from minzheng.documents import selectors, services
from minzheng.documents.schemas import DocumentOut

router = Router(tags=["申请材料"])

_ERRORS = refusals(404, 409, 503)
DENIED = "您的角色无权查看申请材料"


@router.post("/applications/{application_id}/documents", response={201: DocumentOut, **_ERRORS},
             summary="上传申请材料（multipart/form-data：kind、file）")  # fmt: skip
def document_upload(
    request: HttpRequest, application_id: int, kind: Form[str], file: File[UploadedFile]
) -> tuple[int, DocumentOut]:
    document = services.document_upload(
        actor=request_actor(request, Capability.VIEW_REGISTRY, denied=DENIED),
        application_id=application_id,
        kind=kind,
        file=file,
        ip_address=client_address(request),
    )
    return 201, DocumentOut.of(document)


@router.get("/applications/{application_id}/documents", response={200: list[DocumentOut], **_ERRORS},
            summary="申请的全部材料（含已移除的，按上传时间）")  # fmt: skip
def document_list(request: HttpRequest, application_id: int) -> list[DocumentOut]:
    actor = request_actor(request, Capability.VIEW_REGISTRY, denied=DENIED)
    selectors.application_for_documents(actor=actor, pk=application_id)  # 404 outside the jurisdiction
    return [DocumentOut.of(d) for d in selectors.document_list(actor=actor, application_id=application_id)]


@router.delete("/documents/{document_id}", response={200: DocumentOut, **_ERRORS},
               summary="移除材料（保留文件归档），须说明理由：?reason=…")  # fmt: skip
def document_remove(request: HttpRequest, document_id: int, reason: str = "") -> DocumentOut:
    document = services.document_remove(
        actor=request_actor(request, Capability.VIEW_REGISTRY, denied=DENIED),
        document_id=document_id,
        reason=reason,
        ip_address=client_address(request),
    )
    return DocumentOut.of(document)
