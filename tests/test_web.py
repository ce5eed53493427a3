"""The web dashboard, driven in a real headless Chromium (Debian's, through Playwright).

Screenshots of the main pages land in tests/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dnsserver import DnsServer
from helpers import require_tool
from webui import axe_source, axe_violations  # noqa: F401 (axe_source is a fixture)

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("chromium", "Debian package chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser):
    contexts = []

    def make(live, color_scheme="light"):
        context = browser.new_context(
            base_url=live.base_url, color_scheme=color_scheme, viewport={"width": 1200, "height": 860}
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base_url)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.console_errors = []
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, key):
    page.goto("/")
    page.fill("#key-input", key)
    page.click("#signin-button")
    page.wait_for_selector("#view-inboxes:not([hidden])")


def test_sign_in_create_receive_live_open_copy(live, page_for):
    page = page_for(live)
    page.goto("/")
    page.wait_for_selector("#view-signin:not([hidden])")
    shot(page, "1-sign-in")

    page.fill("#key-input", "dm_live_not_a_real_key")
    page.click("#signin-button")
    page.wait_for_selector("#signin-error:not([hidden])")
    assert "not valid" in page.inner_text("#signin-error")

    key = live.key("alice")
    sign_in(page, key)
    assert "key" not in page.url and key not in page.url
    assert page.evaluate("sessionStorage.getItem('dustmail.key')") == key
    assert page.inner_text("#account-name") == "alice"

    page.click("#create-button")
    page.wait_for_selector("#view-inbox:not([hidden])")
    address = page.inner_text("#inbox-address")
    assert address.endswith("@dustmail.test")
    assert "left" in page.inner_text("#inbox-left")
    page.wait_for_selector("#email-empty:not([hidden])")

    # Mail arrives over SMTP and appears without a reload.
    page.evaluate("window.__marker = 'same page'")
    live.send(address, subject="Welcome to Acme", sender="Acme <noreply@acme.example>",
              body="Your verification code is 482913.\nVerify: https://acme.example/verify?t=abc",
              html="<html><body style='font-family: monospace; color: rgb(1, 2, 3)'>"
                   "<h1>Welcome</h1><p>Your verification code is <b>482913</b>.</p>"
                   "<p><a href='https://acme.example/verify?t=abc'>Verify</a></p></body></html>")
    page.wait_for_selector("#email-list li.unread", timeout=5000)
    assert page.evaluate("window.__marker") == "same page"
    assert "Welcome to Acme" in page.inner_text("#email-list")
    shot(page, "3-inbox")

    page.click("#email-list li")
    page.wait_for_selector("#view-email:not([hidden])")
    page.wait_for_selector(".chip.code")
    assert page.inner_text(".chip.code .value") == "482913"
    assert page.inner_text("#email-from").startswith("From Acme <noreply@acme.example> to ")
    page.click(".chip.code button")
    assert page.evaluate("navigator.clipboard.readText()") == "482913"
    assert "https://acme.example/verify?t=abc" in page.inner_text("#extracted")
    frame = page.frame_locator("#email-html")
    assert frame.locator("h1").inner_text() == "Welcome"
    # The mail's <body> style survives the sanitizer: its font and colour, not the browser's serif.
    style = frame.locator("h1").evaluate("e => [getComputedStyle(e).fontFamily, getComputedStyle(e).color]")
    assert style == ["monospace", "rgb(1, 2, 3)"]
    shot(page, "4-email")

    page.click("[data-tab=raw]")
    page.wait_for_selector("#email-raw:has-text('Subject: Welcome to Acme')")
    page.click("[data-tab=headers]")
    assert "Subject" in page.inner_text("#email-headers")

    # Back in the inbox the email is read now.
    page.keyboard.press("Escape")
    page.wait_for_selector("#view-inbox:not([hidden])")
    page.wait_for_selector("#email-list li:not(.unread)")
    page.fill("#search", "nothing-matches")
    page.wait_for_selector("#email-empty:not([hidden])")
    assert page.locator("#email-list li").count() == 0
    page.fill("#search", "acme")  # searched on the server, after a short pause in typing
    page.wait_for_selector("#email-list li")
    assert page.locator("#email-list li").count() == 1

    page.goto("/#/inboxes")
    page.wait_for_selector("#inbox-list li")
    assert page.inner_text("#inbox-list .count") == "1"
    shot(page, "2-inboxes")
    assert page.console_errors == []


def test_hostile_email_script_does_not_run(live, page_for):
    page = page_for(live)
    key = live.key("bob")
    inbox = live.create_inbox(key)
    live.send(inbox["email"], subject="hostile", html=(
        "<p id='x'>Hello</p>"
        "<script>parent.document.title='pwned-script'; alert('script')</script>"
        "<img src='x' onerror=\"parent.document.title='pwned-img'; alert('img')\">"
        "<a href=\"javascript:parent.document.title='pwned-link'\">click</a>"
        "<form action='https://evil.example'><input name='pw'></form>"
    ))
    sign_in(page, key)
    page.goto(f"/#/inbox/{inbox['id']}")
    page.wait_for_selector("#email-list li")
    page.click("#email-list li")
    page.wait_for_selector("#view-email:not([hidden])")
    page.wait_for_selector("#email-subject:has-text('hostile')")
    frame = page.frame_locator("#email-html")
    assert frame.locator("p").first.inner_text() == "Hello"
    assert frame.locator("script").count() == 0 and frame.locator("form").count() == 0
    link = frame.locator("a")
    assert link.get_attribute("href") is None
    # A click event on the link runs its activation (a javascript: URL would run) whether or
    # not the frame is on screen: twice in full runs under load the frame was not, for 30 s
    # (not reproduced alone), and a real click waits for visibility.
    link.dispatch_event("click")
    page.wait_for_timeout(300)
    assert page.title() == "hostile · dustmail-lite"  # per-view title; no frame script changed it
    assert page.dialogs == []
    shot(page, "5-hostile-email")


def test_errors_for_revoked_keys_and_rate_limits(make_live, page_for):
    live = make_live(plans={"free": {"rate_limit": 3}})
    page = page_for(live)
    key = live.key("carol")
    sign_in(page, key)  # 3 requests: the account, the event stream and the inbox list
    page.click("#create-button")  # the 4th: over the limit
    page.wait_for_selector("#create-error:not([hidden])")
    assert "Rate limit reached. Try again in" in page.inner_text("#create-error")

    other = live.key("dave")
    page2 = page_for(live)
    sign_in(page2, other)
    live.env.cli("keys", "revoke", "--stdin", input=other)
    page2.click("#create-button")
    page2.wait_for_selector("#view-signin:not([hidden])")
    assert "not valid" in page2.inner_text("#signin-error") or "revoked" in page2.inner_text("#signin-error")


def test_premium_inbox_and_domains_dark_mode(make_live, page_for):
    dns = DnsServer()
    try:
        live = make_live(dns={"nameservers": [dns.address], "timeout": "1s"})
        page = page_for(live, color_scheme="dark")
        key = live.key("fam", "premium")
        sign_in(page, key)
        assert not page.is_hidden("#create-username")
        assert page.locator("#create-domain option").all_inner_texts() == ["dustmail.test", "shared.test"]
        page.fill("#create-username", "swift.fox4291")
        page.select_option("#create-domain", "shared.test")
        page.click("#create-button")
        page.wait_for_selector("#view-inbox:not([hidden])")
        assert page.inner_text("#inbox-address") == "swift.fox4291@shared.test"

        page.click("[data-nav=domains]")
        page.wait_for_selector("#view-domains:not([hidden])")
        page.fill("#domain-input", "brand.example")
        page.click("#domain-form button")
        page.wait_for_selector("[data-domain='brand.example']")
        card = page.locator("[data-domain='brand.example']")
        assert "_dustmail.brand.example" in card.inner_text() and "mx.test.example" in card.inner_text()
        card.locator("button", has_text="Verify now").click()
        page.wait_for_selector("[data-domain='brand.example'] .status.missing")
        # Create the records the page shows, then verify again.
        token = card.locator("td.mono").nth(1).inner_text()
        dns.set("_dustmail.brand.example", "TXT", f'"{token}"')
        dns.set("brand.example", "MX", "10 mx.test.example.")
        page.locator("[data-domain='brand.example'] button", has_text="Verify now").click()
        page.wait_for_selector("[data-domain='brand.example'] .row .status.verified")
        shot(page, "6-domains-dark")
        assert page.locator("#create-domain option").all_inner_texts() == ["dustmail.test", "shared.test", "brand.example"]

        page.goto("/#/inboxes")
        page.wait_for_selector("#inbox-list li")
        page.locator("#inbox-list li").first.click()
        page.wait_for_selector("#view-inbox:not([hidden])")
        page.click("#delete-inbox")
        page.click("#confirm-ok")
        page.wait_for_selector("#view-inboxes:not([hidden])")
        page.wait_for_selector("#inbox-empty:not([hidden])")
    finally:
        dns.close()


def test_mobile_layout(live, page_for, browser):
    context = browser.new_context(base_url=live.base_url, viewport={"width": 390, "height": 780}, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, live.key("erin"))
        page.click("#create-button")
        page.wait_for_selector("#view-inbox:not([hidden])")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "no horizontal scrolling on a phone"
        shot(page, "7-mobile")
    finally:
        context.close()


def test_dashboard_can_be_moved_or_turned_off(make_live, make_harness):
    moved = make_harness(web={"prefix": "/ui"})
    assert moved.http.get("/ui/").status_code == 200 and "app.js" in moved.http.get("/ui/").text
    assert moved.http.get("/").status_code == 404
    off = make_harness(web={"enabled": False})
    assert off.http.get("/").status_code == 404
    assert off.http.get("/api/v1/health").status_code == 200


def test_email_view_explains_its_code(live, page_for, axe_source):  # noqa: F811
    page = page_for(live)
    key = live.key("carol")
    inbox = live.create_inbox(key)
    live.send(inbox["email"], subject="Tu clave de acceso",
              body="Tu clave de acceso es 4821.\nOperación del 14/03/2026. Atención al cliente: 900 123 456")
    sign_in(page, key)
    page.goto(f"/#/inbox/{inbox['id']}")
    page.wait_for_selector("#email-list li")
    page.click("#email-list li")
    page.wait_for_selector(".chip.code")
    assert page.inner_text(".chip.code .value") == "4821"
    assert not page.is_visible("#why li")  # closed until asked
    page.click("#why summary")
    page.wait_for_selector("#why li.why-code")
    why = page.inner_text("#why")
    assert "Why this code?" in why and "4821" in why and "clave" in why
    assert "left out: date" in why and "left out: phone number" in why
    shot(page, "5-why-this-code")
    assert axe_violations(page, axe_source) == []  # the disclosure open, light scheme
    assert page.console_errors == []


def test_sub_address_tag_is_shown_and_searchable(live, page_for):
    page = page_for(live)
    key = live.key("tagger", "premium")
    inbox = live.create_inbox(key, username="ana")
    live.send("ana+newsletter@dustmail.test", subject="From the shop")
    live.send("ana@dustmail.test", subject="Untagged")
    sign_in(page, key)
    page.goto(f"/#/inbox/{inbox['id']}")
    page.wait_for_selector("#email-list li >> nth=1")
    assert page.locator("#email-list .tag").all_inner_texts() == ["+newsletter"]
    live.send("ana+live@dustmail.test", subject="Arrives live")  # through the event stream
    page.wait_for_selector("#email-list .tag >> text=+live")
    page.fill("#search", "+newsletter")  # the server's search matches the tag too
    from playwright.sync_api import expect

    expect(page.locator("#email-list li")).to_have_count(1)
    assert "From the shop" in page.inner_text("#email-list")
    page.click("#email-list li")
    page.wait_for_selector("#view-email:not([hidden])")
    page.wait_for_selector("#email-tag:not([hidden])")
    assert page.inner_text("#email-tag") == "+newsletter" and page.inner_text("#email-tls") == "no TLS"
    shot(page, "7-tagged-email")
    assert page.console_errors == []
