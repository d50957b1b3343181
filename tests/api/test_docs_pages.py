"""The newcomer's pages: `/`, `/docs` and `/redoc` load only assets this server answers."""

from __future__ import annotations

import re

import pytest

# Every URL an HTML page makes the browser load or offers as a link, and the spec URL the
# Swagger UI / ReDoc scripts fetch.
_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|(?:url|spec-url)\s*[:=]\s*["']([^"']+)["']""")


def _urls(html: str) -> list[str]:
    return [a or b for a, b in _URL.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_loads_only_local_assets(client, page):
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = _urls(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url}"
        assert (await client.get(url)).status_code == 200, url
    assert "cdn." not in response.text and "fonts.googleapis" not in response.text


async def test_swagger_oauth_redirect_page(client):
    response = await client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "oauth2" in response.text.lower()


async def test_home_page_links_to_the_docs(client, app):
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert app.version in response.text
    links = _urls(response.text)
    assert {"/docs", "/redoc", "/openapi.json", "/readme"} <= set(links)
    for link in links:
        assert (await client.get(link)).status_code == 200, link
    readme = await client.get("/readme")
    assert "# VoiceBox" in readme.text


async def test_docs_pages_are_not_api_operations(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not {"/", "/docs", "/redoc", "/readme"} & set(paths)
