"""Verified custom domains, against a real DNS server on loopback."""

from __future__ import annotations

import json
import smtplib

import pytest
from dnsserver import DnsServer

from dustmail_lite.domains import normalise_domain


@pytest.fixture
def dns_server():
    server = DnsServer()
    yield server
    server.close()


@pytest.fixture
def h(make_harness, dns_server):
    harness = make_harness(dns={"nameservers": [dns_server.address], "timeout": "1s", "max_failures": 2})
    harness.dns = dns_server
    return harness


def publish(dns_server, added: dict) -> None:
    for record in added["records"]:
        if record["type"] == "TXT":
            dns_server.set(record["name"], "TXT", f'"{record["value"]}"')
        else:
            dns_server.set(record["name"], "MX", f'{record["priority"]} {record["value"]}.')


def verify(h, domain, expect=0):
    result = h.env.cli("domains", "verify", domain, "--json", expect=expect)
    return json.loads(result.stdout)


def test_the_whole_flow_from_the_cli(h):
    key = h.key("fam", "premium")
    added = json.loads(h.env.cli("domains", "add", "Brand.Example.", "--owner", "fam", "--json").stdout)
    assert added["domain"] == "brand.example" and added["status"] == "pending"
    txt, mx = added["records"]
    assert txt["type"] == "TXT" and txt["name"] == "_dustmail.brand.example"
    assert txt["value"].startswith("dustmail-verify=") and len(txt["value"]) > 30
    assert mx == {"type": "MX", "name": "brand.example", "value": "mx.test.example", "priority": 10}

    # Before the records exist: not verified, exit 1, per-record answers.
    before = verify(h, "brand.example", expect=1)
    assert before["status"] == "pending"
    assert [r["status"] for r in before["check"]["records"]] == ["missing", "missing"]
    r = h.http.post("/api/v1/inbox", json={"domain": "brand.example"}, headers=h.auth(key))
    assert r.status_code == 422 and r.json()["error"]["code"] == "domain_unavailable"

    publish(h.dns, added)
    after = verify(h, "brand.example")
    assert after["status"] == "verified" and after["check"]["verified"] is True

    r = h.http.post("/api/v1/inbox", json={"username": "swift.fox4291", "domain": "brand.example"}, headers=h.auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["meta"]["available_domains"] == ["dustmail.test", "shared.test", "brand.example"]
    inbox = r.json()["data"]
    assert inbox["email"] == "swift.fox4291@brand.example"
    h.send("Swift.Fox4291@BRAND.example", subject="on my own domain")
    emails = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]
    assert [e["subject"] for e in emails] == ["on my own domain"]
    listed = json.loads(h.env.cli("domains", "list", "--json").stdout)
    assert [(d["domain"], d["owner"], d["status"]) for d in listed] == [("brand.example", "fam", "verified")]


def test_wrong_records_are_mismatches_with_what_was_found(h):
    h.key("fam", "premium")
    added = json.loads(h.env.cli("domains", "add", "brand.example", "--owner", "fam", "--json").stdout)
    h.dns.set("_dustmail.brand.example", "TXT", '"dustmail-verify=wrong"', '"v=spf1 -all"')
    h.dns.set("brand.example", "MX", "10 mail.elsewhere.example.")
    result = verify(h, "brand.example", expect=1)
    txt, mx = result["check"]["records"]
    assert txt["status"] == "mismatch" and sorted(txt["found"]) == ["dustmail-verify=wrong", "v=spf1 -all"]
    assert mx["status"] == "mismatch" and mx["found"] == ["mail.elsewhere.example"]
    text = h.env.cli("domains", "verify", "brand.example", expect=1).stdout
    assert "TXT  _dustmail.brand.example: mismatch" in text and "mail.elsewhere.example" in text
    assert added["status"] == "pending"


def test_split_txt_strings_are_joined(h):
    h.key("fam", "premium")
    added = json.loads(h.env.cli("domains", "add", "brand.example", "--owner", "fam", "--json").stdout)
    value = added["records"][0]["value"]
    h.dns.set("_dustmail.brand.example", "TXT", f'"{value[:20]}" "{value[20:]}"', '"' + "x" * 255 + '" "' + "y" * 100 + '"')
    h.dns.set("brand.example", "MX", "20 backup.example.", "10 MX.TEST.EXAMPLE.")
    result = verify(h, "brand.example")
    assert result["status"] == "verified"
    assert "x" * 255 + "y" * 100 in result["check"]["records"][0]["found"]


