"""Every query on users, OAuth clients and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import OAuthClient, OAuthToken, User


class AuthRepository:
    async def user_by_username(self, session: AsyncSession, username: str) -> User | None:
        return await session.scalar(select(User).where(User.username == username))

    async def user_by_id(self, session: AsyncSession, user_id: int) -> User | None:
        return await session.get(User, user_id)

    async def client_by_client_id(
        self, session: AsyncSession, client_id: str
    ) -> OAuthClient | None:
        return await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    async def token_by_access_hash(self, session: AsyncSession, digest: str) -> OAuthToken | None:
        return await session.scalar(
            select(OAuthToken).where(OAuthToken.access_token_hash == digest)
        )

    async def revoke_user_tokens(self, session: AsyncSession, user_id: int, now: datetime) -> None:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.user_id == user_id, OAuthToken.revoked.is_(False))
            .values(revoked=True)
        )


auth_repository = AuthRepository()
