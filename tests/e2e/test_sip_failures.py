"""Calls the trunk does not let through (issue 13, item 8), through the real dialer and API: a
one-abonent SIP campaign per refusal, and the history's status and the trace's `error` that
names the cause."""

from __future__ import annotations

import socket

import pytest

from tests.campaigns.helpers import NUMBERS, RICH
from tests.dialer.conftest import wait_until
from tests.dialer.scenarios import survey
from tests.e2e.sip_support import (
    history_of,
    outbound_campaign,
    running_dialer,
    sip_settings,
    trace,
)
from tests.telephony.sip.conftest import needs_sipp
from tests.telephony.sip.rtp_capture import rtp_stream

pytestmark = needs_sipp

RING_SECONDS = 2.0
CASES = {  # sipp's scenario (and its fill-ins), the trunk's password → history status, error
    "busy": ("uas_reject.xml", {"code": "486", "reason": "Busy Here"}, "secret",
             486, "trunk answered 486 Busy Here"),
    "declined": ("uas_reject.xml", {"code": "603", "reason": "Decline"}, "secret",
                 486, "trunk answered 603 Decline"),
    "unknown number": ("uas_reject.xml", {"code": "404", "reason": "Not Found"}, "secret",
                       404, "trunk answered 404 Not Found"),
    "unavailable": ("uas_reject.xml", {"code": "480", "reason": "Temporarily Unavailable"},
                    "secret", 480, "trunk answered 480 Temporarily Unavailable"),
    "no answer": ("uas_no_answer.xml", None, "secret",
                  480, f"no answer within {RING_SECONDS:g} s (CANCEL sent)"),
    "wrong password": ("uas_trunk.xml", {"caller": NUMBERS[0]}, "wrong",
                       503, "trunk refused our credentials (403 Forbidden)"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_refused_call_reaches_history_with_its_status_and_cause(
        app, client, make_tenant, settings, sipp, case) -> None:
    template, fill, password, status, error = CASES[case]
    trunk = await sipp(template, fill=fill, talk=rtp_stream(tone_seconds=0.2))
    tenant = await make_tenant(balance=RICH)
    async with running_dialer(app, sip_settings(settings, trunk.port, password=password),
                              ring_seconds=RING_SECONDS):
        campaign = await outbound_campaign(app, client, tenant, program=survey(),
                                           phones=["+79161234567"], number=NUMBERS[0])
        [row] = await wait_until(lambda: history_of(client, tenant, campaign["id"]), limit=60)
        assert await trunk.wait() == 0, trunk.log()  # it got our ACK (and CANCEL) as it expects
    assert row["status"] == status and row["callDuration"] == 0, row
    assert row["cdPN"] == "+79161234567" and row["callRecord"] is False, row
    traced = await trace(client, tenant, row["callId"])
    assert traced["status"] == status and traced["error"] == error, traced
    dial = traced["trace"][1]
    assert dial["error"] == error, dial  # the dial step says it too


async def test_a_dead_trunk_fails_the_call_on_timer_b_with_a_recorded_cause(
        app, client, make_tenant, settings) -> None:
    """A trunk that never answers (Timer B, shortened here to 1 s from 32 s): the campaign's
    call ends as 503 with the cause in its trace, and the dialer goes on (no hang)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.settimeout(5)  # the INVITE is long queued by then: never a hang if it is not
        tenant = await make_tenant(balance=RICH)
        async with running_dialer(app, sip_settings(settings, silent.getsockname()[1]),
                                  ring_seconds=RING_SECONDS) as dialer:
            dialer.gateway.drivers["sip"].endpoint.timer_b = 1.0
            campaign = await outbound_campaign(app, client, tenant, program=survey(),
                                               phones=["+79161234567"], number=NUMBERS[0])
            [row] = await wait_until(lambda: history_of(client, tenant, campaign["id"]),
                                     limit=60)
        assert silent.recv(65535).startswith(b"INVITE sip:+79161234567@127.0.0.1")
    assert row["status"] == 503 and row["callDuration"] == 0, row
    traced = await trace(client, tenant, row["callId"])
    error = "trunk did not respond: 408 Request Timeout (no response to INVITE in 1 s)"
    assert traced["status"] == 503 and traced["error"] == error, traced
