"""Campaign reports (CAMPAIGNS §2.6): `report_id` is the campaign's id. One row per abonent
(columns: `voicebox.reports.columns`), written as CSV or XLSX in batches off the event loop,
with constant memory whatever the campaign's size."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.csvsafe import csv_bytes
from voicebox.errors import InvalidInput, NotFound
from voicebox.reports import repository
from voicebox.reports.columns import Layout, layout_for, row_values
from voicebox.reports.xlsx import XlsxWriter
from voicebox.scenarios import repository as scenarios_repository

BATCH = 2000
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
BOM = "\ufeff"  # so spreadsheet programs read the CSV's Cyrillic as UTF-8


@dataclass(frozen=True, slots=True)
class Report:
    campaign_id: int
    layout: Layout
    format: str
    inbound: bool = False  # rows are calls, not abonents

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]

    @property
    def filename(self) -> str:
        return f"campaign-{self.campaign_id}-report.{self.format}"


def report_format(value: str | None) -> str:
    fmt = (value or "xlsx").strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", name="format")
    return fmt


class ReportService:
    async def prepare(
        self, session: AsyncSession, customer_id: int, report_id: int, fmt: str | None
    ) -> Report:
        """The report of the customer's campaign `report_id`; NotFound for anyone else's."""
        fmt = report_format(fmt)
        campaign = await repository.campaign_for_customer(session, customer_id, report_id)
        if campaign is None:
            raise NotFound(f"report {report_id} not found (a report's id is its campaign's id)",
                           name="report_id")
        body = await scenarios_repository.body(session, campaign.scenario_id)
        sampled = await repository.sample_variable_names(session, campaign.id)
        return Report(campaign.id, layout_for(body, sampled), fmt,
                      inbound=campaign.campaign_type == "inbound")

    async def _batches(
        self, sessionmaker: async_sessionmaker[AsyncSession], report: Report
    ) -> AsyncIterator[list[Any]]:
        async with sessionmaker() as session:
            batch: list[Any] = []
            rows = (repository.inbound_calls if report.inbound
                    else repository.abonents_with_last_call)
            async for row in rows(session, report.campaign_id):
                batch.append(row)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def _values(self, report: Report, rows: list[Any]) -> list[list[Any]]:
        return [row_values(report.layout, row) for row in rows]

    async def csv_chunks(
        self, sessionmaker: async_sessionmaker[AsyncSession], report: Report
    ) -> AsyncIterator[bytes]:
        """The CSV, a batch of rows at a time (for a response streamed as it is read)."""
        yield BOM.encode() + csv_bytes([report.layout.header])
        async for rows in self._batches(sessionmaker, report):
            yield await asyncio.to_thread(lambda r=rows: csv_bytes(self._values(report, r)))  # type: ignore[misc]  # the batch bound as a default (B023)

    async def write_file(
        self, sessionmaker: async_sessionmaker[AsyncSession], report: Report, directory: Path
    ) -> Path:
        """The whole report in a temporary file (the caller deletes it)."""
        path = await asyncio.to_thread(_temp_file, directory, report.format)
        try:
            if report.format == "csv":
                with await asyncio.to_thread(path.open, "wb") as handle:
                    async for chunk in self.csv_chunks(sessionmaker, report):
                        await asyncio.to_thread(handle.write, chunk)
                return path
            book = await asyncio.to_thread(XlsxWriter, path, report.layout.header)
            try:
                async for rows in self._batches(sessionmaker, report):
                    await asyncio.to_thread(
                        lambda r=rows: book.write_rows(self._values(report, r)))  # type: ignore[misc]  # the batch bound as a default (B023)
            finally:
                await asyncio.to_thread(book.close)
            return path
        except BaseException:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise


def _temp_file(directory: Path, suffix: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=directory, suffix=f".{suffix}")
    os.close(descriptor)
    return Path(name)


report_service = ReportService()
