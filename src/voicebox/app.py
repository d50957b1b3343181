"""The ASGI application: `create_app(settings)`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voicebox.api import home
from voicebox.api.body_schemas import apply_body_models
from voicebox.api.docs_pages import install_docs
from voicebox.api.errors import ErrorItem, error_response, install_error_handlers
from voicebox.api.routers import ROUTERS
from voicebox.api.text_guard import TextGuard
from voicebox.auth.console_client import ensure_console_client
from voicebox.config import Settings, get_settings
from voicebox.errors import Problem
from voicebox.numbers.seed import seed_on_startup
from voicebox.store.database import open_database

log = logging.getLogger("voicebox")


class BodySizeLimit:
    """Refuse bodies over the configured size with 413, before reading them whole.

    A declared Content-Length is refused at once. A chunked body is counted as it arrives: past
    the limit the 413 is sent from here, the app is told the client left (`http.disconnect`), and
    whatever the app does next (FastAPI turns an unreadable JSON body into a 400, a form parser
    raises) is dropped, so the client always sees the 413."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; the app's own answer has nowhere to go
            started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            log.debug("request body over %d bytes: the app's error after the 413", self.max_bytes,
                      exc_info=True)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"the request body is larger than {self.max_bytes} bytes"
        response = error_response([Problem("payload_too_large", message)], 413)
        await response(scope, receive, send)


class TrailingSlash:
    """Serve `/path/` as `/path`: the spec writes some paths with a trailing slash, some without."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
            if scope.get("raw_path"):
                scope["raw_path"] = scope["raw_path"].rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


def _openapi_with_spec_errors(app: FastAPI):
    """OpenAPI where request-validation failures are documented as the spec's 400 error array."""

    def build() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorItem"] = ErrorItem.model_json_schema()
        error_array = {
            "description": "Bad Request (the spec's error array)",
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}}
                }
            },
        }
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None or "400" not in responses:
                    responses.setdefault("400", error_array)
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        apply_body_models(schema)
        app.openapi_schema = schema
        return schema

    return build


async def _register_console(app: FastAPI) -> None:
    await ensure_console_client(app.state.sessionmaker, app.state.settings.console_url)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = await open_database(settings)
        engine = app.state.engine = opened.engine
        app.state.sessionmaker = opened.sessionmaker
        for hook in app.state.startup_hooks:
            await hook(app)
        try:
            yield
        finally:
            for hook in reversed(app.state.shutdown_hooks):
                await hook(app)
            await engine.dispose()

    app = FastAPI(
        title="VoiceBox API",
        version="0.0.4",
        description="Open, self-hostable implementation of the VoiceBox API v0.0.4. "
        "Deviations and extensions: docs/api.md.",
        lifespan=lifespan,
        swagger_ui_init_oauth={"usePkceWithAuthorizationCodeGrant": True},
        docs_url=None,  # install_docs serves them with local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.startup_hooks = [seed_on_startup, _register_console]
    app.state.shutdown_hooks = []
    install_error_handlers(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next):
        request.state.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    app.add_middleware(TextGuard)  # inside BodySizeLimit: it reads bodies already capped
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TrailingSlash)
    install_docs(app)  # before the console's catch-all
    app.include_router(home.router)
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = _openapi_with_spec_errors(app)  # type: ignore[method-assign]  # FastAPI's way
    return app
