"""A real `voicebox serve` process for the abuse benchmarks (fuzz, soak): its own data directory
and database (SQLite, or a scratch PostgreSQL database), a tenant made with `voicebox admin`, a
token from `/oauth/token`, and the process's RSS from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import drop_pg, scratch_pg

VOICEBOX = str(Path(sys.executable).with_name("voicebox"))
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`with Server("sqlite") as server:` → `server.url`, `server.token`, `server.customer_id`."""

    def __init__(self, database: str, *, pg_server: str = PG_DEFAULT, dialer: bool = True,
                 env: dict[str, str] | None = None):
        self.database = database
        self.pg_server = pg_server
        self.dialer = dialer
        self.extra_env = env or {}
        self.data_dir = Path(tempfile.mkdtemp(prefix="vb-bench-server-"))
        self.log_path = self.data_dir / "server.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url: str | None = None
        self.process: subprocess.Popen | None = None
        self.customer_id = 0
        self.username = "bench"
        self.token = ""
        self.client_id = ""
        self.client_secret = ""

    # -- lifecycle -------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
        env |= {"VOICEBOX_DATA_DIR": str(self.data_dir), "VOICEBOX_LOG_LEVEL": "warning",
                "VOICEBOX_SIM_TIME_SCALE": "60", **self.extra_env}
        if self.database_url:
            env["VOICEBOX_DATABASE_URL"] = self.database_url
        return env

    def _cli(self, *args: str) -> dict:
        out = subprocess.run([VOICEBOX, *args], env=self._env(), capture_output=True, text=True,
                             check=True, timeout=300)
        return json.loads(out.stdout) if out.stdout.strip() else {}

    def __enter__(self) -> Server:
        if self.database == "postgresql":
            self.database_url = asyncio.run(scratch_pg(self.pg_server, "abuse"))
        subprocess.run([VOICEBOX, "db", "upgrade"], env=self._env(), check=True,
                       capture_output=True, timeout=300)
        args = [VOICEBOX, "serve", "--port", str(self.port)] + ([] if self.dialer else
                                                                  ["--no-dialer"])
        self.process = subprocess.Popen(args, env=self._env(), stdout=self.log_path.open("wb"),
                                        stderr=subprocess.STDOUT)
        self._wait_ready()
        customer = self._cli("admin", "create-customer", "--name", "Bench abuse",
                             "--balance", "1000000")
        self.customer_id = customer["id"]
        self._cli("admin", "create-user", "--customer", str(self.customer_id),
                  "--username", self.username, "--password", PASSWORD)
        client = self._cli("admin", "create-client", "--name", "bench")
        self.client_id, self.client_secret = client["client_id"], client["client_secret"]
        self.token = self.login(PASSWORD).json()["access_token"]
        return self

    def _wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the server did not start in {timeout:.0f} s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.database_url:
            asyncio.run(drop_pg(self.database_url))
        if os.environ.get("VOICEBOX_BENCH_KEEP"):
            print(f"server data and log kept in {self.data_dir}")
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- probes ----------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss_kb(self) -> int:
        """The server process's resident memory now, in KiB (0 once it has exited)."""
        assert self.process is not None
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except FileNotFoundError:
            pass
        return 0

    def login(self, password: str, username: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.url}/oauth/token", auth=(self.client_id, self.client_secret),
                          data={"grant_type": "password", "username": username or self.username,
                                "password": password}, timeout=60)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