def test_servfail_and_timeout_are_dns_errors(h):
    h.key("fam", "premium")
    h.env.cli("domains", "add", "broken.example", "--owner", "fam")
    h.dns.servfail.add("_dustmail.broken.example")
    h.dns.silent.add("broken.example")
    result = verify(h, "broken.example", expect=1)
    txt, mx = result["check"]["records"]
    assert (txt["status"], txt["error"]) == ("dns_error", "SERVFAIL")
    assert (mx["status"], mx["error"]) == ("dns_error", "timeout")


def test_rechecks_suspend_a_domain_after_repeated_mx_failures_but_not_on_dns_errors(h):
    key = h.key("fam", "premium")
    added = json.loads(h.env.cli("domains", "add", "brand.example", "--owner", "fam", "--json").stdout)
    publish(h.dns, added)
    verify(h, "brand.example")
    inbox = h.create_inbox(key, username="keep", domain="brand.example")
    domains = h.server.domains

    async def recheck():
        from dustmail_lite.store import now_ms

        return await domains.recheck_due(0, now_ms() + 1000)

    h.dns.silent.add("brand.example")  # resolver trouble: no change
    h.run(recheck)
    assert h.run(h.server.store.get_domain, "brand.example").status == "verified"
    h.dns.silent.clear()

    h.dns.clear("brand.example", "MX")  # the MX record is gone
    h.run(recheck)
    assert h.run(h.server.store.get_domain, "brand.example").status == "failing"
    h.send(inbox["email"], subject="still delivered while failing")
    h.run(recheck)
    assert h.run(h.server.store.get_domain, "brand.example").status == "suspended"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        h.send(inbox["email"])
    assert next(iter(refused.value.recipients.values()))[0] == 550
    listing = h.env.cli("domains", "list").stdout
    assert "suspended" in listing and "2 failed checks: MX missing" in listing
    r = h.http.post("/api/v1/inbox", json={"domain": "brand.example"}, headers=h.auth(key))
    assert r.status_code == 422

    publish(h.dns, added)
    assert verify(h, "brand.example")["status"] == "verified"
    h.send(inbox["email"], subject="back")
    subjects = [e["subject"] for e in h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]]
    assert subjects == ["back", "still delivered while failing"]


def test_claims_cannot_be_taken_over_whatever_the_spelling(h):
    h.key("fam", "premium")
    h.key("other", "premium")
    added = json.loads(h.env.cli("domains", "add", "brand.example", "--owner", "fam", "--json").stdout)
    publish(h.dns, added)
    verify(h, "brand.example")
    for spelling in ("brand.example", "BRAND.EXAMPLE", "brand.example."):
        result = h.env.cli("domains", "add", spelling, "--owner", "other", expect=1)
        assert "already claimed" in result.stderr
    result = h.env.cli("domains", "add", "shared.test", "--owner", "other", expect=1)
    assert "shared domain" in result.stderr


def test_idn_names_are_normalised():
    assert normalise_domain("Bücher.Example.") == "xn--bcher-kva.example"
    assert normalise_domain("xn--bcher-kva.example") == "xn--bcher-kva.example"
    bad_names = ("", ".", "no_underscores.example", "single", "-lead.example", "a" * 64 + ".example",
                 "line\n.example", "example.com\n.evil", "tab\t.example",  # `$` once let a newline by
                 "1.2.3.4", "example.123", "10.0.0.1.", "xn--zz.example", "xn--bcher-kva9.example",
                 "brand.xn--zz", "Bücher.xn--zz", "xn--.example", "xn--a.example")
    for bad in bad_names:
        with pytest.raises(ValueError):
            normalise_domain(bad)
    # A number in other labels, `--` elsewhere and valid punycode TLDs stay fine.
    for good in ("123.example", "1a.2b.example", "ab--cd.example", "brand.xn--p1ai", "xn--ls8h.example"):
        assert normalise_domain(good) == good


