"""What real senders send, over real SMTP: bare LF, raw UTF-8 headers, SMTPUTF8,
8BITMIME, PIPELINING, sub-addresses, and the MIME shapes mail clients produce."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
import subprocess
from email.message import EmailMessage

import pytest

from helpers import require_tool, split_trace


def only_email(h, key, inbox, extended: bool = False):
    """The inbox's one email as the detail endpoint shows it."""
    listing = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]
    assert len(listing) == 1, [e["subject"] for e in listing]
    detail = h.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{listing[0]['id']}", headers=h.auth(key))
    assert detail.status_code == 200, detail.text
    return detail.json()["data"]


def raw_of(h, key, email_json) -> bytes:
    got = h.http.get(email_json["raw_url"], headers=h.auth(key))
    assert got.status_code == 200
    return got.content


def download(h, key, attachment) -> bytes:
    got = h.http.get(attachment["download_url"], headers=h.auth(key))
    assert got.status_code == 200, got.text
    return got.content


def long_lf_message(to: str, dot_line: bool = True) -> bytes:
    message = EmailMessage()
    message["From"] = "App <app@example.com>"
    message["To"] = to
    message["Subject"] = "Bare LF"
    lines = [f"line {n}: " + "lorem ipsum " * 5 for n in range(40)]
    middle = ([".hidden starts with a dot"] if dot_line else []) + ["Your code is 731904"]
    message.set_content("\n".join(lines[:20] + middle + lines[20:]))
    data = message.as_bytes()
    assert b"\r\n" not in data and len(data) > 2000  # LF line ends, well past the old ~1 KB failure
    return data


# --- line ends -------------------------------------------------------------------------------


