"""The dashboard's webhooks-and-refusals page in headless Chromium (issue 15)."""

from __future__ import annotations

import smtplib

import pytest
from helpers import wait_until
from webui import browser, new_page  # noqa: F401  (the fixture)

# The dashboard beyond its first journeys (test_web.py): .ci/run runs these with --slow.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_activity_page_lists_webhooks_deliveries_and_refusals(make_live, browser):  # noqa: F811
    live = make_live(webhooks={"allow_private_targets": True})
    key = live.key("alice")
    inbox = live.create_inbox(key)
    ended = live.create_inbox(key)
    live.http.delete(f"/api/v1/inbox/{ended['id']}", headers=live.auth(key))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        live.send_raw(ended["email"], b"Subject: x\r\n\r\nx\r\n", sender="who@outside.example")
    wait_until(lambda: live.http.get("/api/v1/refusals", headers=live.auth(key)).json()["data"], interval=0.3)

    page = new_page(browser, live)
    page.goto("/")
    page.evaluate("key => sessionStorage.setItem('dustmail.key', key)", key)
    page.goto("/activity.html")
    page.fill("#webhook-url", "http://127.0.0.1:9/hook")
    page.fill("#webhook-inbox", inbox["id"])
    page.click("text=Add webhook")
    page.wait_for_selector("text=Signing secret (shown once): whsec_")
    page.wait_for_selector("#webhooks li >> text=http://127.0.0.1:9/hook")
    assert "enabled" in page.inner_text("#webhooks")
    page.click("#webhooks >> text=Deliveries")
    page.wait_for_selector("#deliveries-box:not([hidden])")

    table = page.inner_text("#refusals-by-inbox")
    assert f"Inbox {ended['email']}" in table
    assert "inbox_ended" in table and "who@outside.example" in table and "550 5.1.1" in table

    page.click("#webhooks >> text=Delete")
    page.wait_for_selector("#webhooks li", state="detached")  # (no eval: the page's CSP forbids it)
    assert live.http.get("/api/v1/webhooks", headers=live.auth(key)).json()["data"] == []
    page.context.close()


def test_activity_page_without_a_key_points_to_the_dashboard(live, browser):  # noqa: F811
    page = new_page(browser, live)
    page.goto("/activity.html")
    assert page.is_visible("#signed-out") and not page.is_visible("#activity")
    page.context.close()