def test_ip_addresses_and_bad_punycode_are_not_domains_over_http_and_smtp(h):
    key = h.key("fam", "premium")
    for name in ("1.2.3.4", "xn--zz.example", "brand.example.123", "xn--bcher-kva9.example"):
        r = h.http.post("/api/v1/domains", json={"domain": name}, headers=h.auth(key))
        assert r.status_code == 422, (name, r.text)
        assert r.json()["success"] is False and r.json()["error"]["code"] == "invalid_domain", name
        r = h.http.post("/api/v1/inbox", json={"domain": name}, headers=h.auth(key))
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_domain", (name, r.text)
    assert h.http.get("/api/v1/domains", headers=h.auth(key)).json()["data"] == []
    result = h.env.cli("domains", "add", "xn--zz.example", "--owner", "fam", expect=1)
    assert "bad punycode" in result.stderr
    for address in ("someone@xn--zz.example", "someone@1.2.3.4"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            h.send(address)
        assert next(iter(refused.value.recipients.values()))[0] == 553
    r = h.http.post("/api/v1/domains", json={"domain": "Bücher.Example"}, headers=h.auth(key))
    assert r.status_code == 201 and r.json()["data"]["domain"] == "xn--bcher-kva.example"


def test_the_api_for_premium_keys(h):
    free = h.key("free-user")
    key = h.key("fam", "premium")
    other = h.key("other", "premium")
    r = h.http.get("/api/v1/domains", headers=h.auth(free))
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required"
    assert h.http.post("/api/v1/domains", json={"domain": "x.example"}, headers=h.auth(free)).status_code == 403

    r = h.http.post("/api/v1/domains", json={"domain": "Brand.Example"}, headers=h.auth(key))
    assert r.status_code == 201
    added = r.json()["data"]
    assert added["domain"] == "brand.example" and added["status"] == "pending"
    assert [rec["type"] for rec in added["records"]] == ["TXT", "MX"]
    assert h.http.post("/api/v1/domains", json={"domain": "nope"}, headers=h.auth(key)).status_code == 422
    r = h.http.post("/api/v1/domains", json={"domain": "brand.example\n.evil"}, headers=h.auth(key))
    assert r.status_code == 422 and r.json()["success"] is False
    assert h.http.post("/api/v1/domains", json={}, headers=h.auth(key)).status_code == 422
    r = h.http.post("/api/v1/domains", json={"domain": "shared.test"}, headers=h.auth(key))
    assert r.status_code == 409 and r.json()["error"]["code"] == "domain_taken"

    r = h.http.post("/api/v1/domains/brand.example/verify", headers=h.auth(key))
    assert r.status_code == 200 and r.json()["data"]["status"] == "pending"
    assert [x["status"] for x in r.json()["data"]["check"]["records"]] == ["missing", "missing"]
    publish(h.dns, added)
    r = h.http.post("/api/v1/domains/BRAND.example/verify", headers=h.auth(key))
    assert r.json()["data"]["status"] == "verified"

    # Another account: the domain does not exist for it.
    r = h.http.post("/api/v1/domains/brand.example/verify", headers=h.auth(other))
    assert r.status_code == 404 and r.json()["error"]["code"] == "domain_not_found"
    assert h.http.delete("/api/v1/domains/brand.example", headers=h.auth(other)).status_code == 404
    r = h.http.post("/api/v1/domains", json={"domain": "brand.example"}, headers=h.auth(other))
    assert r.status_code == 409
    theirs = h.http.post("/api/v1/inbox", json={"domain": "brand.example"}, headers=h.auth(other))
    unknown = h.http.post("/api/v1/inbox", json={"domain": "unknown.example"}, headers=h.auth(other))
    assert theirs.status_code == unknown.status_code == 422
    assert theirs.json()["error"]["message"].replace("brand", "unknown") == unknown.json()["error"]["message"]

    listed = h.http.get("/api/v1/domains", headers=h.auth(key)).json()
    assert [d["domain"] for d in listed["data"]] == ["brand.example"] and listed["meta"]["total"] == 1
    assert h.http.get("/api/v1/domains", headers=h.auth(other)).json()["data"] == []

    inbox = h.create_inbox(key, domain="brand.example")
    h.send(inbox["email"], subject="before removal")
    r = h.http.delete("/api/v1/domains/brand.example", headers=h.auth(key))
    assert r.status_code == 200 and r.json()["message"] == "Domain removed"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        h.send(inbox["email"])
    # The inbox and its mail stay readable until the inbox expires.
    r = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key))
    assert [e["subject"] for e in r.json()["data"]["emails"]] == ["before removal"]


def test_verification_calls_are_rate_limited(make_harness, dns_server):
    h = make_harness(dns={"nameservers": [dns_server.address], "timeout": "1s"}, plans={"premium": {"rate_limit": 2}})
    key = h.key("fam", "premium")
    h.http.post("/api/v1/domains", json={"domain": "brand.example"}, headers=h.auth(key))
    assert h.http.post("/api/v1/domains/brand.example/verify", headers=h.auth(key)).status_code == 200
    r = h.http.post("/api/v1/domains/brand.example/verify", headers=h.auth(key))
    assert r.status_code == 429
