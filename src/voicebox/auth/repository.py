"""Every query on users, OAuth clients, tokens and failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from voicebox.models import AuthorizationCode, LoginFailure, OAuthClient, OAuthToken, User
from voicebox.store.db import dialect_insert
from voicebox.store.repository import rowcount


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


auth_repository = AuthRepository()


class OAuthRepository:
    """The queries of the OAuth 2.0 server; synchronous, because Authlib's grants are.

    The session is the sync facade of the request's AsyncSession (`AsyncSession.run_sync`), so
    these statements run on the same connection and in the same transaction.
    """

    def client(self, session: Session, client_id: str) -> OAuthClient | None:
        return session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    def user(self, session: Session, user_id: int) -> User | None:
        return session.get(User, user_id)

    def user_by_username(self, session: Session, username: str) -> User | None:
        return session.scalar(select(User).where(User.username == username))

    def token_by_access_hash(self, session: Session, digest: str) -> OAuthToken | None:
        return session.scalar(select(OAuthToken).where(OAuthToken.access_token_hash == digest))

    def token_by_refresh_hash(self, session: Session, digest: str) -> OAuthToken | None:
        return session.scalar(select(OAuthToken).where(OAuthToken.refresh_token_hash == digest))

    def code_by_hash(self, session: Session, digest: str) -> AuthorizationCode | None:
        return session.scalar(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == digest)
        )

    def claim_code(self, session: Session, code_id: int) -> bool:
        """Mark a code used; False if another request used it first (one statement, no race)."""
        result = session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.id == code_id, AuthorizationCode.used.is_(False))
            .values(used=True)
        )
        return rowcount(result) == 1

    def claim_token(self, session: Session, token_id: int) -> bool:
        """Revoke a live token; False if it was already revoked (a concurrent refresh won)."""
        result = session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == token_id, OAuthToken.revoked.is_(False))
            .values(revoked=True)
        )
        return rowcount(result) == 1

    def revoke_tokens_since(
        self, session: Session, *, user_id: int, client_id: str, since: datetime
    ) -> None:
        """Revoke the user's tokens for a client issued from `since` on (a replayed code's)."""
        session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.user_id == user_id,
                OAuthToken.client_id == client_id,
                OAuthToken.issued_at >= since,
            )
            .values(revoked=True)
        )


oauth_repository = OAuthRepository()


class LoginFailureRepository:
    """Counting failed logins; each count is one atomic upsert, safe across processes."""

    async def locked_until(
        self, session: AsyncSession, subjects: list[str], now: float
    ) -> float | None:
        """The latest end of a lock still running on any of the subjects."""
        return await session.scalar(
            select(func.max(LoginFailure.locked_until)).where(
                LoginFailure.subject.in_(subjects), LoginFailure.locked_until > now
            )
        )

    async def count_failure(
        self,
        session: AsyncSession,
        *,
        subject: str,
        kind: str,
        now: float,
        limit: int,
        window: float,
        lockout: float,
    ) -> tuple[int, float | None]:
        """One more failure in the subject's window (a new window once the old one ended);
        reaching `limit` locks it for `lockout` seconds. Returns (failures, locked_until)."""
        row = LoginFailure.__table__.c
        expired = row.window_started <= now - window
        counted = case((expired, 1), else_=row.failures + 1)
        insert = dialect_insert(session)(LoginFailure).values(
            subject=subject,
            kind=kind,
            failures=1,
            window_started=now,
            locked_until=now + lockout if limit <= 1 else None,
        )
        statement = insert.on_conflict_do_update(
            index_elements=[row.subject],
            set_={
                "failures": counted,
                "window_started": case((expired, now), else_=row.window_started),
                "locked_until": case((counted >= limit, now + lockout), else_=row.locked_until),
            },
        ).returning(row.failures, row.locked_until)
        failures, locked_until = (await session.execute(statement)).one()
        return failures, locked_until

    async def forget(self, session: AsyncSession, subject: str) -> None:
        await session.execute(delete(LoginFailure).where(LoginFailure.subject == subject))

    async def prune(self, session: AsyncSession, *, before: float, now: float) -> None:
        """Drop counts whose window ended before `before` and that hold no running lock."""
        await session.execute(
            delete(LoginFailure).where(
                LoginFailure.window_started < before,
                or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
            )
        )


login_failure_repository = LoginFailureRepository()
