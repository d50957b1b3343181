"""OAuth 2.0 endpoints (token, authorize, revoke) on Authlib's grants; RFC 6749 error bodies.

Each endpoint reads the HTTP request here, then runs Authlib inside `session.run_sync`, where
the server's callbacks use the sync facade of the same session and transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from voicebox.api.deps import LoginThrottleDep, SessionDep, SettingsDep, client_address
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.oauth_pages import AUTHORIZE_PARAMS, PAGE_HEADERS, error_page, login_page
from voicebox.auth.oauth_server import HttpRequest, OAuthResult, VoiceboxAuthorizationServer
from voicebox.auth.throttle import Attempt, LoginThrottle
from voicebox.config import Settings

router = APIRouter(tags=["oauth"])


class TokenResponse(BaseModel):
    """RFC 6749 §5.1."""

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2 (these endpoints do not use the /v1 error array)."""

    error: str
    error_description: str | None = None
    error_uri: str | None = None
    state: str | None = None


def _form_body(fields: dict[str, str], required: list[str]) -> dict[str, Any]:
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


_TOKEN_FIELDS = {
    "grant_type": "password, authorization_code or refresh_token",
    "username": "password grant",
    "password": "password grant",
    "code": "authorization_code grant",
    "redirect_uri": "authorization_code grant, if it was in the authorization request",
    "code_verifier": "authorization_code grant (PKCE)",
    "refresh_token": "refresh_token grant",
    "scope": "optional",
    "client_id": "client_secret_post and public clients",
    "client_secret": "client_secret_post",
}
_REVOKE_FIELDS = {
    "token": "the access or refresh token to revoke",
    "token_type_hint": "access_token or refresh_token",
    "client_id": "client_secret_post and public clients",
    "client_secret": "client_secret_post",
}
_DECISION_FIELDS = {
    **{name: "the authorization request's parameter" for name in AUTHORIZE_PARAMS},
    "username": "the user's login",
    "password": "the user's password",
    "decision": "approve or deny",
}
_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorBody, "description": "RFC 6749 error"},
    401: {"model": OAuthErrorBody, "description": "Client authentication failed"},
    429: {**ERROR_RESPONSE, "description": "Too many failed logins (`Retry-After`)"},
}
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
_REDIRECT = {"description": "Back to the client's redirect_uri with `code` or `error`"}


async def _read_form(request: Request) -> list[tuple[str, str]]:
    """The urlencoded body (RFC 6749 §3.2 and RFC 7009 §2.1 require that media type)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise InvalidRequestError("The body must be application/x-www-form-urlencoded.")
    try:
        return parse_qsl((await request.body()).decode(), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequestError("The body is not valid form data.") from error


async def _run(
    session: AsyncSession,
    settings: Settings,
    work: Callable[[VoiceboxAuthorizationServer], Any],
) -> tuple[Any, VoiceboxAuthorizationServer]:
    """What `work` returns, and the server (which knows what credentials it checked)."""

    def call(sync_session: Session) -> tuple[Any, VoiceboxAuthorizationServer]:
        server = VoiceboxAuthorizationServer(sync_session, settings)
        try:
            return work(server), server
        except UnicodeDecodeError:
            # Authlib decodes HTTP Basic credentials as UTF-8 without guarding it.
            error = InvalidClientError(status_code=401, description="Malformed Basic credentials.")
            return OAuthResult(*error()), server

    return await session.run_sync(call)


def _attempt(request: Request, oauth_request: HttpRequest) -> Attempt:
    """Who a token or revocation request names: the password grant's user, the client."""
    form = oauth_request.form
    try:
        basic_id, _ = extract_basic_authorization(oauth_request.headers)
    except UnicodeDecodeError:
        basic_id = None
    username = form.get("username") if form.get("grant_type") == "password" else None
    return Attempt(client_address(request), username, basic_id or form.get("client_id"))


async def _count(
    session: AsyncSession,
    throttle: LoginThrottle,
    attempt: Attempt,
    server: VoiceboxAuthorizationServer,
) -> None:
    """Count the request's wrong credentials; a right password clears the user's count."""
    for kind in server.failures():
        await throttle.failed(session, attempt, kind)
    if server.password_verified:
        await throttle.succeeded(session, attempt)


def _json(result: OAuthResult) -> Response:
    headers = {k: v for k, v in result.headers if k.lower() != "content-type"}
    return JSONResponse(result.body, status_code=result.status, headers=headers)


async def _form_endpoint(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    throttle: LoginThrottle,
    work: Callable[[VoiceboxAuthorizationServer, HttpRequest], OAuthResult],
) -> Response:
    try:
        oauth_request = HttpRequest(
            "POST", str(request.url), request.headers, form=await _read_form(request)
        )
    except OAuth2Error as error:
        return _json(OAuthResult(*error()))
    attempt = _attempt(request, oauth_request)
    await throttle.check(session, attempt)
    result, server = await _run(session, settings, lambda server: work(server, oauth_request))
    await _count(session, throttle, attempt, server)
    return _json(result)


