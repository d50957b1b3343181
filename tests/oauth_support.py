"""Helpers for OAuth tests: register clients, build Authlib clients over ASGI, fill the form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client

try:  # Authlib's client is built on httpx2 when that is installed (the speech packages bring it)
    import httpx2 as authlib_httpx
except ImportError:  # pragma: no cover - depends on what is installed
    authlib_httpx = httpx

from voicebox.auth.service import auth_service

# Authlib refuses plain http except loopback (RFC 6749 §3.1), so tests speak "https".
BASE = "https://testserver"
REDIRECT = "https://client.example/callback"
PASSWORD = "password-123"


@dataclass
class Registered:
    client_id: str
    client_secret: str | None


async def register_client(
    app, *, public: bool = False, redirect_uris: tuple[str, ...] = (REDIRECT,)
) -> Registered:
    async with app.state.sessionmaker() as session:
        issued = await auth_service.create_client(
            session, name="Test <App> & co", redirect_uris=list(redirect_uris), public=public
        )
        await session.commit()
    return Registered(issued.client.client_id, issued.secret)


def oauth_client(app, registered: Registered, **kwargs) -> AsyncOAuth2Client:
    """Authlib's own async client, talking to the app in-process."""
    if registered.client_secret is None:
        kwargs.setdefault("token_endpoint_auth_method", "none")
        kwargs.setdefault("revocation_endpoint_auth_method", "none")
    kwargs.setdefault("redirect_uri", REDIRECT)
    kwargs.setdefault("code_challenge_method", "S256")
    return AsyncOAuth2Client(
        registered.client_id,
        registered.client_secret,
        transport=authlib_httpx.ASGITransport(app=app),
        base_url=BASE,
        **kwargs,
    )


def browser(app) -> httpx.AsyncClient:
    """A user agent that does not follow redirects (the test inspects them)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action")
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"] or ""] = values.get("value") or ""


def hidden_fields(html: str) -> tuple[str | None, dict[str, str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.action, parser.fields


async def submit_login(
    agent: httpx.AsyncClient,
    authorize_url: str,
    username: str,
    password: str = PASSWORD,
    decision: str = "approve",
) -> httpx.Response:
    """Open the login page like a browser, then post the form with the user's answer."""
    page = await agent.get(authorize_url)
    assert page.status_code == 200, page.text
    action, fields = hidden_fields(page.text)
    assert action == "/oauth/authorize"
    return await agent.post(
        action, data={**fields, "username": username, "password": password, "decision": decision}
    )


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def balance_path(tenant) -> str:
    """A bearer-protected endpoint the tenant's token may read."""
    return f"/v1/customers/{tenant.id}/balance"


async def raw_password_grant(app, client_id: str, client_secret: str, tenant) -> httpx.Response:
    """The password grant as a bare form post (client by HTTP Basic), to read the raw answer."""
    async with browser(app) as agent:
        return await agent.post(
            "/oauth/token",
            data={"grant_type": "password", "username": tenant.user.username,
                  "password": PASSWORD},
            auth=(client_id, client_secret),
        )


async def password_token(oauth: AsyncOAuth2Client, tenant) -> dict:
    """The password grant with the tenant's user."""
    return await oauth.fetch_token("/oauth/token", username=tenant.user.username, password=PASSWORD)


async def authorize(app, registered: Registered, tenant, verifier: str | None,
                    **url_kwargs) -> httpx.Response:
    """The browser part of the code flow: the redirect back to the client, its state checked."""
    async with oauth_client(app, registered) as oauth, browser(app) as agent:
        url, state = oauth.create_authorization_url(
            "/oauth/authorize", code_verifier=verifier, **url_kwargs
        )
        response = await submit_login(agent, url, tenant.user.username)
    params = redirect_params(response)
    assert params["state"] == state and "code" in params
    return response
