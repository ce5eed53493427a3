"""The ceiling of our own stack: a bare aiosmtpd server on uvloop that discards every
message and answers 250 at once. Usage: python bench/discard_server.py PORT"""

import asyncio
import sys

import uvloop
from aiosmtpd.smtp import SMTP


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Discard(), hostname="discard", ident="ESMTP"), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    uvloop.run(main(int(sys.argv[1])))
