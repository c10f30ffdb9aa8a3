"""One error type for domain rule violations, with a stable code and a Chinese message.

Services raise ``DomainError`` subclasses; views and the API translate them to a form
error or an HTTP response through one handler each (house style §8.4).
"""

from __future__ import annotations

import datetime as dt


class DomainError(Exception):
    """A business rule was violated. ``field`` names the input field at fault, if any."""

    code: str = "domain_error"
    http_status: int = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class NoticeRunning(Conflict):
    """A public notice (公示) closed before its last day has passed (《民法典》第二百零三条)."""

    code = "notice_running"

    def __init__(self, ends_on: dt.date | None, *, field: str | None = "notice_ends_on") -> None:
        day = f"{ends_on.year}年{ends_on.month}月{ends_on.day}日" if ends_on else "（未公示）"
        super().__init__(f"公示期至{day}届满，不得提前结束", field=field)
