"""Recording cost: a campaign of N answered calls on the simulator with the recorder attached,
on SQLite. Prints how long the calls took with and without recording, how long the recorder
needed after the last call, and the render + write cost per call, with a cold and a warm TTS
cache (prompts that name the abonent are synthesised for every call).

    .venv/bin/python bench/recording.py [--calls 200] [--scale 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from voicebox.config import Settings
from voicebox.dialer.worker import Dialer
from voicebox.models import Abonent, Campaign, Customer, PhoneNumber, Scenario
from voicebox.recordings.gateway import RecordingGateway
from voicebox.recordings.live import live_taps
from voicebox.recordings.recorder import Recorder
from voicebox.store.database import open_database
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.simulated import SimulatedGateway


def edge(target: str) -> dict[str, str]:
    return {"title": "", "newState": target}


def scenario(personal: bool) -> dict:
    greeting = "Здравствуйте, {{name}}! Это опрос." if personal else "Здравствуйте! Это опрос."
    return {"title": "bench", "type": "outgoing", "customVariables": ["name"], "states": [
        {"type": "Initial", "name": "start", "success": edge("call")},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
         "success": edge("greet"), "error": edge("end")},
        {"type": "VoiceMessage", "name": "greet",
         "announcement": {"type": "text", "text": greeting}, "success": edge("ask")},
        {"type": "IVR", "name": "ask",
         "announcement": {"type": "text", "text": "Нажмите один или скажите да."},
         "awaitingTime": 5, "voiceInput": True, "keyboardInput": True,
         "inputAnalysis": [{"dtmf": "1", "words": "да", "success": edge("yes")}],
         "onNoInput": edge("end"), "onInvalidInput": edge("end"), "success": edge("end")},
        {"type": "VoiceMessage", "name": "yes",
         "announcement": {"type": "text", "text": "Спасибо, ваш ответ записан."},
         "success": edge("end")},
        {"type": "ReleaseCall", "name": "end"}]}


async def campaign(sessions, calls: int, personal: bool, run: int) -> int:
    async with sessions() as session:
        customer = Customer(name="bench", credit_limit=10**9)
        session.add(customer)
        await session.flush()
        body = scenario(personal)
        scen = Scenario(customer_id=customer.id, title="bench", type="outgoing", is_valid=True,
                        body=body, share_token=secrets.token_hex(16))
        session.add(scen)
        await session.flush()
        number = PhoneNumber(number=f"7495{secrets.randbelow(10**7):07d}", type="local",
                             owner="bench", region_code="77", region_name="Москва",
                             category="regular", monthly_fee=0, customer_id=customer.id)
        session.add(number)  # a campaign calls from a number its customer owns
        await session.flush()
        camp = Campaign(customer_id=customer.id, name="bench", campaign_type="outbound",
                        launch_by="list", scenario_id=scen.id, entry_point_id=uuid.uuid4().hex,
                        caller_number_id=number.id,
                        window_start="00:00", window_stop="00:00", max_lines=calls,
                        simulation={"default": {"result": "answer", "answerDelay": 1},
                                    "rules": [{"match": "+7999*1", "inputs": ["да"]},
                                              {"match": "+7999*", "inputs": ["1"]}]})
        session.add(camp)
        await session.flush()
        session.add_all(Abonent(campaign_id=camp.id, phone=f"+7999{run}{n:06d}",
                                variables={"name": f"Абонент {run} {n}"}) for n in range(calls))
        await session.commit()
        return camp.id


async def one(sessions, settings: Settings, calls: int, scale: float, personal: bool,
              speech, run: int, record: bool) -> dict:
    campaign_id = await campaign(sessions, calls, personal, run)
    recorder = Recorder(sessions, settings, speech=speech) if record else None
    # As the dialer's runtime builds it: text-mode calls render their timeline into the taps.
    media = MediaKit(prompts=SpeechPrompts(speech),
                     taps=live_taps(recorder) if recorder else None)
    inner = SimulatedGateway(time_scale=scale, media=media)
    gateway = RecordingGateway(inner, recorder) if recorder else inner
    dialer = Dialer(sessions, gateway=gateway, settings=settings, worker_id=f"bench-{run}")
    began = time.perf_counter()
    await dialer.start()
    while True:
        async with sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Abonent).where(
                Abonent.campaign_id == campaign_id, Abonent.state.notin_(("done", "failed"))))
        if not left:
            break
        await asyncio.sleep(0.05)
    calls_done = time.perf_counter() - began
    if recorder:
        await recorder.drain()
    drained = time.perf_counter() - began
    await dialer.stop()
    stats = recorder.stats() if recorder else {"written": 0, "failed": 0}
    return {"calls": calls, "personal": personal, "record": record, "calls_s": calls_done,
            "drain_s": drained - calls_done, **stats}


async def main(calls: int, scale: float) -> None:
    from voicebox.media.tts import SpeechService, offline_engines

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        settings = Settings(data_dir=root, database_url=f"sqlite+aiosqlite:///{root / 'r.db'}",
                            dialer_poll_seconds=0.02, seed_numbers=False)
        opened = await open_database(settings)
        engine, sessions = opened.engine, opened.sessionmaker
        speech = SpeechService(offline_engines(), cache_dir=root / "tts")
        await speech.start()
        rows = []
        plan = [(False, False, "no recording"), (True, False, "fixed prompts, cold cache"),
                (True, False, "fixed prompts, warm cache"),
                (True, True, "a prompt naming the abonent")]
        for run, (record, personal, label) in enumerate(plan):
            result = await one(sessions, settings, calls, scale, personal, speech, run, record)
            rows.append((label, result))
        await speech.close()
        await engine.dispose()
        sizes = [p.stat().st_size for p in (root / "recordings").rglob("*.wav")]
    print(f"{'run':<30} {'calls':>5} {'calls s':>8} {'drain s':>8} {'written':>7} "
          f"{'failed':>7}")
    for label, r in rows:
        print(f"{label:<30} {r['calls']:>5} {r['calls_s']:>8.2f} {r['drain_s']:>8.2f} "
              f"{r['written']:>7} {r['failed']:>7}")
    if sizes:
        print(f"recording size: mean {sum(sizes) / len(sizes) / 1024:.0f} KB (8 kHz 16-bit stereo)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--scale", type=float, default=1000.0)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.scale))
