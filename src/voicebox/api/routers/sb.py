"""HTTP-API §5.1: `POST /v1/sb` starts a call of an outbound campaign launched over HTTP.

Authenticated by a bearer token (with the `write` scope) or, as real VoiceBox clients do, by
HTTP Basic with a user's username and password, under the login limits. Rate-limited per customer by a token bucket held in each API process
(`VOICEBOX_SB_RATE_PER_SECOND`, `VOICEBOX_SB_BURST`).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from voicebox.api.deps import (
    LoginThrottleDep,
    SessionDep,
    SettingsDep,
    client_address,
    get_current_user,
)
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.auth.service import auth_service
from voicebox.auth.throttle import USER, Attempt
from voicebox.dialer.launch import launch_service
from voicebox.errors import TooManyRequests, Unauthorized
from voicebox.models import User
from voicebox.text import CleanStr, loads_checked, refuse_bad_text

router = APIRouter(tags=["http-api"], responses={
    400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE,
    429: ERROR_RESPONSE})

_basic = HTTPBasic(auto_error=False, description="A user's username and password")


_Number = Annotated[str, StringConstraints(max_length=32), AfterValidator(refuse_bad_text)]


def _number_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _decoded_data_nul_free(value: Any) -> Any:
    """`data` as a string is checked as the object it holds (a JSON `\\u0000` escape too, and
    its depth: the body's own depth is checked by the text guard)."""
    if not isinstance(value, str):
        return refuse_bad_text(value)
    with contextlib.suppress(json.JSONDecodeError):  # not JSON: the route says so itself
        loads_checked(value)
    return value


class SbRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    method: CleanStr = Field(min_length=1, max_length=64, description="entryPoint.id of an "
                               "outbound campaign with launchBy http")
    number: Annotated[_Number | None, BeforeValidator(_number_text)] = Field(
        default=None, description="The number to call (or data.number)")
    data: Annotated[dict[str, Any] | str | None, AfterValidator(_decoded_data_nul_free)] = Field(
        default=None, description="Variables: a JSON object or a string holding one")


class SbAnswer(BaseModel):
    id: str = Field(description="The call id (callId of the call history)")


async def sb_user(
    request: Request,
    session: SessionDep,
    throttle: LoginThrottleDep,
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> User:
    """The bearer token's user, else the HTTP Basic user (under the login limits)."""
    authorization = request.headers.get("Authorization")
    scheme, _ = get_authorization_scheme_param(authorization)
    if scheme.lower() != "basic":
        return await get_current_user(request, session, authorization)
    if basic is None:
        raise _basic_error("malformed HTTP Basic credentials")
    attempt = Attempt(client_address(request), basic.username)
    await throttle.check(session, attempt)
    user = await auth_service.authenticate(session, basic.username, basic.password)
    if user is None:
        await throttle.failed(session, attempt, USER)
        await session.commit()  # the count must outlive the refusal's rollback
        raise _basic_error("wrong username or password")
    await throttle.succeeded(session, attempt)
    return user


def _basic_error(message: str) -> Unauthorized:
    error = Unauthorized(message, name="unauthorized")
    error.headers = {"WWW-Authenticate": 'Basic realm="voicebox", charset="UTF-8"'}
    return error


class TokenBucket:
    """`rate` requests a second, bursts up to `burst`; one bucket per customer."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, key: int) -> float:
        """0 if allowed now, else the seconds to wait."""
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        return 0.0


def _limiter(request: Request, settings: SettingsDep) -> TokenBucket:
    limiter = getattr(request.app.state, "sb_limiter", None)
    if limiter is None:
        limiter = TokenBucket(settings.sb_rate_per_second, settings.sb_burst)
        request.app.state.sb_limiter = limiter
    return limiter


@router.post("/v1/sb", response_model=SbAnswer, summary="Инициация вызова посредством HTTP-api")
async def start_call(
    body: SbRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[User, Depends(sb_user)],
    limiter: Annotated[TokenBucket, Depends(_limiter)],
) -> SbAnswer:
    wait = limiter.take(user.customer_id)
    if wait:
        error = TooManyRequests("too many calls started; slow down", name="rate_limit")
        error.headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        raise error
    call_id = await launch_service.launch(
        session, customer_id=user.customer_id, method=body.method,
        number=body.number, data=body.data,
        region=settings.home_region)
    await session.commit()  # visible to the dialer before we wake it
    dialer = getattr(request.app.state, "dialer", None)
    if dialer is not None:
        dialer.wake()
    return SbAnswer(id=call_id)


