"""A second machine on this host, for tests that need one: a Linux network namespace joined to
the host by a veth pair, whose processes also get a private mount namespace (folders of the first
machine hidden under empty tmpfs mounts, their own data folder on a tmpfs the host never sees).

Services of the first machine that listen on loopback only (PostgreSQL, the S3 server) are
reached from the second through TCP forwarders on the host's end of the pair, as another machine
would reach them over the network. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN); the fixture skips
with the reason when `ip netns add` is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import shlex
import signal
import subprocess
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

# Machines get a /30 inside this block; the name's random part picks which, so parallel runs
# (each with its own names) do not meet.
_BLOCK = ipaddress.ip_network("10.213.0.0/16")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


class Forwarders:
    """TCP forwarders from `listen_host:<free port>` to loopback ports, served by one asyncio
    loop in a thread of the test process (the test's own loop may block between awaits)."""

    def __init__(self, listen_host: str) -> None:
        self.listen_host = listen_host
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="forwarders",
                                        daemon=True)
        self._thread.start()
        self._servers: list[asyncio.Server] = []
        self._pipes: set[asyncio.Task[None]] = set()

    def forward(self, target_port: int, target_host: str = "127.0.0.1") -> int:
        """Start a forwarder to `target_host:target_port`; returns the port it listens on."""
        future = asyncio.run_coroutine_threadsafe(self._serve(target_host, target_port),
                                                  self._loop)
        return future.result(timeout=30)

    async def _serve(self, target_host: str, target_port: int) -> int:
        async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                up_reader, up_writer = await asyncio.open_connection(target_host, target_port)
            except OSError:
                writer.close()
                return
            for source, sink in ((reader, up_writer), (up_reader, writer)):
                task = asyncio.create_task(self._pipe(source, sink))
                self._pipes.add(task)
                task.add_done_callback(self._pipes.discard)

        server = await asyncio.start_server(connect, self.listen_host, 0)
        self._servers.append(server)
        return server.sockets[0].getsockname()[1]

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            sink.close()

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
            for task in list(self._pipes):
                task.cancel()
            await asyncio.gather(*self._pipes, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()


class Machine:
    """The second machine: `run` starts a process in it; `forward` makes a loopback service of
    the host reachable at `host_address:<port>` from it."""

    def __init__(self, tag: str) -> None:
        self.namespace = f"vbtest-{tag}"
        self.host_link, self.link = f"vbh{tag}", f"vbm{tag}"  # interface names: 15 chars at most
        base = _BLOCK.network_address + 4 * (int(tag, 16) % (_BLOCK.num_addresses // 4))
        self.host_address, self.address = str(base + 1), str(base + 2)
        self._processes: list[subprocess.Popen[bytes]] = []
        self._forwarders: Forwarders | None = None

    def create(self) -> None:
        _ip("netns", "add", self.namespace)
        _ip("link", "add", self.host_link, "type", "veth", "peer", "name", self.link,
            "netns", self.namespace)
        _ip("addr", "add", f"{self.host_address}/30", "dev", self.host_link)
        _ip("link", "set", self.host_link, "up")
        inside = ("netns", "exec", self.namespace, "ip")
        _ip(*inside, "addr", "add", f"{self.address}/30", "dev", self.link)
        _ip(*inside, "link", "set", self.link, "up")
        _ip(*inside, "link", "set", "lo", "up")
        self._forwarders = Forwarders(self.host_address)

    def forward(self, port: int) -> int:
        assert self._forwarders is not None
        return self._forwarders.forward(port)

    def run(self, argv: Sequence[str], *, env: dict[str, str], hidden: Sequence[Path],
            private: Sequence[Path], log: Path) -> subprocess.Popen[bytes]:
        """`argv` in the machine, in a mount namespace of its own where each `hidden` folder (the
        first machine's) shows empty and each `private` one (this machine's disk) is a tmpfs only
        it sees. Its output goes to `log`."""
        mounts = " && ".join(f"mount -t tmpfs vbtest {shlex.quote(str(path))}"
                             for path in [*hidden, *private]) or "true"
        command = ["ip", "netns", "exec", self.namespace,
                   "unshare", "--mount", "--propagation", "private", "--",
                   "sh", "-c", f'{mounts} && exec "$@"', "sh", *argv]
        for path in [*hidden, *private]:
            path.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as sink:
            process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self._processes.append(process)
        return process

    def destroy(self) -> None:
        """Stop what runs in the machine, the forwarders, the veth pair and the namespace; each
        step runs even when an earlier one failed."""
        for process in self._processes:
            stop(process)
        if self._forwarders is not None:
            self._forwarders.close()
        with contextlib.suppress(subprocess.SubprocessError):
            _ip("link", "del", self.host_link)  # takes its peer with it
        with contextlib.suppress(subprocess.SubprocessError):
            _ip("netns", "del", self.namespace)


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGTERM (a worker drains its calls and uploads), then SIGKILL (to its whole session when
    it leads one, as the processes `Machine.run` starts do)."""
    if process.poll() is not None:
        return
    own_session = os.getpgid(process.pid) == process.pid
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if own_session:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=timeout)


@pytest.fixture
def second_machine() -> Iterator[Machine]:
    machine = Machine(uuid.uuid4().hex[:8])
    try:
        _ip("netns", "add", machine.namespace)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        pytest.skip(f"a second machine needs `ip netns` (root, CAP_SYS_ADMIN/CAP_NET_ADMIN): "
                    f"{detail.strip()}")
    _ip("netns", "del", machine.namespace)
    try:
        machine.create()
        yield machine
    finally:
        machine.destroy()
