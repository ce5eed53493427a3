"""POST /api/v1/extract over real HTTP: what a message would get, nothing stored, limits, errors."""

from __future__ import annotations

from pathlib import Path

from test_api import assert_error

CORPUS = Path(__file__).parent / "extraction_corpus" / "eml"
RFC822 = {"Content-Type": "message/rfc822"}


def post(live, key, body: bytes, headers=RFC822):
    return live.http.post("/api/v1/extract", content=body, headers={**live.auth(key), **headers})


def test_dry_run_answers_what_delivery_would_store_and_stores_nothing(live):
    key = live.key("dev")
    inbox = live.create_inbox(key)
    raw = (CORPUS / "en-04-reset-sendgrid.eml").read_bytes().replace(b"user@dustmail.localhost", inbox["email"].encode())
    r = post(live, key, raw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["meta"]["rate_limit"]["used"] == 2
    data = body["data"]
    assert data["subject"] == "Reset your Acme Cloud password"
    assert data["from"] == "support@acmecloud.example" and data["to"] == [inbox["email"]]
    assert data["links"][0] == "https://app.acmecloud.example/password/reset?token=d41d8cd98f00b204"
    assert data["link_details"][0]["kind"] == "verification"
    assert data["codes"] == [] and data["code_details"] == []
    # Nothing stored: the inbox addressed is still empty, and no inbox appeared.
    got = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()
    assert got["data"]["emails"] == [] and got["meta"]["email_count"] == 0
    assert live.http.get("/api/v1/inbox", headers=live.auth(key)).json()["meta"]["total"] == 1

    # The same message over SMTP gets the same fields.
    live.send_raw(inbox["email"], raw)
    email = live.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": 5},
                          headers=live.auth(key)).json()["data"]
    for field in ("subject", "from", "text", "html", "codes", "links", "code_details", "link_details",
                  "rejected_codes", "attachments", "headers"):
        expected = data[field]
        if field == "attachments":
            expected = [{**a, "download_url": b["download_url"]} for a, b in zip(expected, email[field])]
        got = email[field]
        if field == "headers":  # delivery adds our trace header on top; a dry run has no envelope
            assert got[0]["name"] == "Received"
            got = got[1:]
        assert got == expected, field


def test_dry_run_explains_a_code(live):
    key = live.key("dev")
    raw = (CORPUS / "es-01-clave.eml").read_bytes()
    data = post(live, key, raw).json()["data"]
    assert data["codes"] == ["4821"]
    top = data["code_details"][0]
    assert top["source"] == "text" and "clave" in top["cues"] and 0 < top["confidence"] <= 1
    decoys = {r["decoy"] for r in data["rejected_codes"]}
    assert {"date", "phone number", "postcode"} <= decoys


def test_dry_run_is_size_limited_like_smtp(make_live):
    live = make_live(smtp={"max_message_size": "4KB"})
    key = live.key("dev")
    big = b"Subject: big\r\n\r\n" + b"x" * 5000
    assert_error(post(live, key, big), 413, "body_too_large")
    # Without a Content-Length (chunked), the limit holds too.
    chunks = (big[i : i + 1000] for i in range(0, len(big), 1000))
    r = live.http.post("/api/v1/extract", content=chunks, headers={**live.auth(key), **RFC822})
    assert_error(r, 413, "body_too_large")
    assert post(live, key, b"Subject: small\r\n\r\nYour code is 123456\r\n").json()["data"]["codes"] == ["123456"]


def test_malformed_messages_get_a_clear_422_and_nothing_is_stored(live):
    key = live.key("dev")
    inbox = live.create_inbox(key)
    malformed = (
        b"", b"   \r\n", b"just some words, no header\r\n", b"\r\n\r\nbody only", b"\x00\x01\x02binary",
        b"[{'': 1}, []]", b'{"subject": "json, not a message"}', b"X-Only-Custom: 1\r\n\r\nbody\r\n",
    )
    for body in malformed:
        body_json = assert_error(post(live, key, body), 422, "malformed_message")
        assert "message" in body_json["error"]["message"] or "body" in body_json["error"]["message"]
    got = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()
    assert got["data"]["emails"] == []


def test_dry_run_refuses_other_media_types_and_needs_a_key(live):
    key = live.key("dev")
    raw = b"Subject: x\r\n\r\ncode 123456\r\n"
    assert_error(post(live, key, raw, headers={"Content-Type": "application/json"}), 415, "unsupported_media_type")
    assert_error(post(live, key, raw, headers={}), 415, "unsupported_media_type")
    r = live.http.post("/api/v1/extract", content=raw, headers=RFC822)
    assert_error(r, 401, "unauthorized")
    r = live.http.post("/api/v1/extract", content=raw, headers={**RFC822, "Authorization": "Bearer dm_live_nope"})
    assert_error(r, 401, "unauthorized")


def test_dry_run_is_rate_limited(make_live):
    live = make_live(plans={"free": {"rate_limit": 2, "rate_window": "1h"}})
    key = live.key("dev")
    raw = b"Subject: x\r\n\r\ncode 123456\r\n"
    assert post(live, key, raw).status_code == 200
    assert post(live, key, raw).status_code == 200
    r = post(live, key, raw)
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0


def test_an_oversized_header_block_is_refused(make_live):
    live = make_live(smtp={"max_header_size": "1KB"})
    key = live.key("dev")
    raw = b"Subject: x\r\nX-Big: " + b"a" * 2000 + b"\r\n\r\nbody\r\n"
    assert_error(post(live, key, raw), 413, "header_too_large")
