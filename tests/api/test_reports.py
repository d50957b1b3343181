"""CAMPAIGNS §2.6 report download after a whole campaign through the real path (HTTP API →
dialer at a high time scale): one row per abonent matching the call history, in CSV (parsed)
and XLSX (openpyxl), byte ranges, and another customer's reports are invisible."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select
from tests.campaigns.helpers import RICH, buy
from tests.dialer.conftest import all_final, wait_until
from tests.dialer.scenarios import edge

from voicebox.dialer.worker import Dialer
from voicebox.models import Call
from voicebox.telephony.simulated import SimulatedGateway

PEOPLE = {  # phone → (name, city, simulated behaviour)
    "+79990000011": ("Анна", "Москва", {"inputs": ["1", "4321"]}),
    "+79990000012": ("Борис", "Казань, центр", {"inputs": ["да", "77"]}),
    "+79990000013": ("Вера", "Омск", {"inputs": ["2"]}),
    "+79990000014": ("Глеб", "Тула", {"result": "busy"}),
    "+79990000015": ("Дина", "Сочи", {"result": "noanswer"}),
    "+79990000016": ("Ефим", "Уфа", {"inputs": ["1", "9"]}),
}


def scenario() -> dict:
    return {
        "title": "Анкета", "type": "outgoing", "customVariables": ["name", "city"],
        "states": [
            {"type": "Initial", "name": "start", "success": edge("call")},
            {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
             "success": edge("ask"), "error": edge("end")},
            {"type": "IVR", "name": "ask",
             "announcement": {"type": "text", "text": "{{name}}, вам удобно? Нажмите 1."},
             "awaitingTime": 5, "repeatCount": 0, "voiceInput": True, "keyboardInput": True,
             "inputAnalysis": [{"dtmf": "1", "words": "да", "success": edge("code")}],
             "onNoInput": edge("end"), "onInvalidInput": edge("end"), "success": edge("end")},
            {"type": "Input", "name": "code",
             "announcement": {"type": "text", "text": "Введите код и решётку."},
             "awaitingTime": 5, "keyboardInput": True, "variable": "code",
             "onNoInput": edge("end"), "success": edge("end")},
            {"type": "ReleaseCall", "name": "end"},
        ],
    }


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


async def finished_campaign(app, client, tenant, settings) -> str:
    created = await client.post(f"/v1/customers/{tenant.id}/scenarios", json=scenario(),
                                headers=tenant.headers)
    assert created.status_code == 201, created.text
    rules = [{"match": phone, **behaviour} for phone, (_, _, behaviour) in PEOPLE.items()]
    body = {
        "name": "Отчёт", "campaignType": "outbound",
        "scenario": {"id": str(created.json()["id"])},
        "callerNumber": {"id": await buy(app, client, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59",
        "scheduleAttempts": 2, "scheduleAttemptsInterval": 1,
        "simulation": {"default": {"answerDelay": 1}, "rules": rules},
        "abonents": [{"phone": p, "name": n, "city": c} for p, (n, c, _) in PEOPLE.items()],
    }
    campaign = await client.post(f"/v1/customers/{tenant.id}/campaigns", json=body,
                                 headers=tenant.headers)
    assert campaign.status_code == 201, campaign.text
    campaign_id = int(campaign.json()["id"])
    fast = settings.model_copy(update={"dialer_poll_seconds": 0.02})
    dialer = Dialer(app.state.sessionmaker, gateway=SimulatedGateway(time_scale=2000),
                    settings=fast, worker_id=f"rep-{uuid.uuid4().hex[:6]}")
    await dialer.start()
    try:
        await wait_until(lambda: all_final(app, campaign_id), limit=60)
    finally:
        await dialer.stop()
    return str(campaign_id)


def url(tenant, report_id) -> str:
    return f"/v1/customers/{tenant.id}/reports/{report_id}/download"


async def test_report_rows_match_the_history(app, client, tenant, make_tenant, settings):
    report_id = await finished_campaign(app, client, tenant, settings)
    async with app.state.sessionmaker() as session:
        calls = list(await session.scalars(
            select(Call).where(Call.campaign_id == int(report_id)).order_by(Call.attempt)))
    last = {c.cd_pn: c for c in calls}  # ordered by attempt: the last one wins
    attempts = {p: sum(c.cd_pn == p for c in calls) for p in PEOPLE}

    response = await client.get(url(tenant, report_id), params={"format": "csv"},
                                headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert f"campaign-{report_id}-report.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["phone"] for r in rows] == list(PEOPLE)
    header = list(rows[0])
    assert header[:3] == ["phone", "name", "city"]
    assert {"answer: ask", "answer: code", "variable: code", "transfer", "cost"} <= set(header)
    for row in rows:
        phone = row["phone"]
        call = last[phone]
        name, city, behaviour = PEOPLE[phone]
        assert (row["name"], row["city"]) == (name, city)
        assert int(row["attempts"]) == attempts[phone]
        assert int(row["result"]) == call.status
        assert int(row["duration"]) == call.duration
        assert row["callId"] == call.call_id
        assert Decimal(row["cost"]) == call.cost
        inputs = behaviour.get("inputs", [])
        if call.status == 200:
            assert row["status"] == "done"
            assert row["answer: ask"] == inputs[0]
            expected_code = inputs[1] if len(inputs) > 1 else ""
            assert row["answer: code"] == expected_code
            assert row["variable: code"] == expected_code
            assert (call.variables or {}).get("code", "") == expected_code
        else:
            assert row["status"] == "failed" and row["answer: ask"] == ""
    assert rows[3]["result"] == "486" and rows[3]["attempts"] == "2"
    assert rows[4]["result"] == "480" and rows[4]["attempts"] == "2"
    assert rows[5]["attempts"] == "1" and rows[5]["variable: code"] == "9"
    assert rows[2]["answer: ask"] == "2" and rows[2]["answer: code"] == ""

    # XLSX (the default) holds the same table.
    xlsx = await client.get(url(tenant, report_id), headers=tenant.headers)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert int(xlsx.headers["content-length"]) == len(xlsx.content)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert list(sheet_rows[0]) == header
    for csv_row, sheet_row in zip(rows, sheet_rows[1:], strict=True):
        as_text = ["" if v is None else str(v) for v in sheet_row]
        expected = list(csv_row.values())
        cost = header.index("cost")
        assert Decimal(as_text[cost]) == Decimal(expected[cost])
        as_text[cost] = expected[cost]
        assert as_text == expected

    # Byte ranges on both formats.
    part = await client.get(url(tenant, report_id), headers={**tenant.headers,
                                                             "Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"PK\x03\x04"
    assert part.headers["content-range"].startswith("bytes 0-3/")
    whole_csv = response.content
    tail = await client.get(url(tenant, report_id), params={"format": "csv"},
                            headers={**tenant.headers, "Range": "bytes=10-"})
    assert tail.status_code == 206 and tail.content == whole_csv[10:]
    assert tail.headers["content-range"] == f"bytes 10-{len(whole_csv) - 1}/{len(whole_csv)}"
    past = await client.get(url(tenant, report_id), headers={**tenant.headers,
                                                             "Range": "bytes=99999999-"})
    assert past.status_code == 416 and past.json()[0]["status"] == 416

    # Other customers, unknown ids, bad formats.
    other = await make_tenant()
    for headers, target in ((other.headers, url(tenant, report_id)),
                            (other.headers, url(other, report_id)),
                            (tenant.headers, url(tenant, 999999))):
        missing = await client.get(target, headers=headers)
        assert missing.status_code == 404
        assert set(missing.json()[0]) == {"name", "message", "status"}
    bad = await client.get(url(tenant, report_id), params={"format": "pdf"},
                           headers=tenant.headers)
    assert bad.status_code == 400 and bad.json()[0]["name"] == "format"


async def test_report_of_a_campaign_not_called_yet(app, client, tenant):
    created = await client.post(f"/v1/customers/{tenant.id}/scenarios", json=scenario(),
                                headers=tenant.headers)
    body = {"name": "Ждёт", "campaignType": "outbound", "status": "paused",
            "scenario": {"id": str(created.json()["id"])},
            "callerNumber": {"id": await buy(app, client, tenant)},
            "abonents": [{"phone": "+79990000021", "name": "=SUM(A1)", "city": " x "}]}
    campaign = await client.post(f"/v1/customers/{tenant.id}/campaigns", json=body,
                                 headers=tenant.headers)
    assert campaign.status_code == 201, campaign.text
    report_id = campaign.json()["id"]
    text = (await client.get(url(tenant, report_id), params={"format": "csv"},
                             headers=tenant.headers)).content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["phone"] == "+79990000021" and row["attempts"] == "0"
    assert row["status"] == "pending" and row["callId"] == "" and row["callRecord"] == "no"
    xlsx = await client.get(url(tenant, report_id), headers=tenant.headers)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["B2"].value == "=SUM(A1)" and sheet["B2"].data_type == "s"  # text, no formula
    assert sheet["C2"].value == " x "


FORMULAS = {  # what an abonent's variable holds → how the CSV cell must read
    "=HYPERLINK(\"http://evil\",\"x\")": "'=HYPERLINK(\"http://evil\",\"x\")",
    "+SUM(1+1)": "'+SUM(1+1)", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)",
    "\t=cmd": "'\t=cmd", "\r=cmd": "'\r=cmd", "+79161234567": "+79161234567",
    "Москва": "Москва", "a=b": "a=b",
}


async def test_report_csv_cells_cannot_run_as_formulas(app, client, tenant):
    """OWASP CSV injection: risky text gets a leading quote in the CSV, phones (+digits) stay as
    written, and the XLSX keeps every one as a text cell, never a formula."""
    created = await client.post(f"/v1/customers/{tenant.id}/scenarios", json=scenario(),
                                headers=tenant.headers)
    abonents = [{"phone": f"+7999000{i:04d}", "name": value, "city": value}
                for i, value in enumerate(FORMULAS)]
    body = {"name": "=cmd", "campaignType": "outbound", "status": "paused",
            "scenario": {"id": str(created.json()["id"])},
            "callerNumber": {"id": await buy(app, client, tenant)}, "abonents": abonents}
    campaign = await client.post(f"/v1/customers/{tenant.id}/campaigns", json=body,
                                 headers=tenant.headers)
    assert campaign.status_code == 201, campaign.text
    report_id = campaign.json()["id"]
    response = await client.get(url(tenant, report_id), params={"format": "csv"},
                                headers=tenant.headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    by_phone = {row["phone"]: row for row in rows}
    for item, expected in zip(abonents, FORMULAS.values(), strict=True):
        assert by_phone[item["phone"]]["name"] == expected
        assert by_phone[item["phone"]]["city"] == expected
    xlsx = await client.get(url(tenant, report_id), headers=tenant.headers)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for item in abonents:
        name = cells[item["phone"]][1]
        assert name.data_type == "s" and name.value == item["name"].replace("\r", "\n")
