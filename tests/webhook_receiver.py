"""A webhook receiver for the tests: an HTTP endpoint on 127.0.0.1 that verifies each
request's signature with the `standardwebhooks` package and answers as the test says."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that verifies signatures and answers as told."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.failures_left = 0  # answer 500 to this many requests first
        self.always_fail = False
        self.attempts: list[str] = []  # webhook-id of every request, in arrival order
        self.accepted: list[dict] = []  # payloads answered 200, in order
        self.bad_signatures = 0
        self.delay = 0.0  # seconds each answer takes (a slow receiver)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.attempts.append(headers.get("webhook-id", ""))
                    try:
                        Webhook(receiver.secret).verify(body, headers)
                    except WebhookVerificationError:
                        receiver.bad_signatures += 1
                        status = 400
                    else:
                        if receiver.always_fail or receiver.failures_left > 0:
                            receiver.failures_left = max(0, receiver.failures_left - 1)
                            status = 500
                        else:
                            receiver.accepted.append({"id": headers["webhook-id"], **json.loads(body)})
                            status = 200
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
