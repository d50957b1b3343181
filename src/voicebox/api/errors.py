"""Render every error as the spec's `[{"name", "message", "status"}]`, in one place."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from voicebox.errors import Problem, VoiceboxError
from voicebox.field_paths import field_path

log = logging.getLogger("voicebox.api")

_HTTP_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
}


class ErrorItem(BaseModel):
    """One element of the spec's error array."""

    name: str
    message: str
    status: int


ERROR_RESPONSE = {"model": list[ErrorItem], "description": "Error (the spec's error array)"}


def error_response(
    problems: list[Problem], status: int, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = [{"name": p.name, "message": p.message, "status": status} for p in problems]
    return JSONResponse(body, status_code=status, headers=headers)


def _location(loc: tuple) -> str:
    parts = [part for part in loc if part not in ("body", "query", "path", "header")]
    return field_path(parts) or "body"


async def _voicebox_error(_: Request, error: VoiceboxError) -> JSONResponse:
    if error.status >= 500:
        log.error("%s: %s", type(error).__name__, error.message)
    return error_response(error.problems, error.status, error.headers)


async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    problems = []
    for item in error.errors():
        message = str(item.get("msg", "invalid value"))
        if item.get("type") == "json_invalid":
            message = "the body is not valid JSON"
        problems.append(Problem(_location(tuple(item.get("loc", ()))), message))
    return error_response(problems or [Problem("body", "invalid request")], 400)


async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
    name = _HTTP_NAMES.get(error.status_code, "error")
    message = error.detail if isinstance(error.detail, str) else name.replace("_", " ")
    return error_response([Problem(name, message)], error.status_code, error.headers)


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.exception(
        "unhandled error in %s %s (request %s)", request.method, request.url.path, request_id
    )
    return error_response(
        [Problem("internal_error", f"internal error; quote request id {request_id}")], 500
    )


async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
    # PostgreSQL cannot hold NUL (U+0000) in text (SQLSTATE 22021; SQLite stores it): a request
    # whose text reached the database with one is the client's error on every route.
    if getattr(error.orig, "sqlstate", None) == "22021":
        return error_response([Problem("text", "text must not contain NUL (\\u0000)")], 400)
    return await _unexpected_error(request, error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VoiceboxError, _voicebox_error)  # type: ignore[arg-type]  # typed for any Exception
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]  # typed for any Exception
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]  # typed for any Exception
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]  # typed for any Exception
    app.add_exception_handler(Exception, _unexpected_error)
