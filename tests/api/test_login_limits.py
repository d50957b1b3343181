"""Login limits through HTTP: lockouts per username, OAuth client and remote address on the
token endpoint, the login form and /v1/sb Basic; 429 + Retry-After; a moved clock ends them."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading

import httpx
import pytest
from tests.dialer.conftest import insert_campaign
from tests.oauth_support import (
    BASE,
    PASSWORD,
    browser,
    new_verifier,
    oauth_client,
    redirect_params,
    register_client,
    submit_login,
)

from voicebox.app import create_app
from voicebox.auth import secrets
from voicebox.auth.throttle import LoginThrottle

WRONG = "not-the-password"
SIM = {"default": {"result": "answer", "answerDelay": 1}}


class Clock:
    """Unix time the login limits read; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(app.state, "login_throttle", LoginThrottle(app.state.settings, moved),
                        raising=False)
    return moved


@pytest.fixture
def limits(app, monkeypatch):
    """Set the limits for one test: `limits(user=3, address=5, client=2)`."""

    def set_limits(**values: int) -> None:
        for kind, value in values.items():
            monkeypatch.setattr(app.state.settings, f"login_max_failures_per_{kind}", value)

    return set_limits


@pytest.fixture
def verify_threads(monkeypatch) -> list[str]:
    """The name of the thread every argon2 verification ran in."""
    names: list[str] = []
    real = secrets.verify_password

    def recording(password_hash, password):
        names.append(threading.current_thread().name)
        return real(password_hash, password)

    monkeypatch.setattr(secrets, "verify_password", recording)
    return names


def at(app, address: str) -> httpx.AsyncClient:
    """A user agent connecting from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def password_grant(agent, registered, username: str, password: str, **form):
    return await agent.post(
        "/oauth/token",
        data={"grant_type": "password", "username": username, "password": password, **form},
        auth=(registered.client_id, registered.client_secret),
    )


def assert_locked(response: httpx.Response, retry_after: int | None = None) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == [
        {"name": "login_locked", "message": response.json()[0]["message"], "status": 429}
    ]
    if retry_after is not None:
        assert response.headers["Retry-After"] == str(retry_after)


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_password_grant_locks_the_user_and_refuses_the_right_password(
    app, tenant, clock, verify_threads
):
    registered = await register_client(app)
    user = tenant.user.username
    async with browser(app) as agent:
        for _ in range(app.state.settings.login_max_failures_per_user):
            wrong = await password_grant(agent, registered, user, WRONG)
            assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        assert_locked(await password_grant(agent, registered, user, PASSWORD), 900)
        clock.advance(899)
        assert_locked(await password_grant(agent, registered, user, PASSWORD), 1)
        clock.advance(1)
        right = await password_grant(agent, registered, user, PASSWORD)
        assert right.status_code == 200, right.text
    # Every check ran in the pool, none on the event loop's thread.
    assert verify_threads and all(name.startswith("argon2") for name in verify_threads)


async def test_a_right_password_clears_the_users_count(app, tenant, clock, limits):
    limits(user=3)
    registered = await register_client(app)
    user = tenant.user.username
    async with browser(app) as agent:
        for password in (WRONG, WRONG, PASSWORD, WRONG, WRONG, PASSWORD):
            answer = await password_grant(agent, registered, user, password)
            assert answer.status_code == (200 if password == PASSWORD else 400), answer.text


async def test_a_window_without_failures_starts_the_count_again(app, tenant, clock, limits):
    limits(user=3)
    registered = await register_client(app)
    user = tenant.user.username
    async with browser(app) as agent:
        for _ in range(2):
            await password_grant(agent, registered, user, WRONG)
        clock.advance(app.state.settings.login_failure_window_seconds)
        for _ in range(2):
            assert (await password_grant(agent, registered, user, WRONG)).status_code == 400
        assert (await password_grant(agent, registered, user, PASSWORD)).status_code == 200


async def test_the_lock_holds_on_every_login_path_and_across_processes(
    app, settings, tenant, clock, limits
):
    """Counts live in the database: a second app on the same database (another API process)
    sees the first one's lock, on the login form and /v1/sb Basic as well."""
    limits(user=2)
    registered = await register_client(app)
    user = tenant.user.username
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        other.state.login_throttle = LoginThrottle(settings, clock)
        async with browser(app) as here, browser(other) as there:
            assert (await password_grant(here, registered, user, WRONG)).status_code == 400
            assert (await password_grant(there, registered, user, WRONG)).status_code == 400
            assert_locked(await password_grant(there, registered, user, PASSWORD))
            sb = await there.post("/v1/sb", json={"method": "x"}, headers=basic(user, PASSWORD))
            assert_locked(sb)
        async with oauth_client(app, registered) as oauth, browser(other) as agent:
            url, _ = oauth.create_authorization_url(
                "/oauth/authorize", code_verifier=new_verifier()
            )
            form = await submit_login(agent, url, user)
            assert form.status_code == 429 and "Too many failed logins" in form.text
            assert form.headers["Retry-After"] == "900"
            clock.advance(900)
            assert "code" in redirect_params(await submit_login(agent, url, user))


