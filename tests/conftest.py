"""Shared fixtures: one migrated database per test run (SQLite, or PostgreSQL when
VOICEBOX_TEST_DATABASE_URL is set), the app over ASGI, and tenants with tokens.

Every test starts on empty tables: they are emptied after each test, which (unlike a rolled-back
transaction) also covers the real commits that background workers and subprocesses make.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.app import create_app
from voicebox.auth.service import auth_service
from voicebox.config import Settings
from voicebox.customers.service import customer_service
from voicebox.models import Customer, User
from voicebox.store.db import Base
from voicebox.store.scratch import create_scratch_database, drop_database

# `s3_server`: a real S3 server; `second_machine`: a network + mount namespace on this host.
pytest_plugins = ["tests.netns", "tests.s3server"]

PG_ENV = "VOICEBOX_TEST_DATABASE_URL"
# "database": only the tests that use the database; "rest": only the others (CI runs the two
# parts of the SQLite pass side by side, scripts/test.sh).
PART_ENV = "VOICEBOX_TEST_PART"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run, keep only tests that touch the database: the rest (engine, media,
    parsers) do not depend on the backend and already ran on the SQLite pass."""
    part = os.environ.get(PART_ENV) or ("database" if os.environ.get(PG_ENV) else "")
    if not part:
        return
    if part not in ("database", "rest"):
        raise pytest.UsageError(f"{PART_ENV}={part!r}: expected 'database' or 'rest'")
    wanted = part == "database"
    keep = [item for item in items if _uses_database(item) == wanted]
    dropped = [item for item in items if _uses_database(item) != wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _uses_database(item: pytest.Item) -> bool:
    return "database_url" in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    server = os.environ.get(PG_ENV)
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = await create_scratch_database(server, "test")
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def app_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for an app under test: this run's database, `data_dir`, no seeded numbers,
    and whatever a test's variant needs on top (S3 storage, …)."""
    return Settings(data_dir=data_dir, database_url=database_url, seed_numbers=False,
                    **overrides)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Any]:
    """The application on `settings` with its lifespan (database, jobs) running."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def http_client(application: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to `application` through ASGI (no socket)."""
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return app_settings(database_url, data_dir,
                         sim_audio=False)  # text mode unless a test asks for audio


@pytest.fixture(scope="session")
async def app(settings: Settings):
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http


@pytest.fixture
async def session(app) -> AsyncIterator[AsyncSession]:
    async with app.state.sessionmaker() as db_session:
        yield db_session


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    async with application.state.engine.begin() as connection:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            for table in tables:
                await connection.execute(text(f'DELETE FROM "{table}"'))


@dataclass
class Tenant:
    """A customer with one user and a live bearer token."""

    customer: Customer
    user: User
    token: str

    @property
    def id(self) -> int:
        return self.customer.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


TenantFactory = Callable[..., Awaitable[Tenant]]


@pytest.fixture
def make_tenant(app) -> TenantFactory:
    """`await make_tenant(balance=...)` → a Tenant whose token works against `client`."""

    async def factory(
        *, name: str | None = None, balance: str = "1000", credit_limit: str = "0"
    ) -> Tenant:
        suffix = uuid.uuid4().hex[:8]
        async with app.state.sessionmaker() as db_session:
            customer = await customer_service.create(
                db_session,
                name=name or f"Customer {suffix}",
                balance=Decimal(balance),
                credit_limit=Decimal(credit_limit),
            )
            user = await auth_service.create_user(
                db_session, customer_id=customer.id, username=f"user{suffix}", password="password-123"
            )
            issued = await auth_service.issue_token(db_session, user=user, client_id="tests")
            await db_session.commit()
        return Tenant(customer=customer, user=user, token=issued.access_token)

    return factory


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()
