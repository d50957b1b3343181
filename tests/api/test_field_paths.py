"""Every layer names a bad field in one path syntax: `states[1].inputAnalysis[0].dtmf`."""

from __future__ import annotations

from voicebox.field_paths import field_path


def test_field_path_renders_indices_in_brackets():
    assert field_path(("states", 3, "inputAnalysis", 0, "dtmf")) == "states[3].inputAnalysis[0].dtmf"
    assert field_path(("rules", 0, "attempts", 1, "result"), "simulation") == (
        "simulation.rules[0].attempts[1].result")
    assert field_path(("headers", "1")) == "headers.1"  # a key, not an index
    assert field_path(()) == ""


async def test_scenario_parse_and_rule_problems_use_the_same_paths(client, tenant):
    body = {"title": "t", "states": [
        {"type": "Initial", "name": "start", "success": "ask"},
        {"type": "IVR", "name": "ask", "awaitingTime": "soon",
         "inputAnalysis": [{"dtmf": "x", "success": "bye"}], "success": "bye"},
        {"type": "ReleaseCall", "name": "bye"}]}
    url = f"/v1/customers/{tenant.id}/scenarios/validate"
    parsed = await client.post(url, headers=tenant.headers, json=body)
    assert [p["name"] for p in parsed.json()] == ["states[1].awaitingTime"]
    body["states"][1]["awaitingTime"] = 5
    checked = await client.post(url, headers=tenant.headers, json=body)
    assert [p["name"] for p in checked.json()] == ["states[1].inputAnalysis[0].dtmf"]


async def test_request_and_simulation_problems_use_the_same_paths(client, tenant):
    url = f"/v1/customers/{tenant.id}/campaigns"
    body = {"name": "x", "campaignType": "outbound", "scenario": {"id": "1"},
            "callerNumber": {"id": "1"},
            "simulation": {"rules": [{"match": "+7999*", "attempts": [{"result": "maybe"}]}]}}
    answer = await client.post(url, headers=tenant.headers, json=body)
    assert answer.status_code == 400
    assert "simulation.rules[0].attempts[0].result" in [p["name"] for p in answer.json()]


async def test_problems_come_as_a_200_list_for_editors(client, tenant):
    url = f"/v1/customers/{tenant.id}/scenarios/problems"
    draft = {"title": "t", "states": [{"type": "Initial", "name": "start", "success": "nowhere"}]}
    answer = await client.post(url, headers=tenant.headers, json=draft)
    assert answer.status_code == 200
    assert {p["name"] for p in answer.json()} >= {"states[0].success"}
    assert all(p["status"] == 400 for p in answer.json())
    valid = {"title": "t", "states": [{"type": "Initial", "name": "start", "success": "bye"},
                                      {"type": "ReleaseCall", "name": "bye"}]}
    assert (await client.post(url, headers=tenant.headers, json=valid)).json() == []
    assert (await client.post(url, headers=tenant.headers, json=[1])).status_code == 400
