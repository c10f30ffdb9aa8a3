"""One SQL statement run on a second PostgreSQL connection, in a thread, while the caller goes on with its
own transaction — for a set-based statement big enough that the server's second core is worth a second
backend (issue 21: the bank result import's payments read while the file is parsed, and its bulk
pending → paid ``UPDATE`` split in two halves).

The statement runs in its own transaction, which stays open until the caller decides: ``commit()`` waits
for the statement and commits it (re-raising its error, if any), ``rollback()`` waits and rolls it back,
``rows()`` waits and gives a query's rows (its transaction rolled back: it only read).
Leaving the ``with`` block without a decision rolls it back; so does the death of the process (PostgreSQL
rolls back the transaction of a lost connection). The two transactions are not one: the caller must order
its commits so that a crash between them leaves a state its rerun completes (see the caller).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


class SideStatement:
    """``with SideStatement(sql, params) as side: …; side.commit()`` (PostgreSQL only)."""

    def __init__(self, sql: str, params: Sequence[Any]) -> None:
        self.sql, self.params = sql, params
        self.rowcount = -1
        self._rows: list[tuple[Any, ...]] = []
        self._decided = threading.Event()
        self._commit = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="side-statement", daemon=True)

    def __enter__(self) -> SideStatement:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self._decided.is_set():
            return
        try:
            self._decide(commit=False)
        except Exception:
            if kind is None:
                raise  # otherwise the caller's own error is the one to report

    def commit(self) -> int:
        """Commit the statement once it has run; its row count. Raises the statement's or the commit's
        error (then nothing of it is committed)."""
        self._decide(commit=True)
        return self.rowcount

    def rollback(self) -> None:
        self._decide(commit=False)

    def rows(self) -> list[tuple[Any, ...]]:
        """A query's rows, once it has run; raises its error."""
        self._decide(commit=False)
        return self._rows

    def _decide(self, *, commit: bool) -> None:
        self._commit = commit
        self._decided.set()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        side = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            side.set_autocommit(False)
            with side.cursor() as cursor:
                cursor.execute(self.sql, self.params)
                self.rowcount = cursor.rowcount
                if cursor.description is not None:
                    self._rows = cursor.fetchall()
            self._decided.wait()
            if self._commit:
                side.commit()
            else:
                side.rollback()
        except BaseException as error:  # noqa: BLE001 - handed to the deciding thread, which re-raises it
            self._error = error
        finally:
            self._close(side)

    def _close(self, side: BaseDatabaseWrapper) -> None:
        side.close()  # an open transaction (an error, a rollback) is rolled back by the server
