"""Yandex SpeechKit v1 REST adapter (`tts:synthesize`): the voices scenarios name natively."""

from __future__ import annotations

import httpx

from voicebox.errors import MediaError
from voicebox.media.audio import SAMPLE_RATE, Pcm
from voicebox.media.base import SpeechSettings

DEFAULT_URL = "https://tts.api.cloud.yandex.net/speech/v1/tts:synthesize"
VOICES = frozenset({"oksana", "jane", "alena", "omazh", "filipp", "ermil", "zahar", "marina",
                    "madirus", "dasha", "julia", "lera", "masha", "alexander", "kirill", "anton",
                    "john"})
_LANG = {"ru": "ru-RU", "en": "en-US"}
_DEFAULT_VOICE = {"ru": "oksana", "en": "john"}


class YandexEngine:
    """Sends the scenario's voice / speed / emotion as SpeechKit's own fields and asks for
    `lpcm` at 8000 Hz, which is already the telephony format. Authenticates with an API key
    (`Api-Key`) or an IAM token (`Bearer`)."""

    name = "yandex"
    languages = frozenset({"ru", "en"})

    def __init__(
        self,
        *,
        api_key: str | None = None,
        iam_token: str | None = None,
        folder_id: str | None = None,
        url: str = DEFAULT_URL,
        timeout: float = 15.0,
        client: httpx.AsyncClient | None = None,
    ):
        self.api_key = api_key
        self.iam_token = iam_token
        self.folder_id = folder_id
        self.url = url
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._own_client = client is None

    async def start(self) -> None:
        if not (self.api_key or self.iam_token):
            raise MediaError("TTS engine yandex: set VOICEBOX_YANDEX_API_KEY or an IAM token")

    def voice(self, settings: SpeechSettings, language: str) -> str:
        name = settings.voice.removeprefix("yandex:")
        return name if name in VOICES else _DEFAULT_VOICE[language]

    def cache_key(self, settings: SpeechSettings, language: str) -> str:
        return f"yandex/{self.voice(settings, language)}/{settings.speed}/{settings.emotion}"

    def request_fields(self, text: str, settings: SpeechSettings, language: str) -> dict[str, str]:
        fields = {
            "text": text,
            "lang": _LANG[language],
            "voice": self.voice(settings, language),
            "emotion": settings.emotion,
            "speed": f"{min(max(settings.rate, 0.1), 3.0):.2f}",
            "format": "lpcm",
            "sampleRateHertz": str(SAMPLE_RATE),
        }
        if self.folder_id:
            fields["folderId"] = self.folder_id
        return fields

    async def synthesize(self, text: str, settings: SpeechSettings, language: str) -> Pcm:
        await self.start()
        auth = f"Api-Key {self.api_key}" if self.api_key else f"Bearer {self.iam_token}"
        try:
            response = await self._client.post(
                self.url,
                data=self.request_fields(text, settings, language),
                headers={"Authorization": auth},
            )
        except httpx.HTTPError as exc:
            raise MediaError(f"yandex SpeechKit unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise MediaError(f"yandex SpeechKit answered {response.status_code}: {_reason(response)}")
        if response.headers.get("content-type", "").startswith("application/json"):
            raise MediaError(f"yandex SpeechKit returned no audio: {_reason(response)}")
        pcm = response.content
        if len(pcm) < 2:
            raise MediaError("yandex SpeechKit returned no audio")
        return pcm[: len(pcm) - len(pcm) % 2]

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("error_message") or body.get("message") or body)[:200]
    return str(body)[:200]
