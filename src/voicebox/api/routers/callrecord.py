"""CALLRECORD §1.1: a call's recording as audio, with `Range: bytes=` (206).

Extension: the access token may come as the `access_token` query parameter here (and only
here), so an `<audio src>` can stream and seek with ranges; docs/api.md says what that costs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from voicebox.api.deps import BearerHeader, SessionDep, StorageDep, get_current_user, user_of_token
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.files import stored_download
from voicebox.errors import NotFound
from voicebox.models import User
from voicebox.recordings.service import recording_service, wanted_format


async def _record_user(
    request: Request,
    session: SessionDep,
    authorization: BearerHeader,
    access_token: Annotated[
        str | None,
        Query(
            max_length=512,
            description="Extension: the access token when no Authorization header can be sent "
            "(an <audio> element); docs/api.md",
        ),
    ] = None,
) -> User:
    if access_token and not authorization:
        return await user_of_token(request, session, access_token)
    return await get_current_user(request, session, authorization)


router = APIRouter(
    tags=["callrecord"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)


@router.get(
    "/v1/callRecord",
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": {}, "audio/ogg": {}, "audio/mpeg": {}},
              "description": "Получена запись разговора"},
        206: {"content": {"audio/wav": {}}, "description": "Part of the file (Range: bytes=)"},
        416: ERROR_RESPONSE,
    },
    summary="Получение записи разговоров",
)
async def call_record(
    user: Annotated[User, Depends(_record_user)],
    session: SessionDep,
    storage: StorageDep,
    call_id: Annotated[str, Query(max_length=64, description="Идентификатор записи разговора")],
    date_from: Annotated[
        str | None, Query(description="Начало промежутка: unix-секунды или ISO 8601")
    ] = None,
    date_to: Annotated[
        str | None, Query(description="Конец промежутка: unix-секунды или ISO 8601")
    ] = None,
    format: Annotated[
        str | None, Query(description="wav (default), ogg or mp3 when kept (extension)")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    recording = await recording_service.find(
        session, user.customer_id, call_id=call_id, date_from=date_from, date_to=date_to,
        storage=storage, fmt=wanted_format(format, accept),
    )
    return await stored_download(
        storage, recording.key, filename=recording.filename, media_type=recording.media_type,
        range_header=range_header,
        missing=NotFound(f"no recording of call {recording.call_id}", name="call_id"))
