"""Inbound calls are recorded too: `voicebox call`'s code path (place_inbound) answers with the
inbound campaign, and the recording holds the prompts and the caller's spoken answer."""

from __future__ import annotations

import csv
import io
import wave

from tests.campaigns.helpers import NUMBERS, inbound_campaign
from tests.dialer.scenarios import inbound
from tests.recordings.support import audible_seconds, channels
from voicebox.dialer.runtime import place_inbound


async def test_inbound_call_is_recorded(app, client, make_tenant, settings):
    tenant = await make_tenant(balance="1000")
    created = await inbound_campaign(app, client, tenant, program=inbound())
    fast = settings.model_copy(update={"sim_time_scale": 200.0})
    result = await place_inbound(fast, to=f"+{NUMBERS[0]}", caller="+79161234567",
                                 inputs=["нет"])
    assert result["status"] == 200
    [call] = (await client.get(f"/v1/customers/{tenant.id}/callhistory",
                               headers=tenant.headers)).json()
    assert call["callRecord"] is True and call["callType"] == "inbound"
    audio = await client.get("/v1/callRecord", params={"call_id": result["callId"]},
                             headers=tenant.headers)
    assert audio.status_code == 200
    with wave.open(io.BytesIO(audio.content)) as reader:
        robot, caller = channels(reader.readframes(reader.getnframes()), 2)
    assert audible_seconds(robot) > 1.5  # greeting, question, "no" answer prompt
    assert 0.1 < audible_seconds(caller) < 1.5  # "нет", once

    # The inbound campaign's report has one row per call, the caller as the phone.
    report = await client.get(
        f"/v1/customers/{tenant.id}/reports/{created['id']}/download",
        params={"format": "csv"}, headers=tenant.headers)
    [row] = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert row["phone"] == "+79161234567" and row["status"] == "done"
    assert row["answer: ask"] == "нет" and row["callId"] == result["callId"]
    assert row["callRecord"] == "yes" and row["result"] == "200"
