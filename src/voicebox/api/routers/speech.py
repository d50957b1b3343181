"""Extension: hear a prompt before a call does (the console's TTS preview)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from voicebox.api.deps import CustomerDep
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.errors import InvalidInput

router = APIRouter(tags=["audio"], responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE})

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class SpeechPreview(BaseModel):
    """A prompt's text (templates are read out as their variable names) and voice settings."""

    text: str = Field(min_length=1, max_length=1000)
    settings: dict[str, Any] = Field(default_factory=dict, description="voice, speed, emotion")


async def _speech(request: Request) -> Any:
    """The API process's own SpeechService, made on first use and closed at shutdown."""
    state = request.app.state
    if getattr(state, "preview_speech", None) is None:
        from voicebox.media.tts import speech_service_from_settings

        state.preview_speech = speech_service_from_settings(state.settings)

        async def close(app: Any) -> None:
            await app.state.preview_speech.close()

        state.shutdown_hooks.append(close)
    return state.preview_speech


@router.post(
    "/v1/customers/{customer_id}/speech/preview",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}, "description": "The prompt as 8 kHz WAV"}},
    summary="Extension: synthesise a prompt to listen to (TTS preview)",
)
async def speech_preview(
    request: Request, customer: CustomerDep, body: SpeechPreview
) -> FileResponse:
    text = _PLACEHOLDER.sub(lambda m: m.group(1), body.text)
    if not text.strip():
        raise InvalidInput("nothing to say: the text is empty", name="text")
    speech = await _speech(request)
    path = await speech.synthesize(text, body.settings)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})
