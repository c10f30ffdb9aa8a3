"""Photos of acceptance inspections and visits: each file is read and checked like an application
document (size, type from the bytes, name: ``documents.services.upload_read``) before anything is stored;
one refused file refuses the whole request. Files are written only after every check of the request has
passed (the caller stores them last), so a refusal leaves no file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile

from minzheng.accounts.models import User
from minzheng.common.errors import ValidationFailed
from minzheng.divisions.models import Division
from minzheng.documents.errors import DocumentRefused
from minzheng.documents.rules import IMAGE_TYPES
from minzheng.documents.services import ReadUpload, upload_read
from minzheng.eldercare.models import CarePhoto, HomeCareProject, VisitRecord

MAX_PHOTOS = 6


def photos_read(files: Sequence[Any]) -> list[ReadUpload]:
    """Read and check every file first (nothing stored): images only, at most ``MAX_PHOTOS``."""
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(f"每次最多上传 {MAX_PHOTOS} 张照片", field="photos")
    try:
        read = [upload_read(file) for file in files]
    except DocumentRefused as refused:
        raise ValidationFailed(refused.message, field="photos") from None
    for upload in read:
        if upload.checked.file_type not in IMAGE_TYPES:
            raise ValidationFailed(f"“{upload.name}”不是图片，请上传 JPG、PNG 或 HEIC 照片", field="photos")
    return read


def photos_store(
    *,
    actor: User,
    division: Division,
    uploads: Sequence[ReadUpload],
    project: HomeCareProject | None = None,
    visit: VisitRecord | None = None,
) -> list[CarePhoto]:
    """Store checked photos of a project or a visit (inside the caller's transaction)."""
    stored = []
    for upload in uploads:
        photo = CarePhoto(
            division=division,
            project=project,
            visit=visit,
            original_name=upload.name[:200],
            content_type=upload.checked.file_type.value,
            size=upload.checked.size,
            sha256=upload.checked.sha256,
            uploaded_by=actor,
        )
        photo.file.save(f"photo.{upload.checked.extension}", ContentFile(upload.data), save=False)
        photo.save()
        stored.append(photo)
    return stored
