"""The dashboard shows the account's storage use, in real headless Chromium."""

from __future__ import annotations

import pytest
from test_web import browser, page_for, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_dashboard_shows_storage_use_against_the_quota(make_live, page_for):  # noqa: F811
    live = make_live(plans={"free": {"max_storage": "10MB"}})
    key = live.key()
    inbox = live.create_inbox(key)
    live.send(inbox["email"], subject="some bytes", body="x" * 300_000)
    page = page_for(live)
    sign_in(page, key)
    page.wait_for_selector("#storage-usage:not([hidden])")
    text = page.inner_text("#storage-usage")
    assert text.startswith("Storage: ") and "of 10.0 MB used (3%)" in text, text
    headers = page.goto("/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert page.console_errors == []


def test_another_site_cannot_frame_the_dashboard(live, page_for):  # noqa: F811
    page = page_for(live)
    other_origin = live.base_url.replace("127.0.0.1", "localhost")
    page.goto(other_origin + "/api/v1/health")
    page.set_content(f'<iframe id="victim" src="{live.base_url}/" onload="window.framed = true"></iframe>')
    page.wait_for_function("window.framed === true")
    victim = next(f for f in page.frames if f.parent_frame == page.main_frame)
    assert victim.url.startswith("chrome-error://"), victim.url  # refused: frame-ancestors 'none'
    assert page.frame_locator("#victim").locator("#key-input").count() == 0
