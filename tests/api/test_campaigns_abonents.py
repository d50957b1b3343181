"""Abonents through HTTP: multipart create with the contacts template, CSV encodings and
delimiters, JSON, all-or-nothing refusals, duplicates merged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from tests.campaigns.helpers import RICH, assert_errors, create, force_status, ready, url

from voicebox.models import Abonent, Campaign


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


async def abonents_of(app, campaign_id: int) -> dict[str, Abonent]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(Abonent).where(Abonent.campaign_id == campaign_id))
        return {row.phone: row for row in rows}


async def test_multipart_create_with_the_contacts_template(app, client, tenant):
    body = await ready(app, client, tenant)
    template = await client.get(
        f"/v1/customers/{tenant.id}/scenarios/{body['scenario']['id']}/template",
        headers=tenant.headers,
    )
    assert template.status_code == 200
    header = template.content  # the file as the user downloads it: `phone,fio`
    assert header.decode().strip() == "phone,fio"
    csv_bytes = header + "8 (343) 200-00-00,Иван Петров\r\n+79161234567,Анна\r\n".encode()
    response = await client.post(
        url(tenant),
        files={
            "campaign": (None, json.dumps(body), "application/json"),
            "abonents": ("contacts.csv", csv_bytes, "text/csv"),
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["abonents"] == {"received": 2, "added": 2, "merged": 0}
    assert created["progress"]["pending"] == 2
    rows = await abonents_of(app, created["id"])
    assert rows["+73432000000"].variables == {"fio": "Иван Петров"}
    assert rows["+73432000000"].timezone == "Asia/Yekaterinburg"
    assert rows["+79161234567"].timezone is None  # mobile: the campaign's zone applies
    assert rows["+79161234567"].state == "pending" and rows["+79161234567"].attempts_made == 0

    # The bare template (no rows) makes a campaign with no abonents yet.
    response = await client.post(
        url(tenant),
        files={"campaign": (None, json.dumps(body)), "abonents": ("t.csv", header, "text/csv")},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["abonents"] == {"received": 0, "added": 0, "merged": 0}


async def test_cp1251_semicolon_csv(app, client, tenant):
    created = await create(client, tenant, await ready(app, client, tenant))
    text = "phone;fio;город\r\n89161234567;Пётр Иванов;Москва\r\n+7 912 000-00-01;Ёлка;Пермь\r\n"
    response = await client.post(
        url(tenant, f"/{created['id']}/abonents"),
        content=text.encode("cp1251"),
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 2, "added": 2, "merged": 0}
    rows = await abonents_of(app, created["id"])
    assert rows["+79161234567"].variables == {"fio": "Пётр Иванов", "город": "Москва"}
    assert rows["+79120000001"].variables == {"fio": "Ёлка", "город": "Пермь"}
    # The bulk write stores times as every other write does, so a bound value matches them.
    stamp = rows["+79161234567"].created_at
    async with app.state.sessionmaker() as session:
        same = await session.scalar(select(func.count()).select_from(Abonent).where(
            Abonent.campaign_id == created["id"], Abonent.created_at == stamp))
    assert same == 2


async def test_utf8_bom_csv_in_multipart(app, client, tenant):
    created = await create(client, tenant, await ready(app, client, tenant))
    data = "\ufeffPhone,fio\n9161234567,Мария\n".encode()
    response = await client.post(
        url(tenant, f"/{created['id']}/abonents"),
        files={"abonents": ("a.csv", data, "text/csv")},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert set(await abonents_of(app, created["id"])) == {"+79161234567"}


async def test_bad_rows_refuse_the_whole_import(app, client, tenant):
    body = await ready(app, client, tenant)
    csv_text = (
        "phone,fio\n"
        "+79161234567,ok\n"
        "not a phone,bad\n"
        "+7123,short\n"
        "+79161234568,ok\n"
        "+79161234569\n"
    )
    response = await client.post(
        url(tenant),
        files={"campaign": (None, json.dumps(body)), "abonents": ("a.csv", csv_text, "text/csv")},
        headers=tenant.headers,
    )
    errors = assert_errors(response, 400)
    assert [e["name"] for e in errors] == ["rows[3].phone", "rows[4].phone", "rows[6]"]
    assert "not a phone number" in errors[0]["message"]
    assert "valid" in errors[1]["message"]
    async with app.state.sessionmaker() as session:  # the campaign was not created either
        assert (await session.scalar(select(Campaign.id))) is None
        assert (await session.scalar(select(Abonent.id))) is None

    created = await create(client, tenant, body)
    response = await client.post(
        url(tenant, f"/{created['id']}/abonents"),
        json=[{"phone": "+79161234567", "fio": "a"}, {"phone": "12", "fio": "b"}, {"fio": "c"}],
        headers=tenant.headers,
    )
    assert [e["name"] for e in assert_errors(response, 400)] == [
        "abonents[1].phone",
        "abonents[2].phone",
    ]
    assert await abonents_of(app, created["id"]) == {}


async def test_many_bad_rows_are_capped(app, client, tenant):
    created = await create(client, tenant, await ready(app, client, tenant))
    csv_text = "phone,fio\n" + "".join(f"bad{i},x\n" for i in range(250))
    response = await client.post(
        url(tenant, f"/{created['id']}/abonents"), content=csv_text,
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    errors = assert_errors(response, 400)
    assert len(errors) == 101
    assert errors[-1]["message"] == "150 more bad row(s) not listed"


async def test_header_problems(app, client, tenant):
    created = await create(client, tenant, await ready(app, client, tenant))
    path = url(tenant, f"/{created['id']}/abonents")
    headers = {**tenant.headers, "Content-Type": "text/csv"}
    for text, fragment in [
        ("tel,fio\n+79161234567,x\n", "`phone` column"),
        ("phone\n+79161234567\n", "need columns: fio"),
        ("phone,fio,fio\n+79161234567,x,y\n", "appears twice"),
    ]:
        [error] = assert_errors(await client.post(path, content=text, headers=headers), 400)
        assert fragment in error["message"]
    json_missing = await client.post(path, json=[{"phone": "+79161234567"}], headers=tenant.headers)
    [error] = assert_errors(json_missing, 400)
    assert error["name"] == "abonents[0]" and "fio" in error["message"]


async def test_duplicates_are_merged_later_row_wins(app, client, tenant):
    body = await ready(app, client, tenant)
    body["abonents"] = [
        {"phone": "+79161234567", "fio": "first"},
        {"phone": "8 916 123 45 67", "fio": "second"},
        "+79161234568",
    ]
    body["abonents"][2] = {"phone": "+79161234568", "fio": "other"}
    created = await create(client, tenant, body)
    assert created["abonents"] == {"received": 3, "added": 2, "merged": 1}
    rows = await abonents_of(app, created["id"])
    assert rows["+79161234567"].variables == {"fio": "second"}

    # Merging into existing abonents: variables replaced, a finished abonent stays finished.
    async with app.state.sessionmaker() as session:
        done = await session.get(Abonent, rows["+79161234568"].id)
        done.state = "done"
        await session.commit()
    response = await client.post(
        url(tenant, f"/{created['id']}/abonents"),
        json={"abonents": [{"phone": "+79161234568", "variables": {"fio": "new"}},
                           {"phone": "+79161234569", "fio": "третий"}]},
        headers=tenant.headers,
    )
    assert response.json() == {"received": 2, "added": 1, "merged": 1}
    rows = await abonents_of(app, created["id"])
    assert rows["+79161234568"].variables == {"fio": "new"}
    assert rows["+79161234568"].state == "done"
    assert len(rows) == 3


async def test_who_takes_abonents(app, client, tenant):
    body = await ready(app, client, tenant)
    http_body = {**body, "launchBy": "http", "abonents": [{"phone": "+79161234567", "fio": "x"}]}
    [error] = assert_errors(
        await client.post(url(tenant), json=http_body, headers=tenant.headers), 400
    )
    assert error["name"] == "abonents"
    http_body.pop("abonents")
    http_campaign = await create(client, tenant, http_body)
    one = [{"phone": "+79161234567", "fio": "x"}]
    response = await client.post(
        url(tenant, f"/{http_campaign['id']}/abonents"), json=one, headers=tenant.headers
    )
    assert_errors(response, 409)

    stopped = await create(client, tenant, body)
    await force_status(app, stopped["id"], "Stopped")
    response = await client.post(
        url(tenant, f"/{stopped['id']}/abonents"), json=one, headers=tenant.headers
    )
    assert_errors(response, 409)
    paused = await create(client, tenant, {**body, "status": "Paused"})
    response = await client.post(
        url(tenant, f"/{paused['id']}/abonents"), json=one, headers=tenant.headers
    )
    assert response.status_code == 200
    bad_type = await client.post(
        url(tenant, f"/{paused['id']}/abonents"), content=b"<x/>",
        headers={**tenant.headers, "Content-Type": "application/xml"},
    )
    assert_errors(bad_type, 415)


def xlsx(rows: list[list[object]], *, second_sheet: bool = True) -> bytes:
    """A workbook whose first sheet holds `rows` (a second sheet that must be ignored)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if second_sheet:
        book.create_sheet("other").append(["nothing", "here"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_xlsx_abonents_first_sheet_same_columns_and_errors(app, client, tenant):
    body = await ready(app, client, tenant)
    # A phone typed as a number, an empty cell, Cyrillic text: as the CSV would read them.
    good = xlsx([["phone", "fio"], [79161234567, "Анна"], ["8 (343) 200-00-00", None]])
    response = await client.post(
        url(tenant),
        files={"campaign": (None, json.dumps(body)), "abonents": ("a.xlsx", good, XLSX)},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["abonents"] == {"received": 2, "added": 2, "merged": 0}
    rows = await abonents_of(app, created["id"])
    assert rows["+79161234567"].variables == {"fio": "Анна"}
    assert rows["+73432000000"].variables == {"fio": ""}

    # Bad rows are named by their sheet row, and nothing is added.
    path = url(tenant, f"/{created['id']}/abonents")
    bad = xlsx([["phone", "fio"], [79161234568, "ok"], ["not a phone", "x"], ["+7123", "short"]])
    response = await client.post(path, content=bad, headers={**tenant.headers, "Content-Type": XLSX})
    names = [e["name"] for e in assert_errors(response, 400)]
    assert names == ["rows[3].phone", "rows[4].phone"]
    [error] = assert_errors(
        await client.post(
            path, files={"abonents": ("a.xlsx", xlsx([["tel", "fio"], [1, 2]]), XLSX)},
            headers=tenant.headers,
        ),
        400,
    )
    assert "`phone` column" in error["message"]
    # A ZIP that is no workbook is refused clearly, not a 500.
    [error] = assert_errors(
        await client.post(
            path, content=b"PK\x03\x04 broken", headers={**tenant.headers, "Content-Type": XLSX}
        ),
        400,
    )
    assert error["name"] == "abonents" and "XLSX" in error["message"]
    assert set(await abonents_of(app, created["id"])) == {"+79161234567", "+73432000000"}
