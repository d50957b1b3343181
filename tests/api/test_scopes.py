"""OAuth scopes: a `read` token reads but cannot create, change, launch, delete or buy; every
non-GET /v1 operation is walked from the OpenAPI document, so a new route cannot slip by."""

from __future__ import annotations

import re

import pytest
from tests.oauth_support import PASSWORD, balance_path, browser, register_client

from voicebox.auth.service import auth_service

SAFE = {"get", "head", "options"}


async def token_with_scope(app, tenant, scope: str) -> dict[str, str]:
    async with app.state.sessionmaker() as session:
        issued = await auth_service.issue_token(
            session, user=tenant.user, client_id="tests", scope=scope
        )
        await session.commit()
    return {"Authorization": f"Bearer {issued.access_token}"}


def mutating_operations(app, tenant) -> list[tuple[str, str]]:
    """(METHOD, path) of every /v1 operation that is not a read, path parameters filled in."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/v1"):
            continue
        concrete = path.replace("{customer_id}", str(tenant.id))
        concrete = re.sub(r"\{[^}]+\}", "1", concrete)
        found += [(method.upper(), concrete) for method in operations if method not in SAFE]
    return found


async def test_read_only_token_cannot_change_anything(app, client, tenant):
    read_only = await token_with_scope(app, tenant, "read")
    operations = mutating_operations(app, tenant)
    assert ("POST", "/v1/sb") in operations and len(operations) >= 12
    for method, path in operations:
        for variant in (path, path + "/"):
            answer = await client.request(method, variant, headers=read_only)
            assert answer.status_code == 403, (method, variant, answer.text)
            assert answer.json() == [{
                "name": "insufficient_scope", "message": answer.json()[0]["message"],
                "status": 403}]
            assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    # ... and reads all it could before.
    assert (await client.get(balance_path(tenant), headers=read_only)).status_code == 200
    listed = await client.get(f"/v1/customers/{tenant.id}/scenarios", headers=read_only)
    assert listed.status_code == 200


async def test_full_scope_token_passes_the_scope_check_everywhere(app, client, tenant):
    full = await token_with_scope(app, tenant, "read write")
    for method, path in mutating_operations(app, tenant):
        answer = await client.request(method, path, headers=full)
        assert answer.status_code != 403, (method, path, answer.text)


async def test_read_only_token_cannot_create_a_scenario(app, client, tenant):
    body = {"title": "t", "type": "outgoing", "states": [
        {"type": "Initial", "name": "start", "success": "bye"},
        {"type": "ReleaseCall", "name": "bye"}]}
    path = f"/v1/customers/{tenant.id}/scenarios"
    read_only = await token_with_scope(app, tenant, "read")
    assert (await client.post(path, json=body, headers=read_only)).status_code == 403
    assert (await client.get(path, headers=read_only)).json() == []
    created = await client.post(path, json=body, headers=tenant.headers)
    assert created.status_code == 201, created.text


async def grant(app, registered, tenant, **form) -> dict:
    async with browser(app) as agent:
        answer = await agent.post(
            "/oauth/token",
            data={"grant_type": "password", "username": tenant.user.username,
                  "password": PASSWORD, **form},
            auth=(registered.client_id, registered.client_secret),
        )
    return answer.json()


@pytest.mark.parametrize(("requested", "granted"), [
    (None, "read write"), ("read", "read"), ("read write", "read write")])
async def test_tokens_get_the_requested_scope(app, client, tenant, requested, granted):
    registered = await register_client(app)
    form = {"scope": requested} if requested else {}
    token = await grant(app, registered, tenant, **form)
    assert token["scope"] == granted
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    answer = await client.delete(f"/v1/customers/{tenant.id}/scenarios/1", headers=headers)
    assert answer.status_code == (403 if granted == "read" else 404)
    # A refreshed token keeps the scope.
    async with browser(app) as agent:
        refreshed = await agent.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            auth=(registered.client_id, registered.client_secret),
        )
    assert refreshed.json()["scope"] == granted


async def test_unknown_scope_is_refused(app, tenant):
    registered = await register_client(app)
    token = await grant(app, registered, tenant, scope="read admin")
    assert token["error"] == "invalid_scope"
