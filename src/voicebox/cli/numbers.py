"""`voicebox admin add-numbers`: stock the number inventory from a CSV file or the command line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.cli.common import err_console, fail, print_json, run_in_session
from voicebox.errors import VoiceboxError
from voicebox.numbers.inventory import inventory_row
from voicebox.numbers.service import number_service

BATCH = 1000
MAX_LISTED_ERRORS = 100
COLUMNS = (
    "type",
    "region_code",
    "region_name",
    "category",
    "monthly_fee",
    "owner",
    "currency",
    "description",
)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1251")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a `,` or `;` separated file with a header naming at least `number`."""
    text = _read_text(path)
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(
        io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","
    )
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "number" not in fields:
        fail(
            f"{path}: the header must name a `number` column (and optionally {', '.join(COLUMNS)})"
        )
    reader.fieldnames = fields
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def register(admin: typer.Typer) -> None:
    @admin.command("add-numbers")
    def add_numbers(
        file: Annotated[
            Path | None,
            typer.Option(
                "--file",
                exists=True,
                dir_okay=False,
                readable=True,
                help="CSV with a `number` column; optional columns: " + ", ".join(COLUMNS),
            ),
        ] = None,
        number: Annotated[
            list[str] | None, typer.Option("--number", help="A number to add (repeatable)")
        ] = None,
        type_: Annotated[str | None, typer.Option("--type", help="ABC, DEF or 8800")] = None,
        region_code: Annotated[str | None, typer.Option(help="Region code, e.g. MOW")] = None,
        region_name: Annotated[str | None, typer.Option(help="Region name")] = None,
        category: Annotated[
            str | None, typer.Option(help="REGULAR, BRONZE, SILVER or GOLD")
        ] = None,
        fee: Annotated[str | None, typer.Option("--fee", help="Monthly fee")] = None,
        owner: Annotated[str, typer.Option(help="Number owner")] = "MTT",
        currency: Annotated[str, typer.Option(help="Currency of the fee")] = "RUB",
        description: Annotated[str, typer.Option(help="Description")] = "",
    ) -> None:
        """Add numbers to the inventory; what is not given is derived from the number.

        Prints {added, skipped (already stocked), invalid, errors}; exits 2 if a row was invalid.
        """
        defaults = {
            "type": type_,
            "region_code": region_code,
            "region_name": region_name,
            "category": category,
            "monthly_fee": fee,
            "owner": owner,
            "currency": currency,
            "description": description,
        }
        given = [{"number": value} for value in number or []]
        if file is not None:
            given += _csv_rows(file)
        if not given:
            fail("give --file or at least one --number")
        result = run_in_session(lambda session: _add(session, given, defaults))
        print_json(result)
        if result["invalid"]:
            raise typer.Exit(2)


async def _add(
    session: AsyncSession, given: list[dict[str, str]], defaults: dict[str, Any]
) -> dict[str, Any]:
    added = skipped = invalid = 0
    errors: list[dict[str, Any]] = []
    progress = Progress(
        TextColumn("adding numbers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=len(given) < BATCH,
    )
    with progress:
        task = progress.add_task("numbers", total=len(given))
        line = 0
        for batch in _batches(given):
            rows = []
            for item in batch:
                line += 1
                values = {key: item.get(key) or defaults[key] for key in COLUMNS}
                try:
                    rows.append(
                        inventory_row(
                            item.get("number", ""),
                            type_=values["type"],
                            region_code=values["region_code"],
                            region_name=values["region_name"],
                            category=values["category"],
                            monthly_fee=values["monthly_fee"],
                            owner=values["owner"],
                            currency=values["currency"],
                            description=values["description"] or "",
                        )
                    )
                except VoiceboxError as error:
                    invalid += 1
                    if len(errors) < MAX_LISTED_ERRORS:
                        errors.append(
                            {"row": line, "number": item.get("number"), "error": error.message}
                        )
            result = await number_service.add_to_inventory(session, rows)
            added += result.added
            skipped += result.skipped
            progress.advance(task, len(batch))
    return {"added": added, "skipped": skipped, "invalid": invalid, "errors": errors}
