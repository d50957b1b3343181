"""Registers the web console as a public OAuth client (PKCE) on start, idempotently."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.auth.repository import auth_repository
from voicebox.auth.service import auth_service
from voicebox.console import CLIENT_ID, CLIENT_NAME, LOOPBACK_REDIRECT_URIS
from voicebox.store.writes import write_session


def console_redirect_uris(console_url: str | None) -> list[str]:
    uris = list(LOOPBACK_REDIRECT_URIS)
    if console_url:
        uris.append(console_url.rstrip("/") + "/")
    return uris


async def ensure_console_client(
    sessionmaker: async_sessionmaker[AsyncSession], console_url: str | None
) -> None:
    """Create the console's client, or bring its redirect URIs up to date with the settings."""
    uris = console_redirect_uris(console_url)
    # A writer from its first read: two servers starting at once on SQLite would otherwise both
    # read "no client", and the second one's insert fails on its stale snapshot ("database is
    # locked"), which is no IntegrityError, and stops that server's start.
    async with write_session(sessionmaker) as session:
        try:
            client = await auth_repository.client_by_client_id(session, CLIENT_ID)
            if client is None:
                await auth_service.create_client(
                    session, name=CLIENT_NAME, redirect_uris=uris, public=True,
                    client_id=CLIENT_ID)
            elif client.redirect_uris != uris:
                client.redirect_uris = uris
            await session.commit()
        except IntegrityError:  # PostgreSQL: another process registered it at the same moment
            await session.rollback()
