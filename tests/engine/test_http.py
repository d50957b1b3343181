"""`HTTPRequest` against a real local HTTP server, and the SSRF guard."""

import asyncio
import ipaddress
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from voicebox.engine import EngineConfig, parse_networks
from voicebox.engine.http import body_value, forbidden
from voicebox.telephony.base import CallState, RealClock

BYE = {"type": "ReleaseCall", "name": "bye"}
FAILED = {"type": "ReleaseCall", "name": "failed"}
LOCAL = EngineConfig(allowed_networks=parse_networks("127.0.0.0/8"), http_timeout=2)


class Server:
    """A tiny HTTP/1.1 server: /json, /echo, /status/<code>, /redirect?to=, /hang, /big."""

    def __init__(self):
        self.requests: list[dict] = []

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            writer.close()
            return
        lines = head.decode().split("\r\n")
        method, target, _ = lines[0].split(" ")
        headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ln)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        parts = urlsplit(target)
        request = {"method": method, "path": parts.path, "query": parse_qs(parts.query),
                   "headers": headers, "body": body.decode()}
        self.requests.append(request)
        status, extra, payload = 200, {}, b""
        if parts.path == "/json":
            payload = json.dumps({"data": {"items": [{"name": "Анна"}], "ok": True},
                                  "balance": 12.5}).encode()
        elif parts.path == "/echo":
            payload = json.dumps(request).encode()
        elif parts.path.startswith("/status/"):
            status = int(parts.path.rsplit("/", 1)[1])
            payload = b'{"error": "no"}'
        elif parts.path == "/redirect":
            status, extra = 302, {"Location": parse_qs(parts.query)["to"][0]}
        elif parts.path == "/hang":
            await asyncio.sleep(30)
        elif parts.path == "/odd":  # a third party's JSON with text that has no UTF-8 form
            payload = b'{"name": "\\udc00x", "nul": "a\\u0000b", "list": ["\\ud800"]}'
        elif parts.path == "/big":
            payload = b"x" * 2_000_000
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n".encode()
            + "".join(f"{k}: {v}\r\n" for k, v in extra.items()).encode() + b"\r\n" + payload
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def server():
    async with Server() as running:
        yield running


@pytest.fixture
async def http():
    async with httpx.AsyncClient() as client:
        yield client


def request_state(**fields) -> dict:
    return {"type": "HTTPRequest", "name": "req", "success": "bye", "error": "failed", **fields}


async def run_http(run, chain, state, config=LOCAL, **options):
    return await run(chain(state, BYE, FAILED), config=config, clock=RealClock(),
                     state=CallState.ANSWERED, **options)


async def test_get_json_into_variables(run, chain, server, http):
    state = request_state(
        url=f"http://127.0.0.1:{server.port}/json", responseCodeVariable="code",
        responseBodyVariables={"first": "data.items.0.name", "ok": "$.data.ok",
                               "balance": "balance", "all": "data.items", "nothing": "a.b"})
    outcome, _ = await run_http(run, chain, state, http=http)
    assert outcome.trace[-1].state == "bye"
    v = outcome.variables
    assert (v["code"], v["first"], v["ok"], v["balance"]) == ("200", "Анна", "true", "12.5")
    assert json.loads(v["all"]) == [{"name": "Анна"}] and v["nothing"] == ""
    step = outcome.trace[1]
    assert step.detail["status"] == 200 and step.detail["latency_ms"] >= 0
    assert step.detail["unset"] == ["nothing"]


async def test_a_third_partys_bad_text_is_replaced_not_stored(run, chain, server, http):
    state = request_state(
        url=f"http://127.0.0.1:{server.port}/odd",
        responseBodyVariables={"name": "name", "nul": "nul", "list": "list"})
    outcome, _ = await run_http(run, chain, state, http=http)
    assert outcome.trace[-1].state == "bye"
    v = outcome.variables
    assert (v["name"], v["nul"], v["list"]) == ("\ufffdx", "a\ufffdb", '["\ufffd"]')
    json.dumps(v, ensure_ascii=False).encode()  # storable and sendable


@pytest.mark.parametrize("port", ["³", "٣", "99999"])
async def test_a_rendered_port_that_is_not_a_port_goes_error(run, chain, server, http, port):
    state = request_state(url="http://127.0.0.1:{{port}}/json")
    outcome, _ = await run_http(run, chain, state, http=http, variables={"port": port})
    assert outcome.trace[-1].state == "failed"


@pytest.mark.parametrize(("kind", "check"), [
    ("json", lambda r: json.loads(r["body"]) == {"phone": "+79990000001", "n": 5}
     and r["headers"]["content-type"] == "application/json"),
    ("form", lambda r: parse_qs(r["body"]) == {"phone": ["+79990000001"], "n": ["5"]}),
    ("query", lambda r: r["query"] == {"phone": ["+79990000001"], "n": ["5"]} and not r["body"]),
])
async def test_post_bodies_and_templates(run, chain, server, http, kind, check):
    state = request_state(
        method="post", protocol="http", host="127.0.0.1", port=server.port, url="/echo/{{id}}",
        headers={"X-Token": "t-{{id}}"}, requestParameters={"phone": "{{phone}}", "n": 5},
        requestParametersType=kind)
    outcome, _ = await run_http(run, chain, state, http=http, variables={"id": "77"})
    assert outcome.trace[-1].state == "bye", outcome.trace[1]
    request = server.requests[-1]
    assert request["method"] == "POST" and request["path"] == "/echo/77"
    assert request["headers"]["x-token"] == "t-77"
    assert request["headers"]["host"] == f"127.0.0.1:{server.port}"
    assert check(request)


