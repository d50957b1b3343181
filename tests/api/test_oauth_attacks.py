"""OAuth 2.0 attacks and misuse: each must fail the way RFC 6749 / 7636 say, and leak nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from sqlalchemy import update
from tests.oauth_support import (
    REDIRECT,
    Registered,
    authorize,
    balance_path,
    browser,
    new_verifier,
    oauth_client,
    password_token,
    raw_password_grant,
    redirect_params,
    register_client,
)

from voicebox.auth.secrets import token_hash
from voicebox.models import AuthorizationCode, OAuthToken, User
from voicebox.store.db import utcnow


async def password_grant(app, registered, tenant) -> dict:
    async with oauth_client(app, registered) as oauth:
        return await password_token(oauth, tenant)


async def get_code(app, registered, tenant, verifier: str | None, **url_kwargs) -> str:
    return redirect_params(await authorize(app, registered, tenant, verifier, **url_kwargs))["code"]


async def exchange(app, registered, code: str, verifier: str | None) -> dict:
    async with oauth_client(app, registered) as oauth:
        extra = {"code_verifier": verifier} if verifier else {}
        return await oauth.fetch_token(
            "/oauth/token",
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
            **extra,
        )


async def bearer_status(app, tenant, access_token: str) -> int:
    async with browser(app) as agent:
        response = await agent.get(
            balance_path(tenant), headers={"Authorization": f"Bearer {access_token}"}
        )
    return response.status_code


async def expect_error(call, error: str) -> None:
    with pytest.raises(OAuthError) as caught:
        await call
    assert caught.value.error == error


async def test_wrong_client_secret(app, tenant):
    registered = await register_client(app)
    forged = Registered(registered.client_id, "not-the-secret")
    response = await raw_password_grant(app, forged.client_id, forged.client_secret, tenant)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()
    await expect_error(password_grant(app, forged, tenant), "invalid_client")


async def test_wrong_password(app, tenant):
    registered = await register_client(app)
    async with oauth_client(app, registered) as oauth:
        await expect_error(
            oauth.fetch_token("/oauth/token", username=tenant.user.username, password="nope-nope"),
            "invalid_grant",
        )
        await expect_error(
            oauth.fetch_token("/oauth/token", username="nobody-here", password="password-123"),
            "invalid_grant",
        )


async def test_inactive_user_cannot_log_in(app, tenant, session):
    await session.execute(update(User).where(User.id == tenant.user.id).values(is_active=False))
    await session.commit()
    registered = await register_client(app)
    await expect_error(password_grant(app, registered, tenant), "invalid_grant")


async def test_unknown_client(app, tenant):
    ghost = Registered("no-such-client", "whatever")
    await expect_error(password_grant(app, ghost, tenant), "invalid_client")
    async with browser(app) as agent:
        page = await agent.get(
            "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": "no-such-client",
                "redirect_uri": REDIRECT,
            },
        )
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "invalid_client" in page.text


async def test_confidential_client_cannot_skip_its_secret(app, tenant):
    registered = await register_client(app)
    await expect_error(
        password_grant(app, Registered(registered.client_id, None), tenant), "invalid_client"
    )


async def test_public_client_cannot_use_password_grant(app, tenant):
    registered = await register_client(app, public=True)
    await expect_error(password_grant(app, registered, tenant), "invalid_client")


async def test_pkce_mismatch(app, tenant):
    registered = await register_client(app, public=True)
    code = await get_code(app, registered, tenant, new_verifier())
    await expect_error(exchange(app, registered, code, new_verifier()), "invalid_grant")
    await expect_error(exchange(app, registered, code, None), "invalid_request")


@pytest.mark.parametrize("public", [True, False], ids=["public", "confidential"])
async def test_code_replay_fails_and_revokes_its_tokens(app, tenant, public):
    registered = await register_client(app, public=public)
    verifier = new_verifier()
    code = await get_code(app, registered, tenant, verifier)
    token = await exchange(app, registered, code, verifier)
    assert await bearer_status(app, tenant, token["access_token"]) == 200
    await expect_error(exchange(app, registered, code, verifier), "invalid_grant")
    # RFC 6749 §4.1.2: the tokens issued from the replayed code are revoked.
    assert await bearer_status(app, tenant, token["access_token"]) == 401
    async with oauth_client(app, registered) as oauth:
        await expect_error(
            oauth.refresh_token("/oauth/token", refresh_token=token["refresh_token"]),
            "invalid_grant",
        )


async def test_expired_code(app, tenant, session):
    registered = await register_client(app, public=True)
    verifier = new_verifier()
    code = await get_code(app, registered, tenant, verifier)
    await session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.code_hash == token_hash(code))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    await expect_error(exchange(app, registered, code, verifier), "invalid_grant")


async def test_code_is_bound_to_its_client_and_redirect_uri(app, tenant):
    owner = await register_client(app, public=True)
    other = await register_client(app, public=True)
    verifier = new_verifier()
    code = await get_code(app, owner, tenant, verifier)
    await expect_error(exchange(app, other, code, verifier), "invalid_grant")
    async with oauth_client(app, owner) as oauth:
        await expect_error(
            oauth.fetch_token(
                "/oauth/token",
                grant_type="authorization_code",
                code=code,
                redirect_uri=REDIRECT + "/elsewhere",
                code_verifier=verifier,
            ),
            "invalid_grant",
        )
    # Neither failure burned the code for its rightful owner.
    token = await exchange(app, owner, code, verifier)
    assert await bearer_status(app, tenant, token["access_token"]) == 200


async def expire(session, kind: str, token: dict) -> None:
    """Make the issued token's `kind` ("access" or "refresh") part expire a second ago."""
    hash_column = getattr(OAuthToken, f"{kind}_token_hash")
    await session.execute(
        update(OAuthToken)
        .where(hash_column == token_hash(token[f"{kind}_token"]))
        .values({f"{kind}_expires_at": utcnow() - timedelta(seconds=1)})
    )
    await session.commit()


