"""Endpoints about the API itself: health and the OpenAPI document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .context import ApiContext
from .errors import JSONResponse
from .models import Health


async def health(ctx: ApiContext, request: Request) -> Response:
    return JSONResponse({"success": True, "data": Health(status="ok")})


async def openapi(ctx: ApiContext, request: Request) -> Response:
    return JSONResponse(ctx.openapi)
