"""救助通 for everyone (issue 24 items 2 and 3, ADR 0040), in Debian's Chromium at a 360-pixel phone viewport.

* Every portal page, signed out and signed in as a bound citizen, in 简体中文 and in traditional Mongolian,
  passes axe-core (npm devDependency, read from node_modules and injected by the test only: it is never
  served) with no violation of impact serious or critical.
* A screenshot of each page in Mongolian at 360 px goes to ``test-results/mongolian/`` (CI keeps it as an
  artefact, like the staff walk's ``test-results/walk/``).
* At 200 % text size and with the 大字 switch the Chinese pages still fit 360 px; the Mongolian pages are
  written vertically and scroll sideways by design, so there the check is that the text is in the
  Mongolian font and the page is marked ``lang="mn-Mong"``.

Needs DJANGO_ALLOW_ASYNC_UNSAFE=true (Playwright's sync API keeps an event loop in the test thread).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from minzheng.enrolments.rules import add_months, month_start
from minzheng.portal import apply, selectors, services
from minzheng.portal.auth import SESSION_KEY
from minzheng.portal.tests.conftest import PHONE, account_for
from minzheng.portal.tests.fixtures_apply import fill_bound_dibao, make_account

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
WIDTH = 360
ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = ROOT / "test-results" / "mongolian"
LANGUAGES = ("zh-hans", "mn")
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A cheap phone, 360 × 740; the CSP is bypassed only so that the test can inject axe-core."""
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": WIDTH, "height": 740},
        "bypass_csp": True,
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def citizen(home, enrol, payroll, line, params, users, media):
    """The head of ``home``, bound, with a paid 低保, a submitted online 低保 application, a temporary-
    assistance draft and a household QR code; returns the account and the pages to visit signed in."""
    this = month_start(timezone.localdate())
    last = add_months(this, -1)
    dibao = enrol(home, "1350.00", add_months(this, -2))
    line(payroll(last), dibao, "1350.00", last)
    account = account_for(home.head, PHONE)
    application = apply.draft_submit(account_id=account.pk, pk=fill_bound_dibao(account))
    draft = apply.draft_start(account=account, workflow="temporary_emergency")
    token = services.household_token_issue(actor=users["caseworker"], household_id=home.pk)
    steps = [s.value for s in apply.sections_of(draft)]
    pages = {
        "home": "/portal/",
        "policies": "/portal/policies/",
        "policy-dibao": "/portal/policies/dibao/",
        "self-check": "/portal/self-check/",
        "entitlements": "/portal/entitlements/",
        "reports": "/portal/reports/",
        "report-form": f"/portal/reports/{dibao.pk}/",
        "apply": "/portal/apply/",
        **{f"apply-{step}": f"/portal/apply/{draft.pk}/?step={step}" for step in steps},
        "progress": "/portal/progress/",
        "progress-detail": f"/portal/progress/{application.pk}/",
    }
    return account, pages, f"/portal/q/{selectors.qr_signed(token)}/"


def sign_in(context: BrowserContext, base: str, account_id: int) -> None:
    """The session the sign-in service leaves (its own pages are covered by the signed-out walk)."""
    session = SessionStore()
    session[SESSION_KEY] = account_id
    session.set_expiry(settings.PORTAL_SESSION_SECONDS)
    session.save()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}])


def choose(context: BrowserContext, base: str, language: str) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])


