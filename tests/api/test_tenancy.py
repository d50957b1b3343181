"""Tenancy, for every route at once: each operation in the OpenAPI schema with a `{customer_id}`
is called with another customer's id and must answer exactly like a customer that does not
exist — 404 in the spec's format, nothing of the other customer in it.

The routes are read from the app's own schema when the tests are collected, so a new route is
covered the moment it is registered.
"""

from __future__ import annotations

from typing import Any

import pytest

from voicebox.app import create_app
from voicebox.config import Settings

METHODS = ("get", "post", "put", "patch", "delete")
VICTIM_NAME = "Victim-Corp-7f3a"
VICTIM_BALANCE = "987654.32"
MISSING_ID = 2**31 - 1


def _schema() -> dict[str, Any]:
    return create_app(Settings(seed_numbers=False)).openapi()


SCHEMA = _schema()
OPERATIONS = [
    pytest.param(method, path, operation, id=f"{method.upper()} {path}")
    for path, item in SCHEMA["paths"].items()
    if "{customer_id}" in path
    for method, operation in item.items()
    if method in METHODS
]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = SCHEMA
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _plausible(schema: dict[str, Any]) -> Any:
    schema = _resolve(schema)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            return _plausible(schema[combined][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer" or kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return "true"
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    return "1"


def _url(path: str, operation: dict[str, Any], customer_id: int) -> tuple[str, dict[str, Any]]:
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if name == "customer_id":
            continue
        if where == "path":
            path = path.replace("{" + name + "}", str(_plausible(parameter.get("schema", {}))))
        elif where == "query" and parameter.get("required"):
            query[name] = _plausible(parameter.get("schema", {}))
    return path.replace("{customer_id}", str(customer_id)), query


def _minimal_body(operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        schema = _resolve(content["application/json"].get("schema", {}))
        return {"json": [] if schema.get("type") == "array" else {}}
    if "multipart/form-data" in content:
        return {"files": {"file": ("abonents.csv", b"phone\n79990000000\n", "text/csv")}}
    if "application/x-www-form-urlencoded" in content:
        return {"data": {}}
    if content:
        media_type = next(iter(content))
        return {"content": b"x", "headers": {"Content-Type": media_type}}
    return {}


async def _call(client, method, path, operation, customer_id, headers):
    url, query = _url(path, operation, customer_id)
    body = _minimal_body(operation)
    headers = {**headers, **body.pop("headers", {})}
    return await client.request(method, url, params=query, headers=headers, **body)


def _spec_404(response) -> list[dict]:
    assert response.status_code == 404, response.text
    body = response.json()
    assert isinstance(body, list) and body, body
    for item in body:
        assert set(item) == {"name", "message", "status"} and item["status"] == 404
    return body


def test_the_walker_sees_the_routes():
    paths = {param.values[1] for param in OPERATIONS}
    assert "/v1/customers/{customer_id}/balance" in paths


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS)
async def test_another_customers_id_is_404(client, make_tenant, method, path, operation):
    intruder = await make_tenant()
    victim = await make_tenant(name=VICTIM_NAME, balance=VICTIM_BALANCE)

    response = await _call(client, method, path, operation, victim.id, intruder.headers)
    body = _spec_404(response)
    assert body[0]["name"] == "customer_id", "the tenancy check must come first"
    for secret in (VICTIM_NAME, VICTIM_BALANCE, "987654", victim.user.username):
        assert secret not in response.text

    # Indistinguishable from a customer that does not exist.
    missing = await _call(client, method, path, operation, MISSING_ID, intruder.headers)
    _spec_404(missing)
    normalise = lambda r, cid: r.text.replace(str(cid), "<id>")  # noqa: E731
    assert normalise(response, victim.id) == normalise(missing, MISSING_ID)

    # Control: the owner gets past the tenancy check with the very same request.
    own = await _call(client, method, path, operation, victim.id, victim.headers)
    if own.status_code == 404:
        assert own.json()[0]["name"] != "customer_id", own.text
