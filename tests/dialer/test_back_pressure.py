"""The dialer honours speech recognition's back-pressure (issue 14): while the recognition queue
is full it claims no new calls, and it resumes when the queue drains."""

from __future__ import annotations

import asyncio

from tests.dialer.conftest import calls_of, insert_campaign, states, wait_until
from voicebox.dialer.runtime import build_dialer
from voicebox.media.asr import RecognitionService, Transcript, recognition_service

ANSWER = {"default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}
PHONES = [f"+7999{n:07d}" for n in range(1, 6)]


class Saturation:
    """A stand-in for the recognition service's `busy`."""

    busy = True


class HeldRecognizer:
    """A recogniser whose every utterance waits for `release`."""

    name = "held"

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def transcribe(self, pcm, *, language="ru", hints=()):
        await self.release.wait()
        return Transcript(text="да", confidence=0.9, language=language)


async def _all_done(app, campaign_id: int):
    counts = await states(app, campaign_id)
    return counts if counts.get("done", 0) == len(PHONES) else False


async def _held_back(dialer, passes: int = 5) -> None:
    """Wait until the dialer has skipped `passes` claim passes for back-pressure."""
    await wait_until(lambda: _true(dialer.held_back >= passes))


async def _true(value: bool) -> bool:
    return value


async def test_no_call_is_claimed_while_busy_and_claims_resume_when_it_drains(
        app, tenant, dialer):
    campaign = await insert_campaign(app, tenant.id, phones=PHONES, simulation=ANSWER)
    saturation = Saturation()
    worker = await dialer(back_pressure=saturation)
    await _held_back(worker)
    assert worker.started_calls == 0 and await calls_of(app, campaign.id) == []
    assert (await states(app, campaign.id)) == {"pending": len(PHONES)}
    saturation.busy = False
    assert await wait_until(lambda: _all_done(app, campaign.id))


async def test_a_full_recognition_queue_holds_the_claims(app, tenant, dialer):
    """The real `RecognitionService`: one utterance decoding and one waiting fill a queue of one;
    the dialer waits for them, then dials."""
    recognizer = HeldRecognizer()
    service = RecognitionService(recognizer, workers=1, queue=1, timeout=60)
    pending = [asyncio.ensure_future(service.transcribe(b"")) for _ in range(2)]
    await wait_until(lambda: _true(service.busy))
    campaign = await insert_campaign(app, tenant.id, phones=PHONES, simulation=ANSWER)
    worker = await dialer(back_pressure=service)
    await _held_back(worker)
    assert worker.started_calls == 0 and await calls_of(app, campaign.id) == []
    recognizer.release.set()
    await asyncio.gather(*pending)
    assert not service.busy
    assert await wait_until(lambda: _all_done(app, campaign.id))


async def test_the_worker_dialer_listens_to_the_process_recognition_service(app, settings):
    built = build_dialer(app.state.sessionmaker, settings, worker_id="wired")
    assert built.back_pressure is recognition_service(settings)
