"""The dashboard at scale and with a keyboard, in headless Chromium against a live server:
every inbox and email reachable, live mail added once and in order with exact counts,
what it costs in requests, deep links through sign-in, switching accounts, focus."""

from __future__ import annotations

import json
import threading
import time

import httpx2 as httpx
import pytest

from webui import PHONE, browser, focused, new_page, shot, sign_in  # noqa: F401

# The dashboard beyond its first journeys (test_web.py): .ci/run runs these with --slow.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def api_requests(page) -> list:
    """Every request the page makes to the API from now on (method, url, response size)."""
    seen: list = []

    def on_finished(request):
        if "/api/v1/" in request.url:
            response = request.response()
            size = len(response.body()) if response and "/events" not in request.url else 0
            seen.append((request.method, request.url.split("/api/v1", 1)[1], size))

    page.on("requestfinished", on_finished)
    page.on("request", lambda r: seen.append(("OPEN", r.url.split("/api/v1", 1)[1], 0))
            if "/api/v1/events" in r.url else None)
    return seen


def settle(page, requests: list, count: int, timeout_ms: int = 10_000) -> None:
    """Let the page's events run until `count` requests have finished (a view can render
    before Playwright reports its request finished), then a little longer for any extra."""
    waited = 0
    while len(requests) < count and waited < timeout_ms:
        page.wait_for_timeout(50)
        waited += 50
    page.wait_for_timeout(200)


def send_batch(live, address, subjects):
    with live.smtp() as s:
        for subject in subjects:
            s.sendmail("sender@example.com", [address],
                       f"From: Sender <sender@example.com>\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n")


def row_texts(page, selector):
    return page.locator(f"{selector} li .title").all_inner_texts()


def test_300_inboxes_and_150_emails_are_all_reachable(live, browser):  # noqa: F811
    key = live.key("many", "premium")
    created = [live.create_inbox(key) for _ in range(300)]
    big = created[0]
    send_batch(live, big["email"], [f"mail {n:03d}" for n in range(150)])
    page = new_page(browser, live)
    try:
        sign_in(page, key)
        page.wait_for_selector("#inbox-list li")
        assert page.inner_text("#inbox-total") == "(300)"
        while page.is_visible("#inbox-more"):
            before = page.locator("#inbox-list li").count()
            page.click("#inbox-more")
            page.wait_for_function(f"() => document.querySelectorAll('#inbox-list li').length > {before}")
        ids = page.eval_on_selector_all("#inbox-list li", "rows => rows.map(r => r.dataset.rowId)")
        assert ids == [i["id"] for i in reversed(created)]

        # Server-side search finds the oldest inbox without scrolling to it.
        page.fill("#inbox-search", big["email"].split("@")[0])
        page.wait_for_function("() => document.querySelectorAll('#inbox-list li').length === 1")
        assert page.inner_text("#inbox-list li .title") == big["email"]
        assert "1 inbox match" in page.inner_text("#inbox-matches")

        page.click("#inbox-list li .row-link")
        page.wait_for_selector("#email-list li")
        assert page.inner_text("#inbox-count") == "150 emails"
        while page.is_visible("#email-more"):
            before = page.locator("#email-list li").count()
            page.click("#email-more")
            page.wait_for_function(f"() => document.querySelectorAll('#email-list li').length > {before}")
        assert row_texts(page, "#email-list") == [f"mail {n:03d}" for n in reversed(range(150))]

        # The oldest mail, far past the first page, found by the server.
        page.fill("#search", "mail 000")
        page.wait_for_function("() => document.querySelectorAll('#email-list li').length === 1")
        assert row_texts(page, "#email-list") == ["mail 000"]
        page.fill("#search", "no such mail anywhere")
        page.wait_for_selector("#email-empty:not([hidden])")
        assert "No email matches" in page.inner_text("#email-empty")
        assert page.errors == []
    finally:
        page.context.close()


