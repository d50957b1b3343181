"""SCENARIOS §7 through HTTP: CRUD, drafts, validation answers, contacts template, sharing."""

from __future__ import annotations

import copy
import csv
import io
import json
import random

from sqlalchemy import insert, update
from tests.api_support import assert_errors
from tests.scenarios.samples import edge, large, minimal, original_voicebox

from voicebox.store.db import Base, utcnow


def url(tenant, suffix: str = "") -> str:
    return f"/v1/customers/{tenant.id}/scenarios{suffix}"


async def create(client, tenant, data) -> dict:
    response = await client.post(url(tenant), json=data, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_original_voicebox_scenario_full_life(client, tenant):
    data = original_voicebox()
    created = await create(client, tenant, data)
    assert created["title"] == "Опрос клиента"
    assert created["isValid"] == "true"
    assert created["shareLink"] and created["createdAt"].endswith("Z")
    assert created["states"][2]["voiceInput"] == "true"
    assert created["states"][2]["credentialInfo"] == {"login": "x"}
    assert created["builderVersion"] == 3

    listed = (await client.get(url(tenant), headers=tenant.headers)).json()
    assert [s["id"] for s in listed] == [created["id"]]
    assert listed[0] == created

    changed = copy.deepcopy(data)
    changed["name"] = "Опрос клиента v2"
    changed["states"][3]["announcement"]["text"] = "Большое спасибо, {{fio}}!"
    response = await client.put(url(tenant, f"/{created['id']}"), json=changed,
                                headers=tenant.headers)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["title"] == "Опрос клиента v2"
    assert updated["states"][3]["announcement"]["text"] == "Большое спасибо, {{fio}}!"
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]

    response = await client.get(url(tenant, f"/{created['id']}/template"), headers=tenant.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8")))) == [["phone", "fio"]]

    response = await client.delete(url(tenant, f"/{created['id']}"), headers=tenant.headers)
    assert response.status_code == 204 and response.content == b""
    assert (await client.get(url(tenant), headers=tenant.headers)).json() == []
    response = await client.delete(url(tenant, f"/{created['id']}"), headers=tenant.headers)
    assert_errors(response, 404)


async def test_trailing_slash_variants(client, tenant):
    created = (await client.post(url(tenant, "/"), json=minimal(), headers=tenant.headers))
    assert created.status_code == 201
    sid = created.json()["id"]
    assert (await client.get(url(tenant, "/"), headers=tenant.headers)).status_code == 200
    response = await client.post(url(tenant, "/validate/"), json=minimal(), headers=tenant.headers)
    assert response.status_code == 200
    response = await client.put(url(tenant, f"/{sid}/"), json=minimal(), headers=tenant.headers)
    assert response.status_code == 200
    response = await client.get(url(tenant, f"/{sid}/template/"), headers=tenant.headers)
    assert response.status_code == 200
    response = await client.delete(url(tenant, f"/{sid}/"), headers=tenant.headers)
    assert response.status_code == 204


async def stand_in_audio_files(app, tenant, data) -> None:
    """Rows for the audio files the sample's announcements name (validation checks them)."""
    from voicebox.models import AudioFile

    ids = {int(s["announcement"]["file"]) for s in data["states"]
           if (s.get("announcement") or {}).get("type") == "file"}
    async with app.state.sessionmaker() as db:
        db.add_all(AudioFile(id=i, customer_id=tenant.id, name=f"f{i}", original_filename="f.wav",
                             original_format="wav", duration=1.0, size=44, path=f"audio/{i}.wav")
                   for i in ids)
        await db.commit()


async def test_large_scenario_round_trip_loses_nothing(app, client, tenant):
    data = large(48)
    await stand_in_audio_files(app, tenant, data)
    assert len(data["states"]) >= 40
    created = await create(client, tenant, data)
    assert created["isValid"] == "true"
    listed = (await client.get(url(tenant), headers=tenant.headers)).json()[0]
    assert listed == created
    # What we answer, sent back unchanged, is stored unchanged.
    response = await client.put(url(tenant, f"/{created['id']}"), json=listed,
                                headers=tenant.headers)
    again = response.json()
    assert {k: v for k, v in again.items() if k != "updatedAt"} == {
        k: v for k, v in created.items() if k != "updatedAt"
    }
    for sent, stored in zip(data["states"], again["states"], strict=True):
        assert stored["name"] == sent["name"] and stored["type"] == sent["type"]
        if "customWidget" in sent:
            assert stored["customWidget"] == sent["customWidget"]


async def test_invalid_scenario_is_saved_as_draft(client, tenant):
    data = minimal()
    data["states"][1]["error"] = edge("nowhere")
    created = await create(client, tenant, data)
    assert created["isValid"] == "false"
    data["states"][1]["error"] = edge("end")
    response = await client.put(url(tenant, f"/{created['id']}"), json=data,
                                headers=tenant.headers)
    assert response.json()["isValid"] == "true"


async def test_unreadable_scenario_is_400_with_named_fields(client, tenant):
    data = minimal()
    data["states"][2]["type"] = "Teleport"
    data["title"] = ""
    body = assert_errors(
        await client.post(url(tenant), json=data, headers=tenant.headers), 400
    )
    assert {item["name"] for item in body} == {"title", "states[2]"}
    assert (await client.get(url(tenant), headers=tenant.headers)).json() == []


async def test_validate_valid(client, tenant):
    response = await client.post(url(tenant, "/validate"), json=original_voicebox(),
                                 headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {"success": "true"}


def nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


async def test_too_deep_nesting_is_refused_alike_by_validate_create_and_update(client, tenant):
    """Nesting storage cannot serialise: /validate used to say success and create gave 500."""
    sid = (await create(client, tenant, minimal()))["id"]
    stored = (await client.get(url(tenant, f"/{sid}"), headers=tenant.headers)).json()
    deep = minimal() | {"comment": "deep", "extra": nested(500)}
    answers = [
        await client.post(url(tenant, "/validate"), json=deep, headers=tenant.headers),
        await client.post(url(tenant), json=deep, headers=tenant.headers),
        await client.put(url(tenant, f"/{sid}"), json=deep, headers=tenant.headers),
    ]
    bodies = [assert_errors(answer, 400) for answer in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0][0]["name"] == "scenario" and "nested more than" in bodies[0][0]["message"]
    listed = (await client.get(url(tenant), headers=tenant.headers)).json()
    assert [item["id"] for item in listed] == [sid]
    assert (await client.get(url(tenant, f"/{sid}"), headers=tenant.headers)).json() == stored
    shallow = minimal() | {"extra": nested(40)}
    ok = await client.post(url(tenant, "/validate"), json=shallow, headers=tenant.headers)
    assert ok.status_code == 200, ok.text
    assert (await client.post(url(tenant), json=shallow, headers=tenant.headers)).status_code == 201


async def test_validate_lists_every_problem(client, tenant):
    data = minimal()
    data["states"][1]["error"] = edge("nowhere")
    data["states"][2]["announcement"] = {"type": "text", "text": "{{nobody}}"}
    data["states"].append({"type": "Initial", "name": "start2", "success": edge("end")})
    body = assert_errors(
        await client.post(url(tenant, "/validate"), json=data, headers=tenant.headers), 400
    )
    names = {item["name"] for item in body}
    assert {"states[1].error", "states[2].announcement.text", "states[4].type"} <= names
    assert any('"call"' in item["message"] for item in body)


async def test_validate_rejects_non_object(client, tenant):
    response = await client.post(url(tenant, "/validate"), json=[1, 2], headers=tenant.headers)
    assert_errors(response, 400)


async def test_other_customers_scenarios_are_invisible(client, make_tenant):
    owner, stranger = await make_tenant(), await make_tenant()
    created = await create(client, owner, minimal())
    sid = created["id"]
    assert (await client.get(url(stranger), headers=stranger.headers)).json() == []
    for method, suffix in [("GET", f"/{sid}"), ("PUT", f"/{sid}"), ("DELETE", f"/{sid}"),
                           ("GET", f"/{sid}/template")]:
        kwargs = {"json": minimal()} if method == "PUT" else {}
        response = await client.request(method, url(stranger, suffix),
                                        headers=stranger.headers, **kwargs)
        assert_errors(response, 404)
        response = await client.request(method, url(owner, suffix),
                                        headers=stranger.headers, **kwargs)
        assert_errors(response, 404)
    assert (await client.get(url(owner), headers=owner.headers)).json() == [created]


async def test_requires_a_token(client, tenant):
    assert_errors(await client.get(url(tenant)), 401)
    assert_errors(await client.post(url(tenant, "/validate"), json=minimal()), 401)


async def test_get_one(client, tenant):
    created = await create(client, tenant, minimal())
    response = await client.get(url(tenant, f"/{created['id']}"), headers=tenant.headers)
    assert response.json() == created
    assert_errors(await client.get(url(tenant, "/999999"), headers=tenant.headers), 404)
    assert_errors(await client.get(url(tenant, "/99999999999"), headers=tenant.headers), 404)


async def test_contacts_template_columns_and_byte_ranges(client, tenant):
    data = minimal() | {"customVariables": ["fio", "город", "phone", "date"]}
    sid = (await create(client, tenant, data))["id"]
    path = url(tenant, f"/{sid}/template")
    whole = await client.get(path, headers=tenant.headers)
    assert whole.content.decode("utf-8") == "phone,fio,город,date\r\n"
    part = await client.get(path, headers=tenant.headers | {"Range": "bytes=0-4"})
    assert part.status_code == 206 and part.content == b"phone"
    assert part.headers["content-range"] == f"bytes 0-4/{len(whole.content)}"
    tail = await client.get(path, headers=tenant.headers | {"Range": "bytes=-2"})
    assert tail.content == b"\r\n"
    past = await client.get(path, headers=tenant.headers | {"Range": "bytes=999-"})
    assert_errors(past, 416)


async def test_contacts_template_cannot_carry_a_formula(client, tenant):
    """A variable named like a formula reaches the template as text (OWASP CSV injection)."""
    data = minimal() | {"customVariables": ["=HYPERLINK(\"http://x\")", "@cmd", "name"]}
    sid = (await create(client, tenant, data))["id"]
    whole = await client.get(url(tenant, f"/{sid}/template"), headers=tenant.headers)
    assert whole.status_code == 200, whole.text
    assert whole.content.decode("utf-8") == "phone,\"'=HYPERLINK(\"\"http://x\"\")\",'@cmd,name\r\n"


async def test_delete_is_409_while_a_campaign_uses_it(client, tenant, app):
    sid = (await create(client, tenant, minimal()))["id"]
    campaigns = Base.metadata.tables["campaigns"]
    async with app.state.engine.begin() as connection:
        result = await connection.execute(
            insert(campaigns).values(
                customer_id=tenant.id, name="c", campaign_type="outbound",
                entry_point_id=f"ep-{sid}", scenario_id=sid,
            )
        )
        campaign_id = result.inserted_primary_key[0]
    assert_errors(await client.delete(url(tenant, f"/{sid}"), headers=tenant.headers), 409)
    broken = minimal()
    broken["states"][1]["error"] = edge("nowhere")
    response = await client.put(url(tenant, f"/{sid}"), json=broken, headers=tenant.headers)
    assert_errors(response, 400)
    response = await client.put(url(tenant, f"/{sid}"), json=minimal(), headers=tenant.headers)
    assert response.status_code == 200

    # A soft-deleted campaign no longer holds the scenario.
    async with app.state.engine.begin() as connection:
        await connection.execute(
            update(campaigns).where(campaigns.c.id == campaign_id).values(deleted_at=utcnow())
        )
    response = await client.delete(url(tenant, f"/{sid}"), headers=tenant.headers)
    assert response.status_code == 204


async def test_non_finite_numbers_are_stored_as_null(client, tenant):
    text = json.dumps(minimal() | {"extra": 1}, ensure_ascii=False)
    text = text.replace('"x": 0', '"x": NaN').replace('"extra": 1', '"extra": Infinity')
    response = await client.post(
        url(tenant), content=text, headers=tenant.headers | {"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["states"][0]["x"] is None and response.json()["extra"] is None


async def test_nul_characters_are_refused_not_crashing(client, tenant):
    response = await client.post(url(tenant), json=minimal() | {"title": "a\u0000b"},
                                 headers=tenant.headers)
    assert [e["name"] for e in assert_errors(response, 400)] == ["title"]
    response = await client.post(url(tenant, "/import"), json={"shareLink": "a\u0000b"},
                                 headers=tenant.headers)
    assert [e["name"] for e in assert_errors(response, 400)] == ["shareLink"]


GARBAGE = [None, "", "x", -1, 10**30, 1.5, True, [], {}, {"a": [1]}, [None], "{{", "}}{{x",
           "\u0000", "9" * 400, {"title": 5, "newState": ["x"]}, {"type": "file"}]
FIELDS = ["type", "name", "success", "error", "announcement", "inputAnalysis", "conditions",
          "awaitingTime", "port", "host", "url", "method", "numberB", "variable", "timeout",
          "keywords", "x", "headers", "responseBodyVariables", "voicelInput", "repeatCount"]
TOP = ["title", "name", "type", "states", "customVariables", "settings", "comment"]


async def test_mangled_scenarios_never_crash_the_api(client, tenant):
    """Random damage to a big real scenario answers 200/201/400, never 500."""
    rng = random.Random(20261127)
    sid = (await create(client, tenant, minimal()))["id"]
    for _ in range(60):
        data = large(24)
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.2:
                data[rng.choice(TOP)] = rng.choice(GARBAGE)
            elif isinstance(data.get("states"), list) and data["states"]:
                state = rng.choice(data["states"])
                if isinstance(state, dict):
                    state[rng.choice(FIELDS)] = rng.choice(GARBAGE)
        for method, path, ok in (("POST", url(tenant), 201), ("PUT", url(tenant, f"/{sid}"), 200),
                                 ("POST", url(tenant, "/validate"), 200)):
            response = await client.request(method, path, json=data, headers=tenant.headers)
            assert response.status_code in {ok, 400}, (data, response.text)
            if response.status_code == 400:
                assert_errors(response, 400)


async def test_too_many_states_is_400(client, tenant):
    states = {f"s{i}": {"type": "ReleaseCall"} for i in range(5001)}
    response = await client.post(url(tenant, "/validate"), json={"title": "t", "states": states},
                                 headers=tenant.headers)
    assert [e["name"] for e in assert_errors(response, 400)] == ["states"]
