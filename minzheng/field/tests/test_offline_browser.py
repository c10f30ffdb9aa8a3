"""Issue 24 item 1, "done when": in a real Chromium with the network cut (Playwright offline mode) a village
assistant fills a 探访 record with two photos, the browser is closed mid-form and again after saving, and when
it reconnects the visit and its photos arrive exactly once.

The profile is kept between the two launches (``launch_persistent_context``), as a phone keeps its storage;
the session cookie is not (``SESSION_EXPIRE_AT_BROWSER_CLOSE``), so the assistant signs in again before the
queue can be sent — and the queue survives that."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from minzheng.eldercare.models import CarePhoto, VisitRecord
from minzheng.field.models import FieldPhoto, FieldSubmission

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SYNC = 30_000  # ms: a sync is a few requests with the documents checks; generous on a loaded machine


def png(colour: tuple[int, int, int]) -> bytes:
    """A 2400 × 1800 photo-sized PNG: the phone must shrink it to 1600 px and re-encode it as JPEG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), colour).save(buffer, "PNG")
    return buffer.getvalue()


def launch(playwright: Playwright, profile: str, args: dict) -> tuple[BrowserContext, Page]:
    context = playwright.chromium.launch_persistent_context(
        profile, **args, viewport={"width": 390, "height": 844}, service_workers="allow"
    )
    page = context.pages[0] if context.pages else context.new_page()
    return context, page


def sign_in(page: Page) -> None:
    page.fill("input[name=username]", "assistant")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()


def field_open(page: Page, url: str) -> None:
    page.goto(f"{url}/field/")
    page.wait_for_selector("body[data-started='1']")


def test_an_offline_visit_with_two_photos_arrives_exactly_once(
    live_server, playwright: Playwright, browser_type_launch_args, tmp_path, older, users
):
    profile = str(tmp_path / "profile")
    # online once: sign in, open the field app, let the service worker cache the shell
    context, page = launch(playwright, profile, browser_type_launch_args)
    page.goto(f"{live_server.url}/accounts/login/?next=/field/")
    sign_in(page)
    page.wait_for_selector("body[data-started='1']")
    page.wait_for_selector("body[data-offline-ready='1']")
    expect(page.locator("#sync-status")).to_have_text("已同步", timeout=SYNC)
    row = page.locator(f'#visit-list li[data-older="{older.pk}"]')
    expect(row).to_contain_text("独居张奶奶")

    # the network is cut; the assistant starts the visit, adds two photos, and the browser is closed mid-form
    context.set_offline(True)
    row.get_by_role("button", name="录入").click()
    form = page.locator("#visit-form")
    form.locator("input[name=health]").fill("血压偏高，按时服药")
    form.locator("input[name=photos]").set_input_files(
        [
            {"name": "kitchen.png", "mimeType": "image/png", "buffer": png((180, 40, 40))},
            {"name": "door.png", "mimeType": "image/png", "buffer": png((40, 40, 180))},
        ]
    )
    page.wait_for_selector("body[data-photos-ready='2']")
    form.locator("textarea[name=findings]").press_sequentially("门锁完好")
    context.close()

    # reopened without a network: the page comes from the service worker, the draft from IndexedDB
    context, page = launch(playwright, profile, browser_type_launch_args)
    context.set_offline(True)
    field_open(page, live_server.url)
    draft = page.locator("#outbox-list li").first
    expect(draft).to_contain_text("填写中")
    expect(draft).to_contain_text("照片 2 张")
    draft.get_by_role("button", name="继续填写").click()
    form = page.locator("#visit-form")
    expect(form.locator("input[name=health]")).to_have_value("血压偏高，按时服药")
    expect(form.locator("textarea[name=findings]")).to_have_value("门锁完好")
    expect(form.locator("[data-photos]")).to_have_text("照片 2 张")
    form.locator("textarea[name=findings]").press_sequentially("，燃气灶正常")
    form.get_by_role("button", name="保存到本机，待同步").click()
    expect(page.locator("#sync-status")).to_have_text("待同步 1 条")
    context.close()
    assert (VisitRecord.objects.count(), FieldSubmission.objects.count()) == (0, 0)

    # reopened again, still offline: the queue is there
    context, page = launch(playwright, profile, browser_type_launch_args)
    context.set_offline(True)
    field_open(page, live_server.url)
    expect(page.locator("#sync-status")).to_have_text("待同步 1 条")
    expect(page.locator("#offline-note")).to_be_visible()

    # reconnected: the session ended with the browser, so the app asks for a sign-in and keeps the queue
    context.set_offline(False)
    expect(page.locator("#login-needed")).to_be_visible(timeout=SYNC)
    expect(page.locator("#sync-status")).to_have_text("待同步 1 条 · 请登录后同步")
    page.locator("#login-needed a").click()
    sign_in(page)
    page.wait_for_selector("body[data-started='1']")
    expect(page.locator("#sync-status")).to_have_text("已同步", timeout=SYNC)
    expect(page.locator("#outbox-list li").first).to_have_attribute("data-state", "synced")

    # a second sync and a reload change nothing: exactly one visit, exactly two photos
    page.get_by_role("button", name="立即同步").click()
    field_open(page, live_server.url)
    expect(page.locator("#sync-status")).to_have_text("已同步", timeout=SYNC)
    context.close()
    record = VisitRecord.objects.get()
    assert (record.older_person_id, record.visitor_id, record.visited_on) == (
        older.pk, users["assistant"].pk, timezone.localdate(),
    )  # fmt: skip
    assert (record.health, record.findings) == ("血压偏高，按时服药", "门锁完好，燃气灶正常")
    photos = list(CarePhoto.objects.filter(visit=record).order_by("id"))
    assert len(photos) == 2
    assert (FieldSubmission.objects.count(), FieldPhoto.objects.count(), CarePhoto.objects.count()) == (
        1,
        2,
        2,
    )
    from PIL import Image

    for stored in photos:  # compressed on the phone: JPEG, at most 1600 px on the long side
        with stored.file.open("rb") as handle, Image.open(handle) as image:
            assert (image.format, image.size) == ("JPEG", (1600, 1200))
        assert stored.content_type == "image/jpeg"


