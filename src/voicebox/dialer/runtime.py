"""Wiring: the configured gateway, a Dialer on it, inbound calls answered; the app hooks that
embed one in `voicebox serve`, and the `voicebox worker` main loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.config import Settings
from voicebox.dialer.inbound import InboundAnswerer
from voicebox.dialer.jobs import ALL_JOBS
from voicebox.dialer.warmup import PromptWarmer
from voicebox.dialer.worker import Dialer
from voicebox.media.asr import recognition_service
from voicebox.media.tts import speech_service_from_settings
from voicebox.numbers.renewal import RenewalJob
from voicebox.phones import parse_phone
from voicebox.recordings.gateway import recordings_on, with_recordings
from voicebox.recordings.live import live_taps
from voicebox.recordings.recorder import Recorder
from voicebox.store.database import open_database
from voicebox.telephony.base import Gateway
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.registry import create_router

log = logging.getLogger(__name__)


def build_gateway(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                  only_simulator: bool = False) -> tuple[Gateway, PromptWarmer | None]:
    """The configured driver (and the simulator beside it) with media legs that speak through
    the process's speech service and write every call's recording through the same taps
    (text-mode simulated calls from their timeline, when they end); and a warmer preparing
    scenarios' prompts in that speech service, unless no call ever speaks (text-mode load
    tests without recordings)."""
    recorder = Recorder(sessionmaker, settings) if recordings_on(settings) else None
    speech = recorder.speech if recorder is not None else speech_service_from_settings(settings)
    media = MediaKit(prompts=SpeechPrompts(speech), recognizer=recognition_service(settings),
                     taps=live_taps(recorder) if recorder is not None else None)
    name = "sim" if only_simulator else settings.telephony
    gateway: Gateway = create_router(name, media=media, time_scale=settings.sim_time_scale,
                                     audio=settings.sim_audio, settings=settings)
    if recorder is not None:
        gateway = with_recordings(gateway, sessionmaker, settings, recorder=recorder)
    silent = name.lower() == "sim" and not settings.sim_audio and recorder is None
    return gateway, None if silent else PromptWarmer(speech)


def build_dialer(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                 worker_id: str | None = None, concurrency: int | None = None,
                 jobs: frozenset[str] = ALL_JOBS) -> Dialer:
    gateway, warmer = build_gateway(sessionmaker, settings)
    dialer = Dialer(sessionmaker, gateway=gateway, settings=settings, worker_id=worker_id,
                    concurrency=concurrency, jobs=jobs,
                    back_pressure=recognition_service(settings), warmer=warmer)
    answerer = InboundAnswerer(sessionmaker, settings=settings, warmer=warmer)

    async def on_incoming(call: Any) -> None:
        await answerer.handle(call)

    gateway.on_incoming(on_incoming)
    return dialer


def embed(app: Any) -> None:
    """Run a dialer inside the API process (`voicebox serve` without `--no-dialer`)."""

    async def start(app: Any) -> None:
        dialer = build_dialer(app.state.sessionmaker, app.state.settings)
        app.state.dialer = dialer
        await dialer.start()
        app.state.renewal = RenewalJob(app.state.sessionmaker, settings=app.state.settings,
                                       clock=dialer.wall)
        app.state.renewal.start()

    async def stop(app: Any) -> None:
        renewal = getattr(app.state, "renewal", None)
        if renewal is not None:
            await renewal.stop()
        dialer = getattr(app.state, "dialer", None)
        if dialer is not None:
            await dialer.stop()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)


async def run_worker(settings: Settings, *, worker_id: str | None, concurrency: int | None,
                     jobs: frozenset[str] = ALL_JOBS) -> None:
    """`voicebox worker`: dial until SIGTERM / SIGINT, then hang up and record cleanly."""
    opened = await open_database(settings)
    engine, sessionmaker = opened.engine, opened.sessionmaker
    dialer = build_dialer(sessionmaker, settings, worker_id=worker_id, concurrency=concurrency,
                          jobs=jobs)
    renewal = RenewalJob(sessionmaker, settings=settings, clock=dialer.wall) \
        if "renewal" in jobs else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await dialer.start()
    if renewal is not None:
        renewal.start()
    log.info("worker %s running %s on %s", dialer.worker_id, ", ".join(sorted(jobs)),
             engine.url.render_as_string())
    try:
        await stop.wait()
    finally:
        if renewal is not None:
            await renewal.stop()
        await dialer.stop()
        await engine.dispose()


async def place_inbound(settings: Settings, *, to: str, caller: str, inputs: list[str],
                        hangup_after: float | None = None) -> dict[str, Any]:
    """One simulated inbound call to `to`, answered in this process; its result."""
    opened = await open_database(settings)
    try:
        sessionmaker = opened.sessionmaker
        gateway, _ = build_gateway(sessionmaker, settings, only_simulator=True)  # one call
        simulator = gateway.simulator  # type: ignore[attr-defined]  # only_simulator: a router
        answerer = InboundAnswerer(sessionmaker, settings=settings)
        done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

        async def on_incoming(call: Any) -> None:
            try:
                done.set_result(await answerer.handle(call))
            except Exception as error:
                done.set_exception(error)

        gateway.on_incoming(on_incoming)
        simulator.incoming(to=parse_phone(to, region=settings.home_region, field="--to").e164,
                         caller=parse_phone(caller, region=settings.home_region,
                                            field="--from").e164,
                         inputs=inputs, hangup_after=hangup_after)
        result = await done
        await gateway.stop()  # the recorder writes the call's recording before we exit
        return result
    finally:
        await opened.dispose()
