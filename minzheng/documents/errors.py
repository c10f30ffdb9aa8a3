"""Errors of the documents app (``{code, message, field}`` through the shared handlers)."""

from __future__ import annotations

from minzheng.common.errors import Conflict, DomainError


class DocumentRefused(DomainError):
    """The file cannot be accepted (type, size, content, scan); nothing was stored."""

    code = "document_refused"
    http_status = 422


class DuplicateDocument(Conflict):
    code = "document_duplicate"


class ScanUnavailable(DomainError):
    code = "document_scan_unavailable"
    http_status = 503
