"""Our tables through Authlib's model interfaces, and the request wrapper, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from authlib.oauth2.rfc6749 import InsecureTransportError, InvalidRequestError
from sqlalchemy.util import greenlet_spawn

from voicebox.auth import secrets
from voicebox.auth.oauth_models import Client, Token
from voicebox.auth.oauth_server import HttpRequest
from voicebox.auth.secrets import hash_password
from voicebox.models import OAuthClient, OAuthToken
from voicebox.store.db import utcnow

SECRET = "client-secret-value"


def make_client(*, public: bool = False, redirect_uris=("https://a.example/cb",), scope=""):
    return Client(
        OAuthClient(
            client_id="cid",
            client_secret_hash=None if public else hash_password(SECRET),
            name="App",
            redirect_uris=list(redirect_uris),
            scope=scope,
        )
    )


def check_secret(client: Client, secret: str):
    """As under AsyncSession.run_sync, where the pool's verification may await the loop."""
    return greenlet_spawn(client.check_client_secret, secret)


async def test_public_client_authenticates_with_none_only():
    client = make_client(public=True)
    assert client.check_endpoint_auth_method("none", "token")
    assert not client.check_endpoint_auth_method("client_secret_basic", "token")
    assert not await check_secret(client, "")
    assert client.check_grant_type("authorization_code")
    assert client.check_grant_type("refresh_token")
    assert not client.check_grant_type("password")


async def test_confidential_client_needs_its_secret():
    client = make_client()
    assert not client.check_endpoint_auth_method("none", "token")
    assert client.check_endpoint_auth_method("client_secret_post", "revocation")
    assert await check_secret(client, SECRET) and not client.secret_failed
    assert not await check_secret(client, "wrong") and client.secret_failed
    assert client.check_grant_type("password")
    assert not client.check_grant_type("client_credentials")
    assert client.check_response_type("code") and not client.check_response_type("token")


async def test_secret_is_verified_once_per_request(monkeypatch):
    client = make_client()
    calls = []
    real = secrets.verify_password

    def counting(hashed, secret):
        calls.append(secret)
        return real(hashed, secret)

    monkeypatch.setattr(secrets, "verify_password", counting)
    assert await check_secret(client, SECRET) and await check_secret(client, SECRET)
    assert calls == [SECRET]


@pytest.mark.parametrize(
    ("uris", "default"),
    [
        ((), None),
        (("https://a.example/cb",), "https://a.example/cb"),
        (("https://a", "https://b"), None),
    ],
)
def test_default_redirect_uri_only_when_unambiguous(uris, default):
    client = make_client(redirect_uris=uris)
    assert client.get_default_redirect_uri() == default


def test_redirect_uri_must_match_exactly():
    client = make_client()
    assert client.check_redirect_uri("https://a.example/cb")
    for near in ("https://a.example/cb/", "https://a.example/cb?x=1", "https://a.example/c"):
        assert not client.check_redirect_uri(near)


def test_scope_is_limited_to_the_clients():
    client = make_client(scope="calls numbers")
    assert client.get_allowed_scope(None) == "calls numbers"
    assert client.get_allowed_scope("numbers admin") == "numbers"


def test_token_refresh_liveness():
    now = utcnow()
    record = OAuthToken(
        access_token_hash="a",
        client_id="cid",
        user_id=1,
        scope="",
        issued_at=now,
        access_expires_at=now + timedelta(hours=1),
        refresh_expires_at=now + timedelta(days=1),
        revoked=False,
    )
    token = Token(record)
    assert token.refresh_is_live(now) and token.get_expires_in() == 3600
    assert not token.refresh_is_live(now + timedelta(days=2))
    record.revoked = True
    assert not token.refresh_is_live(now)


def test_request_keeps_repeated_parameters_and_refuses_plain_http():
    request = HttpRequest(
        "GET", "https://vb.example/oauth/authorize", {}, query=[("state", "a"), ("state", "b")]
    )
    assert request.payload.datalist["state"] == ["a", "b"]
    assert request.payload.data["state"] == "a"
    with pytest.raises(InsecureTransportError):
        HttpRequest("POST", "http://vb.example/oauth/token", {}, form=[])
    HttpRequest("POST", "http://127.0.0.1:8000/oauth/token", {}, form=[])


@pytest.mark.parametrize("value", ["cödé", 'a"b', "a\\b", "a\nb"])
def test_request_refuses_text_authlib_cannot_quote(value):
    with pytest.raises(InvalidRequestError):
        HttpRequest("POST", "https://vb.example/oauth/token", {}, form=[("grant_type", value)])
