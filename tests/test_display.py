"""How a mail looks: the body's styles survive the sanitizer, the sender's name is kept."""

from __future__ import annotations

from dustmail_lite.api.content import sanitize_html


def test_body_styles_are_carried_onto_a_wrapper_that_the_sanitizer_still_checks():
    page = sanitize_html(
        '<html><head><style>p { margin: 0 }</style></head>'
        '<body bgcolor="#f4f4f4" text=#222 style="font-family: Helvetica, Arial, sans-serif; font-size: 14px"'
        ' onload="steal()"><p>Hello</p><script>alert(1)</script></body></html>'
    )
    assert '<div style="background-color: #f4f4f4; color: #222; font-family: Helvetica, Arial, sans-serif; ' \
           'font-size: 14px"><p>Hello</p></div>' in page
    assert "onload" not in page and "<script" not in page and "<body" not in page


def test_a_body_style_cannot_break_out_of_its_attribute():
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[tuple[str, list[str]]] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, [name for name, _ in attrs]))

    parser = Tags()
    parser.feed(sanitize_html("<body style='a\" onmouseover=\"alert(1)'>x</body>"))
    assert parser.tags == [("div", ["style"])]  # the quote stayed inside the style value
    assert sanitize_html("<p>no body tag</p>") == "<p>no body tag</p>"


def test_the_sender_display_name_is_kept_beside_the_bare_address(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    harness.send(inbox["email"], subject="Hi", sender="=?utf-8?q?Acme_M=C3=BCller?= <noreply@acme.example>")
    harness.send(inbox["email"], subject="Plain", sender="bare@example.com")
    listed = harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key)).json()["data"]["emails"]
    named, bare = sorted(listed, key=lambda e: e["subject"] != "Hi")
    assert named["from"] == "noreply@acme.example"  # the contract's shape: a bare address
    detail = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{named['id']}", headers=harness.auth(key))
    assert detail.json()["data"]["from_name"] == "Acme Müller"
    detail = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{bare['id']}", headers=harness.auth(key))
    assert detail.json()["data"]["from"] == "bare@example.com" and detail.json()["data"]["from_name"] == ""
