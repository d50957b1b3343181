"""Database errors that are the client's fault answer 400 in the spec's format, not 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from voicebox.api.errors import install_error_handlers
from voicebox.models import User


async def test_nul_in_text_is_a_400_not_a_500(app):
    """PostgreSQL refuses U+0000 in text; the fuzz run hit it as a 500 (POST /v1/sb)."""
    probe = FastAPI()
    install_error_handlers(probe)

    @probe.get("/probe")
    async def lookup() -> dict:
        async with app.state.sessionmaker() as session:
            await session.scalar(select(User).where(User.username == "a\x00b"))
        return {"ok": True}

    transport = httpx.ASGITransport(app=probe)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/probe")
    if app.state.engine.dialect.name == "postgresql":
        assert response.status_code == 400
        assert response.json() == [
            {"name": "text", "message": "text must not contain NUL (\\u0000)", "status": 400}
        ]
    else:
        assert response.status_code == 200