async def test_raw_body(run, chain, server, http):
    state = request_state(method="PUT", url=f"http://127.0.0.1:{server.port}/echo",
                          requestParametersType="raw", requestParametersRaw="<a>{{phone}}</a>",
                          headers=json.dumps({"Content-Type": "text/xml"}))
    outcome, _ = await run_http(run, chain, state, http=http)
    request = server.requests[-1]
    assert request["body"] == "<a>+79990000001</a>" and request["headers"]["content-type"] == \
        "text/xml"
    assert outcome.trace[-1].state == "bye"


async def test_non_2xx_goes_error_with_code(run, chain, server, http):
    state = request_state(url=f"http://127.0.0.1:{server.port}/status/503",
                          responseCodeVariable="code", responseBodyVariables={"e": "error"})
    outcome, _ = await run_http(run, chain, state, http=http)
    assert outcome.trace[-1].state == "failed"
    assert outcome.variables["code"] == "503" and outcome.variables["e"] == "no"


async def test_hanging_target_times_out(run, chain, server, http):
    state = request_state(url=f"http://127.0.0.1:{server.port}/hang", timeout=1,
                          responseCodeVariable="code")
    loop = asyncio.get_running_loop()
    began = loop.time()
    outcome, _ = await run_http(run, chain, state, http=http)
    assert loop.time() - began < 3
    assert outcome.trace[-1].state == "failed" and "timed out" in outcome.trace[1].error
    assert outcome.variables["code"] == ""


async def test_remote_hangup_during_a_hanging_request(run, chain, server, http):
    state = request_state(url=f"http://127.0.0.1:{server.port}/hang", timeout=20)
    outcome, _ = await run_http(run, chain, state, http=http, hangup_after=0.3)
    assert outcome.reason == "remote_hangup" and outcome.trace[-1].state == "req"


async def test_time_budget_during_a_hanging_request(run, chain, server, http):
    state = request_state(url=f"http://127.0.0.1:{server.port}/hang", timeout=20)
    config = EngineConfig(allowed_networks=LOCAL.allowed_networks, max_duration=0.3)
    outcome, _ = await run_http(run, chain, state, config=config, http=http)
    assert outcome.reason == "expired"


async def test_body_too_large_and_connection_refused(run, chain, server, http):
    outcome, _ = await run_http(run, chain, request_state(
        url=f"http://127.0.0.1:{server.port}/big"), http=http)
    assert outcome.trace[1].error == "response body too large"
    outcome, _ = await run_http(run, chain, request_state(url="http://127.0.0.1:9/"), http=http)
    assert outcome.trace[-1].state == "failed" and "ConnectError" in outcome.trace[1].error


async def test_without_allowed_networks_loopback_is_refused(run, chain, server, http):
    state = request_state(url=f"http://127.0.0.1:{server.port}/json")
    outcome, _ = await run_http(run, chain, state, config=EngineConfig(), http=http)
    assert outcome.trace[-1].state == "failed" and "not allowed" in outcome.trace[1].error
    assert server.requests == []
    outcome, _ = await run_http(run, chain, request_state(url=f"http://localhost:{server.port}/"),
                                config=EngineConfig(), http=http)
    assert "not allowed" in outcome.trace[1].error and server.requests == []


async def test_redirect_is_checked_per_hop(run, chain, server, http):
    target = f"http://127.0.0.1:{server.port}/json"
    state = request_state(url=f"http://127.0.0.1:{server.port}/redirect?to={target}",
                          responseBodyVariables={"b": "balance"})
    outcome, _ = await run_http(run, chain, state, http=http)
    assert outcome.variables["b"] == "12.5"
    evil = request_state(url=f"http://127.0.0.1:{server.port}/redirect?to="
                             "http://169.254.169.254/latest/meta-data/")
    outcome, _ = await run_http(run, chain, evil, http=http)
    assert outcome.trace[-1].state == "failed" and "169.254.169.254" in outcome.trace[1].error


async def test_engine_makes_its_own_client_when_none_given(run, chain, server):
    outcome, _ = await run_http(run, chain, request_state(
        url=f"http://127.0.0.1:{server.port}/json"))
    assert outcome.trace[-1].state == "bye"


async def test_bad_urls(run, chain, http):
    for url in ("ftp://example.com/x", "http:///nohost", "{{missing}}"):
        outcome, _ = await run_http(run, chain, request_state(url=url), http=http)
        assert outcome.trace[-1].state == "failed", url


@pytest.mark.parametrize(("address", "refused"), [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("169.254.1.1", True), ("100.64.0.1", True), ("0.0.0.0", True),
    ("224.0.0.1", True), ("::1", True), ("fd00:ec2::254", True), ("fe80::1", True),
    ("::ffff:127.0.0.1", True), ("8.8.8.8", False), ("2a00:1450:4010::8a", False),
])
def test_forbidden_addresses(address, refused):
    assert forbidden(ipaddress.ip_address(address)) is refused


def test_body_paths():
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}, "x": None}
    assert body_value(doc, "a.b.1.c") == 2 and body_value(doc, "$.a.b[0].c") == 1
    assert body_value(doc, "a.b.5.c") is None and body_value(doc, "x.y") is None
    assert body_value(doc, "$") == doc and body_value(doc, "a.b.-1.c") == 2


def test_parse_networks():
    assert [str(n) for n in parse_networks(" 10.0.0.0/8, 127.0.0.1 ,::1")] == [
        "10.0.0.0/8", "127.0.0.1/32", "::1/128"]
    assert parse_networks("") == ()
