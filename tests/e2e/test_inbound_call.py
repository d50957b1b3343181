"""Inbound: `voicebox call` places a simulated call to an inbound campaign's number."""

from __future__ import annotations

import asyncio
import json
import subprocess

from tests.campaigns.helpers import NUMBERS, inbound_campaign
from tests.dialer.scenarios import inbound
from tests.e2e.workers import VOICEBOX, env_for


def place(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VOICEBOX, "call", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


async def test_voicebox_call_answers_with_the_inbound_campaign(app, client, make_tenant,
                                                               settings, tmp_path):
    tenant = await make_tenant(balance="1000")
    created = await inbound_campaign(app, client, tenant, program=inbound())
    env = env_for(settings.database_url, tmp_path, VOICEBOX_SIM_TIME_SCALE="100")

    done = await asyncio.to_thread(place, env, "--to", f"+{NUMBERS[0]}", "--from",
                                   "8 916 123-45-67", "--input", "нет")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == 200 and result["campaignId"] == created["id"]
    states = [step["state"] for step in result["outcome"]["trace"]]
    assert states == ["start", "greet", "ask", "no", "end"]
    assert result["outcome"]["trace"][2]["heard"] == ["нет"]

    rows = (await client.get(f"/v1/customers/{tenant.id}/callhistory",
                             headers=tenant.headers)).json()
    [call] = [c for c in rows if c["callId"] == result["callId"]]
    assert call["callType"] == "inbound" and call["cgPN"] == "+79161234567"
    assert call["cdPN"] == f"+{NUMBERS[0]}" and call["callDuration"] > 0

    unknown = await asyncio.to_thread(place, env, "--to", "+74950000001")
    assert unknown.returncode == 1 and "no active inbound campaign" in unknown.stdout
    bad = await asyncio.to_thread(place, env, "--to", "12")
    assert bad.returncode == 1 and "not a valid phone number" in bad.stderr