@router.post(
    "/oauth/token",
    summary="Token endpoint (password, authorization_code, refresh_token grants)",
    response_model=TokenResponse,
    responses=_OAUTH_ERRORS,
    openapi_extra=_form_body(_TOKEN_FIELDS, ["grant_type"]),
)
async def token(
    request: Request, session: SessionDep, settings: SettingsDep, throttle: LoginThrottleDep
) -> Response:
    return await _form_endpoint(
        request, session, settings, throttle, lambda server, req: server.create_token_response(req)
    )


@router.post(
    "/oauth/revoke",
    summary="Token revocation (RFC 7009)",
    responses={200: {"description": "Revoked, or the token was unknown"}, **_OAUTH_ERRORS},
    openapi_extra=_form_body(_REVOKE_FIELDS, ["token"]),
)
async def revoke(
    request: Request, session: SessionDep, settings: SettingsDep, throttle: LoginThrottleDep
) -> Response:
    return await _form_endpoint(
        request,
        session,
        settings,
        throttle,
        lambda server, req: server.create_endpoint_response("revocation", req),
    )


def _consent(server: VoiceboxAuthorizationServer, request: HttpRequest):
    """The validated grant, or the error answer (a redirect only to a registered URI)."""
    try:
        return server.get_consent_grant(request)
    except OAuth2Error as error:
        return server.handle_error_response(request, error)


def _page(result: OAuthResult) -> Response:
    if result.location and 300 <= result.status < 400:
        return RedirectResponse(result.location, status_code=302, headers=PAGE_HEADERS)
    body = result.body if isinstance(result.body, dict) else {}
    return error_page(body, result.status)


_AUTHORIZE_QUERY = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": name in ("response_type", "client_id"),
            "schema": {"type": "string"},
        }
        for name in AUTHORIZE_PARAMS
    ]
}


@router.get(
    "/oauth/authorize",
    summary="Authorization endpoint: the login and consent page",
    response_class=HTMLResponse,
    responses={200: _HTML, 302: _REDIRECT, 400: {"description": "Invalid request", **_HTML}},
    openapi_extra=_AUTHORIZE_QUERY,
)
async def authorize_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    try:
        oauth_request = HttpRequest(
            "GET", str(request.url), request.headers, query=request.query_params.multi_items()
        )
    except OAuth2Error as error:
        return _page(OAuthResult(*error()))
    outcome, _ = await _run(session, settings, lambda server: _consent(server, oauth_request))
    if isinstance(outcome, OAuthResult):
        return _page(outcome)
    return login_page(outcome.client.record.name, oauth_request.payload.data)


@router.post(
    "/oauth/authorize",
    summary="The login and consent form's answer",
    response_class=HTMLResponse,
    responses={
        302: _REDIRECT,
        400: {"description": "Invalid request or login", **_HTML},
        429: {"description": "Too many failed logins (`Retry-After`)", **_HTML},
    },
    openapi_extra=_form_body(_DECISION_FIELDS, ["response_type", "client_id", "decision"]),
)
async def authorize_decision(
    request: Request, session: SessionDep, settings: SettingsDep, throttle: LoginThrottleDep
) -> Response:
    try:
        items = await _read_form(request)
        oauth_request = HttpRequest("POST", str(request.url), request.headers, form=items)
    except OAuth2Error as error:
        return _page(OAuthResult(*error()))
    form = oauth_request.form
    approve = form.get("decision") == "approve"
    attempt = Attempt(client_address(request), form.get("username", ""))
    params = {name: form[name] for name in AUTHORIZE_PARAMS if name in form}
    wait = await throttle.retry_after(session, attempt) if approve else None

    def decide(server: VoiceboxAuthorizationServer):
        grant = _consent(server, oauth_request)
        if isinstance(grant, OAuthResult):
            return grant
        if not approve:
            return server.create_authorization_response(oauth_request, None, grant)
        if wait is not None:
            return grant
        # Credentials are checked here, on POST: the page itself carries no session to forge.
        user = server.authenticate_resource_owner(
            form.get("username", ""), form.get("password", "")
        )
        if user is None:
            return grant
        return server.create_authorization_response(oauth_request, user, grant)

    outcome, server = await _run(session, settings, decide)
    await _count(session, throttle, attempt, server)
    if isinstance(outcome, OAuthResult):
        return _page(outcome)
    if wait is not None:
        page = login_page(
            outcome.client.record.name,
            params,
            error=f"Too many failed logins; try again in {wait} s.",
            status=429,
        )
        page.headers["Retry-After"] = str(wait)
        return page
    return login_page(
        outcome.client.record.name, params, error="Wrong username or password.", status=400
    )
