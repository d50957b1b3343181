"""Catalog (§3.1), keyword dictionary, creating from a template, sharing by link."""

from __future__ import annotations

from tests.api.test_scenarios import assert_errors, create, url
from tests.scenarios.samples import original_voicebox


async def test_catalog_templates(client, tenant):
    for path in ("/v1/catalogs/templates", "/v1/catalogs/templates/"):
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 200
        templates = response.json()
        assert len(templates) >= 6
        for template in templates:
            assert {"id", "name", "description", "type", "icon", "states", "customVariables",
                    "settings", "visible", "archive", "author"} <= set(template)
    assert_errors(await client.get("/v1/catalogs/templates"), 401)


async def test_every_catalog_template_validates_through_the_api(client, tenant):
    templates = (await client.get("/v1/catalogs/templates", headers=tenant.headers)).json()
    for template in templates:
        response = await client.post(url(tenant, "/validate"), json=template,
                                     headers=tenant.headers)
        assert response.status_code == 200, (template["id"], response.text)


async def test_keywords_dictionary(client, tenant):
    response = await client.get("/v1/catalogs/keywords", headers=tenant.headers)
    assert response.status_code == 200
    keywords = response.json()
    names = {k["name"] for k in keywords}
    assert {"Согласие", "Отказ", "Перезвонить", "Оператор"} <= names
    assert all(k["id"] and k["phrases"] for k in keywords)


async def test_create_from_template(client, tenant):
    response = await client.post(
        url(tenant, "/from-template"), json={"templateId": "debt-reminder"},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    scenario = response.json()
    assert scenario["title"] == "Напоминание о задолженности"
    assert scenario["isValid"] == "true"
    response = await client.post(
        url(tenant, "/from-template"), json={"templateId": "order-status", "title": "Мой"},
        headers=tenant.headers,
    )
    assert response.json()["title"] == "Мой" and response.json()["type"] == "incoming"
    response = await client.post(url(tenant, "/from-template"), json={"templateId": "nope"},
                                 headers=tenant.headers)
    assert_errors(response, 404)
    assert len((await client.get(url(tenant), headers=tenant.headers)).json()) == 2


async def test_share_link_import_and_rotation(client, make_tenant):
    owner, friend = await make_tenant(), await make_tenant()
    original = await create(client, owner, original_voicebox())
    link = original["shareLink"]
    assert len(link) >= 24

    response = await client.post(url(friend, "/import"), json={"shareLink": link},
                                 headers=friend.headers)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != original["id"] and copy["shareLink"] != link
    assert copy["states"] == original["states"] and copy["title"] == original["title"]
    friends = (await client.get(url(friend), headers=friend.headers)).json()
    assert [s["id"] for s in friends] == [copy["id"]]

    response = await client.post(url(friend, "/import"),
                                 json={"shareLink": f"https://voicebox.example/share/{link}"},
                                 headers=friend.headers)
    assert response.status_code == 201

    response = await client.post(url(owner, f"/{original['id']}/shareLink"),
                                 headers=owner.headers)
    assert response.status_code == 200 and response.json()["shareLink"] != link
    response = await client.post(url(friend, "/import"), json={"shareLink": link},
                                 headers=friend.headers)
    assert_errors(response, 404)
    response = await client.post(url(friend, f"/{original['id']}/shareLink"),
                                 headers=friend.headers)
    assert_errors(response, 404)
