"""The web console at `/`: its files, the single-page fallback, and its public OAuth client."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from tests.oauth_support import browser, new_verifier, submit_login

from voicebox.api.routers import console as console_router
from voicebox.auth.console_client import ensure_console_client
from voicebox.auth.oauth_models import loopback_any_port
from voicebox.console import CLIENT_ID
from voicebox.models import OAuthClient


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A stand-in build of the console (the real one comes from scripts/setup.sh)."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("no")
    monkeypatch.setattr(console_router, "STATIC_DIR", tmp_path)
    return tmp_path


async def test_the_console_is_served_at_root_and_for_its_routes(client, built):
    for path in ("/", "/scenarios/3", "/campaigns/new"):
        page = await client.get(path)
        assert page.status_code == 200 and 'id=root' in page.text, path
        assert page.headers["cache-control"] == "no-cache"
    asset = await client.get("/assets/index-abc.js")
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]


async def test_api_paths_and_missing_assets_stay_404_in_the_spec_format(client, built):
    for path in ("/v1/nothing-here", "/oauth/nothing", "/assets/gone.js"):
        missing = await client.get(path)
        assert missing.status_code == 404, path
        assert missing.json()[0]["name"] == "not_found"
    escape = await client.get("/assets/..%2F..%2Fsecret.txt")
    assert escape.status_code == 404 and escape.text != "no"
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200


async def test_an_unbuilt_console_says_how_to_build_it(client, tmp_path, monkeypatch):
    monkeypatch.setattr(console_router, "STATIC_DIR", tmp_path / "absent")
    page = await client.get("/")
    assert page.status_code == 503 and "scripts/setup.sh" in page.text


def test_loopback_redirect_uris_match_on_any_port():
    assert loopback_any_port("http://127.0.0.1:43123/") == "http://127.0.0.1/"
    assert loopback_any_port("http://localhost:8000/") == "http://localhost/"
    assert loopback_any_port("http://[::1]:9/") == "http://[::1]/"
    assert loopback_any_port("https://127.0.0.1:8000/") is None
    assert loopback_any_port("http://127.0.0.1.evil.example:80/") is None


async def test_the_console_client_is_registered_once_and_follows_the_settings(app, session):
    await ensure_console_client(app.state.sessionmaker, None)
    await ensure_console_client(app.state.sessionmaker, "https://voice.example.ru")
    count = await session.scalar(
        select(func.count()).select_from(OAuthClient).where(OAuthClient.client_id == CLIENT_ID))
    assert count == 1
    client = await session.scalar(select(OAuthClient).where(OAuthClient.client_id == CLIENT_ID))
    assert client.is_public and "https://voice.example.ru/" in client.redirect_uris


async def test_the_console_signs_in_with_code_and_pkce_then_revokes(app, tenant):
    """What the console does: authorize on a loopback port, exchange, read /v1/me, revoke."""

    await ensure_console_client(app.state.sessionmaker, None)
    redirect = "http://127.0.0.1:43123/"
    verifier = new_verifier()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect,
             "state": "s1", "code_challenge": challenge.decode().rstrip("="),
             "code_challenge_method": "S256"}
    async with browser(app) as agent:
        elsewhere = await agent.get("/oauth/authorize", params={**query,
                                                                "redirect_uri": "http://evil.example/"})
        assert elsewhere.status_code == 400
        url = "/oauth/authorize?" + "&".join(f"{k}={v}" for k, v in query.items())
        answer = await submit_login(agent, url, tenant.user.username)
        assert answer.status_code == 302
        location = answer.headers["location"]
        assert location.startswith(redirect + "?")
        code = parse_qs(urlsplit(location).query)["code"][0]
        token = await agent.post("/oauth/token", data={
            "grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
            "redirect_uri": redirect, "code_verifier": verifier})
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]
        me = await agent.get("/v1/me", headers={"Authorization": f"Bearer {access}"})
        assert me.json() == {"userId": tenant.user.id, "username": tenant.user.username,
                             "customerId": tenant.id}
        for kind in ("refresh_token", "access_token"):
            revoked = await agent.post("/oauth/revoke", data={
                "client_id": CLIENT_ID, "token": token.json()[kind], "token_type_hint": kind})
            assert revoked.status_code == 200
        gone = await agent.get("/v1/me", headers={"Authorization": f"Bearer {access}"})
        assert gone.status_code == 401


async def test_a_prompt_can_be_heard_before_a_call(client, tenant):
    url = f"/v1/customers/{tenant.id}/speech/preview"
    spoken = await client.post(url, headers=tenant.headers, json={
        "text": "Здравствуйте, {{fio}}!", "settings": {"voice": "oksana", "speed": 100}})
    assert spoken.status_code == 200, spoken.text
    assert spoken.headers["content-type"] == "audio/wav" and spoken.content[:4] == b"RIFF"
    empty = await client.post(url, headers=tenant.headers, json={"text": "{{ }}"})
    assert empty.status_code == 400 and empty.json()[0]["name"] == "text"
    stranger = await client.post("/v1/customers/999999/speech/preview", headers=tenant.headers,
                                 json={"text": "да"})
    assert stranger.status_code == 404
