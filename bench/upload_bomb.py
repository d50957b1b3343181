"""Audio decode bombs against a real `voicebox serve` (uvicorn, SQLite): how much memory an
upload of long silence adds to the server, and to its decoder processes, at peak.

    .venv/bin/python bench/upload_bomb.py [--hours 10]

Cases: a tiny Ogg/FLAC of 10 h of silence (refused on its probed duration); the same file with
a container claiming 10 s (decoded until the cap); the longest file accepted (590 s); three
8 MB files of 10 h at once, honest and lying. The server's peak is VmHWM (reset through
/proc/PID/clear_refs before each case) minus its RSS before; the decoders' is the largest sum
of the server's children's RSS seen while polling every 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.media.ogg

from tests.media.ogg import claim_duration, silent_ogg

from voicebox.auth.service import auth_service
from voicebox.customers.service import customer_service
from voicebox.store.db import make_engine, make_sessionmaker
from voicebox.store.migrate import upgrade

VOICEBOX = str(Path(sys.executable).with_name("voicebox"))


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
        except FileNotFoundError:
            pass
    return found


class ChildWatch(threading.Thread):
    """Largest total RSS of the server's child processes (the ffprobe / ffmpeg it runs)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            total = sum(_status_kb(child, "VmRSS:") for child in _children(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            time.sleep(0.01)


async def tenant_token(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        customer = await customer_service.create(session, name="bench")
        user = await auth_service.create_user(session, customer_id=customer.id,
                                              username=f"bench{uuid.uuid4().hex[:6]}",
                                              password="password-123")
        issued = await auth_service.issue_token(session, user=user, client_id="bench")
        await session.commit()
    await engine.dispose()
    return customer.id, issued.access_token


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen([VOICEBOX, "serve", "--no-dialer", "--port", str(port)], env=env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reset_peak(pid: int) -> int:
    """VmHWM := VmRSS for `pid`; returns that RSS in KiB."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")
    return _status_kb(pid, "VmRSS:")


async def upload(http: httpx.AsyncClient, path: str, files: list[tuple[str, bytes]]) -> list[int]:
    async def one(file: tuple[str, bytes]) -> int:
        return (await http.post(path, files={"file": file})).status_code

    return list(await asyncio.gather(*(one(file) for file in files)))


async def measure(http: httpx.AsyncClient, pid: int, path: str, paths: list[Path]) -> dict:
    files = [(file.name, file.read_bytes()) for file in paths]
    before = reset_peak(pid)
    watch = ChildWatch(pid)
    watch.start()
    started = time.perf_counter()
    statuses = await upload(http, path, files)
    seconds = time.perf_counter() - started
    watch.running = False
    watch.join()
    return {"statuses": statuses, "seconds": seconds,
            "server_mb": (_status_kb(pid, "VmHWM:") - before) / 1024,
            "decoders_mb": watch.peak_kb / 1024}


def make_files(work: Path, hours: float) -> list[tuple[str, list[Path]]]:
    seconds = hours * 3600
    print(f"making {hours:g} h of silence (ffmpeg, a minute or so)…", file=sys.stderr)
    tiny = silent_ogg(work / "tiny.ogg", seconds)
    liar = claim_duration(tiny, work / "tiny-says-10s.ogg", 10)
    big = work / "big.ogg"  # FLAC's default frames: 10 h of silence is about 8 MB
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "anullsrc=r=8000:cl=mono", "-t", f"{seconds:g}", "-c:a", "flac", str(big)],
                   check=True)
    big_liars = [claim_duration(big, work / f"big-says-10s-{n}.ogg", 10) for n in range(3)]
    longest = silent_ogg(work / "590s.ogg", 590)
    mb = big.stat().st_size / 1e6
    return [
        (f"{hours:g} h silence, {tiny.stat().st_size // 1000} KB (refused on probe)", [tiny]),
        ("same, container says 10 s (capped decode)", [liar]),
        ("590 s silence (accepted, the largest allowed)", [longest]),
        (f"3 × {mb:.1f} MB of {hours:g} h at once (refused on probe)", [big] * 3),
        (f"3 × {mb:.1f} MB of {hours:g} h saying 10 s, at once (capped)", big_liars),
    ]


async def main(hours: float) -> None:
    with tempfile.TemporaryDirectory(prefix="vb-bomb-") as scratch:
        work = Path(scratch)
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        customer_id, token = await tenant_token(url)
        cases = make_files(work, hours)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
        env |= {"VOICEBOX_DATABASE_URL": url, "VOICEBOX_DATA_DIR": str(work / "data"),
                "VOICEBOX_SEED_NUMBERS": "false", "VOICEBOX_LOG_LEVEL": "WARNING"}
        server = start_server(env, port)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300,
                                         headers={"Authorization": f"Bearer {token}"}) as http:
                for _ in range(600):
                    try:
                        if (await http.get("/openapi.json")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                path = f"/v1/customers/{customer_id}/audio"
                await measure(http, server.pid, path, [cases[2][1][0]])  # warm up imports
                print(f"server RSS before: {_status_kb(server.pid, 'VmRSS:') / 1024:.0f} MB")
                print(f"{'case':<58} {'answers':<16} {'s':>6} {'server +MB':>10} "
                      f"{'decoders MB':>11}")
                for title, files in cases:
                    result = await measure(http, server.pid, path, files)
                    answers = ",".join(str(status) for status in result["statuses"])
                    print(f"{title:<58} {answers:<16} {result['seconds']:>6.2f} "
                          f"{result['server_mb']:>10.1f} {result['decoders_mb']:>11.1f}")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=10.0, help="length of the silence")
    asyncio.run(main(parser.parse_args().hours))
