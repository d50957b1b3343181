"""Real `voicebox` processes on the test database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

VOICEBOX = [str(Path(sys.executable).with_name("voicebox"))]


def env_for(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
    env.update({"VOICEBOX_DATABASE_URL": database_url, "VOICEBOX_DATA_DIR": str(data_dir),
                "VOICEBOX_LOG_LEVEL": "WARNING", "VOICEBOX_SEED_NUMBERS": "false",
                "VOICEBOX_SIM_AUDIO": "false"})
    env.update(extra)
    return env


def start_worker(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as sink:
        return subprocess.Popen([*VOICEBOX, "worker", *args], env=env, stdout=sink,
                                stderr=subprocess.STDOUT)


def start_server(env: dict[str, str], port: int, *, log: Path) -> subprocess.Popen:
    """`voicebox serve --no-dialer` (uvicorn) on 127.0.0.1:`port`."""
    with log.open("ab") as sink:
        return subprocess.Popen([*VOICEBOX, "serve", "--no-dialer", "--port", str(port)],
                                env=env, stdout=sink, stderr=subprocess.STDOUT)


async def wait_serving(http: httpx.AsyncClient, server: subprocess.Popen, log: Path,
                       limit: float = 120) -> None:
    """Until `voicebox serve` answers (generous: a cold start with migrations on busy cores)."""
    deadline = time.monotonic() + limit
    while True:
        try:
            if (await http.get("/openapi.json")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(await asyncio.to_thread(log.read_text))
        await asyncio.sleep(0.2)
