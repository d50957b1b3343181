"""Schema-driven fuzzing of every operation with schemathesis: no 5xx, responses as documented.

The service runs in a real uvicorn server on a loopback port, in a thread with its own event
loop and its own database, so schemathesis' synchronous HTTP calls never meet pytest-asyncio's
loop. Requests carry a live token of a real tenant, and `{customer_id}` is that tenant's id, so
the fuzzing gets past authentication and tenancy into the handlers.

The run is deterministic: Hypothesis is derandomized and keeps no example database, so every
run sends the same cases (schemathesis' coverage phase's boundary cases for every parameter, then
`VOICEBOX_FUZZ_EXAMPLES` generated cases per operation, default 10; about 30 s of CPU per
database). A finding therefore fails every run until it is fixed, never one run in ten. Searching
for new findings with fresh random seeds, stateful sequences and unicode-heavy text is
`bench/fuzz.py`'s job. `VOICEBOX_FUZZ_LOG=info` shows the server's access log.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.conftest import PG_ENV

from voicebox.app import create_app
from voicebox.auth.service import auth_service
from voicebox.config import Settings
from voicebox.customers.service import customer_service
from voicebox.store.db import make_engine, make_sessionmaker
from voicebox.store.scratch import create_scratch_database, drop_database

EXAMPLES = int(os.environ.get("VOICEBOX_FUZZ_EXAMPLES", "10"))


@dataclass
class FuzzTarget:
    base_url: str
    customer_id: int
    token: str


async def _create_tenant(database_url: str) -> tuple[int, str]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            customer = await customer_service.create(
                session, name="Fuzz customer", balance=Decimal("100000"), credit_limit=Decimal(0)
            )
            user = await auth_service.create_user(
                session, customer_id=customer.id, username="fuzzer", password="password-123"
            )
            issued = await auth_service.issue_token(
                session, user=user, client_id="fuzz", access_ttl=24 * 3600
            )
            await session.commit()
            return customer.id, issued.access_token
    finally:
        await engine.dispose()


class _ServerThread(threading.Thread):
    def __init__(self, app, sock: socket.socket):
        super().__init__(daemon=True)
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, log_level=os.environ.get("VOICEBOX_FUZZ_LOG", "warning"), lifespan="on"
            )
        )
        self.sock = sock

    def run(self) -> None:
        self.server.run(sockets=[self.sock])

    def wait_started(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fuzz server did not start")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def fuzz_target(
    tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> Iterator[FuzzTarget]:
    # `database_url` marks this test as backend-dependent (it runs on the PostgreSQL pass too);
    # the server still gets a database of its own, so the fuzz data never meets other tests.
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    server_url = os.environ.get(PG_ENV)
    if server_url:
        database_url = asyncio.run(create_scratch_database(server_url, "fuzz"))
    else:
        database_url = f"sqlite+aiosqlite:///{data_dir / 'fuzz.db'}"
    app = create_app(Settings(data_dir=data_dir, database_url=database_url, seed_numbers=True))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = _ServerThread(app, sock)
    thread.start()
    try:
        thread.wait_started()
        customer_id, token = asyncio.run(_create_tenant(database_url))
        host, port = sock.getsockname()
        yield FuzzTarget(f"http://{host}:{port}", customer_id, token)
    finally:
        thread.server.should_exit = True
        thread.join(timeout=30)
        if server_url:
            asyncio.run(drop_database(database_url))


# Read from the app itself at collection, so every registered route is fuzzed. (The lazy
# `schemathesis.pytest.from_fixture` loader breaks on pytest 9: it sets `Function._nodeid`.)
schema = schemathesis.openapi.from_dict(create_app(Settings(seed_numbers=False)).openapi())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same cases on every run: CI cannot fail (or pass) by chance
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
def test_fuzz(case, fuzz_target: FuzzTarget):
    if case.path_parameters and "customer_id" in case.path_parameters:
        case.path_parameters["customer_id"] = fuzz_target.customer_id
    case.call_and_validate(
        base_url=fuzz_target.base_url,
        headers={"Authorization": f"Bearer {fuzz_target.token}"},
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )
