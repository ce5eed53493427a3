"""Accessibility of the dashboard: axe-core on every view, light and dark, desktop and
phone (no serious or critical violation); the phone layout of the domains page; reduced
motion. Screenshots of every combination land in tests/screenshots/."""

from __future__ import annotations

import pytest

from helpers import Env, Live
from dnsserver import DnsServer
from webui import DESKTOP, PHONE, axe_source, axe_violations, browser, new_page, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One server with a Premium account that has inboxes, read and unread mail, a
    custom domain with long DNS values, and a long address."""
    dns = DnsServer()
    env = Env(tmp_path_factory.mktemp("a11y"), {"dns": {"nameservers": [dns.address], "timeout": "1s"}})
    live = Live(env)
    key = live.key("ada", "premium")
    for _ in range(3):
        live.create_inbox(key)
    inbox = live.create_inbox(key, username="a.rather.long.username.for.phones", domain="shared.test")
    live.send(inbox["email"], subject="Your sign-in code",
              body="Your verification code is 482913.\nVerify: https://acme.example/verify?t=abc",
              html="<h1>Welcome</h1><p>Your code is <b>482913</b>.</p><a href='https://acme.example/verify?t=abc'>Verify</a>",
              sender="Acme <no-reply@acme.example>")
    live.send(inbox["email"], subject="A second, unread message", body="Nothing to see here.")
    emails = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()["data"]["emails"]
    r = live.http.post("/api/v1/domains", json={"domain": "mail.a-very-long-brand-name.example"},
                       headers=live.auth(key))
    assert r.status_code == 201, r.text
    yield live, key, inbox, emails
    live.stop()
    dns.close()


VIEWS = ["signin", "inboxes", "inbox", "email", "email-headers", "domains", "confirm"]


def open_view(page, view, key, inbox, emails):
    """Go to `view` the way a user would; one signed-in page walks through all of them."""
    if view == "signin":
        page.goto("/")
        page.wait_for_selector("#view-signin:not([hidden])")
    elif view == "inboxes":
        # one read row and one unread row in the inbox, as a user would see them
        page.evaluate("(id) => localStorage.setItem('dustmail.read', JSON.stringify([id]))", emails[1]["id"])
        sign_in(page, key)
        page.wait_for_selector("#inbox-list li")
    elif view == "inbox":
        page.goto(f"/#/inbox/{inbox['id']}")
        page.wait_for_selector("#email-list li.unread")
    elif view == "email":
        page.goto(f"/#/inbox/{inbox['id']}/email/{emails[1]['id']}")
        page.wait_for_selector(".chip.code")
    elif view == "email-headers":
        page.click("#tab-headers")
        page.wait_for_selector("#email-header-rows tr")
    elif view == "domains":
        page.goto("/#/domains")
        page.wait_for_selector(".domain-card")
    elif view == "confirm":
        page.goto(f"/#/inbox/{inbox['id']}")
        page.wait_for_selector("#view-inbox:not([hidden]) #email-list li")
        page.click("#delete-inbox")
        page.wait_for_selector("#confirm[open]")


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_axe_violations_on_any_view(world, browser, axe_source, scheme, size):  # noqa: F811
    live, key, inbox, emails = world
    failures = {}
    page = new_page(browser, live, scheme, DESKTOP if size == "desktop" else PHONE)
    try:
        for view in VIEWS:
            open_view(page, view, key, inbox, emails)
            page.wait_for_timeout(100)  # let fonts and the live countdowns settle
            shot(page, f"a11y-{view}-{scheme}-{size}")
            found = axe_violations(page, axe_source)
            if found:
                failures[view] = found
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], f"{view}: {width}px wide, scrolls sideways"
        assert page.errors == []
    finally:
        page.context.close()
    assert failures == {}


def test_axe_finds_what_it_should(world, browser, axe_source):  # noqa: F811
    """The check is live: a low-contrast, unnamed button injected into the page is reported."""
    live, *_ = world
    page = new_page(browser, live)
    try:
        page.goto("/")
        page.wait_for_selector("#view-signin:not([hidden])")
        page.evaluate("""() => { const b = document.createElement('button');
            b.style.cssText = 'color:#bbb;background:#fff'; b.innerHTML = '<svg width=10 height=10></svg>';
            document.querySelector('#view-signin .card').append(b);
            const p = document.createElement('p'); p.textContent = 'faint';
            p.style.cssText = 'color:#ccc;background:#fff'; document.querySelector('#view-signin .card').append(p); }""")
        ids = {v["id"] for v in axe_violations(page, axe_source)}
        assert {"button-name", "color-contrast"} <= ids
    finally:
        page.context.close()


def test_domains_page_on_a_phone_cuts_nothing_and_breaks_no_word(world, browser):  # noqa: F811
    live, key, *_ = world
    page = new_page(browser, live, "light", PHONE)
    try:
        sign_in(page, key)
        page.goto("/#/domains")
        page.wait_for_selector(".domain-card")
        shot(page, "domains-phone")
        report = page.evaluate("""() => {
            const out = {overflowing: [], splitWords: []};
            for (const node of document.querySelectorAll('.domain-card h2, .domain-card td, .domain-card .status')) {
                if (node.scrollWidth > node.clientWidth + 1) out.overflowing.push(node.textContent);
                const r = node.getBoundingClientRect();
                if (r.right > window.innerWidth || r.left < 0) out.overflowing.push('offscreen: ' + node.textContent);
            }
            // Every piece between two break opportunities (<wbr>) must sit on one line.
            const walker = document.createTreeWalker(document.querySelector('#domain-list'), NodeFilter.SHOW_TEXT);
            for (let t = walker.nextNode(); t; t = walker.nextNode()) {
                if (!t.textContent.trim() || t.parentElement.closest('thead, caption, .visually-hidden')) continue;
                const range = document.createRange(); range.selectNodeContents(t);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                // a piece without spaces on two lines was broken between two letters
                if (lines.size > 1 && !/\\s/.test(t.textContent.trim())) out.splitWords.push(t.textContent);
            }
            return out;
        }""")
        assert report == {"overflowing": [], "splitWords": []}
        assert "mail.a-very-long-brand-name.example" in page.inner_text(".domain-card h2").replace("\n", "")
    finally:
        page.context.close()


def test_email_header_actions_stay_on_one_line_on_a_phone(world, browser):  # noqa: F811
    live, key, inbox, emails = world
    page = new_page(browser, live, "light", PHONE)
    try:
        sign_in(page, key)
        page.goto(f"/#/inbox/{inbox['id']}/email/{emails[0]['id']}")
        page.wait_for_selector("#email-subject:not(:empty)")
        tops = page.evaluate("""() => [...document.querySelectorAll('.email-head .actions > a, .email-head .actions > button')]
            .map(n => Math.round(n.getBoundingClientRect().top + n.getBoundingClientRect().height / 2))""")
        assert len(tops) >= 2 and max(tops) - min(tops) <= 2, tops
        shot(page, "email-phone")
    finally:
        page.context.close()


def test_reduced_motion_turns_the_new_mail_flash_off(world, browser):  # noqa: F811
    live, key, inbox, _ = world
    for motion, expected in (("no-preference", "flash"), ("reduce", "none")):
        page = new_page(browser, live, reduced_motion=motion)
        try:
            sign_in(page, key)
            page.goto(f"/#/inbox/{inbox['id']}")
            page.wait_for_selector("#email-list li")
            live.send(inbox["email"], subject=f"motion {motion}")
            row = page.wait_for_selector(f"#email-list li.fresh:has-text('motion {motion}')")
            assert row.evaluate("n => getComputedStyle(n).animationName") == expected
        finally:
            page.context.close()