def test_bare_lf_from_smtplib_as_bytes_is_accepted_normalised_and_unstuffed(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    data = long_lf_message(inbox["email"])
    with harness.smtp() as s:
        assert s.sendmail("app@example.com", inbox["email"], data) == {}  # smtplib stuffs ".hidden"
    stored = only_email(harness, key, inbox)
    assert stored["subject"] == "Bare LF" and stored["codes"] == ["731904"]
    assert "\n.hidden starts with a dot\n" in stored["text"] and "..hidden" not in stored["text"]
    _, sent = split_trace(raw_of(harness, key, stored))
    assert sent == data.replace(b"\n", b"\r\n") + b"\r\n"  # smtplib ends what does not end in CRLF


def test_curl_upload_file_with_lf_line_ends(harness, tmp_path):
    curl = require_tool("curl", "apt-get install curl")
    key = harness.key()
    inbox = harness.create_inbox(key)
    path = tmp_path / "mail.txt"
    # curl does not dot-stuff after a bare LF (smtplib does); like Postfix, we unstuff after
    # every line end, so a line starting with "." would lose it: see README "Line ends".
    path.write_bytes(long_lf_message(inbox["email"], dot_line=False))
    result = subprocess.run(
        [curl, "-sS", f"smtp://127.0.0.1:{harness.smtp_port}", "--mail-from", "app@example.com",
         "--mail-rcpt", inbox["email"], "--upload-file", str(path)],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    stored = only_email(harness, key, inbox)
    assert stored["codes"] == ["731904"] and "line 39: lorem" in stored["text"]
    sent = path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n"  # curl, too, adds a CRLF before the "."
    assert split_trace(raw_of(harness, key, stored))[1] == sent


def test_lone_cr_line_ends_become_crlf(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    with socket.create_connection(("127.0.0.1", harness.smtp_port), timeout=5) as sock, sock.makefile("rb") as f:
        f.readline()
        sock.sendall(f"EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<{inbox['email']}>\r\nDATA\r\n".encode())
        replies = []
        while len(replies) < 3 or not replies[-1].startswith(b"354"):
            replies.append(f.readline())
        sock.sendall(b"Subject: mac\r\rfirst\r.second\r\r\nthird\r\n.\r\n")
        assert f.readline().startswith(b"250")
    stored = only_email(harness, key, inbox)
    assert stored["subject"] == "mac"
    # No sender stuffs a dot after a lone CR, so none is taken away there.
    assert split_trace(raw_of(harness, key, stored))[1] == b"Subject: mac\r\n\r\nfirst\r\n.second\r\nthird\r\n"


# --- headers ----------------------------------------------------------------------------------


def test_raw_utf8_subject_from_swaks(harness):
    swaks = require_tool("swaks", "apt-get install swaks")
    key = harness.key()
    inbox = harness.create_inbox(key)
    result = subprocess.run(
        [swaks, "--server", f"127.0.0.1:{harness.smtp_port}", "--to", inbox["email"],
         "--from", "app@example.com", "--header", "Subject: Grüße aus Köln",
         "--header", "X-Name: Jürgen Weiß", "--body", "Dein Code: 582013"],
        capture_output=True, timeout=30,
    )
    assert result.returncode == 0, result.stdout.decode(errors="replace")[-2000:]
    stored = only_email(harness, key, inbox)
    assert stored["subject"] == "Grüße aus Köln"
    headers = {h["name"]: h["value"] for h in stored["headers"]}
    assert headers["Subject"] == "Grüße aus Köln" and headers["X-Name"] == "Jürgen Weiß"
    assert stored["codes"] == ["582013"]


def test_latin1_raw_header_falls_back_to_latin1(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = "From: Andr\xe9 <andre@example.com>\r\nSubject: Caf\xe9 cr\xe8me\r\n\r\nbody\r\n".encode("latin-1")
    harness.send_raw(inbox["email"], raw)
    stored = only_email(harness, key, inbox)
    assert stored["subject"] == "Café crème"
    assert {"name": "From", "value": "André <andre@example.com>"} in stored["headers"]
    assert stored["from"] == "andre@example.com"


# --- SMTPUTF8, 8BITMIME, PIPELINING -----------------------------------------------------------


def test_ehlo_advertises_smtputf8_8bitmime_pipelining_and_no_auth(harness):
    with harness.smtp() as s:
        code, _ = s.ehlo("client.example")
        assert code == 250
        for extension in ("smtputf8", "8bitmime", "pipelining", "size"):
            assert s.has_extn(extension), extension
        assert not s.has_extn("auth") and not s.has_extn("starttls")


def test_internationalised_sender_is_stored_as_sent(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    sender = "jürgen@bücher.example"
    raw = f"Subject: Grüße\r\nTo: {inbox['email']}\r\n\r\nHallo\r\n".encode()
    with harness.smtp() as s:
        assert s.sendmail(sender, inbox["email"], raw, mail_options=["SMTPUTF8", "BODY=8BITMIME"]) == {}
    stored = only_email(harness, key, inbox)
    assert stored["from"] == sender  # no From: header, so the envelope sender, as sent
    trace, sent = split_trace(raw_of(harness, key, stored))
    assert b" with UTF8SMTP" in trace and sent == raw


def test_utf8_recipient_is_matched_against_ascii_usernames(harness):
    key = harness.key()
    harness.create_inbox(key)
    with harness.smtp() as s:
        s.ehlo()
        assert s.mail("a@example.com", ["SMTPUTF8"])[0] == 250
        code, message = s.rcpt("jürgen@dustmail.test")
        assert code == 550 and message.startswith(b"5.1.1")


def test_8bitmime_body_is_stored_byte_exact(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = b"Subject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" \
          + "Grüße, 验证码 660412\r\n".encode()
    with harness.smtp() as s:
        s.ehlo()
        assert s.sendmail("a@example.com", inbox["email"], raw, mail_options=["BODY=8BITMIME"]) == {}
    stored = only_email(harness, key, inbox)
    assert stored["text"] == "Grüße, 验证码 660412\n" and stored["codes"] == ["660412"]
    assert split_trace(raw_of(harness, key, stored))[1] == raw


def test_pipelined_transaction_gets_its_replies_in_order(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    with socket.create_connection(("127.0.0.1", harness.smtp_port), timeout=5) as sock, sock.makefile("rb") as f:
        f.readline()
        sock.sendall(b"EHLO x\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        sock.sendall(
            f"MAIL FROM:<a@example.com>\r\nRCPT TO:<nobody@dustmail.test>\r\nRCPT TO:<{inbox['email']}>\r\n"
            "DATA\r\n".encode()
        )
        replies = [f.readline()[:3] for _ in range(4)]
        assert replies == [b"250", b"550", b"250", b"354"]
        sock.sendall(b"Subject: piped\r\n\r\nx\r\n.\r\nQUIT\r\n")
        assert f.readline().startswith(b"250") and f.readline().startswith(b"221")
    assert only_email(harness, key, inbox)["subject"] == "piped"


# --- sub-addressing ---------------------------------------------------------------------------


def test_plus_address_delivers_to_the_inbox_with_its_tag(harness):
    key = harness.key("sub", "premium")
    inbox = harness.create_inbox(key, username="ana")
    assert harness.send("ana+Shop.Example@dustmail.test", subject="tagged") == {}
    stored = only_email(harness, key, inbox)
    assert stored["tag"] == "Shop.Example" and stored["subject"] == "tagged"
    listed = harness.http.get(f"/api/v1/inbox/{inbox['id']}?extended=1", headers=harness.auth(key)).json()
    assert [(e["tag"], e["tls"]) for e in listed["data"]["emails"]] == [("Shop.Example", False)]
    plain = harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key)).json()
    assert "tag" not in plain["data"]["emails"][0]  # the contract's shape unless asked


def test_untagged_mail_has_tag_null_and_unknown_base_is_550(harness):
    key = harness.key("sub", "premium")
    inbox = harness.create_inbox(key, username="bo")
    harness.send("bo@dustmail.test")
    assert only_email(harness, key, inbox)["tag"] is None
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        harness.send("nobody+x@dustmail.test")


def test_each_inbox_gets_the_tag_it_was_addressed_with(harness):
    key = harness.key("sub", "premium")
    a = harness.create_inbox(key, username="amy")
    b = harness.create_inbox(key, username="ben")
    assert harness.send(["amy+one@dustmail.test", "ben+two@dustmail.test", "amy+three@dustmail.test"]) == {}
    assert only_email(harness, key, a)["tag"] == "one"  # one copy per inbox, the first naming's tag
    assert only_email(harness, key, b)["tag"] == "two"


def test_subaddressing_can_be_turned_off_or_use_another_separator(make_harness):
    off = make_harness(smtp={"subaddress_separator": ""})
    key = off.key("sub", "premium")
    off.create_inbox(key, username="cy")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        off.send("cy+x@dustmail.test")
    dash = make_harness(smtp={"subaddress_separator": "-"})
    key = dash.key("sub", "premium")
    inbox = dash.create_inbox(key, username="dee")
    exact = dash.create_inbox(key, username="dee-two")
    dash.send("dee-news@dustmail.test")
    dash.send("dee-two@dustmail.test")  # an inbox with that exact name wins
    assert only_email(dash, key, inbox)["tag"] == "news"
    assert only_email(dash, key, exact)["tag"] is None


def test_catch_all_sink_uses_the_base_name_for_tagged_mail(make_harness):
    h = make_harness(smtp={"catch_all_owner": "dev"})
    key = h.key("dev")
    h.send("signup+test42@dustmail.test", subject="sink")
    [inbox] = h.http.get("/api/v1/inbox", headers=h.auth(key)).json()["data"]
    assert inbox["email"] == "signup@dustmail.test"
    assert only_email(h, key, inbox)["tag"] == "test42"


# --- MIME shapes ------------------------------------------------------------------------------


def test_8bit_filename_does_not_abort_the_walk(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = (
        "Subject: Rechnung\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"März.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIhr Bestätigungscode: 447120\r\n"
        "--b\r\nContent-Type: image/png; name=\"Übersicht.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "iVBORw0KGgo=\r\n--b--\r\n"
    ).encode()
    harness.send_raw(inbox["email"], raw)
    stored = only_email(harness, key, inbox)
    assert stored["parse_error"] is None  # always present: null when it parsed
    assert stored["codes"] == ["447120"] and "Bestätigungscode" in stored["text"]
    names = [a["filename"] for a in stored["attachments"]]
    assert names == ["März.pdf", "Übersicht.png"]
    assert download(harness, key, stored["attachments"][0]) == b"%PDF-1.4"
    assert download(harness, key, stored["attachments"][1]) == b"\x89PNG\r\n\x1a\n"


def test_inline_text_part_with_a_filename_is_the_body(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = (
        b"Subject: inline\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: inline;\r\n\tfilename=\"msg.txt\"\r\n\r\n"
        b"Your code is 903112\r\n--b--\r\n"
    )
    harness.send_raw(inbox["email"], raw)
    stored = only_email(harness, key, inbox)
    assert stored["text"] == "Your code is 903112" and stored["codes"] == ["903112"]
    assert stored["attachments"] == []


def test_forwarded_message_is_one_eml_attachment_never_the_body(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    inner = EmailMessage()
    inner["From"] = "old@example.com"
    inner["Subject"] = "Old code"
    inner.set_content("Your old code is 111111")
    outer = EmailMessage()
    outer["From"] = "fwd@example.com"
    outer["To"] = inbox["email"]
    outer["Subject"] = "Fwd: look"
    outer.set_content("<p>See the attached mail</p>", subtype="html")
    outer.add_attachment(inner)  # message/rfc822
    harness.send_raw(inbox["email"], outer.as_bytes(policy=email.policy.SMTP))
    stored = only_email(harness, key, inbox)
    assert stored["html"].strip() == "<p>See the attached mail</p>"
    assert "111111" not in stored["text"] and stored["codes"] == []
    [attachment] = stored["attachments"]
    assert attachment["content_type"] == "message/rfc822" and attachment["filename"] == "Old code.eml"
    attached = email.message_from_bytes(download(harness, key, attachment), policy=email.policy.default)
    assert attached["Subject"] == "Old code" and attached.get_content().strip() == "Your old code is 111111"
    assert attachment["size"] == len(download(harness, key, attachment))


def test_delivery_status_report_parts_are_attachments(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = (
        b"Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: code 555123\r\nFrom: a@example.com\r\n"
        b"--r--\r\n"
    )
    harness.send_raw(inbox["email"], raw)
    stored = only_email(harness, key, inbox)
    assert stored["text"] == "The mail could not be delivered." and stored["codes"] == []
    types = [(a["content_type"], a["filename"]) for a in stored["attachments"]]
    assert types == [("message/delivery-status", "part-3.txt"), ("text/rfc822-headers", "part-6.txt")]
    status = download(harness, key, stored["attachments"][0])
    assert b"Reporting-MTA: dns; mx.example\r\n" in status and b"Status: 5.1.1" in status
    assert download(harness, key, stored["attachments"][1]).startswith(b"Subject: code 555123")


def test_apple_mail_text_image_text_keeps_both_paragraphs(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = (
        b"Subject: photo\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHere is the photo.\r\n"
        b"--a\r\nContent-Type: image/png; name=p.png\r\nContent-Disposition: inline; filename=p.png\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
        b"--a\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nAnd your code: 640213\r\n--a--\r\n"
    )
    harness.send_raw(inbox["email"], raw)
    stored = only_email(harness, key, inbox)
    assert stored["text"] == "Here is the photo.\nAnd your code: 640213"
    assert stored["codes"] == ["640213"] and [a["filename"] for a in stored["attachments"]] == ["p.png"]
