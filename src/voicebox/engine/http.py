"""The `HTTPRequest` step's network side: build the request, refuse internal addresses, send.

The SSRF guard resolves the host itself, refuses loopback, private, link-local, reserved,
multicast and cloud metadata addresses unless an allowed network covers them, and then connects
to the checked address (Host header and TLS SNI keep the name), so a second DNS answer cannot
swap the target. Redirects are followed by hand, each hop checked the same way.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from voicebox.engine.config import EngineConfig, Network
from voicebox.errors import EngineError
from voicebox.ids import ascii_int

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


def _new_client() -> httpx.AsyncClient:
    # trust_env off: a proxy from the environment would connect by name, around the pinning.
    return httpx.AsyncClient(
        trust_env=False, limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    )


async def shared_client() -> httpx.AsyncClient:
    """One client per event loop for runs given none; built in a thread (loading the CA bundle
    takes tens of milliseconds, too long for the event loop)."""
    loop = asyncio.get_running_loop()
    task = _clients.get(loop)
    if task is None or (task.done() and task.result().is_closed):
        task = loop.create_task(asyncio.to_thread(_new_client))
        _clients[loop] = task
    return await asyncio.shield(task)


class Refused(EngineError):
    default_name = "http_address_refused"


def forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address a customer's HTTP step must not reach by default."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address in _METADATA
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED)
    )


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


async def resolve_checked(host: str, port: int, networks: tuple[Network, ...]) -> str:
    """The first address of `host`, after checking every address it resolves to."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [literal]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise EngineError(f"cannot resolve {host}: {exc}", name="http_dns") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise EngineError(f"cannot resolve {host}", name="http_dns")
    for address in addresses:
        if forbidden(address) and not _allowed(address, networks):
            raise Refused(f"{host} resolves to {address}, which is not allowed")
    addresses.sort(key=lambda address: address.version)  # IPv4 first: more often routable
    return str(addresses[0])


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    url: str


async def send(
    client: httpx.AsyncClient,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    config: EngineConfig,
    seconds: float,
) -> Reply:
    """Send one request (following redirects safely) within `seconds` overall."""
    async with asyncio.timeout(seconds):
        for _ in range(config.http_max_redirects + 1):
            reply, location = await _one_hop(
                client, method=method, url=url, headers=headers, body=body, config=config,
                seconds=seconds,
            )
            if location is None:
                return reply
            url = str(httpx.URL(url).join(location))
            if reply.status in (301, 302, 303) and method.upper() != "HEAD":
                method, body = "GET", {}
        raise EngineError("too many redirects", name="http_redirects")


async def _one_hop(
    client: httpx.AsyncClient,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    config: EngineConfig,
    seconds: float,
) -> tuple[Reply, str | None]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EngineError(f"not an http(s) URL: {url!r}", name="http_url")
    try:  # a port rendered from a variable, or in a third party's Location: `³` or 99999
        explicit_port = parts.port
    except ValueError as error:
        raise EngineError(f"bad port in URL {url!r}", name="http_url") from error
    port = explicit_port or (443 if parts.scheme == "https" else 80)
    address = await resolve_checked(parts.hostname, port, config.allowed_networks)
    shown = f"[{address}]" if ":" in address else address
    netloc = f"{shown}:{explicit_port}" if explicit_port else shown
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.hostname + (f":{explicit_port}" if explicit_port else "")
    extensions: dict[str, Any] = {"timeout": httpx.Timeout(seconds).as_dict()}
    if parts.scheme == "https":
        extensions["sni_hostname"] = parts.hostname
    request = client.build_request(
        method.upper(), pinned, headers={**headers, "Host": host_header},
        extensions=extensions, **body,
    )
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > config.http_max_body:
                raise EngineError("response body too large", name="http_body")
            chunks.append(chunk)
    finally:
        await response.aclose()
    reply = Reply(response.status_code, b"".join(chunks),
                  response.headers.get("content-type", ""), url)
    location = response.headers.get("location") if response.is_redirect else None
    return reply, location


def body_value(document: Any, path: str) -> Any:
    """The value at a dotted path (`data.items.0.name`, `$.a[1].b`) of a JSON document."""
    path = path.strip()
    if path in ("", "$", "."):
        return document
    if path.startswith("$."):
        path = path[2:]
    current = document
    for part in path.replace("[", ".").replace("]", "").split("."):
        if part == "":
            continue
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list):
            index = ascii_int(part, low=-len(current), high=len(current) - 1)
            current = None if index is None else current[index]
        else:
            return None
        if current is None:
            return None
    return current


def as_text(value: Any) -> str:
    """A variable's text form: scalars as they read, objects and lists as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
