"""Creating users and clients, issuing and resolving bearer tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.auth import hashing
from voicebox.auth.repository import auth_repository
from voicebox.auth.scopes import FULL, SCOPES
from voicebox.auth.secrets import new_token, token_hash
from voicebox.errors import Conflict, InvalidInput, NotFound
from voicebox.models import Customer, OAuthClient, OAuthToken, User
from voicebox.store.db import utcnow

_USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")


@dataclass(frozen=True, slots=True)
class IssuedClient:
    client: OAuthClient
    secret: str | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    refresh_token: str | None
    expires_in: int
    record: OAuthToken


def logged_in(user: User | None, verified: bool) -> User | None:
    """The user whose password was verified, if they are active."""
    return user if verified and user is not None and user.is_active else None


@dataclass(frozen=True, slots=True)
class Bearer:
    """What a live access token gives: its user and its scope."""

    user: User
    scope: str


def token_record(
    *,
    access_token: str,
    refresh_token: str | None,
    client_id: str,
    user_id: int,
    scope: str,
    access_ttl: int,
    refresh_ttl: int | None,
) -> OAuthToken:
    """The stored form of a token pair: hashes and expiries, never the tokens themselves."""
    now = utcnow()
    return OAuthToken(
        access_token_hash=token_hash(access_token),
        refresh_token_hash=token_hash(refresh_token) if refresh_token else None,
        client_id=client_id,
        user_id=user_id,
        scope=scope,
        issued_at=now,
        access_expires_at=now + timedelta(seconds=access_ttl),
        refresh_expires_at=now + timedelta(seconds=refresh_ttl)
        if refresh_token and refresh_ttl
        else None,
    )


class AuthService:
    async def create_user(
        self, session: AsyncSession, *, customer_id: int, username: str, password: str
    ) -> User:
        if not _USERNAME.match(username):
            raise InvalidInput(
                "username may use letters, digits and _ . @ + - (1-150 characters)",
                name="username",
            )
        if len(password) < 8:
            raise InvalidInput("password must be at least 8 characters", name="password")
        if await session.get(Customer, customer_id) is None:
            raise NotFound(f"customer {customer_id} does not exist", name="customer")
        if await auth_repository.user_by_username(session, username) is not None:
            raise Conflict(f"username {username!r} is taken", name="username")
        user = User(
            customer_id=customer_id, username=username, password_hash=await hashing.hash_password(password)
        )
        session.add(user)
        await session.flush()
        return user

    async def authenticate(
        self, session: AsyncSession, username: str, password: str
    ) -> User | None:
        """The active user with these credentials, or None (one argon2 verify either way).

        Ends the session's transaction before verifying, so no database connection is held
        while the hash waits in the pool: call it before the request writes anything.
        """
        user = await auth_repository.user_by_username(session, username)
        await session.commit()
        password_hash = user.password_hash if user else None
        return logged_in(user, await hashing.verify_password(password_hash, password))

    async def create_client(
        self,
        session: AsyncSession,
        *,
        name: str,
        redirect_uris: list[str],
        public: bool = False,
        scope: str = FULL,
    ) -> IssuedClient:
        unknown = [item for item in scope.split() if item not in SCOPES]
        if unknown or not scope.split():
            raise InvalidInput(f"scope must be made of {', '.join(SCOPES)}", name="scope")
        secret = None if public else new_token(32)
        client = OAuthClient(
            client_id=new_token(16),
            client_secret_hash=None if secret is None else await hashing.hash_password(secret),
            name=name,
            redirect_uris=list(redirect_uris),
            scope=scope,
        )
        session.add(client)
        await session.flush()
        return IssuedClient(client, secret)

    async def issue_token(
        self,
        session: AsyncSession,
        *,
        user: User,
        client_id: str,
        scope: str = FULL,
        access_ttl: int = 3600,
        refresh_ttl: int | None = 30 * 24 * 3600,
    ) -> IssuedToken:
        access = new_token()
        refresh = new_token() if refresh_ttl else None
        record = token_record(
            access_token=access,
            refresh_token=refresh,
            client_id=client_id,
            user_id=user.id,
            scope=scope,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
        )
        session.add(record)
        await session.flush()
        return IssuedToken(access, refresh, access_ttl, record)

    async def bearer(
        self, session: AsyncSession, token: str, *, now: datetime | None = None
    ) -> Bearer | None:
        """The active user a live (unexpired, unrevoked) access token belongs to, and its scope."""
        record = await auth_repository.token_by_access_hash(session, token_hash(token))
        if record is None or record.revoked or record.access_expires_at <= (now or utcnow()):
            return None
        user = await auth_repository.user_by_id(session, record.user_id)
        return Bearer(user, record.scope) if user and user.is_active else None


auth_service = AuthService()
