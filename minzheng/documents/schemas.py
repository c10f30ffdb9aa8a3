"""JSON shapes of the documents API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from minzheng.documents.models import Document


class DocumentOut(Schema):
    id: int
    application_id: int
    step: str = Field(..., description="上传时申请所处环节")
    kind: str = Field(..., description="材料类别：identity、household_register、income、property、medical、"
                      "disability、pledge、home_visit_photo、decision、other")  # fmt: skip
    kind_label: str
    original_name: str
    content_type: str = Field(..., description="按文件内容识别的类型")
    size: int
    sha256: str
    scan_status: str = Field(..., description="clean、infected、not_scanned、error")
    scanner: str
    uploaded_by: str
    uploaded_at: dt.datetime
    removed_at: dt.datetime | None = None
    removal_reason: str = ""
    preview_url: str
    download_url: str

    @staticmethod
    def of(document: Document) -> DocumentOut:
        from django.urls import reverse

        user = document.uploaded_by
        return DocumentOut(
            id=document.pk, application_id=document.application_id, step=document.step, kind=document.kind,
            kind_label=document.get_kind_display(), original_name=document.original_name,
            content_type=document.content_type, size=document.size, sha256=document.sha256,
            scan_status=document.scan_status, scanner=document.scanner,
            uploaded_by=(user.full_name or user.username) if user else "申请人（网上）",
            uploaded_at=document.uploaded_at,
            removed_at=document.removed_at, removal_reason=document.removal_reason,
            preview_url=reverse("documents:preview", args=[document.pk]),
            download_url=reverse("documents:download", args=[document.pk]),
        )  # fmt: skip
