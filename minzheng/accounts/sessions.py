"""The session store: Django's database sessions, with the idle timeout renewed at most once a minute.

``SESSION_SAVE_EVERY_REQUEST`` renews a session's 30-minute idle timeout on every request. Written on every
page, that is an ``UPDATE`` of the session row and a commit that waits for PostgreSQL's WAL flush: ≈ 1 ms of
Python and ≈ 3 ms of wall time per page, the household list's largest wait after its own two queries
(bench/speed-seed-list.md §4). A session whose data did not change and whose expiry was renewed less than
``RENEW_AFTER_SECONDS`` ago (at most a thirtieth of the timeout) is not written again. The timeout runs from
the last write, so an idle session ends between ``SESSION_COOKIE_AGE − RENEW_AFTER_SECONDS`` and
``SESSION_COOKIE_AGE`` after its last request: up to a minute earlier than before, never later (the
30-minute limit of issue 2 still holds).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

RENEW_AFTER_SECONDS = 60


class SessionStore(DatabaseSessionStore):
    _stored_expiry: dt.datetime | None = None

    def _get_session_from_db(self) -> Any:
        stored = super()._get_session_from_db()  # type: ignore[misc]
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    def save(self, must_create: bool = False) -> None:
        # load the row (and its expiry) if nothing did yet, as the write below would
        self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        if not must_create and not self.modified and self._renewed_recently():
            return
        super().save(must_create=must_create)
        self._stored_expiry = None

    def _renewed_recently(self) -> bool:
        """The stored expiry is short of the one a write would set by less than ``RENEW_AFTER_SECONDS``, and
        by less than a thirtieth of the timeout (a timeout of seconds, as tests set, is renewed each time)."""
        if self._stored_expiry is None or self.session_key is None:
            return False
        window = min(RENEW_AFTER_SECONDS, self.get_expiry_age() / 30)
        shortfall = self.get_expiry_date() - self._stored_expiry
        return shortfall < dt.timedelta(seconds=window) and self._stored_expiry > timezone.now()
