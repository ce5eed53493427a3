"""Several `serve` processes on one PostgreSQL database, over real sockets: wake-ups and
event streams across nodes, shared limits, a node killed under load, and PostgreSQL itself
stopped and started again under load. Marked `postgres`: run with --backend=postgres."""

from __future__ import annotations

import signal
import smtplib
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import httpx2 as httpx
import pytest
from helpers import ServeProcess, wait_until

import pgcluster

pytestmark = pytest.mark.postgres


def node(folder: Path, url: str, **extra: dict) -> ServeProcess:
    folder.mkdir(parents=True, exist_ok=True)
    return ServeProcess(folder, {"storage": {"path": str(folder / "unused.sqlite3"), "url": url}, **extra})


def start_together(*nodes: ServeProcess) -> None:
    """Start the processes at the same moment (their migrations race on the empty database)."""
    threads = [threading.Thread(target=n.start) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in nodes:
        assert n.proc is not None and n.proc.poll() is None, n.log.read_text()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def send(port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", to, subject
    message.set_content(f"body of {subject}")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.send_message(message)


@pytest.fixture
def two_nodes(tmp_path: Path):
    url = pgcluster.shared_server().create_db()
    a, b = node(tmp_path / "a", url), node(tmp_path / "b", url)
    start_together(a, b)
    yield a, b
    for n in (a, b):
        if n.proc is not None and n.proc.poll() is None:
            assert n.stop() == 0, n.log.read_text()


def test_both_nodes_start_at_once_and_migrate_once(two_nodes):
    a, b = two_nodes
    for n in (a, b):
        assert httpx.get(n.base + "/api/v1/health").json()["data"]["status"] == "ok"
    log = a.log.read_text() + b.log.read_text()
    assert "Traceback" not in log


def test_delivery_to_node_a_wakes_a_waiter_and_a_stream_on_node_b(two_nodes):
    a, b = two_nodes
    key = a.cli("keys", "create", "--owner", "alice").strip()
    inbox = httpx.post(b.base + "/api/v1/inbox", headers=auth(key)).json()["data"]
    result: dict = {}

    def waiter() -> None:
        r = httpx.get(b.base + f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": 20},
                      headers=auth(key), timeout=30)
        result["answer"], result["at"] = r.json(), time.monotonic()

    stream_lines: list[str] = []
    connected = threading.Event()

    def reader() -> None:
        with httpx.stream("GET", b.base + f"/api/v1/inbox/{inbox['id']}/events", headers=auth(key),
                          timeout=30) as r:
            for line in r.iter_lines():
                stream_lines.append(line)
                if line.startswith(": connected"):
                    connected.set()
                if line.startswith("data: {") and "subject" in line:
                    return

    threads = [threading.Thread(target=waiter), threading.Thread(target=reader)]
    started = time.monotonic()
    for t in threads:
        t.start()
    assert connected.wait(10), stream_lines  # node B's stream is subscribed: live events only
    time.sleep(0.3)  # and the waiter's request has reached node B (it was sent with the stream)
    send(a.smtp_port, inbox["email"], "cross-node hello")
    sent = time.monotonic()
    for t in threads:
        t.join(10)
    answer = result["answer"]
    assert answer["data"]["subject"] == "cross-node hello", answer
    assert answer["meta"]["timed_out"] is False
    assert result["at"] - started >= 0.3  # it waited: woken by the delivery, not answered at once
    assert result["at"] - sent < 1.0, result["at"] - sent
    assert any("cross-node hello" in line for line in stream_lines), stream_lines


def test_a_free_keys_101st_request_is_refused_on_either_node(two_nodes):
    a, b = two_nodes
    key = a.cli("keys", "create", "--owner", "bob").strip()
    for i in range(100):
        n = (a, b)[i % 2]
        r = httpx.get(n.base + "/api/v1/inbox", headers=auth(key))
        assert r.status_code == 200, (i, r.text)
        assert r.headers["X-RateLimit-Used"] == str(i + 1)
    for n in (a, b):
        r = httpx.get(n.base + "/api/v1/inbox", headers=auth(key))
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "rate_limited"
        assert int(r.headers["Retry-After"]) > 3500


def test_the_auth_failure_throttle_is_shared(two_nodes):
    a, b = two_nodes
    bad = {"Authorization": "Bearer dm_live_nope"}
    for i in range(20):
        assert httpx.get((a, b)[i % 2].base + "/api/v1/inbox", headers=bad).status_code == 401
    for n in (a, b):
        r = httpx.get(n.base + "/api/v1/inbox", headers=bad)
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_auth_failures", r.text


def test_a_stream_cap_holds_across_nodes_and_its_slot_comes_back(tmp_path: Path):
    url = pgcluster.shared_server().create_db()
    a, b = (node(tmp_path / n, url, wait={"max_streams_per_account": 1}) for n in "ab")
    start_together(a, b)
    try:
        key = a.cli("keys", "create", "--owner", "erin").strip()
        with httpx.stream("GET", a.base + "/api/v1/events", headers=auth(key), timeout=30) as first:
            assert first.status_code == 200
            r = httpx.get(b.base + "/api/v1/events", headers=auth(key))
            assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_streams", r.text

        def b_stream_opens() -> bool:
            with httpx.stream("GET", b.base + "/api/v1/events", headers=auth(key), timeout=30) as r:
                return r.status_code == 200

        wait_until(b_stream_opens, timeout=10, interval=0.1)  # A gave the slot back
    finally:
        for n in (a, b):
            code = n.stop()
            assert code == 0, n.log.read_text()


class Sender:
    """SMTP load in threads: every message gets a unique subject; the subjects whose
    DATA was answered 250 are `acked`, temporary refusals are counted by code."""

    def __init__(self, port: int, to: str, threads: int = 4) -> None:
        self.port, self.to = port, to
        self.acked: list[str] = []
        self.refusals: dict[int, int] = {}
        self.broken = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, worker: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            subject = f"load {worker}-{n}"
            try:
                send(self.port, self.to, subject)
            except smtplib.SMTPRecipientsRefused as exc:
                code = next(iter(exc.recipients.values()))[0]
                self._refused(code)
            except smtplib.SMTPResponseException as exc:
                self._refused(exc.smtp_code)
            except (OSError, smtplib.SMTPException):
                with self.lock:
                    self.broken += 1
                time.sleep(0.02)
            else:
                with self.lock:
                    self.acked.append(subject)

    def _refused(self, code: int) -> None:
        with self.lock:
            self.refusals[code] = self.refusals.get(code, 0) + 1
        time.sleep(0.02)

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


def subjects(base: str, key: str, inbox_id: str) -> set[str]:
    """Every subject in the inbox, oldest first, read by chaining `wait?after=`."""
    found: set[str] = set()
    params = {"timeout": "0"}
    while True:
        r = httpx.get(base + f"/api/v1/inbox/{inbox_id}/wait", params=params, headers=auth(key))
        assert r.status_code == 200, r.text
        email = r.json()["data"]
        if email is None:
            return found
        found.add(email["subject"])
        params["after"] = email["id"]


def test_sigkill_node_a_under_smtp_load_loses_nothing_it_acknowledged(two_nodes):
    a, b = two_nodes
    key = a.cli("keys", "create", "--owner", "carol", "--plan", "premium").strip()
    inboxes = [httpx.post(a.base + "/api/v1/inbox", headers=auth(key)).json()["data"] for _ in range(2)]
    load = Sender(a.smtp_port, inboxes[0]["email"])
    wait_until(lambda: len(load.acked) >= 20, timeout=30)
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    load.finish()
    print(f"{len(load.acked)} messages acknowledged by node A before SIGKILL; {load.broken} sessions cut")
    stored = subjects(b.base, key, inboxes[0]["id"])
    missing = set(load.acked) - stored
    assert not missing, missing
    # B keeps serving: mail and API.
    send(b.smtp_port, inboxes[1]["email"], "after the crash")
    assert subjects(b.base, key, inboxes[1]["id"]) == {"after the crash"}


def test_postgres_stopped_and_restarted_under_load(tmp_path: Path):
    cluster = pgcluster.PgCluster(fsync=True)
    try:
        url = cluster.create_db()
        n = node(tmp_path / "n", url)
        n.start()
        key = n.cli("keys", "create", "--owner", "dave", "--plan", "premium").strip()
        inbox = httpx.post(n.base + "/api/v1/inbox", headers=auth(key)).json()["data"]
        load = Sender(n.smtp_port, inbox["email"], threads=2)
        wait_until(lambda: len(load.acked) >= 10, timeout=30)
        cluster.stop()
        acked_before = len(load.acked)
        wait_until(lambda: load.refusals.get(451, 0) >= 3, timeout=30)
        r = httpx.get(n.base + f"/api/v1/inbox/{inbox['id']}", headers=auth(key))
        assert r.status_code == 503, r.text
        assert r.json() == {"success": False, "error": {"code": "service_unavailable", "message": r.json()["error"]["message"]}}
        assert r.headers["Retry-After"]
        assert len(load.acked) <= acked_before + 2  # sessions past DATA when it stopped, at most
        cluster.start()
        wait_until(lambda: len(load.acked) >= acked_before + 10, timeout=60)
        load.finish()
        assert n.proc.poll() is None  # never restarted
        stored = subjects(n.base, key, inbox["id"])
        missing = set(load.acked) - stored
        assert not missing, missing
        assert set(k for k in load.refusals) <= {451}, load.refusals
        print(f"{len(load.acked)} acknowledged, refusals {load.refusals} while PostgreSQL was down")
        assert n.stop() == 0
    finally:
        cluster.destroy()


def test_housekeeping_runs_on_one_node_at_a_time_and_a_dead_nodes_turn_passes():
    """`Store.exclusive` (the purge, the domain re-checks): one holder per database; when the
    holder's session ends (the node died), another node gets the job."""
    import asyncio

    from dustmail_lite.store import Store

    url = pgcluster.shared_server().create_db()

    async def run() -> None:
        async with Store(url) as a, Store(url) as b:
            async with a.exclusive("purge") as a_has_it:
                assert a_has_it
                async with b.exclusive("purge") as b_has_it:
                    assert not b_has_it
                async with b.exclusive("domain re-check") as other_job:
                    assert other_job  # another job is not held up
                # Node A dies: the server ends the session holding the lock.
                ended = await b._all(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                assert ended

                async def b_gets_it() -> bool:
                    async with b.exclusive("purge") as ours:
                        return ours

                for _ in range(100):
                    if await b_gets_it():
                        return
                    await asyncio.sleep(0.05)
                raise AssertionError("node B never got the purge after node A died")

    asyncio.run(run())


def test_a_node_that_could_not_hear_for_a_while_still_wakes_its_waiters():
    """A delivery whose NOTIFY went out while node B's LISTEN connection was gone still
    reaches B's event hub once B listens again (it looks up what was stored meanwhile)."""
    import asyncio

    from dustmail_lite.store import NewEmail, Store

    url = pgcluster.shared_server().create_db()

    async def run() -> None:
        heard: list = []
        async with Store(url) as a, Store(url, on_committed=heard.extend) as b:
            account = await a.ensure_account("gap")
            inbox = await a.create_inbox(account.id, "gap", "dustmail.test", 3_600_000)
            email = NewEmail("a@example.com", "during the gap", "x", "", 1, b"x", {})
            [before] = await a.deliver([inbox], email)
            for _ in range(200):
                if heard:
                    break
                await asyncio.sleep(0.01)
            assert [e.id for e in heard] == [before]
            # The server ends B's LISTEN session; A delivers while B is deaf.
            pid = b._listener.conn.get_server_pid()
            assert await a._all("SELECT pg_terminate_backend(?)", (pid,))
            [during] = await a.deliver([inbox], email)
            for _ in range(500):
                if len(heard) == 2:
                    break
                await asyncio.sleep(0.01)
            assert [e.id for e in heard] == [before, during]  # once each, in order
            assert heard[1].subject == "during the gap" and heard[1].inbox_id == inbox.id

    asyncio.run(run())


def test_two_nodes_post_each_webhook_outbox_row_once_and_in_order(tmp_path: Path):
    """Both nodes run a webhook sender on one outbox; mail arrives on both. A slow receiver
    keeps rows in flight long enough for a second sender to post them again, were it let."""
    from webhook_receiver import Receiver

    url = pgcluster.shared_server().create_db()
    hooks = {"webhooks": {"allow_private_targets": True, "retry_initial": "0.2s", "retry_max_interval": "0.5s"}}
    a, b = node(tmp_path / "a", url, **hooks), node(tmp_path / "b", url, **hooks)
    start_together(a, b)
    receiver = Receiver()
    receiver.delay = 0.2
    try:
        key = a.cli("keys", "create", "--owner", "dana", "--plan", "premium").strip()
        inbox = httpx.post(a.base + "/api/v1/inbox", headers=auth(key)).json()["data"]
        r = httpx.post(b.base + "/api/v1/webhooks", json={"url": receiver.url}, headers=auth(key))
        assert r.status_code == 201, r.text
        receiver.secret = r.json()["data"]["secret"]
        senders = [
            threading.Thread(target=send, args=(n.smtp_port, inbox["email"], f"{name} {i}"))
            for i in range(6)
            for name, n in (("a", a), ("b", b))
        ]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        wait_until(lambda: len(receiver.accepted) >= 12, timeout=30)
        time.sleep(1.5)  # a second posting of any row would have arrived by now
        assert len(receiver.attempts) == 12, receiver.attempts
        assert len(set(receiver.attempts)) == 12 and receiver.bad_signatures == 0
        event_ids = [p["data"]["event_id"] for p in receiver.accepted]
        assert event_ids == sorted(event_ids) and len(set(event_ids)) == 12  # per endpoint in order
        assert {p["data"]["subject"] for p in receiver.accepted} == {
            f"{name} {i}" for i in range(6) for name in ("a", "b")
        }
    finally:
        receiver.close()
        for n in (a, b):
            if n.proc is not None and n.proc.poll() is None:
                assert n.stop() == 0, n.log.read_text()


def test_a_stream_gets_another_nodes_email_that_is_heard_after_a_later_one(make_live):
    """Node B stores event 1 of an account, this node event 2; B's notice reaches this node
    late (held here on purpose). The stream still sends 1 then 2: a gap in the ids sends it
    to the store, where 1 is already committed (event ids are taken under the account's lock)."""
    import asyncio

    from cursor_streams import stream_in_thread

    from dustmail_lite.store import NewEmail, Store

    live = make_live()
    key = live.key("erin")
    inbox = live.create_inbox(key)
    listener = live.server.store._listener
    relay, released = listener.relay, threading.Event()

    async def late_relay(ids: list[str]) -> None:
        while not released.is_set():
            await asyncio.sleep(0.02)
        await relay(ids)

    listener.relay = late_relay
    thread, result = stream_in_thread(live, "/api/v1/events", key, 2)
    wait_until(lambda: live.server.events.subscriber_count == 1)

    async def node_b_delivers() -> None:
        async with Store(live.env.config.storage.url) as b:
            account = await b.get_account("erin")
            assert account is not None
            target = await b.get_inbox(inbox["id"], account.id)
            assert target is not None
            raw = b"Subject: from node B\r\n\r\nfirst\r\n"
            await b.deliver([target], NewEmail("s@e.test", "from node B", "first", "", len(raw), raw, {}))

    pgcluster.run_async(node_b_delivers())
    live.send(inbox["email"], subject="from this node")
    try:
        thread.join(5)
        events = result.get("events")
    finally:
        released.set()
    assert events is not None, "the stream did not send both events"
    assert [(e[0], e[2]["subject"]) for e in events] == [(1, "from node B"), (2, "from this node")]
    assert events[1][2]["email_count"] == 2  # the live event itself, with its place in the inbox


def test_deliveries_and_deletes_on_one_inbox_from_two_nodes_never_deadlock():
    """Deleting an email locks its inbox, then its account (the triggers); a delivery takes the
    same locks in the same order, so neither is ever aborted by PostgreSQL's deadlock check
    (before, about one delete in three was, each after a second's wait)."""
    import asyncio

    from dustmail_lite.store import NewEmail, Store

    url = pgcluster.shared_server().create_db()

    async def run() -> list[str]:
        errors: list[str] = []
        async with Store(url) as a, Store(url) as b:
            account = await a.ensure_account("fay")
            inbox = await a.create_inbox(account.id, "busy", "dustmail.test", 3_600_000)
            delivering = True

            async def deliver(worker: int) -> None:
                for n in range(40):
                    raw = f"Subject: {worker}.{n}\r\n\r\nbody\r\n".encode()
                    try:
                        await a.deliver([inbox], NewEmail("s@e.test", f"{worker}.{n}", "body", "", len(raw), raw, {}))
                    except Exception as exc:
                        errors.append(f"deliver: {exc}")

            async def delete() -> None:
                while delivering:
                    for email in await b.page_emails(inbox, limit=5):
                        try:
                            await b.delete_email(inbox, email.id)
                        except Exception as exc:
                            errors.append(f"delete: {exc}")
                    await asyncio.sleep(0)

            deleter = asyncio.create_task(delete())
            await asyncio.gather(*(deliver(w) for w in range(4)))
            delivering = False
            await deleter
            count, _ = await a.inbox_state(inbox)
            assert count == len(await a.page_emails(inbox, limit=1000))
            assert await a.account_storage(account.id) == sum(e.size for e in await a.page_emails(inbox, limit=1000))
        return errors

    errors = pgcluster.run_async(run())
    assert errors == [], errors[:3]


def test_a_purge_takes_its_locks_in_a_deliverys_order_and_never_deadlocks_with_one():
    """A delivery locks its inboxes (pk order), then their accounts (id order). The purge's
    deletes took the same locks through the triggers in the order of the rows: inbox 1, its
    account, then inbox 2. A delivery holding inbox 2 (one that expired while its mail was in
    flight) and asking for the account then closed a cycle, and PostgreSQL aborted one of the
    two after a second. Here that delivery's locks are taken by hand, step by step."""
    import asyncio

    import asyncpg

    from dustmail_lite.store import NewEmail, Store

    url = pgcluster.shared_server().create_db()

    async def run() -> None:
        async with Store(url) as store:
            account = await store.ensure_account("gus")
            first = await store.create_inbox(account.id, "first", "dustmail.test", 60_000)
            second = await store.create_inbox(account.id, "second", "dustmail.test", 60_000)
            for inbox in (first, second):
                raw = f"Subject: to {inbox.address}\r\n\r\nbody\r\n".encode()
                await store.deliver([inbox], NewEmail("s@e.test", "s", "body", "", len(raw), raw, {}))
            delivery = await asyncpg.connect(url)
            watcher = await asyncpg.connect(url)
            try:
                async with delivery.transaction():
                    await delivery.execute("SELECT pk FROM inboxes WHERE pk = $1 FOR UPDATE", second.pk)
                    purge = asyncio.create_task(store.purge(now=store.now() + 120_000))
                    for _ in range(500):  # until the purge waits for the second inbox's lock
                        waiting = await watcher.fetchval(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND wait_event_type = 'Lock'"
                        )
                        if waiting:
                            break
                        await asyncio.sleep(0.01)
                    assert waiting, "the purge never waited for the inbox the delivery holds"
                    await delivery.execute(
                        "UPDATE accounts SET stored_bytes = stored_bytes WHERE id = $1", account.id
                    )
                stats = await purge
            finally:
                await delivery.close()
                await watcher.close()
            assert stats.inboxes == 2 and stats.emails == 2
            assert await store.account_storage(account.id) == 0

    pgcluster.run_async(run())


def test_a_purge_never_deadlocks_with_an_email_being_deleted():
    """`delete_email` must take its locks in a delivery's order too. Its DELETE locked the
    email's row, then (its triggers) the inbox: the purge, holding the inbox of one that
    expired at that moment and then deleting that row, waited for the delete, which waited
    for it, and PostgreSQL aborted one of the two. Here the account's lock is held by hand
    until both wait, so the purge holds the inbox before the delete starts."""
    import asyncio

    import asyncpg

    from dustmail_lite.store import NewEmail, Store

    url = pgcluster.shared_server().create_db()

    async def run() -> None:
        async with Store(url) as store:
            account = await store.ensure_account("gus")
            inbox = await store.create_inbox(account.id, "first", "dustmail.test", 60_000)
            raw = f"Subject: to {inbox.address}\r\n\r\nbody\r\n".encode()
            await store.deliver([inbox], NewEmail("s@e.test", "s", "body", "", len(raw), raw, {}))
            [email] = await store.page_emails(inbox)
            holder = await asyncpg.connect(url)
            watcher = await asyncpg.connect(url)

            async def waiting_for_locks(count: int) -> None:
                for _ in range(500):
                    waiting = await watcher.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                    if waiting >= count:
                        return
                    await asyncio.sleep(0.01)
                raise AssertionError(f"{waiting} sessions wait for a lock, not {count}")

            try:
                async with holder.transaction():
                    await holder.execute("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", account.id)
                    purge = asyncio.create_task(store.purge(now=store.now() + 120_000))
                    await waiting_for_locks(1)  # the purge holds the inbox, waits for the account
                    delete = asyncio.create_task(store.delete_email(inbox, email.id))
                    await waiting_for_locks(2)  # the delete waits too
                stats = await purge
                await delete
            finally:
                await holder.close()
                await watcher.close()
            assert stats.inboxes == 1
            assert await store.account_storage(account.id) == 0

    pgcluster.run_async(run())