def test_an_offline_home_visit_syncs_and_signing_out_clears_the_phone(
    live_server, playwright: Playwright, browser_type_launch_args, tmp_path, investigating, users
):
    from minzheng.applications.models import HomeVisit
    from minzheng.documents.models import Document

    context, page = launch(playwright, str(tmp_path / "profile"), browser_type_launch_args)
    page.goto(f"{live_server.url}/accounts/login/?next=/field/")
    page.fill("input[name=username]", "caseworker")
    page.fill("input[name=password]", "Test@Pass2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("body[data-started='1']")
    row = page.locator(f'#investigation-list li[data-application="{investigating.pk}"]')
    expect(row).to_contain_text("已入户 0 次")

    # offline: one investigator is not enough (第 16 条); two are
    context.set_offline(True)
    row.get_by_role("button", name="录入").click()
    form = page.locator("#home-visit-form")
    form.locator("input[name=investigators]").fill("李明")
    form.locator("input[name=members_present]").fill("王五、王小五")
    form.locator("textarea[name=findings]").fill("家中无大件家电，收入与申报一致")
    form.locator("input[name=photos]").set_input_files(
        [{"name": "house.png", "mimeType": "image/png", "buffer": png((90, 120, 60))}]
    )
    page.wait_for_selector("body[data-photos-ready='1']")
    form.get_by_role("button", name="保存到本机，待同步").click()
    expect(form.locator("[data-error]")).to_have_text("入户调查须至少 2 名调查人员（审核确认办法第 16 条）")
    form.locator("input[name=investigators]").fill("李明、赵芳")
    form.get_by_role("button", name="保存到本机，待同步").click()
    expect(page.locator("#sync-status")).to_have_text("待同步 1 条")

    # back online: sent once, with its photo as an 入户调查照片 of the application
    context.set_offline(False)
    expect(page.locator("#sync-status")).to_have_text("已同步", timeout=SYNC)
    visit = HomeVisit.objects.get(application=investigating)
    assert (visit.investigators, visit.members_present, visit.recorded_by_id) == (
        ["李明", "赵芳"], "王五、王小五", users["caseworker"].pk,
    )  # fmt: skip
    assert list(Document.objects.filter(application=investigating).values_list("kind", "content_type")) == [
        ("home_visit_photo", "image/jpeg")
    ]

    # signing out from the field app leaves nothing of this user on the phone
    page.get_by_role("button", name="退出并清除本机数据").click()
    page.wait_for_url("**/accounts/login/**")
    left = page.evaluate(
        "async () => ({databases: (await indexedDB.databases()).map((d) => d.name),"
        " caches: await caches.keys(), workers: (await navigator.serviceWorker.getRegistrations()).length})"
    )
    assert left == {"databases": [], "caches": [], "workers": 0}
    context.close()
