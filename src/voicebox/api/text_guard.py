"""Refuse, at one place, a request whose text holds a NUL or a lone surrogate (`voicebox.text`).

Every query string and every JSON or form body passes through here before any route reads it,
so no field can forget the check: the answer is a 400 naming the field (`data.name`,
`states[0].name`, a query parameter). Text nested in a field as a JSON string, and uploaded
parts, are checked where they are decoded (`voicebox.text.loads_checked`).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voicebox.api.errors import error_response
from voicebox.errors import Problem
from voicebox.nesting import MAX_DEPTH, deeper_than
from voicebox.text import find_bad_text

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_TOO_DEEP = f"JSON nested more than {MAX_DEPTH} levels deep is not accepted"


def _content_type(scope: Scope) -> str:
    for key, value in scope.get("headers") or []:
        if key == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def _named(found: tuple[str, str] | None, whole: str) -> tuple[str, str] | None:
    return None if found is None else (found[0] or whole, found[1])


def _form_problem(text: str, whole: str) -> tuple[str, str] | None:
    pairs = parse_qsl(text, keep_blank_values=True)
    return _named(find_bad_text(dict(pairs)), whole)


def _body_problem(content_type: str, body: bytes) -> tuple[str, str] | None:
    if not body:
        return None
    # FastAPI reads a body without a content type as JSON too.
    if not content_type or content_type.endswith(("/json", "+json")):
        try:
            data = json.loads(body)
        except RecursionError:
            return "body", _TOO_DEEP
        except (ValueError, UnicodeDecodeError):
            return None  # the route answers bad JSON with its own 400
        if deeper_than(data, MAX_DEPTH):  # storage and recursive readers give up on such JSON
            return "body", _TOO_DEEP
        return _named(find_bad_text(data), "body")
    if content_type == "application/x-www-form-urlencoded":
        return _form_problem(body.decode("latin-1"), "body")
    return None


class TextGuard:
    """ASGI middleware: 400 for bad text in the query or a JSON/form body; the body is replayed."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # OAuth endpoints answer in RFC 6749's error format and refuse bad text themselves.
        if scope["type"] != "http" or scope.get("path", "").startswith("/oauth/"):
            await self.app(scope, receive, send)
            return
        problem = _form_problem(scope.get("query_string", b"").decode("latin-1"), "query")
        content_type = _content_type(scope)
        checked = scope["method"] in _BODY_METHODS and (
            not content_type
            or content_type.endswith(("/json", "+json"))
            or content_type == "application/x-www-form-urlencoded"
        )
        if problem is None and checked:
            messages, body = await _read_all(receive)
            problem = _body_problem(content_type, body)
            receive = _replay(messages, receive)
        if problem is not None:
            await error_response([Problem(*problem)], 400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_all(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
