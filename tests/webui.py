"""Helpers for the dashboard tests: Debian's Chromium through Playwright, axe-core from npm.

axe-core is a test-time tool pinned in tests/axe/package.json (+ lock). `.ci/run` installs
it with `npm ci`; a local run without it installs it the same way on first use. Without
npm the tests skip locally and fail in CI (CI=true), like every other tool.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from filelock import FileLock

from helpers import REQUIRE_ALL, require_tool

SHOTS = Path(__file__).parent / "screenshots"
AXE_DIR = Path(__file__).parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1200, "height": 860}
PHONE = {"width": 390, "height": 780}


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("chromium", "Debian package chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    # Under pytest-xdist every worker has its own session: the lock lets one of them run
    # `npm ci` (which empties node_modules first) while the others wait, then find axe there.
    with FileLock(AXE_DIR / ".npm-ci.lock"):
        if not AXE_JS.exists():
            npm = require_tool("npm", "Debian packages nodejs and npm; .ci/run installs them")
            result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AXE_DIR, capture_output=True,
                                    text=True, timeout=300, check=False)
            if result.returncode != 0 or not AXE_JS.exists():
                message = f"npm ci in {AXE_DIR} failed: {result.stderr[-2000:]}"
                if REQUIRE_ALL:
                    pytest.fail(message)
                pytest.skip(message)
        return AXE_JS.read_text()


def new_page(browser, live, color_scheme="light", viewport=None, **options):
    phone = viewport == PHONE
    context = browser.new_context(
        base_url=live.base_url, color_scheme=color_scheme, viewport=viewport or DESKTOP,
        is_mobile=phone, has_touch=phone, **options,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base_url)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, key, expect="#view-inboxes:not([hidden])"):
    if page.url in ("about:blank", ""):
        page.goto("/")
    page.wait_for_selector("#view-signin:not([hidden])")
    page.fill("#key-input", key)
    page.press("#key-input", "Enter")
    page.wait_for_selector(expect)


def focused(page) -> dict:
    """Where keyboard focus is: id, tag, text, the row it belongs to."""
    return page.evaluate("""() => {
        const a = document.activeElement;
        const row = a.closest('[data-row-id]');
        return {id: a.id, tag: a.tagName.toLowerCase(), text: a.textContent.trim(),
                label: a.getAttribute('aria-label'), row: row ? row.dataset.rowId : null,
                cls: a.className};
    }""")


def axe_violations(page, axe_source: str) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2.0-2.2 A/AA rules and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated over the DevTools protocol: the page's CSP (script-src 'self') stays on.
        page.evaluate(axe_source)
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary).slice(0, 5)}));
    }""")
    return [v for v in results if v["impact"] in ("serious", "critical")]
