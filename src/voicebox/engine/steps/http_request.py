from __future__ import annotations

import json
import time
from typing import Any

import httpx

from voicebox.engine.context import Context
from voicebox.engine.http import as_text, body_value, send, shared_client
from voicebox.engine.steps.base import Step
from voicebox.engine.trace import StepRecord
from voicebox.errors import EngineError
from voicebox.scenario_language.format import HTTPRequestState
from voicebox.text import clean_text, scrub

_NO_BODY = {"GET", "HEAD", "DELETE", "OPTIONS"}


class HTTPRequestStep(Step):
    """Call the customer's system: 2xx → `success`; another code, a timeout or a refusal → `error`.
    The status code and body fields land in variables either way."""

    kind = "HTTPRequest"
    __slots__ = ()
    state: HTTPRequestState

    def _url(self, ctx: Context) -> str:
        state = self.state
        url = ctx.render(state.url).strip()
        if "://" in url:
            return url
        host = ctx.render(state.host).strip().rstrip("/")
        if "://" in host:
            base = host
        else:
            protocol = (ctx.render(state.protocol).strip() or "https").lower().rstrip(":/")
            port = f":{state.port}" if state.port else ""
            base = f"{protocol}://{host}{port}"
        return base + ("/" + url.lstrip("/") if url else "")

    def _body(self, ctx: Context, method: str) -> dict[str, Any]:
        state = self.state
        kind = (state.requestParametersType or "json").strip().lower()
        if kind == "raw" or (state.requestParametersRaw and not state.requestParameters):
            raw = ctx.render(state.requestParametersRaw)
            return {"content": raw.encode()} if raw else {}
        params = {ctx.render(str(k)): _render_value(ctx, v)
                  for k, v in state.requestParameters.items()}
        if not params:
            return {}
        if kind == "query" or method in _NO_BODY:
            return {"params": {k: as_text(v) for k, v in params.items()}}
        if kind == "form":
            return {"data": {k: as_text(v) for k, v in params.items()}}
        return {"json": params}

    async def run(self, ctx: Context, record: StepRecord) -> str | None:
        state = self.state
        method = (state.method or "GET").strip().upper()
        url = self._url(ctx)
        headers = {str(k): as_text(_render_value(ctx, v)) for k, v in state.headers.items()}
        body = self._body(ctx, method)
        seconds = float(state.timeout) if state.timeout else ctx.config.http_timeout
        record.note(method=method, url=url)
        wall = time.perf_counter()
        client = ctx.http or await shared_client()
        try:
            reply = await send(client, method=method, url=url, headers=headers, body=body,
                               config=ctx.config, seconds=seconds)
        except TimeoutError:
            record.error = f"timed out after {seconds:g} s"
            return self._failed(ctx, record, wall)
        except EngineError as exc:
            record.error = exc.message
            return self._failed(ctx, record, wall)
        except httpx.HTTPError as exc:
            record.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return self._failed(ctx, record, wall)
        record.note(status=reply.status, latency_ms=_elapsed_ms(wall))
        if state.responseCodeVariable:
            ctx.variables[state.responseCodeVariable.strip("{} ")] = str(reply.status)
        self._store_body(ctx, record, reply.body)
        return "success" if 200 <= reply.status < 300 else "error"

    def _failed(self, ctx: Context, record: StepRecord, wall: float) -> str:
        state = self.state
        record.note(status=None, latency_ms=_elapsed_ms(wall))
        if state.responseCodeVariable:
            ctx.variables[state.responseCodeVariable.strip("{} ")] = ""
        return "error"

    def _store_body(self, ctx: Context, record: StepRecord, raw: bytes) -> None:
        state = self.state
        if not state.responseBodyVariables:
            return
        try:
            # A third party's text is kept, with NUL and lone surrogates (`"\udc00"`) replaced:
            # variables end up in the call's trace, reports and the database.
            document = scrub(json.loads(raw)) if raw.strip() else None
        except ValueError:
            document = clean_text(raw.decode(errors="replace"))
        unset = []
        for variable, path in state.responseBodyVariables.items():
            value = body_value(document, str(path))
            if value is None:
                unset.append(variable)
            ctx.variables[variable.strip("{} ")] = as_text(value)
        if unset:
            record.note(unset=unset)


def _render_value(ctx: Context, value: Any) -> Any:
    if isinstance(value, str):
        return ctx.render(value)
    if isinstance(value, dict):
        return {k: _render_value(ctx, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_value(ctx, v) for v in value]
    return value


def _elapsed_ms(start: float) -> int:
    """Real milliseconds: HTTP runs on real sockets even when the call runs in virtual time."""
    return round((time.perf_counter() - start) * 1000)
