"""The SIP gateway's start-up and out-of-dialog answers."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from tests.ports import free_ports
from tests.telephony.sip.conftest import StartGateway, StartSipp, needs_sipp
from tests.telephony.sip.media import sip_media_kit
from voicebox.errors import TelephonyError
from voicebox.telephony.registry import create_gateway
from voicebox.telephony.sip import SipConfig, SipGateway, message


class _Settings:
    sip_trunk = "sip:alice:secret@127.0.0.1:5999"
    sip_bind = "127.0.0.1:0"
    rtp_ports = "40000-40100"
    sip_register = "off"
    sip_strip_plus = "true"
    home_region = "RU"


def test_registered_as_the_sip_driver() -> None:
    kit = sip_media_kit()
    gateway = create_gateway("sip", settings=_Settings(), media=kit, time_scale=1.0)
    assert isinstance(gateway, SipGateway) and gateway.media is kit
    assert gateway.trunk_uri("+79161234567") == "sip:79161234567@127.0.0.1:5999"
    settings = _Settings()
    settings.rtp_ports = "nope"
    with pytest.raises(TelephonyError, match="VOICEBOX_RTP_PORTS"):
        create_gateway("sip", settings=settings)


async def test_a_busy_sip_port_stops_start_up_naming_the_variable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        gateway = SipGateway(SipConfig(trunk_host="127.0.0.1", bind_host="127.0.0.1",
                                       bind_port=port), media=sip_media_kit())
        with pytest.raises(TelephonyError) as raised:
            await gateway.start()
        assert raised.value.name == "VOICEBOX_SIP_BIND"
        assert f"127.0.0.1:{port}" in raised.value.message


async def test_options_keep_alive_and_stray_requests(sip_gateway: StartGateway) -> None:
    gateway = await sip_gateway()
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(5)
        address = ("127.0.0.1", gateway.endpoint.port)
        answers = []
        for method, to in (("OPTIONS", "<sip:voicebox@h>"),
                           ("BYE", "<sip:voicebox@h>;tag=nosuch"),
                           ("SUBSCRIBE", "<sip:voicebox@h>")):
            req = message.request(method, "sip:voicebox@127.0.0.1",
                                  via=f"SIP/2.0/UDP 127.0.0.1:{peer.getsockname()[1]};"
                                      f"branch={message.new_branch()}",
                                  from_="<sip:trunk@h>;tag=1", to=to, call_id="ka@h", cseq=1)
            peer.sendto(bytes(req), address)
            data = await loop.run_in_executor(None, peer.recv, 65535)
            answers.append(message.parse(data).code)
        assert answers == [200, 481, 405]


@needs_sipp
async def test_registers_with_digest_refreshes_and_unregisters_at_stop(
        sipp: StartSipp) -> None:
    trunk = await sipp("uas_register.xml")
    rtp = free_ports(11, even=True)
    gateway = SipGateway(SipConfig(
        trunk_host="127.0.0.1", trunk_port=trunk.port, username="alice", password="secret",
        bind_host="127.0.0.1", bind_port=0, rtp_ports=(rtp, rtp + 10), register=True),
        media=sip_media_kit())
    await gateway.start()
    try:
        registration = gateway._registration
        assert registration is not None
        async with asyncio.timeout(30):
            await registration.registered.wait()
            while registration.expires != 60:  # noqa: ASYNC110 - the refresh lands by itself
                await asyncio.sleep(0.05)
    finally:
        await gateway.stop()
    assert await trunk.wait() == 0, trunk.log()


async def test_an_invite_requiring_an_extension_we_lack_gets_420(
        sip_gateway: StartGateway) -> None:
    async def handler(call: object) -> None:
        raise AssertionError("a call we cannot take must not reach the engine")

    gateway = await sip_gateway(on_incoming=handler)
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(5)
        req = message.request(
            "INVITE", "sip:74951234567@127.0.0.1",
            via=f"SIP/2.0/UDP 127.0.0.1:{peer.getsockname()[1]};branch={message.new_branch()}",
            from_="<sip:79161234567@h>;tag=1", to="<sip:74951234567@h>", call_id="prack@h",
            cseq=1, headers={"Require": "100rel"}, content_type="application/sdp",
            body=b"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8\r\n")
        peer.sendto(bytes(req), ("127.0.0.1", gateway.endpoint.port))
        code = 100
        while code < 200:  # 100 Trying first
            code = message.parse(await loop.run_in_executor(None, peer.recv, 65535)).code
        assert code == 420


@pytest.mark.parametrize(("variable", "value", "busy"), [
    ("VOICEBOX_SIP_BIND", None, True),
    ("VOICEBOX_RTP_PORTS", "30000", False),
    ("VOICEBOX_SIP_TRUNK", "sip:", False),
])
async def test_worker_stops_at_start_naming_the_variable(
        tmp_path: Path, variable: str, value: str | None, busy: bool) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        env = {**os.environ, "VOICEBOX_DATA_DIR": str(tmp_path), "VOICEBOX_TELEPHONY": "sip",
               "VOICEBOX_SIP_TRUNK": "sip:alice:secret@127.0.0.1:5999",
               "VOICEBOX_SIP_BIND": f"127.0.0.1:{taken.getsockname()[1] if busy else 0}",
               "COLUMNS": "200"}
        env.pop("VOICEBOX_DATABASE_URL", None)
        if value is not None:
            env[variable] = value
        voicebox = str(Path(sys.executable).parent / "voicebox")
        migrate = await asyncio.create_subprocess_exec(  # the worker refuses a missing database
            voicebox, "db", "upgrade", env={**env, "VOICEBOX_TELEPHONY": "sim"},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        assert await asyncio.wait_for(migrate.wait(), 120) == 0
        worker = await asyncio.create_subprocess_exec(
            voicebox, "worker", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(worker.communicate(), 120)
    assert worker.returncode != 0
    assert variable in (stdout + stderr).decode(errors="replace")