def test_20_live_mails_shown_once_in_order_with_an_exact_count_at_no_request_cost(live, browser):  # noqa: F811
    """Mail arrives while the inbox page is still on its way (its answer held back and
    released late, so events come first and the answer is stale), then while another
    inbox's answer overtakes it. Each mail is added from its event: none lost, none
    twice, newest first, the count exact, and no request made for any of them."""
    key = live.key("racer")
    inbox, other = live.create_inbox(key), live.create_inbox(key)
    page = new_page(browser, live)
    held = []

    def hold_first_page(route):
        if "summary=1" in route.request.url and "cursor" not in route.request.url and not held:
            held.append((route, route.fetch()))  # answered by the server now, before the mail below
        else:
            route.continue_()

    try:
        sign_in(page, key)
        page.route(f"**/api/v1/inbox/{inbox['id']}?*", hold_first_page)
        page.evaluate(f"location.hash = '#/inbox/{inbox['id']}'")
        deadline = time.monotonic() + 5
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        assert held, "the inbox page was requested"
        send_batch(live, inbox["email"], [f"live {n:02d}" for n in range(10)])
        page.wait_for_timeout(300)  # the events are in; the page answer (with no mail) is not
        assert page.locator("#email-list li").count() == 0
        route, response = held[0]
        assert json.loads(response.body())["data"]["emails"] == []  # stale: from before the mail
        route.fulfill(response=response)
        page.wait_for_selector("#email-list li")
        page.wait_for_function("() => document.querySelectorAll('#email-list li').length === 10")
        page.unroute(f"**/api/v1/inbox/{inbox['id']}?*")

        # Now idle: nothing is asked for while mail arrives.
        requests = api_requests(page)
        for n in range(10, 20):
            send_batch(live, inbox["email"], [f"live {n:02d}"])
            if n % 3 == 0:
                send_batch(live, other["email"], [f"elsewhere {n}"])  # other inboxes' mail is not shown here
        page.wait_for_function("() => document.querySelectorAll('#email-list li').length === 20")
        page.wait_for_timeout(300)
        assert row_texts(page, "#email-list") == [f"live {n:02d}" for n in reversed(range(20))]
        assert page.inner_text("#inbox-count") == "20 emails"
        assert requests == [], "new mail costs no request: the event carries the row"
        assert "New email from sender@example.com: live 19" in page.inner_text("#announcer")
        shot(page, "live-20")

        # Back to the list (one request): counts match the server, and stay exact live.
        page.keyboard.press("Escape")
        page.wait_for_selector("#view-inboxes:not([hidden]) #inbox-list li")
        counts = dict(zip(page.eval_on_selector_all("#inbox-list li", "rs => rs.map(r => r.dataset.rowId)"),
                          page.locator("#inbox-list li .count").all_inner_texts()))
        assert counts == {inbox["id"]: "20", other["id"]: "3"}
        send_batch(live, other["email"], ["one more"])
        page.wait_for_function(f"() => document.querySelector('[data-row-id=\"{other['id']}\"] .count').textContent === '4'")
        assert [r for r in requests if r[0] != "OPEN"] == [("GET", "/inbox?limit=50&summary=1", requests[0][2])]
        assert page.errors == []
    finally:
        page.context.close()


def test_a_late_answer_for_the_previous_inbox_never_shows(live, browser):  # noqa: F811
    key = live.key("switcher")
    first, second = live.create_inbox(key), live.create_inbox(key)
    live.send(first["email"], subject="only in the first")
    live.send(second["email"], subject="only in the second")
    page = new_page(browser, live)
    held = []

    def slow(route):
        held.append((route, route.fetch()))

    try:
        sign_in(page, key)
        page.route(f"**/api/v1/inbox/{first['id']}?*", slow)
        page.evaluate(f"location.hash = '#/inbox/{first['id']}'")
        page.wait_for_timeout(200)
        page.evaluate(f"location.hash = '#/inbox/{second['id']}'")
        page.wait_for_selector("#email-list li")
        assert len(held) == 1
        route, response = held[0]
        route.fulfill(response=response)  # the first inbox's answer arrives last
        page.wait_for_timeout(500)
        assert row_texts(page, "#email-list") == ["only in the second"]
        assert page.inner_text("#inbox-address").replace("\n", "") == second["email"]
    finally:
        page.context.close()


def test_bytes_per_new_mail_on_the_event_stream(live):
    """What a new mail costs the dashboard: one event of a few hundred bytes, no request."""
    key = live.key()
    inbox = live.create_inbox(key)
    body = "A verification code: 123456. " * 200  # 5.8 KB of text, 200 characters previewed
    sizes = []
    with httpx.Client(base_url=live.base_url, timeout=10) as client, \
            client.stream("GET", "/api/v1/events", headers=live.auth(key)) as response:
        lines = response.iter_lines()
        assert next(lines) == "retry: 2000"
        threading.Thread(target=lambda: [live.send(inbox["email"], subject=f"n{n}", body=body) for n in range(3)]).start()
        event: list[str] = []
        for line in lines:
            if line.startswith(":"):
                continue
            if line:
                event.append(line)
                continue
            if event and event[0].startswith("id:"):
                sizes.append(len("\n".join(event).encode()) + 2)
                data = json.loads(event[2][5:])
                assert len(data["preview"]) == 200 and data["email_count"] == len(sizes)
            event = []
            if len(sizes) == 3:
                break
    assert all(size < 1024 for size in sizes), sizes


