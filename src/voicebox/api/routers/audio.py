"""Audio files for announcements (extension; docs/api.md `## Audio files`): upload, list, get,
download (Range: bytes=), delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.datastructures import UploadFile

from voicebox.api.deps import CustomerDep, SessionDep, SettingsDep
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.files import file_download
from voicebox.api.params import path_id
from voicebox.audiofiles.schemas import AudioFileOut
from voicebox.audiofiles.service import audio_file_service, to_out
from voicebox.errors import InvalidInput, NotFound, VoiceboxError
from voicebox.text import bad_text_message

router = APIRouter(
    tags=["audio"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)

BASE = "/v1/customers/{customer_id}/audio"
AudioId = path_id("Идентификатор аудиофайла", name="audio_id")
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "WAV, MP3 or OGG"},
                        "name": {"type": "string", "description": "Display name"},
                    },
                }
            }
        },
    }
}


@router.post(
    BASE,
    status_code=201,
    response_model=AudioFileOut,
    summary="Загрузка аудиофайла для объявлений (расширение)",
    openapi_extra=_UPLOAD_BODY,
    responses={413: ERROR_RESPONSE, 415: ERROR_RESPONSE},
)
async def upload_audio(
    request: Request, customer: CustomerDep, session: SessionDep, settings: SettingsDep
) -> AudioFileOut:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise VoiceboxError(
            "send multipart/form-data with the audio in a `file` part", status=415,
            name="Content-Type",
        )
    async with request.form() as form:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise InvalidInput("the form needs a `file` part holding the audio", name="file")
        name = form.get("name")
        if isinstance(name, str) and (problem := bad_text_message(name)):  # multipart: not guarded
            raise InvalidInput(f"name {problem}", name="name")
        audio = await audio_file_service.upload(
            session, customer.id, source=part.file, filename=part.filename,
            name=name if isinstance(name, str) else None, data_dir=settings.data_dir,
            max_bytes=settings.audio_max_bytes, max_seconds=settings.audio_max_seconds,
        )
    return to_out(audio)


@router.get(BASE, response_model=list[AudioFileOut], summary="Список аудиофайлов (расширение)")
async def list_audio(customer: CustomerDep, session: SessionDep) -> list[AudioFileOut]:
    return [to_out(audio) for audio in await audio_file_service.list(session, customer.id)]


@router.get(
    BASE + "/{audio_id}", response_model=AudioFileOut, summary="Аудиофайл (расширение)"
)
async def get_audio(customer: CustomerDep, session: SessionDep, audio_id: AudioId) -> AudioFileOut:
    return to_out(await audio_file_service.get(session, customer.id, audio_id))


@router.get(
    BASE + "/{audio_id}/download",
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "8 kHz mono 16-bit WAV"},
        206: {"content": {"audio/wav": {}}, "description": "Part of the file (Range: bytes=)"},
        416: ERROR_RESPONSE,
    },
    summary="Скачивание аудиофайла (расширение)",
)
async def download_audio(
    customer: CustomerDep,
    session: SessionDep,
    settings: SettingsDep,
    audio_id: AudioId,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    audio = await audio_file_service.get(session, customer.id, audio_id)
    path = settings.data_dir / audio.path
    if not path.is_file():
        raise NotFound(f"audio file {audio_id} has no stored audio", name="audio_id")
    return file_download(path, filename=f"audio-{audio.id}.wav", media_type="audio/wav",
                         range_header=range_header)


@router.delete(
    BASE + "/{audio_id}",
    status_code=204,
    response_class=Response,
    responses={409: ERROR_RESPONSE},
    summary="Удаление аудиофайла (расширение); 409, пока сценарий его использует",
)
async def delete_audio(
    customer: CustomerDep, session: SessionDep, settings: SettingsDep, audio_id: AudioId
) -> Response:
    await audio_file_service.delete(session, customer.id, audio_id, data_dir=settings.data_dir)
    return Response(status_code=204)
