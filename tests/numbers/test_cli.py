"""`voicebox admin add-numbers` against the test database, through the real command."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from voicebox.cli import app as cli
from voicebox.config import get_settings
from voicebox.models import PhoneNumber


@pytest.fixture
def configured(monkeypatch, settings):
    monkeypatch.setenv("VOICEBOX_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("VOICEBOX_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def run(*args: str):
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["admin", "add-numbers", *args])
    return result


async def test_add_numbers_from_options(app, configured, session):
    result = await run(
        "--number",
        "+7 495 765-43-21",
        "--number",
        "84957654322",
        "--category",
        "silver",
        "--fee",
        "1234.50",
        "--description",
        "office",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"added": 2, "skipped": 0, "invalid": 0, "errors": []}
    rows = list(await session.scalars(select(PhoneNumber).order_by(PhoneNumber.number)))
    assert [r.number for r in rows] == ["74957654321", "74957654322"]
    first = rows[0]
    assert (first.type, first.region_code, first.region_name) == ("ABC", "MOW", "Москва")
    assert first.category == "SILVER" and first.monthly_fee == Decimal("1234.5")
    assert first.description == "office" and first.customer_id is None

    again = await run("--number", "74957654321")
    assert json.loads(again.stdout)["skipped"] == 1


async def test_add_numbers_from_csv(app, configured, session, tmp_path):
    lines = ["number;type;region_code;region_name;category;monthly_fee"]
    lines += [f"7999{i:07d};DEF;KGD;Калининградская область;;" for i in range(1500)]
    lines += ["nonsense;;;;;", "74957654321;;;;PLATINUM;", "74011234567;;;;;"]
    path = tmp_path / "numbers.csv"
    path.write_text("\n".join(lines), encoding="cp1251")
    result = await run("--file", str(path))
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["added"] == 1500 and report["invalid"] == 3
    assert [e["row"] for e in report["errors"]] == [1501, 1502, 1503]
    assert "region" in report["errors"][2]["error"]
    row = await session.scalar(select(PhoneNumber).where(PhoneNumber.number == "79990000042"))
    assert row.region_name == "Калининградская область" and row.monthly_fee == Decimal(300)


async def test_add_numbers_needs_input(configured):
    result = await run()
    assert result.exit_code == 1