async def test_expired_access_token(app, tenant, session):
    registered = await register_client(app)
    token = await password_grant(app, registered, tenant)
    await expire(session, "access", token)
    assert await bearer_status(app, tenant, token["access_token"]) == 401


async def test_expired_refresh_token(app, tenant, session):
    registered = await register_client(app)
    token = await password_grant(app, registered, tenant)
    await expire(session, "refresh", token)
    async with oauth_client(app, registered) as oauth:
        await expect_error(
            oauth.refresh_token("/oauth/token", refresh_token=token["refresh_token"]),
            "invalid_grant",
        )


async def test_refresh_token_of_another_client(app, tenant):
    owner, other = await register_client(app), await register_client(app)
    token = await password_grant(app, owner, tenant)
    async with oauth_client(app, other) as oauth:
        await expect_error(
            oauth.refresh_token("/oauth/token", refresh_token=token["refresh_token"]),
            "invalid_grant",
        )


async def test_public_client_without_pkce_is_refused(app, tenant):
    registered = await register_client(app, public=True)
    async with oauth_client(app, registered) as oauth, browser(app) as agent:
        url, state = oauth.create_authorization_url("/oauth/authorize")  # no code_verifier
        response = await agent.get(url)
    params = redirect_params(response)  # the URI is registered, so the error goes back to it
    assert params["error"] == "invalid_request" and params["state"] == state
    assert "code" not in params


async def test_plain_pkce_is_refused(app, tenant):
    registered = await register_client(app, public=True)
    verifier = new_verifier()
    async with browser(app) as agent:
        response = await agent.get(
            "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": registered.client_id,
                "redirect_uri": REDIRECT,
                "code_challenge": verifier,
                "code_challenge_method": "plain",
            },
        )
    assert redirect_params(response)["error"] == "invalid_request"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unregistered_redirect_uri_is_never_redirected_to(app, tenant, method):
    registered = await register_client(app)
    evil = "https://evil.example/steal"
    params = {
        "response_type": "code",
        "client_id": registered.client_id,
        "redirect_uri": evil,
        "state": "s",
    }
    async with browser(app) as agent:
        if method == "GET":
            response = await agent.get("/oauth/authorize", params=params)
        else:
            form = {**params, "username": tenant.user.username, "password": "password-123"}
            response = await agent.post("/oauth/authorize", data={**form, "decision": "approve"})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "invalid_request" in response.text


