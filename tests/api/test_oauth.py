"""OAuth 2.0 flows end to end, driven by Authlib's own client: password, authorization code
with PKCE, refresh with rotation, revocation."""

from __future__ import annotations

from html import escape

import pytest
from authlib.integrations.base_client import OAuthError
from sqlalchemy import select
from tests.oauth_support import (
    authorize,
    balance_path,
    browser,
    new_verifier,
    oauth_client,
    password_token,
    raw_password_grant,
    redirect_params,
    register_client,
    submit_login,
)

from voicebox.auth.secrets import token_hash
from voicebox.models import OAuthToken


async def authorization_code(app, registered, tenant, verifier: str, **url_kwargs) -> str:
    """Run the browser part of the code flow; returns the redirect with the code."""
    return (await authorize(app, registered, tenant, verifier, **url_kwargs)).headers["location"]


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_password_grant(app, tenant, session, method):
    registered = await register_client(app)
    async with oauth_client(app, registered, token_endpoint_auth_method=method) as oauth:
        token = await password_token(oauth, tenant)
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == app.state.settings.access_token_ttl
        assert token["refresh_token"]
        response = await oauth.get(balance_path(tenant))
        assert response.status_code == 200, response.text
    # Stored as hashes only, with the configured lifetimes.
    record = await session.scalar(
        select(OAuthToken).where(OAuthToken.access_token_hash == token_hash(token["access_token"]))
    )
    assert record is not None and record.refresh_token_hash == token_hash(token["refresh_token"])
    assert record.user_id == tenant.user.id and record.client_id == registered.client_id
    lifetime = record.refresh_expires_at - record.issued_at
    assert lifetime.total_seconds() == app.state.settings.refresh_token_ttl


async def test_token_response_is_not_cached(app, tenant):
    registered = await register_client(app)
    response = await raw_password_grant(app, registered.client_id, registered.client_secret, tenant)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("public", [True, False], ids=["public", "confidential"])
async def test_authorization_code_with_pkce(app, tenant, public):
    registered = await register_client(app, public=public)
    verifier = new_verifier()
    location = await authorization_code(app, registered, tenant, verifier)
    async with oauth_client(app, registered) as oauth:
        token = await oauth.fetch_token(
            "/oauth/token", authorization_response=location, code_verifier=verifier
        )
        assert token["refresh_token"]
        response = await oauth.get(balance_path(tenant))
        assert response.status_code == 200, response.text


async def test_login_page_escapes_everything(app, tenant):
    registered = await register_client(app)
    hostile = '"><script>alert(1)</script>'
    async with oauth_client(app, registered) as oauth, browser(app) as agent:
        url, _ = oauth.create_authorization_url(
            "/oauth/authorize", code_verifier=new_verifier(), state=hostile
        )
        page = await agent.get(url)
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert escape(hostile) in page.text
    assert "Test &lt;App&gt; &amp; co" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    # The form carries the request, never a credential or a session.
    assert 'name="password"' in page.text and "set-cookie" not in page.headers


async def test_deny_redirects_with_access_denied(app, tenant):
    registered = await register_client(app)
    async with oauth_client(app, registered) as oauth, browser(app) as agent:
        url, state = oauth.create_authorization_url(
            "/oauth/authorize", code_verifier=new_verifier()
        )
        response = await submit_login(agent, url, tenant.user.username, decision="deny")
    params = redirect_params(response)
    assert params["error"] == "access_denied" and params["state"] == state
    assert "code" not in params


async def test_wrong_login_on_form_stays_on_page(app, tenant):
    registered = await register_client(app)
    async with oauth_client(app, registered) as oauth, browser(app) as agent:
        url, _ = oauth.create_authorization_url("/oauth/authorize", code_verifier=new_verifier())
        response = await submit_login(agent, url, tenant.user.username, password="wrong-password")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Wrong username or password" in response.text


async def test_refresh_rotates_and_revokes_old_pair(app, tenant):
    registered = await register_client(app)
    async with oauth_client(app, registered) as oauth:
        first = await password_token(oauth, tenant)
        second = await oauth.refresh_token("/oauth/token", refresh_token=first["refresh_token"])
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        assert (await oauth.get(balance_path(tenant))).status_code == 200
        third = await oauth.refresh_token("/oauth/token", refresh_token=second["refresh_token"])
        with pytest.raises(OAuthError) as replay:
            await oauth.refresh_token("/oauth/token", refresh_token=first["refresh_token"])
        assert replay.value.error == "invalid_grant"
        # Reuse of a rotated token ends the line that followed it (RFC 9700 §4.14.2).
        assert (await oauth.get(balance_path(tenant))).status_code == 401
        with pytest.raises(OAuthError):
            await oauth.refresh_token("/oauth/token", refresh_token=third["refresh_token"])
    async with browser(app) as agent:
        old = await agent.get(
            balance_path(tenant), headers={"Authorization": f"Bearer {first['access_token']}"}
        )
        assert old.status_code == 401


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", None])
async def test_revocation(app, tenant, hint):
    registered = await register_client(app)
    async with oauth_client(app, registered) as oauth:
        token = await password_token(oauth, tenant)
        which = "refresh_token" if hint == "refresh_token" else "access_token"
        response = await oauth.revoke_token(
            "/oauth/revoke", token=token[which], token_type_hint=hint
        )
        assert response.status_code == 200
        # Either half revokes the pair: the access token is refused on /v1 …
        assert (await oauth.get(balance_path(tenant))).status_code == 401
        # … and the refresh token no longer works.
        with pytest.raises(OAuthError) as refused:
            await oauth.refresh_token("/oauth/token", refresh_token=token["refresh_token"])
        assert refused.value.error == "invalid_grant"


async def test_revoking_unknown_token_is_ok(app):
    registered = await register_client(app)
    async with oauth_client(app, registered) as oauth:
        response = await oauth.revoke_token("/oauth/revoke", token="never-issued")
    assert response.status_code == 200


async def test_revoking_another_clients_token_is_refused(app, tenant):
    owner, other = await register_client(app), await register_client(app)
    async with oauth_client(app, owner) as oauth:
        token = await password_token(oauth, tenant)
    async with oauth_client(app, other) as intruder:
        response = await intruder.revoke_token("/oauth/revoke", token=token["access_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    async with browser(app) as agent:
        response = await agent.get(
            balance_path(tenant), headers={"Authorization": f"Bearer {token['access_token']}"}
        )
    assert response.status_code == 200


async def test_openapi_declares_both_flows(app):
    schemes = app.openapi()["components"]["securitySchemes"]
    flows = schemes["OAuth2"]["flows"]
    assert flows["password"]["tokenUrl"] == "/oauth/token"
    assert flows["authorizationCode"]["authorizationUrl"] == "/oauth/authorize"
    assert flows["authorizationCode"]["tokenUrl"] == "/oauth/token"