def test_requests_per_action_and_none_while_idle(make_live, browser):  # noqa: F811
    live = make_live(plans={"free": {"rate_limit": 12}})
    key = live.key("budget")
    inbox = live.create_inbox(key)  # 1 of 12
    live.send(inbox["email"], subject="hello")
    email_id = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()["data"]["emails"][0]["id"]  # 2
    page = new_page(browser, live)
    try:
        requests = api_requests(page)
        page.goto("/")
        sign_in(page, key)
        page.wait_for_selector("#inbox-list li")
        page.wait_for_timeout(200)
        assert sorted((m, u.split("?")[0]) for m, u, _ in requests) == [("GET", "/account"), ("GET", "/inbox"), ("OPEN", "/events")]
        assert page.inner_text("#rate") == "7 of 12 requests left"  # the stream's answer counted too
        requests.clear()
        page.wait_for_timeout(2500)
        assert requests == [], "idle: no polling"

        page.click("#inbox-list .row-link")
        page.wait_for_selector("#email-list li")
        page.click("#email-list .row-link")
        page.wait_for_selector(".chip, #email-subject:not(:empty)")
        settle(page, requests, 2)
        assert [(m, u.split("?")[0]) for m, u, _ in requests] == [
            ("GET", f"/inbox/{inbox['id']}"), ("GET", f"/inbox/{inbox['id']}/emails/{email_id}")]
        assert all(size < 4096 for _, _, size in requests), requests
        requests.clear()
        page.keyboard.press("Escape")  # back to the cached inbox: nothing to ask
        page.wait_for_selector("#view-inbox:not([hidden])")
        page.wait_for_timeout(200)
        assert requests == []
        # The budget is low now: shown and announced before it runs out.
        assert page.inner_text("#rate") == "5 of 12 requests left"
        assert page.get_attribute("#rate", "class") == "rate small low"
        assert "Only 5 of 12 API requests left" in page.inner_text("#announcer")
    finally:
        page.context.close()


def test_deep_links_survive_sign_in_and_sign_out_clears_everything(live, browser):  # noqa: F811
    alice, bob = live.key("alice"), live.key("bob")
    box = live.create_inbox(alice)
    live.send(box["email"], subject="for alice only")
    email_id = live.http.get(f"/api/v1/inbox/{box['id']}", headers=live.auth(alice)).json()["data"]["emails"][0]["id"]
    bobs = live.create_inbox(bob)
    page = new_page(browser, live)
    try:
        for link, ready, title in [
            ("/#/inboxes", "#view-inboxes:not([hidden]) #inbox-list li", "Inboxes · dustmail-lite"),
            (f"/#/inbox/{box['id']}", "#email-list li", f"{box['email']} · dustmail-lite"),
            (f"/#/inbox/{box['id']}/email/{email_id}", "#email-subject:has-text('for alice only')",
             "for alice only · dustmail-lite"),
        ]:
            page.goto(link)
            page.wait_for_selector("#view-signin:not([hidden])")
            assert page.title() == "Sign in · dustmail-lite"
            assert focused(page)["id"] == "key-input"
            sign_in(page, alice, expect=ready)
            assert page.url.endswith(link)
            assert page.title() == title
            assert focused(page)["tag"] == "h1"
            page.click("#sign-out")
            page.wait_for_selector("#view-signin:not([hidden])")
            assert page.evaluate("sessionStorage.getItem('dustmail.key')") is None
            assert page.locator("#inbox-list li, #email-list li").count() == 0
            assert page.inner_text("#email-subject") == "" and page.inner_text("#inbox-address") == ""
            # From here on, nothing of alice's may appear, hidden or shown, while bob signs in.
            page.evaluate("""(address) => { window.__leaks = [];
                const check = () => { const text = document.body.textContent;
                    if (text.includes(address) || text.includes('for alice only')) window.__leaks.push(location.hash); };
                check();
                new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true}); }""",
                          box["email"])
            sign_in(page, bob, expect=f"[data-row-id='{bobs['id']}']")
            assert page.locator("#inbox-list li").count() == 1
            assert page.evaluate("window.__leaks") == []
            page.click("#sign-out")
            page.wait_for_selector("#view-signin:not([hidden])")
        assert page.errors == []
    finally:
        page.context.close()


