"""`create_app(config)`: the Starlette app whose lifespan runs the whole server.

Startup opens the store, starts SMTP on the same loop and the background
tasks; shutdown stops them in reverse, letting SMTP transactions under way
finish before the database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import maintenance
from .api import Api, ApiError, JSONResponse, error_response
from .config import Config
from .domains import Domains
from .openapi import openapi_document
from .smtp import IngestHandler, SmtpServer
from .store import Store

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web"

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    422: "unprocessable",
}


class Server:
    """The running pieces, reachable from tests as `app.state.server`."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store.from_config(config)
        self.domains = Domains.from_config(self.store, config)
        self.api = Api(config, self.store, self.domains)
        self.ingest = IngestHandler(config, self.store, self.domains)
        self.smtp = SmtpServer(config, self.ingest)
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.store.open()
        owner = self.config.smtp.catch_all_owner
        if owner:
            account = await self.store.get_account(owner) or await self.store.ensure_account(owner)
            self.ingest.catch_all_account = account.id
        await self.smtp.start()
        self.tasks = maintenance.start(self.store, self.domains, self.config)
        log.info(
            "SMTP listening on %s:%d, database %s",
            self.config.smtp.host, self.smtp.port, self.config.storage.path,
        )
        if await self.store.count_active_keys() == 0:
            log.warning(
                "No API keys yet. Create one with: dustmail-lite keys create --owner NAME"
                " [--plan premium]"
            )

    async def stop(self) -> None:
        await self.smtp.stop()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.close()


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {**getattr(request.state, "rate_headers", {}), **exc.headers}
    return error_response(exc.status, exc.code, exc.message, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = {404: "No such endpoint.", 405: "Method not allowed on this endpoint."}.get(
        exc.status_code, str(exc.detail)
    )
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Internal server error; nothing was changed.")


async def _health(request: Request) -> Response:
    return JSONResponse({"success": True, "data": {"status": "ok"}})


def create_app(config: Config) -> Starlette:
    server = Server(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    document = openapi_document(config)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    api_routes = [
        Route("/health", _health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *server.api.routes(),
    ]
    # A mount of its own, so that API paths never fall through to the dashboard's files.
    routes: list[Route | Mount] = [Mount("/api/v1", routes=api_routes)]
    if config.web.enabled:
        prefix = config.web.prefix.rstrip("/")
        if prefix:
            routes.append(Route(prefix, lambda r: RedirectResponse(prefix + "/"), methods=["GET"]))
        routes.append(Mount(prefix or "/", app=StaticFiles(directory=WEB_DIR, html=True), name="web"))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.server = server
    return app
