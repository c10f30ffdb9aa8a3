"""Browser steps of the settlement shared by the settlement test and the issue's whole-flow test."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page

from minzheng.payments.tests.steps import approve_and_download_csv


def approve_and_download_bank_file(page: Page, base: str, statement_pk: int) -> list[list[str]]:
    """As the logged-in checker: approve the statement, download its CSV bank file; returns the file's rows."""
    path = approve_and_download_csv(
        page, f"{base}/eldercare/settlements/{statement_pk}/", "#settlement-status"
    )
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
