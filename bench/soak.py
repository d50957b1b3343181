"""Memory under abuse: bad inputs in a loop against a real server, its RSS over time.

    .venv/bin/python bench/soak.py [--minutes 5] [--database sqlite|postgresql]
                                   [--concurrency 4] [--every 15]

`voicebox serve` (with its dialer) on a scratch database; a few clients send, round-robin, the
kinds of abuse in ABUSES (oversized and lying uploads, a decode bomb, lone surrogates, non-ASCII
digits, wrong passwords, huge ranges, deep JSON …) until `--minutes` are up. Every `--every`
seconds a row shows the server's RSS; the summary gives the growth after the first minute (a
server that keeps memory flat stays within a few MiB) and what each kind was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import subprocess
import tempfile
import time
import wave
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
from _server import PG_DEFAULT, Server

Abuse = Callable[[httpx.AsyncClient, Server], Awaitable[httpx.Response | int]]


def _deep_json(depth: int) -> str:
    return '{"title": "deep", "type": "outgoing", "states": ' + "[" * depth + "]" * depth + "}"


def _lying_wav() -> bytes:
    """A WAV whose header claims far more frames than it carries."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    data = bytearray(buffer.getvalue())
    data[40:44] = (2**31 - 1).to_bytes(4, "little")
    return bytes(data)


def _silence_ogg(seconds: int) -> bytes:
    """A small OGG Vorbis file of long silence (the decode bomb), if ffmpeg is installed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "silence.ogg"
        try:
            subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                            f"anullsrc=r=8000:cl=mono:d={seconds}", "-c:a", "libvorbis",
                            "-q:a", "0", str(path)], check=True, timeout=300)
        except (OSError, subprocess.SubprocessError):
            return b"OggS" + b"\x00" * 1000
        return path.read_bytes()


class Abuses:
    """Each method is one kind of bad request; all answer with an error and change nothing."""

    def __init__(self, server: Server):
        self.base = f"/v1/customers/{server.customer_id}"
        self.bomb = _silence_ogg(3600)
        self.lying_wav = _lying_wav()
        self.deep = _deep_json(5000)

    async def oversized_upload(self, http: httpx.AsyncClient, server: Server) -> httpx.Response:
        return await http.post(f"{self.base}/audio", headers=server.headers,
                               files={"file": ("big.wav", b"\x00" * (21 * 1024 * 1024))})

    async def lying_content_length(self, http: httpx.AsyncClient, server: Server) -> int:
        """Claims 100 GB, sends 2 bytes and hangs up (raw: no client library sends that)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write((f"POST {self.base}/scenarios HTTP/1.1\r\nHost: x\r\n"
                          f"Authorization: Bearer {server.token}\r\n"
                          "Content-Type: application/json\r\nContent-Length: 99999999999\r\n"
                          "\r\n{}").encode())
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), 60)
            return int(status_line.split()[1]) if status_line else 0
        finally:
            writer.close()

    async def chunked_over_limit(self, http: httpx.AsyncClient, server: Server):
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(22):
                yield b"x" * (1024 * 1024)
        return await http.post(f"{self.base}/scenarios", content=chunks(),
                               headers={**server.headers, "Content-Type": "application/json"})

    async def lying_wav_upload(self, http: httpx.AsyncClient, server: Server):
        return await http.post(f"{self.base}/audio", headers=server.headers,
                               files={"file": ("lying.wav", self.lying_wav)})

    async def decode_bomb(self, http: httpx.AsyncClient, server: Server):
        return await http.post(f"{self.base}/audio", headers=server.headers,
                               files={"file": ("silence.ogg", self.bomb)})

    async def text_not_audio(self, http: httpx.AsyncClient, server: Server):
        return await http.post(f"{self.base}/audio", headers=server.headers,
                               files={"file": ("notes.mp3", b"not audio at all\n" * 500)})

    async def lone_surrogates(self, http: httpx.AsyncClient, server: Server):
        body = '{"title": "\\udc00", "type": "outgoing", "states": [{"type": "Initial", ' \
               '"name": "\\ud800", "success": "x"}]}'
        return await http.post(f"{self.base}/scenarios", content=body.encode(),
                               headers={**server.headers, "Content-Type": "application/json"})

    async def surrogate_sb(self, http: httpx.AsyncClient, server: Server):
        body = '{"method": "\\udc00", "number": "+79161234567", "data": {"x": "\\udc00"}}'
        return await http.post("/v1/sb", content=body.encode(),
                               headers={**server.headers, "Content-Type": "application/json"})

    async def weird_digits(self, http: httpx.AsyncClient, server: Server):
        return await http.get(f"{self.base}/campaigns/³", headers=server.headers)

    async def int32_overflow(self, http: httpx.AsyncClient, server: Server):
        return await http.get(f"{self.base}/numbers/9243515815/price", headers=server.headers)

    async def wrong_password(self, http: httpx.AsyncClient, server: Server):
        return await http.post("/oauth/token", auth=(server.client_id, server.client_secret),
                               data={"grant_type": "password", "username": server.username,
                                     "password": "wrong-password"})

    async def huge_range(self, http: httpx.AsyncClient, server: Server):
        return await http.get(f"{self.base}/callhistory?from=2000-01-01", headers={
            **server.headers, "Range": "callhistory=0-999999999"})

    async def huge_numbers_range(self, http: httpx.AsyncClient, server: Server):
        return await http.get("/v1/numbers", headers={**server.headers,
                                                      "Range": "numbers=0-99999999"})

    async def deep_json(self, http: httpx.AsyncClient, server: Server):
        return await http.post(f"{self.base}/scenarios/validate", content=self.deep.encode(),
                               headers={**server.headers, "Content-Type": "application/json"})

    async def bad_token(self, http: httpx.AsyncClient, server: Server):
        return await http.get(f"{self.base}/balance",
                              headers={"Authorization": "Bearer " + "x" * 4000})

    def all(self) -> list[tuple[str, Abuse]]:
        names = [name for name in dir(self) if not name.startswith("_") and name not in
                 ("all", "base", "bomb", "lying_wav", "deep")]
        return [(name, getattr(self, name)) for name in names]


