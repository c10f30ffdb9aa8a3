"""Pure checks of an uploaded document (issue 4 §6): the type comes from the bytes, never from the client.

A file is accepted when its first bytes are those of JPEG, PNG, WebP, PDF or HEIC/HEIF, it is not empty,
not larger than the configured limit, and its name's extension (if it has one) is one of that type's.
A Windows program renamed ``.jpg`` therefore fails on its content, a real PDF named ``.jpg`` on the
mismatch. Each refusal is a ``DocumentRefused`` with a Chinese message; nothing here touches storage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from minzheng.catalogue.roles import Role
from minzheng.documents.errors import DocumentRefused

PLEDGE_BASIS = "《最低生活保障审核确认办法》第9条"
# Who may remove a document: the township and the county.
REMOVER_ROLES = frozenset({Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
# Who may upload: those, and the village assistant for the village's applications (their jurisdiction
# already limits them to the village).
UPLOADER_ROLES = REMOVER_ROLES | {Role.VILLAGE_ASSISTANT}


class FileType(StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    PDF = "application/pdf"
    HEIC = "image/heic"


EXTENSIONS: dict[FileType, tuple[str, ...]] = {
    FileType.JPEG: ("jpg", "jpeg"),
    FileType.PNG: ("png",),
    FileType.WEBP: ("webp",),
    FileType.PDF: ("pdf",),
    FileType.HEIC: ("heic", "heif"),
}
# What the preview shows in the browser, always under the sandboxing CSP (views.FILE_CSP). HEIC is downloaded
# (most browsers cannot show it), and so is PDF: Chromium refuses to start its PDF viewer in a sandboxed
# document ("此网页已被 Chrome 屏蔽"), and without the sandbox the viewer would run in our origin (ADR 0028).
INLINE_TYPES = frozenset({FileType.JPEG, FileType.PNG, FileType.WEBP})
IMAGE_TYPES = frozenset({FileType.JPEG, FileType.PNG, FileType.WEBP, FileType.HEIC})
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
ALLOWED_LABEL = "JPEG、PNG、WebP、HEIC 图片或 PDF"


def file_type_detect(head: bytes) -> FileType | None:
    """The type announced by the file's signature ("magic bytes"), or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType.WEBP
    if head.startswith(b"%PDF-"):
        return FileType.PDF
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return FileType.HEIC
    return None


def size_label(limit: int) -> str:
    """``10485760`` → ``10 MB``; limits that are not whole megabytes are shown in KB or bytes."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} 字节"


def extension_of(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""


def size_check(size: int, limit: int) -> None:
    """Before reading the body: an empty or oversized file is refused on its declared size."""
    if size <= 0:
        raise DocumentRefused("文件为空，请重新选择", field="file", code="document_empty")
    if size > limit:
        raise DocumentRefused(f"文件超过 {size_label(limit)} 上限", field="file", code="document_too_large")


@dataclass(frozen=True)
class CheckedFile:
    file_type: FileType
    extension: str  # the stored file's extension, from the detected type
    size: int
    sha256: str


def upload_check(name: str, data: bytes, limit: int) -> CheckedFile:
    """Size, content type and name of one file; returns what is stored about it."""
    size_check(len(data), limit)
    file_type = file_type_detect(data[:16])
    if file_type is None:
        raise DocumentRefused(
            f"文件内容不是允许的类型（仅限 {ALLOWED_LABEL}）", field="file", code="document_type"
        )
    if file_type == FileType.PDF:
        pdf_check(data)
    extension = extension_of(name)
    if extension and extension not in EXTENSIONS[file_type]:
        raise DocumentRefused(
            f"文件扩展名“.{extension}”与文件内容（{file_type.name}）不符，请核对后重新上传",
            field="file",
            code="document_extension_mismatch",
        )
    return CheckedFile(file_type, EXTENSIONS[file_type][0], len(data), hashlib.sha256(data).hexdigest())


# PDF names that run code or carry other files when the PDF is opened (ISO 32000-1 §12.6 actions, §7.11
# embedded files, XFA forms). A scanned certificate or a printed form never needs them.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
PDF_TRAILER_WINDOW = 2048  # ``%%EOF`` ends the file (ISO 32000-1 §7.5.5), give or take a little padding


def pdf_check(data: bytes) -> None:
    """A PDF must end as one (``%%EOF``: a file that only starts with ``%PDF-`` and then carries an HTML page
    is refused) and carry no scripts, launch actions or embedded files (issue 16 §7)."""
    if b"%%EOF" not in data[-PDF_TRAILER_WINDOW:]:
        raise DocumentRefused(
            "PDF 文件不完整或不是有效的 PDF，请重新导出或扫描后上传",
            field="file",
            code="document_pdf_invalid",
        )
    if any(marker in data for marker in PDF_ACTIVE_CONTENT):
        raise DocumentRefused(
            "PDF 含有脚本、自动执行的动作或嵌入的文件，不能上传；请打印后扫描，或另存为普通 PDF 后再上传",
            field="file",
            code="document_pdf_active",
        )


def reason_check(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DocumentRefused("请填写移除理由", field="reason", code="document_reason_missing")
    return reason
