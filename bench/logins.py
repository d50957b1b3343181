"""Logins under a burst of wrong passwords: how long a cheap request waits meanwhile.

Fires N wrong-password grants at once at an in-process app (SQLite in a temporary directory),
and meanwhile times GET /balance every 20 ms. With argon2 on the event loop the cheap request
waited seconds (issue 10: 6-13 s for 40); off the loop it waits for the database only.

    python bench/logins.py [--logins 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from voicebox.app import create_app
from voicebox.auth.service import auth_service
from voicebox.config import Settings
from voicebox.customers.service import customer_service


async def run(logins: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), seed_numbers=False,
                            login_max_failures_per_address=10 * logins)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with app.state.sessionmaker() as session:
                customer = await customer_service.create(session, name="Bench")
                user = await auth_service.create_user(
                    session, customer_id=customer.id, username="bench", password="password-123")
                client = await auth_service.create_client(session, name="b", redirect_uris=[])
                token = await auth_service.issue_token(session, user=user, client_id="b")
                await session.commit()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://t") as http:
                headers = {"Authorization": f"Bearer {token.access_token}"}
                path = f"/v1/customers/{customer.id}/balance"

                async def wrong(n: int) -> int:
                    answer = await http.post(
                        "/oauth/token",
                        data={"grant_type": "password", "username": f"guess{n}",
                              "password": "wrong"},
                        auth=(client.client.client_id, client.secret))
                    return answer.status_code

                started = time.perf_counter()
                burst = asyncio.gather(*(wrong(n) for n in range(logins)))
                waits = []
                while not burst.done():
                    t0 = time.perf_counter()
                    await http.get(path, headers=headers)
                    waits.append((time.perf_counter() - t0) * 1000)
                    await asyncio.sleep(0.02)
                codes = await burst
                elapsed = time.perf_counter() - started
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print("| wrong logins | burst s | cheap requests | median ms | max ms | answers |")
    print("|---|---|---|---|---|---|")
    print(f"| {logins} | {elapsed:.2f} | {len(waits)} | {statistics.median(waits):.1f} "
          f"| {max(waits):.1f} | {sorted(set(codes))} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=40)
    asyncio.run(run(parser.parse_args().logins))