async def test_login_form_locks_after_wrong_passwords(app, tenant, clock, limits, verify_threads):
    limits(user=3)
    registered = await register_client(app)
    user = tenant.user.username
    async with oauth_client(app, registered) as oauth, browser(app) as agent:
        url, _ = oauth.create_authorization_url("/oauth/authorize", code_verifier=new_verifier())
        for _ in range(3):
            wrong = await submit_login(agent, url, user, WRONG)
            assert wrong.status_code == 400 and "Wrong username or password" in wrong.text
        locked = await submit_login(agent, url, user)
        assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
        denied = await submit_login(agent, url, user, WRONG, decision="deny")
        assert redirect_params(denied)["error"] == "access_denied"  # denying needs no password
        clock.advance(900)
        assert "code" in redirect_params(await submit_login(agent, url, user))
    assert len(verify_threads) == 4 and all(n.startswith("argon2") for n in verify_threads)


async def test_per_address_limit_spans_usernames(app, tenant, make_tenant, clock, limits):
    limits(user=10, address=4)
    registered = await register_client(app)
    async with at(app, "203.0.113.7") as attacker, at(app, "198.51.100.2") as elsewhere:
        for n in range(4):
            wrong = await password_grant(attacker, registered, f"nobody{n}", WRONG)
            assert wrong.status_code == 400
        # The address is locked, whoever it names, even with a right password ...
        assert_locked(await password_grant(attacker, registered, tenant.user.username, PASSWORD))
        # ... while the same user from another address logs in.
        right = await password_grant(elsewhere, registered, tenant.user.username, PASSWORD)
        assert right.status_code == 200, right.text
        clock.advance(900)
        answer = await password_grant(attacker, registered, tenant.user.username, PASSWORD)
        assert answer.status_code == 200


async def test_per_client_limit_on_wrong_secrets(app, tenant, clock, limits, verify_threads):
    limits(client=3, address=100)
    registered = await register_client(app)
    other = await register_client(app)
    user = tenant.user.username
    async with browser(app) as agent:
        for _ in range(3):
            wrong = await agent.post(
                "/oauth/token",
                data={"grant_type": "password", "username": user, "password": PASSWORD},
                auth=(registered.client_id, "wrong-secret"),
            )
            assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        assert_locked(await password_grant(agent, registered, user, PASSWORD), 900)
        # client_secret_post names the client in the form: locked the same way.
        posted = await agent.post("/oauth/token", data={
            "grant_type": "password", "username": user, "password": PASSWORD,
            "client_id": registered.client_id, "client_secret": registered.client_secret})
        assert_locked(posted)
        revoke = await agent.post("/oauth/revoke", data={"token": "x"},
                                  auth=(registered.client_id, registered.client_secret))
        assert_locked(revoke)
        # Wrong secrets do not count against the user, nor lock other clients.
        assert (await password_grant(agent, other, user, PASSWORD)).status_code == 200
        clock.advance(900)
        assert (await password_grant(agent, registered, user, PASSWORD)).status_code == 200
    assert all(name.startswith("argon2") for name in verify_threads)


async def test_sb_basic_auth_is_limited(app, client, tenant, clock, limits, verify_threads):
    limits(user=3)
    campaign = await insert_campaign(app, tenant.id, launch_by="http", simulation=SIM)
    body = {"method": campaign.entry_point_id, "number": "+79991234567"}
    user = tenant.user.username
    for _ in range(3):
        wrong = await client.post("/v1/sb", json=body, headers=basic(user, WRONG))
        assert wrong.status_code == 401, wrong.text
    assert_locked(await client.post("/v1/sb", json=body, headers=basic(user, PASSWORD)), 900)
    # A bearer token is not a login: it keeps working during the lock.
    other = {**body, "number": "+79991234568"}
    assert (await client.post("/v1/sb", json=other, headers=tenant.headers)).status_code == 200
    clock.advance(900)
    right = await client.post("/v1/sb", json=body, headers=basic(user, PASSWORD))
    assert right.status_code == 200, right.text
    assert len(verify_threads) == 4 and all(n.startswith("argon2") for n in verify_threads)


async def test_failed_logins_are_logged_without_the_password(app, tenant, clock, caplog):
    registered = await register_client(app)
    secret_word = "Hunter2-secret-guess"
    with caplog.at_level(logging.WARNING, logger="voicebox.auth"):
        async with at(app, "192.0.2.55") as agent:
            await password_grant(agent, registered, tenant.user.username, secret_word)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "login failed" in logged and tenant.user.username in logged
    assert "192.0.2.55" in logged and secret_word not in logged


async def test_verification_does_not_hold_the_event_loop(app, client, tenant, clock, monkeypatch):
    """While 20 wrong-password logins sit in argon2 (held there by an event), the same app
    answers another request: verification runs in the pool, not on the loop's thread."""
    registered = await register_client(app)
    release, entered = threading.Event(), []
    real, loop_thread = secrets.verify_password, threading.current_thread()

    def held(password_hash, password):
        entered.append(threading.current_thread().name)
        if threading.current_thread() is not loop_thread:  # holding the loop would hang the test
            assert release.wait(timeout=60), "the pool was never released"
        return real(password_hash, password)

    monkeypatch.setattr(secrets, "verify_password", held)
    async with browser(app) as agent:
        logins = [
            asyncio.ensure_future(password_grant(agent, registered, f"guess{n}", WRONG)) for n in range(20)
        ]
        for _ in range(6000):  # until a login is inside argon2 (at most a minute)
            if entered:
                break
            await asyncio.sleep(0.01)
        cheap = await client.get(f"/v1/customers/{tenant.id}/balance", headers=tenant.headers)
        assert cheap.status_code == 200 and not release.is_set()
        release.set()
        answers = [await login for login in logins]
    assert all(answer.status_code in (400, 401) for answer in answers)
    assert entered and all(name.startswith("argon2") for name in entered)