def audit(page: Page) -> list[str]:
    """axe-core's serious and critical violations of the page, one readable line each."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary.split('\\n')[1])
        }))"""
    )
    return [
        f"{page.url}: {v['impact']} {v['id']} ({v['help']}): {' | '.join(v['nodes'])}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def visit(page: Page, base: str, path: str, language: str) -> list[str]:
    response = page.goto(f"{base}{path}")
    assert response is not None, path
    assert response.status == 200, f"{path}: {response.status}"
    expected = "mn-Mong" if language == "mn" else "zh-Hans"
    assert page.evaluate("document.documentElement.lang") == expected, path
    return audit(page)


def shoot(page: Page, name: str) -> None:
    """The first screen as the phone shows it, and the whole page (written vertically: it runs sideways)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}@{WIDTH}.png"))
    page.screenshot(path=str(ARTEFACTS / f"{name}@{WIDTH}-full.png"), full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_portal_page_passes_axe_signed_out_and_signed_in(
    live_server, context: BrowserContext, page: Page, citizen, language
):
    account, pages, qr = citizen
    base = live_server.url
    choose(context, base, language)
    problems: list[str] = []

    # signed out: the open pages, the sign-in page and a scanned household QR code
    signed_out = {"home": "/portal/", "sign-in": "/portal/signin/", "policies": "/portal/policies/",
                  "self-check": "/portal/self-check/", "qr": qr}  # fmt: skip
    for name, path in signed_out.items():
        problems += visit(page, base, path, language)
        if language == "mn":
            shoot(page, f"signed-out-{name}")

    # signed in, not yet bound: the binding page
    unbound = make_account("13600001111")
    sign_in(context, base, unbound.pk)
    problems += visit(page, base, "/portal/bind/", language)
    if language == "mn":
        shoot(page, "bind")

    # signed in and bound: every page of the household
    sign_in(context, base, account.pk)
    for name, path in pages.items():
        problems += visit(page, base, path, language)
        if language == "mn":
            shoot(page, name)

    # the self-check's answer
    page.goto(f"{base}/portal/self-check/")
    page.fill("#id_age_1", "45")
    page.fill("#id_monthly_income", "0")
    page.locator("form button[type=submit], form button:not([type])").last.click()
    expect(page.locator("#self-check-result")).to_be_visible()
    problems += audit(page)
    if language == "mn":
        shoot(page, "self-check-result")

    assert problems == [], "\n".join(problems)


def test_the_mongolian_pages_are_vertical_in_the_shipped_font_and_the_choice_is_remembered(
    live_server, page: Page, params
):
    base = live_server.url
    page.goto(f"{base}/portal/policies/")
    page.locator("button[name=language][value=mn]").click()
    expect(page.locator("html")).to_have_attribute("lang", "mn-Mong")

    # remembered: a new visit of another page is still in Mongolian, written top to bottom
    page.goto(f"{base}/portal/self-check/")
    expect(page.locator("html")).to_have_attribute("lang", "mn-Mong")
    assert page.evaluate("getComputedStyle(document.body).writingMode") == "vertical-lr"
    heading = page.locator("h1").inner_text()
    assert any("\u1820" <= ch <= "\u18af" for ch in heading), heading
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Mongolian\"', 'ᠮᠣᠩᠭᠣᠯ')")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Noto Sans Mongolian') && f.status === 'loaded').length"
    )
    assert loaded == 1
    # form fields stay horizontal: a number is typed left to right
    assert page.evaluate("getComputedStyle(document.querySelector('#id_monthly_income')).writingMode") == (
        "horizontal-tb"
    )

    # the staff side has no Mongolian catalogue: the login page stays Chinese
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("html")).not_to_have_attribute("lang", "mn-Mong")

    # and back to Chinese
    page.goto(f"{base}/portal/")
    page.locator("button[name=language][value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


KEY_PAGES = [
    "/portal/",
    "/portal/signin/",
    "/portal/policies/",
    "/portal/policies/dibao/",
    "/portal/self-check/",
]


def test_at_200_percent_text_size_and_with_large_type_nothing_scrolls_sideways(
    live_server, page: Page, params
):
    base = live_server.url

    # the system font size at 200 %: the root size doubles, every rem follows
    for path in KEY_PAGES:
        page.goto(f"{base}{path}")
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "36px", path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{path} is {width}px wide at 200 %"

    # 大字: one tap, remembered on the phone, 1.5 × the text
    page.goto(f"{base}/portal/policies/")
    page.locator("#large-type").click()
    expect(page.locator("html")).to_have_class("large-type")
    expect(page.locator("#large-type")).to_have_attribute("aria-pressed", "true")
    for path in KEY_PAGES:
        page.goto(f"{base}{path}")
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "27px", path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{path} is {width}px wide in large type"
    page.locator("#large-type").click()
    expect(page.locator("html")).not_to_have_class("large-type")