def test_keyboard_only_journey(live, browser):  # noqa: F811
    key = live.key("keys")
    older = live.create_inbox(key)
    box = live.create_inbox(key)
    live.send(box["email"], subject="first", body="code 111222")
    live.send(box["email"], subject="second", body="Your code is 482913", html="<p>Your code is <b>482913</b></p>")
    page = new_page(browser, live)
    kb = page.keyboard
    try:
        page.goto("/")
        page.wait_for_selector("#view-signin:not([hidden])")
        assert focused(page)["id"] == "key-input"
        kb.type(key)
        kb.press("Enter")
        page.wait_for_selector("#inbox-list li")
        assert focused(page) | {"cls": ""} == focused(page) | {"id": "inboxes-title", "cls": ""}
        assert page.title() == "Inboxes · dustmail-lite"

        # Rows are links named by the address; Copy is named after what it copies.
        link = page.locator(f"[data-row-id='{box['id']}'] .row-link")
        assert link.get_attribute("href") == f"#/inbox/{box['id']}"
        copy = page.locator(f"[data-row-id='{box['id']}'] button.copy")
        assert copy.get_attribute("aria-label") == f"Copy address {box['email']}"
        # Tab from the heading past "New inbox" to the search, the first row's link, its Copy button.
        kb.press("Tab")
        assert focused(page)["id"] == "create-button"
        kb.press("Tab")
        assert focused(page)["id"] == "inbox-search"
        kb.press("Tab")
        assert focused(page)["row"] == box["id"] and "row-link" in focused(page)["cls"]
        kb.press("Tab")
        assert focused(page)["label"] == f"Copy address {box['email']}"
        kb.press("Enter")  # copies; does not open the inbox
        page.wait_for_timeout(200)
        assert page.evaluate("navigator.clipboard.readText()") == box["email"]
        assert page.is_visible("#view-inboxes") and "#/inbox/" not in page.url
        kb.press("Shift+Tab")
        kb.press("Enter")
        page.wait_for_selector("#email-list li")
        assert focused(page)["id"] == "inbox-address"
        assert page.title() == f"{box['email']} · dustmail-lite"

        # To the second row (the older mail), open it, come back with Esc: focus returns to it.
        page.locator("#email-list li").nth(1).locator(".row-link").focus()
        first_id = page.get_attribute("#email-list li >> nth=1", "data-row-id")
        kb.press("Enter")
        page.wait_for_selector("#email-subject:has-text('first')")
        assert focused(page)["id"] == "email-subject"
        assert page.title() == "first · dustmail-lite"
        kb.press("Escape")
        page.wait_for_selector("#view-inbox:not([hidden])")
        assert focused(page)["row"] == first_id and "row-link" in focused(page)["cls"]
        kb.press("Escape")
        page.wait_for_selector("#view-inboxes:not([hidden])")
        page.wait_for_function(f"() => document.activeElement.closest('[data-row-id]')?.dataset.rowId === '{box['id']}'")

        # Tabs: one tab stop, arrows move and select, Home/End jump, the panel follows.
        link.focus()
        kb.press("Enter")
        page.wait_for_selector("#email-list li")
        page.locator("#email-list li").first.locator(".row-link").focus()
        kb.press("Enter")
        page.wait_for_selector("#email-subject:has-text('second')")
        assert page.get_attribute("#extracted button.copy", "aria-label") == "Copy code 482913"
        page.focus("#tab-html")
        kb.press("ArrowRight")
        assert focused(page)["id"] == "tab-text" and page.get_attribute("#tab-text", "aria-selected") == "true"
        assert page.is_visible("#email-text") and not page.is_visible("#panel-html")
        kb.press("End")
        assert focused(page)["id"] == "tab-raw"
        page.wait_for_selector("#email-raw:has-text('Subject: second')")
        kb.press("ArrowRight")
        assert focused(page)["id"] == "tab-html"
        kb.press("ArrowLeft")
        assert focused(page)["id"] == "tab-raw"
        kb.press("Home")
        assert focused(page)["id"] == "tab-html"
        assert page.eval_on_selector_all("[role=tab]", "ts => ts.map(t => t.tabIndex)") == [0, -1, -1, -1]

        # New mail is announced while the inbox is open.
        kb.press("Escape")
        page.wait_for_selector("#view-inbox:not([hidden])")
        live.send(box["email"], subject="third", sender="Acme <no-reply@acme.example>")
        page.wait_for_function("() => document.getElementById('announcer').textContent.includes('third')")
        assert page.inner_text("#announcer") == "New email from no-reply@acme.example: third"
        assert page.get_attribute("#announcer", "aria-live") == "polite"
        assert older["id"]  # the list holds more than one row, so focus placement was a real choice
        assert page.errors == []
    finally:
        page.context.close()


def test_phone_list_focus_rings_are_not_clipped(live, browser):  # noqa: F811
    key = live.key("phone")
    box = live.create_inbox(key)
    page = new_page(browser, live, viewport=PHONE)
    try:
        sign_in(page, key)
        page.locator(f"[data-row-id='{box['id']}'] .row-link").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        overflow = page.evaluate("getComputedStyle(document.getElementById('inbox-list')).overflow")
        assert overflow == "visible"
        ring = page.evaluate("""() => getComputedStyle(document.activeElement, '::after').outlineStyle""")
        assert ring == "solid"
        shot(page, "focus-ring-phone")
    finally:
        page.context.close()
