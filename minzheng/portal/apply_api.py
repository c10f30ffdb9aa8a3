"""Portal API of the online application and its progress (救助通, ``/api/v1/portal/``), signed in with the
portal session cookie (CSRF on writes). The endpoints call the same services and selectors as the pages:
someone else's draft or application is 404 like one that does not exist; refusals are
``{code, message, field}`` (422 input or file, 409 duplicate or already submitted, 503 scanner down)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router
from ninja.files import UploadedFile

from minzheng.common.network import client_address
from minzheng.common.schemas import refusals
from minzheng.portal import apply
from minzheng.portal.apply_schemas import (
    DraftCreateIn,
    DraftDocumentOut,
    DraftOut,
    DraftUpdateIn,
    OnlineDocumentOut,
    ProgressDetailOut,
    ProgressOut,
)
from minzheng.portal.auth import PortalSessionAuth
from minzheng.portal.models import PortalAccount

router = Router(tags=["救助通·网上申请"], auth=PortalSessionAuth(csrf=True))

_ERRORS = refusals(404, 409, 503)


def _account(request: HttpRequest) -> PortalAccount:
    account: PortalAccount = request.auth  # type: ignore[attr-defined]
    return account


@router.get("/drafts", response={200: list[DraftOut], **_ERRORS}, summary="我的网上申请草稿（含已提交的）")
def draft_list(request: HttpRequest) -> list[DraftOut]:
    account = _account(request)
    return [DraftOut.of(account, draft) for draft in apply.draft_list(account=account)]


@router.post("/drafts", response={201: DraftOut, **_ERRORS},
             summary="开始网上申请（已有未提交的同类草稿时返回该草稿）")  # fmt: skip
def draft_start(request: HttpRequest, payload: DraftCreateIn) -> tuple[int, DraftOut]:
    account = _account(request)
    return 201, DraftOut.of(account, apply.draft_start(account=account, workflow=payload.workflow))


@router.get("/drafts/{draft_id}", response={200: DraftOut, **_ERRORS}, summary="一份草稿")
def draft_get(request: HttpRequest, draft_id: int) -> DraftOut:
    account = _account(request)
    return DraftOut.of(account, apply.draft_get(account=account, pk=draft_id))


@router.put("/drafts/{draft_id}", response={200: DraftOut, **_ERRORS},
            summary="保存草稿的一个或几个部分（household、income、assets、hardship、pledge）")  # fmt: skip
def draft_update(request: HttpRequest, draft_id: int, payload: DraftUpdateIn) -> DraftOut:
    account = _account(request)
    sections = {name: value for name, value in payload.dict().items() if value is not None}
    return DraftOut.of(account, apply.draft_sections_save(account=account, pk=draft_id, sections=sections))


@router.post("/drafts/{draft_id}/documents", response={201: DraftDocumentOut, **_ERRORS},
             summary="上传材料（multipart/form-data：kind、file；拍照或 PDF，10 MB 以内）")  # fmt: skip
def draft_document_add(
    request: HttpRequest, draft_id: int, kind: Form[str], file: File[UploadedFile]
) -> tuple[int, DraftDocumentOut]:
    document = apply.draft_document_add(
        account=_account(request), pk=draft_id, kind=kind, file=file, ip_address=client_address(request)
    )
    return 201, DraftDocumentOut.of(document)


@router.delete("/drafts/{draft_id}/documents/{document_id}", response={204: None, **_ERRORS},
               summary="删除草稿中的一份材料")  # fmt: skip
def draft_document_remove(request: HttpRequest, draft_id: int, document_id: int) -> HttpResponse:
    apply.draft_document_remove(account=_account(request), pk=draft_id, document_id=document_id)
    return HttpResponse(status=204)


@router.post("/drafts/{draft_id}/submit", response={201: ProgressOut, **_ERRORS},
             summary="提交申请（只提交一次：再次提交返回 409 already_submitted）")  # fmt: skip
def draft_submit(request: HttpRequest, draft_id: int) -> tuple[int, ProgressOut]:
    account = _account(request)
    application = apply.draft_submit(account_id=account.pk, pk=draft_id)
    account.refresh_from_db()
    return 201, ProgressOut.of(apply.progress_row(account=account, pk=application.pk))


@router.get("/applications", response={200: list[ProgressOut], **_ERRORS},
            summary="我家的全部申请及当前环节（?number= 按申请编号筛选）")  # fmt: skip
def progress_list(request: HttpRequest, number: str = "") -> list[ProgressOut]:
    rows = apply.progress_list(account=_account(request))
    return [ProgressOut.of(row) for row in rows if not number or row.application.number == number.strip()]


@router.get("/applications/{application_id}", response={200: ProgressDetailOut, **_ERRORS},
            summary="一份申请的办理过程、缺少的材料和决定")  # fmt: skip
def progress_detail(request: HttpRequest, application_id: int) -> ProgressDetailOut:
    return ProgressDetailOut.of_detail(apply.progress_detail(account=_account(request), pk=application_id))


@router.post("/applications/{application_id}/documents", response={201: OnlineDocumentOut, **_ERRORS},
             summary="补充上传材料（申请办结前；multipart/form-data：kind、file）")  # fmt: skip
def progress_document_upload(
    request: HttpRequest, application_id: int, kind: Form[str], file: File[UploadedFile]
) -> tuple[int, OnlineDocumentOut]:
    document = apply.progress_document_upload(
        account=_account(request), pk=application_id, kind=kind, file=file, ip_address=client_address(request)
    )
    return 201, OnlineDocumentOut.of(document)
