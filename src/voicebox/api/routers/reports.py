"""CAMPAIGNS §2.6: a campaign's report (`report_id` = the campaign id) as XLSX (default) or
CSV (`?format=csv`), with `Range: bytes=` (206)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from voicebox.api.deps import CustomerDep, SessionDep, SettingsDep
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.files import file_download
from voicebox.api.params import path_id
from voicebox.reports.service import FORMATS, report_service

router = APIRouter(
    tags=["reports"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)


ReportId = path_id("Идентификатор отчёта: id кампании", name="report_id")


@router.get(
    "/v1/customers/{customer_id}/reports/{report_id}/download",
    response_class=Response,
    responses={
        200: {"content": {FORMATS["xlsx"]: {}, FORMATS["csv"]: {}},
              "description": "The whole report (XLSX by default, CSV with ?format=csv)"},
        206: {"content": {FORMATS["xlsx"]: {}, FORMATS["csv"]: {}},
              "description": "Получен отчет по кампании (part of it, Range: bytes=)"},
        416: ERROR_RESPONSE,
    },
    summary="Скачивания файла отчета кампании",
)
async def download_report(
    request: Request,
    customer: CustomerDep,
    session: SessionDep,
    settings: SettingsDep,
    report_id: ReportId,
    format: Annotated[str | None, Query(description="xlsx (default) or csv")] = None,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    report = await report_service.prepare(session, customer.id, report_id, format)
    sessionmaker = request.app.state.sessionmaker
    if report.format == "csv" and not (range_header or "").strip():
        # Rows go out as they are read: the first bytes leave before the last row is fetched.
        return StreamingResponse(
            report_service.csv_chunks(sessionmaker, report), media_type=report.media_type,
            headers={"Content-Disposition": f'attachment; filename="{report.filename}"',
                     "Accept-Ranges": "bytes"})
    path = await report_service.write_file(sessionmaker, report, settings.data_dir / "tmp")
    return file_download(path, filename=report.filename, media_type=report.media_type,
                         range_header=range_header, delete_after=True)
