"""A scenario's fixed prompts are synthesised in the background once it is compiled, so its
first calls find them in the TTS cache (dialer/warmup.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from tests.dialer.conftest import SCALE, all_final, calls_of, insert_campaign, wait_until
from tests.media.test_tts_service import Counting
from voicebox.dialer.programs import ProgramCache
from voicebox.dialer.warmup import PromptWarmer
from voicebox.dialer.worker import Dialer
from voicebox.errors import MediaError
from voicebox.media.tts import SpeechService
from voicebox.telephony.base import Prompt, Voice
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.simulated import SimulatedGateway

FIXED = {"Нажмите 1 или скажите да.", "Спасибо, записали.", "Жаль.", "Перезвоним позже."}
ANSWER = {"default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}
VERSION = datetime(2026, 11, 30, 12, 0)


class Preparer:
    """Records what it is asked to prepare; can hold until released, or fail."""

    def __init__(self, *, fail: bool = False):
        self.asked: list[tuple[list[str], object]] = []
        self.fail = fail
        self.release = asyncio.Event()
        self.release.set()

    async def prepare(self, texts, settings=None) -> int:
        self.asked.append((list(texts), settings))
        await self.release.wait()
        if self.fail:
            raise MediaError("festival died", name="tts")
        return len(self.asked[-1][0])


async def compile_once(app, cache: ProgramCache, scenario_id: int, customer_id: int,
                       version: datetime = VERSION) -> None:
    async with app.state.sessionmaker() as session:
        await cache.get(session, scenario_id, version, customer_id=customer_id)


async def test_compiling_prepares_the_fixed_texts_once_per_version(app, tenant) -> None:
    campaign = await insert_campaign(app, tenant.id)
    speech = Preparer()
    speech.release.clear()
    warmer = PromptWarmer(speech)
    outbound, inbound = ProgramCache(warmer=warmer), ProgramCache(warmer=warmer)
    await compile_once(app, outbound, campaign.scenario_id, tenant.id)  # does not wait for it
    await asyncio.sleep(0)
    [(texts, voice)] = speech.asked
    # The greeting says {{name|клиент}}: the call renders it; the rest is the same every call.
    assert set(texts) == FIXED and len(texts) == len(FIXED)
    assert voice == Voice("oksana", 100, "neutral")
    speech.release.set()
    await warmer.drained()
    assert warmer.prepared == len(FIXED)
    await compile_once(app, inbound, campaign.scenario_id, tenant.id)  # the same version
    await compile_once(app, outbound, campaign.scenario_id, tenant.id, datetime(2026, 12, 1))
    await warmer.drained()
    assert len(speech.asked) == 2
    await warmer.close()


async def test_a_tts_failure_is_a_warning_and_close_stops_the_work(app, tenant, caplog) -> None:
    campaign = await insert_campaign(app, tenant.id)
    warmer = PromptWarmer(Preparer(fail=True))
    await compile_once(app, ProgramCache(warmer=warmer), campaign.scenario_id, tenant.id)
    await warmer.drained()
    assert "festival died" in caplog.text and warmer.prepared == 0

    held = Preparer()
    held.release.clear()
    warmer = PromptWarmer(held)
    cache = ProgramCache(warmer=warmer)
    await compile_once(app, cache, campaign.scenario_id, tenant.id)
    await asyncio.sleep(0)
    assert held.asked
    await warmer.close()  # cancelled mid-prepare, awaited: nothing left pending
    await compile_once(app, cache, campaign.scenario_id, tenant.id, datetime(2026, 12, 1))
    assert len(held.asked) == 1 and warmer.prepared == 0


@pytest.fixture
async def speech(tmp_path) -> SpeechService:
    service = SpeechService([Counting()], cache_dir=tmp_path / "tts", order={"ru": ("espeak",)})
    await service.start()
    yield service
    await service.close()


async def test_a_campaign_s_prompts_are_in_the_tts_cache_without_a_call_saying_them(
        app, tenant, dialer, speech) -> None:
    """Text-mode calls synthesise nothing; the dialer's warmer rendered the fixed prompts, and
    a call asking for one is served from the cache."""
    warmer = PromptWarmer(speech)
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000001"], simulation=ANSWER)
    await dialer(warmer=warmer)
    assert await wait_until(lambda: all_final(app, campaign.id))
    await warmer.drained()
    engine = speech.engines["espeak"]
    assert engine.streams == len(FIXED) and speech.cache.misses == len(FIXED)
    prompts = SpeechPrompts(speech)
    hits = speech.cache.hits
    for text in FIXED:
        assert [pcm async for pcm in prompts.stream(Prompt(text=text, voice=Voice()))]
    assert speech.cache.misses == len(FIXED) and speech.cache.hits == hits + len(FIXED)
    assert engine.streams == len(FIXED) and engine.calls == 0


async def test_an_audio_call_plays_the_prompts_being_prepared_without_rendering_them_again(
        app, tenant, settings, speech) -> None:
    """The first call starts while its prompts are still being prepared: it plays along with
    the render under way (or the cached file), so each text is synthesised once."""
    warmer = PromptWarmer(speech)
    gateway = SimulatedGateway(time_scale=SCALE, audio=True,
                               media=MediaKit(prompts=SpeechPrompts(speech)))
    fast = settings.model_copy(update={"dialer_poll_seconds": 0.02, "sim_audio": True})
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000002"], simulation=ANSWER)
    worker = Dialer(app.state.sessionmaker, gateway=gateway, settings=fast, worker_id="warm-audio",
                    warmer=warmer)
    await worker.start()
    try:
        assert await wait_until(lambda: all_final(app, campaign.id))
        await warmer.drained()
    finally:
        await worker.stop()
    [call] = await calls_of(app, campaign.id)
    played = [step["prompt"][0] for step in call.trace or [] if step.get("prompt")]
    assert played == ["Здравствуйте, клиент!", "Нажмите 1 или скажите да.", "Спасибо, записали."]
    engine = speech.engines["espeak"]
    # Four fixed texts by the warmer, the greeting (it has a variable) by the call; the call's
    # two fixed prompts were the warmer's renders (joined or cached).
    assert speech.cache.misses == len(FIXED) + 1 == engine.streams and engine.calls == 0
    assert speech.cache.hits >= 2