async def soak(server: Server, minutes: float, concurrency: int, every: float) -> None:
    abuses = Abuses(server).all()
    answers: dict[str, Counter] = {name: Counter() for name, _ in abuses}
    deadline = time.monotonic() + minutes * 60
    sent = 0

    async def client(offset: int) -> None:
        nonlocal sent
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
            index = offset
            while time.monotonic() < deadline and server.alive:
                name, abuse = abuses[index % len(abuses)]
                index += 1
                try:
                    answer = await abuse(http, server)
                    answers[name][answer if isinstance(answer, int) else answer.status_code] += 1
                except Exception as error:  # a dropped connection is an answer too
                    answers[name][type(error).__name__] += 1
                sent += 1

    started = time.monotonic()
    rows: list[tuple[float, int, int]] = []
    print(f"{'min':>6} {'requests':>9} {'RSS MiB':>8}", flush=True)

    async def sample() -> None:
        while time.monotonic() < deadline and server.alive:
            rss = server.rss_kb()
            rows.append((time.monotonic() - started, sent, rss))
            print(f"{rows[-1][0] / 60:6.1f} {sent:9d} {rss / 1024:8.1f}", flush=True)
            await asyncio.sleep(every)

    await asyncio.gather(sample(), *(client(i) for i in range(concurrency)))
    rss = server.rss_kb()
    rows.append((time.monotonic() - started, sent, rss))
    print(f"{rows[-1][0] / 60:6.1f} {sent:9d} {rss / 1024:8.1f}")
    if not server.alive:
        print(f"\nTHE SERVER DIED; its log:\n{server.log_tail()}")
    warm = next((r for r in rows if r[0] >= 60), rows[0])
    peak = max(r[2] for r in rows)
    print(f"\nRSS after the first minute {warm[2] / 1024:.1f} MiB, at the end {rss / 1024:.1f} "
          f"MiB (growth {(rss - warm[2]) / 1024:+.1f} MiB), peak sampled {peak / 1024:.1f} MiB")
    print(f"\n{'abuse':<22} answers")
    for name, counter in answers.items():
        print(f"{name:<22} " + ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=str)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server for the scratch db")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--every", type=float, default=15.0, help="seconds between RSS rows")
    args = parser.parse_args()
    with Server(args.database, pg_server=args.pg) as server:
        print(f"server {server.url} (pid {server.process.pid}, {args.database}); "
              f"soaking for {args.minutes:g} min with {args.concurrency} clients", flush=True)
        asyncio.run(soak(server, args.minutes, args.concurrency, args.every))


if __name__ == "__main__":
    main()
