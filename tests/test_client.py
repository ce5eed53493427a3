"""dustmail_lite.client against a live server (uvicorn on real sockets): every method of
`Client` and `AsyncClient`, and the errors they raise."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from email.message import EmailMessage

import pytest
from helpers import wait_until

from dustmail_lite.client import (
    Account,
    ApiError,
    AsyncClient,
    Client,
    Domain,
    EmailDetail,
    EmailPage,
    EmailSummary,
    Inbox,
    InboxPage,
    NothingFound,
    WaitTimeout,
)

HTML = '<p>Your code is <b>482913</b>. <a href="https://app.example/verify?t=abc">Verify</a></p>'


def send_with_attachment(live, to: str) -> None:
    message = EmailMessage()
    message["From"] = "Shop <shop@example.com>"
    message["To"] = to
    message["Subject"] = "Confirm your account"
    message.set_content("Your verification code is 482913\nhttps://app.example/verify?t=abc")
    message.add_alternative(HTML, subtype="html")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    with live.smtp() as s:
        s.send_message(message)


@pytest.fixture
def premium(live):
    with Client(live.base_url, live.key("pat", "premium")) as client:
        yield client


def test_inboxes_create_list_page_get_delete(live, premium):
    account = premium.account()
    assert isinstance(account, Account) and account.name == "pat" and account.plan == "premium"
    named = premium.create_inbox(username="signup.bot", domain="shared.test")
    assert isinstance(named, Inbox) and named.email == "signup.bot@shared.test"
    others = [premium.create_inbox() for _ in range(2)]
    assert premium.rate_limit is not None and premium.rate_limit.limit is None

    first = premium.list_inboxes(limit=2)
    assert isinstance(first, InboxPage) and first.total == 3 and first.next_cursor
    assert [i.id for i in first.items] == [others[1].id, others[0].id]
    second = premium.list_inboxes(limit=2, cursor=first.next_cursor)
    assert [i.id for i in second.items] == [named.id] and second.next_cursor is None
    assert [i.id for i in premium.list_inboxes(before=others[0].id).items] == [named.id]
    found = premium.list_inboxes(q="signup.bot")
    assert [i.id for i in found.items] == [named.id] and found.matches == 1
    assert [i.id for i in premium.iter_inboxes(page_size=1)] == [others[1].id, others[0].id, named.id]

    live.send(named.email, subject="one", body="first")
    live.send(named.email, subject="two", body="second")
    wait_until(lambda: premium.get_inbox(named).email_count == 2)
    page = premium.get_inbox(named.id, limit=1)
    assert isinstance(page, EmailPage) and page.inbox.id == named.id
    assert [e.subject for e in page.emails] == ["two"] and page.next_cursor
    assert [e.subject for e in premium.get_inbox(named, cursor=page.next_cursor).emails] == ["one"]
    assert [e.subject for e in premium.get_inbox(named, before=page.emails[0].id).emails] == ["one"]
    assert [e.subject for e in premium.get_inbox(named, q="first").emails] == ["one"]
    assert premium.get_inbox(named).emails[0].from_ == "sender@example.com"

    premium.delete_inbox(named)
    with pytest.raises(ApiError) as caught:
        premium.get_inbox(named)
    assert (caught.value.status, caught.value.code) == (404, "inbox_not_found")
    assert premium.list_inboxes().total == 2


def test_one_email_raw_html_attachment_and_delete(live, premium):
    inbox = premium.create_inbox()
    send_with_attachment(live, inbox.email)
    email = premium.wait_for_email(inbox, timeout=10)
    assert isinstance(email, EmailDetail)
    assert email.subject == "Confirm your account" and email.codes == ["482913"]
    assert email.links == ["https://app.example/verify?t=abc"]
    detail = premium.get_email(inbox, email.id, safe_html=True)
    assert isinstance(detail.safe_html, str) and "482913" in detail.safe_html
    assert b"Subject: Confirm your account" in premium.raw(inbox, email.id)
    assert "<b>482913</b>" in premium.html(inbox.id, email.id)
    (attachment,) = detail.attachments
    assert attachment.filename == "invoice.pdf"
    assert premium.attachment(inbox, email.id, attachment.id) == b"%PDF-1.4 fake"
    with pytest.raises(ApiError) as caught:
        premium.attachment(inbox, email.id, "nope")
    assert (caught.value.status, caught.value.code) == (404, "attachment_not_found")

    premium.delete_email(inbox, email.id)
    for call in (premium.get_email, premium.raw, premium.html, premium.delete_email):
        with pytest.raises(ApiError) as caught:
            call(inbox, email.id)
        assert (caught.value.status, caught.value.code) == (404, "email_not_found")


def test_wait_for_code_and_link_take_the_next_email(live, premium):
    inbox = premium.create_inbox()
    live.send(inbox.email, subject="Welcome", body="Your code is 111222")
    assert premium.wait_for_code(inbox, timeout=10) == "111222"
    first = premium.wait_for_email(inbox, timeout=0)

    def later() -> None:
        time.sleep(0.3)
        live.send(inbox.email, subject="Reset", body="Reset: https://app.example/reset/xyz and https://b.example/x")

    threading.Thread(target=later).start()
    assert premium.wait_for_link(inbox, timeout=10, after=first.id) == "https://app.example/reset/xyz"
    second = premium.wait_for_email(inbox, timeout=0, after=first.id)
    assert premium.wait_for_link(inbox, after=first.id, contains="b.example") == "https://b.example/x"
    with pytest.raises(NothingFound) as nothing:
        premium.wait_for_code(inbox, timeout=0, after=first.id)
    assert nothing.value.email.id == second.id

    started = time.monotonic()
    with pytest.raises(WaitTimeout) as timed_out:
        premium.wait_for_email(inbox, timeout=0.5, after=second.id)
    assert timed_out.value.inbox_id == inbox.id and time.monotonic() - started >= 0.5
    result = premium.wait(inbox, timeout=0, after=second.id)
    assert result.timed_out and result.email is None


def test_events_iterator_yields_each_new_email(live, premium):
    inbox = premium.create_inbox()
    seen: queue.Queue[EmailSummary] = queue.Queue()

    def listen() -> None:
        with contextlib.closing(premium.events(inbox)) as events:
            for event in events:
                seen.put(event)
                return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    wait_until(lambda: live.server.events.subscriber_count == 1)
    live.send(inbox.email, subject="Live one")
    event = seen.get(timeout=10)
    assert isinstance(event, EmailSummary) and event.subject == "Live one" and event.inbox_id == inbox.id
    listener.join(10)


def test_custom_domains(make_live):
    live = make_live(dns={"nameservers": ["127.0.0.1:9"], "timeout": "0.2s"})
    with Client(live.base_url, live.key("fam", "premium")) as client:
        assert client.list_domains() == []
        added = client.add_domain("brand.example")
        assert isinstance(added, Domain) and added.status == "pending" and added.records
        assert [d.domain for d in client.list_domains()] == ["brand.example"]
        checked = client.verify_domain("brand.example")
        assert checked.status == "pending" and checked.check
        client.delete_domain("brand.example")
        with pytest.raises(ApiError) as caught:
            client.delete_domain("brand.example")
        assert (caught.value.status, caught.value.code) == (404, "domain_not_found")


def test_api_errors_carry_status_code_and_message(make_live):
    live = make_live(plans={"free": {"rate_limit": 3, "rate_window": "1h"}})
    with Client(live.base_url, "dm_live_not_a_real_key") as stranger:
        assert stranger.health().status == "ok"  # public: no key needed
        assert "/api/v1/inbox/{inbox_id}/wait" in stranger.openapi()["paths"]
        with pytest.raises(ApiError) as caught:
            stranger.list_inboxes()
        assert (caught.value.status, caught.value.code) == (401, "unauthorized")
        assert "API key" in caught.value.message
    with Client(live.base_url, live.key("free")) as free:
        with pytest.raises(ApiError) as caught:
            free.create_inbox(username="wanted")
        assert (caught.value.status, caught.value.code) == (403, "premium_required")
        with pytest.raises(ApiError) as caught:
            free.add_domain("brand.example")
        assert caught.value.code == "premium_required"
        with pytest.raises(ApiError) as caught:
            free.list_inboxes(cursor="garbage")
        assert (caught.value.status, caught.value.code) == (422, "invalid_cursor")
        with pytest.raises(ApiError) as caught:
            free.list_inboxes()
        assert (caught.value.status, caught.value.code) == (429, "rate_limited")
        assert caught.value.retry_after and caught.value.retry_after > 0
        assert free.rate_limit is not None and free.rate_limit.limit == 3


def test_wait_refuses_a_timeout_the_server_does_not_allow(make_live):
    live = make_live(wait={"max_timeout": "2s", "default_timeout": "1s"})
    with Client(live.base_url, live.key()) as client:
        inbox = client.create_inbox()
        with pytest.raises(ApiError) as caught:
            client.wait(inbox, timeout=5)
        assert (caught.value.status, caught.value.code) == (422, "invalid_timeout")
        with pytest.raises(ApiError) as caught:
            client.wait(inbox, timeout=1, after="not-an-id")
        assert caught.value.code == "invalid_after"


def test_async_client_every_method(make_live):
    live = make_live(dns={"nameservers": ["127.0.0.1:9"], "timeout": "0.2s"})
    key = live.key("amy", "premium")

    async def scenario() -> None:
        async with AsyncClient(live.base_url, key) as dm:
            assert (await dm.health()).status == "ok"
            assert (await dm.openapi())["openapi"].startswith("3.")
            assert (await dm.account()).name == "amy"
            inbox = await dm.create_inbox(username="async.user")
            assert (await dm.list_inboxes()).items[0].id == inbox.id
            assert [i.id async for i in dm.iter_inboxes(page_size=1)] == [inbox.id]
            events = dm.events()
            next_event = asyncio.ensure_future(events.__anext__())
            await asyncio.to_thread(wait_until, lambda: live.server.events.subscriber_count == 1)
            await asyncio.to_thread(send_with_attachment, live, inbox.email)
            event = await asyncio.wait_for(next_event, 10)
            assert event.inbox_id == inbox.id
            await events.aclose()
            assert await dm.wait_for_code(inbox, timeout=5) == "482913"
            assert await dm.wait_for_link(inbox, timeout=5) == "https://app.example/verify?t=abc"
            email = await dm.wait_for_email(inbox, timeout=5)
            assert (await dm.wait(inbox, timeout=0)).email == email
            assert (await dm.get_inbox(inbox)).emails[0].id == email.id
            detail = await dm.get_email(inbox, email.id)
            assert b"482913" in await dm.raw(inbox, email.id)
            assert "482913" in await dm.html(inbox, email.id)
            assert await dm.attachment(inbox, email.id, detail.attachments[0].id) == b"%PDF-1.4 fake"
            with pytest.raises(WaitTimeout):
                await dm.wait_for_email(inbox, timeout=0.2, after=email.id)
            await dm.delete_email(inbox, email.id)
            await dm.add_domain("brand.example")
            assert (await dm.verify_domain("brand.example")).status == "pending"
            assert [d.domain for d in await dm.list_domains()] == ["brand.example"]
            await dm.delete_domain("brand.example")
            await dm.delete_inbox(inbox)
            with pytest.raises(ApiError) as caught:
                await dm.get_email(inbox, email.id)
            assert (caught.value.status, caught.value.code) == (404, "inbox_not_found")

    asyncio.run(scenario())
