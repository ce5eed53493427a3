"""uvicorn's httptools protocol with a cap on each request's head (request line and headers).

httptools keeps a header of any size in memory until it ends (one 100 MB header took a
server from 60 to 238 MB of RSS), and uvicorn's own cap is for its h11 parser only. Here the
bytes fed to the parser while a request's head is still being read are counted; past
MAX_REQUEST_HEAD the client gets a 431 in the API's error shape and the connection closes.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_REQUEST_HEAD = 64 * 1024  # bytes: request line and headers (nginx's large buffers: 4 x 8 KB)

_BODY = json.dumps(
    {
        "success": False,
        "error": {
            "code": "request_head_too_large",
            "message": f"The request line and headers are over {MAX_REQUEST_HEAD // 1024} KB.",
        },
    }
).encode()
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"content-length: " + str(len(_BODY)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _BODY
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = True
        self._head_bytes = 0

    def data_received(self, data: bytes) -> None:
        while data and not self.transport.is_closing():
            if not self._reading_head:  # a body, or what follows it (at most one read's worth)
                super().data_received(data)
                return
            room = MAX_REQUEST_HEAD - self._head_bytes
            if room <= 0:
                self.logger.warning("request head over %d bytes: refused with 431", MAX_REQUEST_HEAD)
                self.transport.write(_TOO_LARGE)
                self.transport.close()
                return
            piece, data = data[:room], data[room:]  # the parser may end the head inside it
            self._head_bytes += len(piece)
            super().data_received(piece)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head, self._head_bytes = True, 0  # the next request on this connection
