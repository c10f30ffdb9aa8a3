"""Browser steps shared by the tests of everything paid through the bank-file machinery (payrolls, eldercare
settlements): the checker approves a submitted batch on its page and downloads the CSV (UTF-8) bank file."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect


def approve_and_download_csv(page: Page, detail_url: str, status: str) -> Path:
    """As the logged-in checker: open ``detail_url``, approve, expect ``status`` (the status element's CSS
    selector) to read 已审核（锁定）, then download the CSV bank file; returns the downloaded file's path."""
    page.goto(detail_url)
    page.locator('[data-action="approve"] button').click()
    expect(page.locator(status)).to_have_text("已审核（锁定）")
    page.select_option("#bank-file-form select[name=template]", "csv_utf8")
    with page.expect_download() as download:
        page.get_by_role("button", name="生成银行代发文件").click()
    return Path(download.value.path())