async def test_missing_redirect_uri_with_several_registered(app, tenant):
    registered = await register_client(app, redirect_uris=(REDIRECT, REDIRECT + "2"))
    async with browser(app) as agent:
        response = await agent.get(
            "/oauth/authorize",
            params={"response_type": "code", "client_id": registered.client_id},
        )
    assert response.status_code == 400 and "location" not in response.headers


async def test_repeated_parameters_are_refused(app, tenant):
    registered = await register_client(app)
    async with browser(app) as agent:
        response = await agent.get(
            "/oauth/authorize"
            f"?response_type=code&client_id={registered.client_id}&redirect_uri={REDIRECT}"
            "&state=a&state=b"
        )
    # Which state would go back is ambiguous, so nothing does.
    assert response.status_code == 400 and "location" not in response.headers
    assert "Multiple" in response.text


async def test_plain_http_is_refused_except_loopback(app, tenant):
    registered = await register_client(app)
    data = {"grant_type": "password", "username": tenant.user.username, "password": "password-123"}
    auth = (registered.client_id, registered.client_secret)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as agent:
        remote = await agent.post("http://voicebox.example/oauth/token", data=data, auth=auth)
        loopback = await agent.post("http://127.0.0.1/oauth/token", data=data, auth=auth)
    assert remote.status_code == 400 and remote.json()["error"] == "insecure_transport"
    assert loopback.status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"json": {"grant_type": "password"}}, 400, "invalid_request"),
        (
            {
                "content": b"grant_type=password&username=\xff",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            400,
            "invalid_request",
        ),
        ({"data": {"grant_type": "implicit"}}, 400, "unsupported_grant_type"),
        (
            {
                "data": {"grant_type": "password"},
                "headers": {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
            },
            401,
            "invalid_client",
        ),
        (
            {"data": {"grant_type": "password"}, "headers": {"Authorization": "Basic !!!"}},
            401,
            "invalid_client",
        ),
    ],
    ids=["json-body", "bad-utf8", "unsupported-grant", "basic-not-utf8", "basic-not-base64"],
)
async def test_malformed_token_requests_get_rfc_errors(app, kwargs, status, error):
    async with browser(app) as agent:
        response = await agent.post("/oauth/token", **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    "params",
    [
        {"response_type": "cødé"},
        {"response_type": "code", "redirect_uri": 'https://x.example/"\\'},
        {"response_type": "code", "scope": "ñ"},
    ],
    ids=["non-ascii-response-type", "quote-in-redirect-uri", "non-ascii-scope"],
)
async def test_unquotable_parameters_are_refused_not_crashed(app, params):
    """Authlib cannot put these in an error_description (found by the fuzz run: 500)."""
    registered = await register_client(app)
    async with browser(app) as agent:
        page = await agent.get(
            "/oauth/authorize", params={"client_id": registered.client_id, **params}
        )
        token = await agent.post("/oauth/token", data={"grant_type": "pässword"})
    assert page.status_code == 400 and "location" not in page.headers
    assert token.status_code == 400 and token.json()["error"] == "invalid_request"


async def test_nul_characters_are_refused_not_crashed(app, tenant):
    """PostgreSQL cannot hold U+0000: found by the fuzz run as a 500 there."""
    registered = await register_client(app)
    basic = base64.b64encode(b"a\x00b:secret").decode()
    async with browser(app) as agent:
        as_form = await agent.post(
            "/oauth/token",
            data={"grant_type": "password", "client_id": "a\x00b", "client_secret": "x"},
        )
        as_basic = await agent.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "u", "password": "p"},
            headers={"Authorization": f"Basic {basic}"},
        )
        login = await agent.get(
            "/oauth/authorize",
            params={"response_type": "code", "client_id": registered.client_id, "state": "\x00"},
        )
    assert as_form.status_code == 400 and as_form.json()["error"] == "invalid_request"
    assert as_basic.status_code == 401 and as_basic.json()["error"] == "invalid_client"
    assert login.status_code == 400 and "location" not in login.headers
