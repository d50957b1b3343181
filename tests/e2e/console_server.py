"""A real `voicebox serve` for the console's browser test, on its own SQLite and port."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.workers import VOICEBOX, env_for
from tests.ports import free_port

USERNAME = "alice"
PASSWORD = "s3cret-pass"
NUMBERS = ["74951110001", "74951110002", "74951110003"]


def admin(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run([*VOICEBOX, "admin", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout)


class ConsoleServer:
    """Starts the server with a customer, a user and a few numbers; stops it on exit."""

    def __init__(self, data_dir: Path, time_scale: str = "200"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "serve.log"
        self.env = env_for(f"sqlite+aiosqlite:///{data_dir / 'voicebox.db'}", data_dir,
                           VOICEBOX_SIM_TIME_SCALE=time_scale, VOICEBOX_DIALER_POLL_SECONDS="0.2")
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ConsoleServer:
        admin(self.env, "create-customer", "--name", "Acme", "--balance", "10000")
        admin(self.env, "create-user", "--customer", "1", "--username", USERNAME,
              "--password", PASSWORD)
        admin(self.env, "add-numbers", *[arg for n in NUMBERS for arg in ("--number", n)])
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [*VOICEBOX, "serve", "--port", str(self.port)], env=self.env, stdout=sink,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"voicebox serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"voicebox serve did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *_: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
