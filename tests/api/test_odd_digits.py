"""Ids and numbers from a client: only ASCII digits within the column's range are read.

`str.isdigit()` takes `³` and `٣` and `int()` then fails (500) or reads them; an id past int32
overflows PostgreSQL's INTEGER. Path ids that cannot exist are 404, body and query fields 400.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.api_support import assert_errors
from tests.campaigns.helpers import RICH, ready
from tests.scenarios.samples import large, minimal

ODD = ["³", "٣", "１", "²³", "9243515815", "2147483648", "99999999999999999999", "-1", "+1", "0", "1.0",
       "1e3", " ", "1_0"]


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


def paths(tenant_id: int, odd: str) -> list[str]:
    base = f"/v1/customers/{tenant_id}"
    return [
        f"/v1/customers/{odd}/campaigns",
        f"{base}/campaigns/{odd}",
        f"{base}/campaigns/{odd}/abonents",
        f"{base}/scenarios/{odd}",
        f"{base}/audio/{odd}",
        f"{base}/audio/{odd}/content",
        f"{base}/reports/{odd}/download",
        f"{base}/numbers/{odd}/price",
    ]


@pytest.mark.parametrize("odd", ODD)
async def test_path_ids_that_cannot_exist_are_404(client, tenant, odd):
    for path in paths(tenant.id, odd):
        response = await client.get(path, headers=tenant.headers)
        if response.status_code == 405:  # a POST-only path: the id is still read the same way
            continue
        assert_errors(response, 404)


async def test_a_ten_digit_number_id_is_a_number_not_an_int32(client, tenant, database_url):
    # 9243515815 > 2**31-1: once an INTEGER bind on PostgreSQL (500); it reads as +7 924 351-58-15.
    response = await client.get(
        f"/v1/customers/{tenant.id}/numbers/9243515815/price", headers=tenant.headers
    )
    [error] = assert_errors(response, 404)
    assert error["name"] == "number_id"


@pytest.mark.parametrize("odd", ["³", "٣", "2147483648", "-1"])
async def test_history_campaign_id_is_400_named(client, tenant, odd, database_url):
    response = await client.get(
        f"/v1/customers/{tenant.id}/callhistory", params={"campaignId": odd},
        headers=tenant.headers,
    )
    assert [e["name"] for e in assert_errors(response, 400)] == ["campaignId"]


@pytest.mark.parametrize("odd", ["³", "٣", "2147483648"])
async def test_campaign_scenario_id_is_404_named(app, client, tenant, odd, database_url):
    body = await ready(app, client, tenant)
    body["scenario"] = {"id": odd}
    response = await client.post(
        f"/v1/customers/{tenant.id}/campaigns", json=body, headers=tenant.headers
    )
    assert "scenario.id" in [e["name"] for e in assert_errors(response, 404)]


@pytest.mark.parametrize("odd", ["³", "٣", "2147483648"])
async def test_announcement_file_id_is_400_named(client, tenant, odd, database_url):
    body = copy.deepcopy(minimal())
    body["states"][2]["announcement"] = {"type": "file", "file": odd}
    body["states"][0]["announcement"] = {"type": "file", "file": odd}  # a kind without one
    response = await client.post(
        f"/v1/customers/{tenant.id}/scenarios/validate", json=body, headers=tenant.headers
    )
    names = [e["name"] for e in assert_errors(response, 400)]
    assert "states[2].announcement.file" in names


@pytest.mark.parametrize("port", ["³", "٣٣", "65536"])
async def test_http_step_port_in_host_is_400(client, tenant, port, database_url):
    body = large(2)
    step = next(s for s in body["states"] if s["type"] == "HTTPRequest")
    step["host"] = f"crm.example.ru:{port}"
    response = await client.post(
        f"/v1/customers/{tenant.id}/scenarios/validate", json=body, headers=tenant.headers
    )
    assert_errors(response, 400)


@pytest.mark.parametrize("header", ["numbers=٣-٥".encode(), "numbers=0-³".encode("latin-1")])
async def test_range_numbers_are_ascii(client, tenant, header):
    response = await client.get(
        "/v1/numbers", headers={**tenant.headers, "Range": header}
    )
    assert [e["name"] for e in assert_errors(response, 400)] == ["Range"]


_ODD_TEXT = st.one_of(
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(min_size=1, max_size=12).filter(lambda s: not s.strip("0123456789")),
)


@settings(derandomize=True, max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(odd=_ODD_TEXT)
async def test_id_taking_endpoints_never_answer_5xx(client, tenant, odd):
    from urllib.parse import quote

    for path in paths(tenant.id, quote(odd, safe="")):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code < 500, (path, response.text)
    response = await client.get(
        f"/v1/customers/{tenant.id}/callhistory", params={"campaignId": odd},
        headers=tenant.headers,
    )
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("port", ["³", "٣", "٣٣", "1e9"])
async def test_http_step_port_field_is_400(client, tenant, port, database_url):
    body = large(2)
    step = next(s for s in body["states"] if s["type"] == "HTTPRequest")
    step["port"] = port
    response = await client.post(
        f"/v1/customers/{tenant.id}/scenarios/validate", json=body, headers=tenant.headers
    )
    assert any(e["name"].endswith("port") for e in assert_errors(response, 400))
