"""`MediaDelegate`: the `CallLeg` protocol's media operations (`play`, `collect`,
`detect_machine`) handed to the call's `MediaLeg`, for the drivers whose legs get one when they
are answered (the simulator's audio mode, SIP). Before the leg exists, and once the call has
ended, every operation raises `RemoteHangup`, as the contract over `CallLeg` wants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from voicebox.telephony.base import CallState, Detection, Heard, Prompt, RemoteHangup
from voicebox.telephony.media_leg import MediaLeg


class MediaDelegate:
    """A mixin for a call leg with `state` and `media` (its `MediaLeg`, None until answered);
    put it before the leg's own base class so its operations win."""

    media: MediaLeg | None
    if TYPE_CHECKING:  # the leg's own (a stub here would shadow it)
        @property
        def state(self) -> CallState: ...

    def _media_leg(self) -> MediaLeg:
        if self.state is CallState.ENDED or self.media is None:
            raise RemoteHangup("the call is not up")
        return self.media

    async def play(self, prompt: Prompt, *, barge_in_dtmf: bool = False,
                   barge_in_speech: bool = False) -> Heard:
        return await self._media_leg().play(prompt, barge_in_dtmf=barge_in_dtmf,
                                            barge_in_speech=barge_in_speech)

    async def collect(self, *, dtmf: bool = True, speech: bool = False, wait_seconds: float = 5.0,
                      max_digits: int | None = None, terminator: str | None = "#",
                      language: str | None = None, hints: Sequence[str] = (),
                      immediate: bool = False) -> Heard:
        return await self._media_leg().collect(
            dtmf=dtmf, speech=speech, wait_seconds=wait_seconds, max_digits=max_digits,
            terminator=terminator, language=language, hints=hints, immediate=immediate)

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        return await self._media_leg().detect_machine(listen_seconds=listen_seconds)
