"""Paging and server-side search on the inbox list and the inbox view: every inbox and
every email reachable newest first, stable while mail keeps arriving; the contract's
default pages unchanged."""

from __future__ import annotations

import threading

from helpers import Harness, Live


def get(client: Harness | Live, key: str, path: str, **params: object) -> dict:
    r = client.http.get(path, params=params, headers=client.auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def walk(client: Harness | Live, key: str, path: str, items: str | None = None, **params: object) -> list[dict]:
    """Every item behind `path`, following meta.next_cursor to the end."""
    found: list[dict] = []
    cursor = None
    for _ in range(1000):
        body = get(client, key, path, **params, **({"cursor": cursor} if cursor else {}))
        found += body["data"][items] if items else body["data"]
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("the cursor never ended")


def send_many(client: Harness | Live, address: str, subjects: list[str]) -> None:
    with client.smtp() as s:
        for subject in subjects:
            s.sendmail("sender@example.com", [address],
                       f"From: sender@example.com\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n")


def test_every_one_of_300_inboxes_is_reachable_newest_first(harness):
    key = harness.key("many", "premium")
    created = [harness.create_inbox(key)["id"] for _ in range(300)]
    first = get(harness, key, "/api/v1/inbox")
    # The contract's page: 50, newest first, total of all.
    assert len(first["data"]) == 50 and first["meta"]["total"] == 300
    assert [i["id"] for i in first["data"]] == created[::-1][:50]
    assert "last_seq" not in first["data"][0]
    everything = walk(harness, key, "/api/v1/inbox", limit=64)
    assert [i["id"] for i in everything] == created[::-1]
    by_id = walk(harness, key, "/api/v1/inbox", limit=200)
    assert len(by_id) == 300
    # `before` an inbox id: the page right after it.
    after_tenth = get(harness, key, "/api/v1/inbox", before=created[-10], limit=3)
    assert [i["id"] for i in after_tenth["data"]] == created[::-1][10:13]


def test_inbox_list_search_and_summary(harness):
    key = harness.key("finder", "premium")
    wanted = harness.create_inbox(key, username="needle.one")
    for _ in range(5):
        harness.create_inbox(key)
    other = harness.create_inbox(key, username="needle_two")
    body = get(harness, key, "/api/v1/inbox", q="NEEDLE", summary=1)
    assert [i["id"] for i in body["data"]] == [other["id"], wanted["id"]]
    assert body["meta"]["matches"] == 2 and body["meta"]["total"] == 7
    assert body["data"][0]["last_seq"] == 0
    # LIKE wildcards in q are literal.
    assert [i["email"] for i in get(harness, key, "/api/v1/inbox", q="needle_")["data"]] == [other["email"]]
    assert get(harness, key, "/api/v1/inbox", q="%")["data"] == []


def test_every_one_of_150_emails_is_reachable_while_mail_keeps_arriving(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    send_many(harness, inbox["email"], [f"old {n:03d}" for n in range(150)])
    path = f"/api/v1/inbox/{inbox['id']}"
    contract = get(harness, key, path)
    assert len(contract["data"]["emails"]) == 100 and contract["meta"]["email_count"] == 150
    assert contract["data"]["emails"][0]["subject"] == "old 149"
    assert set(contract["data"]["emails"][0]) == {"id", "from", "subject", "text", "html", "received_at"}

    # Walk 20 a page while 30 more mails arrive: the walk sees each old mail exactly once.
    seen: list[str] = []
    page = get(harness, key, path, limit=20)
    sender = threading.Thread(target=send_many, args=(harness, inbox["email"], [f"new {n}" for n in range(30)]))
    sender.start()
    while True:
        seen += [e["subject"] for e in page["data"]["emails"]]
        if page["meta"]["next_cursor"] is None:
            break
        page = get(harness, key, path, limit=20, cursor=page["meta"]["next_cursor"])
    sender.join()
    assert seen == [f"old {n:03d}" for n in reversed(range(150))]
    assert get(harness, key, path, limit=1)["meta"]["email_count"] == 180
    everything = walk(harness, key, path, "emails", limit=7, summary=1)
    assert len(everything) == 180 and len({e["id"] for e in everything}) == 180
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs, reverse=True)


def test_summary_rows_are_small_and_search_runs_on_the_server(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    harness.send(inbox["email"], subject="Invoice 7", body="x" * 5000, html="<p>" + "y" * 5000 + "</p>")
    send_many(harness, inbox["email"], [f"filler {n}" for n in range(120)])
    harness.send(inbox["email"], subject="Welcome", body="Your code is 482913", sender="Acme <no-reply@acme.example>")
    path = f"/api/v1/inbox/{inbox['id']}"
    body = get(harness, key, path, summary=1, limit=200)
    invoice = next(e for e in body["data"]["emails"] if e["subject"] == "Invoice 7")
    assert set(invoice) == {"id", "from", "subject", "preview", "has_html", "size", "seq", "received_at"}
    assert invoice["has_html"] is True and invoice["preview"] == "x" * 200
    assert body["meta"]["last_seq"] == body["data"]["emails"][0]["seq"]
    assert body["meta"]["email_count"] == 122

    # The first mail is past a page of 100, and still found: by subject, text or sender.
    for query in ("invoice", "xxxxx", "INVOICE 7"):
        found = get(harness, key, path, q=query)
        assert [e["subject"] for e in found["data"]["emails"]] == ["Invoice 7"], query
        assert found["meta"]["matches"] == 1 and found["meta"]["email_count"] == 122
    assert [e["subject"] for e in get(harness, key, path, q="acme.example")["data"]["emails"]] == ["Welcome"]
    assert [e["subject"] for e in get(harness, key, path, q="482913")["data"]["emails"]] == ["Welcome"]
    filler = walk(harness, key, path, "emails", q="filler", limit=50, summary=1)
    assert len(filler) == 120
    # `before` an email id.
    newest = body["data"]["emails"]
    assert [e["id"] for e in get(harness, key, path, before=newest[4]["id"], limit=2)["data"]["emails"]] == [
        newest[5]["id"], newest[6]["id"]]


def test_bad_paging_parameters_are_refused_in_the_error_shape(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    path = f"/api/v1/inbox/{inbox['id']}"
    list_cursor_body = get(harness, key, "/api/v1/inbox", limit=1)
    harness.create_inbox(key)
    list_cursor = get(harness, key, "/api/v1/inbox", limit=1)["meta"]["next_cursor"]
    assert list_cursor_body["meta"]["next_cursor"] is None and list_cursor
    cases = [
        ("/api/v1/inbox", {"limit": "0"}, 422, "invalid_limit"),
        ("/api/v1/inbox", {"limit": "201"}, 422, "invalid_limit"),
        ("/api/v1/inbox", {"limit": "ten"}, 422, "invalid_limit"),
        ("/api/v1/inbox", {"cursor": "not a cursor"}, 422, "invalid_cursor"),
        ("/api/v1/inbox", {"q": "x" * 201}, 422, "invalid_query"),
        ("/api/v1/inbox", {"summary": "maybe"}, 422, "invalid_flag"),
        ("/api/v1/inbox", {"before": "00000000-0000-0000-0000-000000000000"}, 404, "inbox_not_found"),
        (path, {"cursor": list_cursor}, 422, "invalid_cursor"),  # a list cursor on emails
        (path, {"before": "nope"}, 404, "email_not_found"),
    ]
    for url, params, status, code in cases:
        r = harness.http.get(url, params=params, headers=harness.auth(key))
        assert r.status_code == status, (url, params, r.text)
        assert r.json() == {"success": False, "error": {"code": code, "message": r.json()["error"]["message"]}}
