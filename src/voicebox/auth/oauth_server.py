"""The OAuth 2.0 authorization server, built on Authlib's grants (RFC 6749, 7009, 7636).

Authlib is synchronous, so one server is built per request around the sync facade of the
request's session (`AsyncSession.run_sync`); every callback below runs inside that call.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy.orm import Session

from voicebox.auth import scopes
from voicebox.auth.hashing import verify_password_from_sync
from voicebox.auth.oauth_models import Client, Code, Token
from voicebox.auth.repository import oauth_repository as repo
from voicebox.auth.secrets import new_token, token_hash
from voicebox.auth.service import logged_in, token_record
from voicebox.auth.throttle import CLIENT, USER
from voicebox.config import Settings
from voicebox.models import AuthorizationCode, User
from voicebox.store.db import utcnow

ALL_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


# Parameters Authlib may quote in an error_description, which RFC 6749 limits to these
# characters (Authlib raises ValueError otherwise); none of them needs more (Appendix A).
_ECHOED = ("response_type", "redirect_uri", "grant_type", "scope", "token_type_hint")
_SAFE_TEXT = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


@dataclass(frozen=True, slots=True)
class OAuthResult:
    """What an endpoint answers, framework-neutral: the router turns it into a response."""

    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def location(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "location"), None)


class _Payload(OAuth2Payload):
    def __init__(self, items: Iterable[tuple[str, str]]):
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class HttpRequest(OAuth2Request):
    """An already-read HTTP request: the query for the authorization endpoint, the form body
    for the token and revocation endpoints. Raises InsecureTransportError for plain http
    (except loopback), as RFC 6749 §3.1 and §3.2 require TLS."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        *,
        query: Iterable[tuple[str, str]] = (),
        form: Iterable[tuple[str, str]] = (),
    ):
        super().__init__(method, uri, headers=headers)
        self._args = _Payload(query)
        self._form = _Payload(form)
        self.payload = self._args if method == "GET" else self._form
        for values in self.payload.datalist.values():
            if any("\x00" in value for value in values):
                # No OAuth parameter may hold NUL (RFC 6749 Appendix A); PostgreSQL cannot either.
                raise InvalidRequestError("Parameters must not contain NUL characters.")
        for name in _ECHOED:
            for value in self.payload.datalist.get(name, ()):
                if not _SAFE_TEXT.fullmatch(value):
                    raise InvalidRequestError(f"Invalid characters in '{name}'.")

    @property
    def args(self) -> dict[str, str]:
        return self._args.data

    @property
    def form(self) -> dict[str, str]:
        return self._form.data


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only; public clients must send a challenge already at /oauth/authorize."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)

    def validate_code_challenge(self, grant, redirect_uri):
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        if grant.request.client.is_public and not data.get("code_challenge"):
            raise InvalidRequestError("Public clients must use PKCE ('code_challenge', S256).")


class _Grant:
    server: VoiceboxAuthorizationServer

    @property
    def db(self) -> Session:
        return self.server.session

    def _active_user(self, user_id: int) -> User | None:
        user = repo.user(self.db, user_id)
        return user if user and user.is_active else None


class PasswordGrant(_Grant, grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

    def authenticate_user(self, username: str, password: str) -> User:
        user = self.server.authenticate_resource_owner(username, password)
        if user is None:
            # §5.2: bad resource owner credentials are an invalid grant.
            raise InvalidGrantError("Invalid username or password.")
        return user


class AuthorizationCodeGrant(_Grant, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.db.add(
            AuthorizationCode(
                code_hash=token_hash(code),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=data.get("redirect_uri") or "",
                scope=request.scope or "",
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=utcnow()
                + timedelta(seconds=self.server.settings.authorization_code_ttl),
            )
        )
        self.db.flush()

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        record = repo.code_by_hash(self.db, token_hash(code))
        if record is None or record.client_id != client.get_client_id():
            return None
        if record.used:
            self._revoke_issued_from(record)
            return None
        if record.expires_at <= utcnow():
            return None
        return Code(record)

    def create_token_response(self):
        record = self.request.authorization_code.record
        # Claimed before any token exists, in one statement, so two concurrent redemptions
        # cannot both succeed.
        if not repo.claim_code(self.db, record.id):
            self._revoke_issued_from(record)
            raise InvalidGrantError("The authorization code has already been used.")
        return super().create_token_response()

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing left to do: the code was marked used when it was claimed."""

    def authenticate_user(self, authorization_code: Code) -> User | None:
        return self._active_user(authorization_code.record.user_id)

    def _revoke_issued_from(self, record: AuthorizationCode) -> None:
        # §4.1.2: a replayed code SHOULD revoke what it issued. Tokens do not record their code,
        # so everything the user got through this client since the code was made goes.
        repo.revoke_tokens_since(
            self.db, user_id=record.user_id, client_id=record.client_id, since=record.created_at
        )


class RefreshTokenGrant(_Grant, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        record = repo.token_by_refresh_hash(self.db, token_hash(refresh_token))
        if record is None:
            return None
        token, now = Token(record), utcnow()
        if token.refresh_is_live(now):
            return token
        if record.revoked and record.client_id == self.request.client.get_client_id():
            # Reuse of a rotated refresh token means two parties hold it (RFC 9700 §4.14.2):
            # end the whole line of tokens that followed it.
            repo.revoke_tokens_since(
                self.db, user_id=record.user_id, client_id=record.client_id, since=record.issued_at
            )
        return None

    def authenticate_user(self, refresh_token: Token) -> User | None:
        return self._active_user(refresh_token.record.user_id)

    def create_token_response(self):
        # Rotation: the old pair is revoked first, in one statement, so a refresh token works
        # exactly once even under concurrent use.
        if not repo.claim_token(self.db, self.request.refresh_token.record.id):
            raise InvalidGrantError("The refresh token has already been used.")
        return super().create_token_response()

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing left to do: the old pair was revoked when it was claimed."""


class TokenRevocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        digest = token_hash(token_string)
        finders = [repo.token_by_access_hash, repo.token_by_refresh_hash]
        if token_type_hint == "refresh_token":
            finders.reverse()
        for find in finders:
            record = find(self.server.session, digest)
            if record is not None:
                return Token(record)
        return None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        token.record.revoked = True
        self.server.session.flush()


class VoiceboxAuthorizationServer(AuthorizationServer):
    """Password, authorization code (+PKCE) and refresh grants; revocation at `revocation`."""

    def __init__(self, session: Session, settings: Settings):
        super().__init__(scopes_supported=list(scopes.SCOPES))
        self.session = session
        self.settings = settings
        self._clients: dict[str, Client | None] = {}
        self._password_failed = False
        self.password_verified = False  # a user's right password was given in this request
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: new_token(), lambda **_: new_token(), settings.access_token_ttl
            ),
        )
        self.register_grant(PasswordGrant)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(TokenRevocation)

    def query_client(self, client_id: str) -> Client | None:
        if "\x00" in client_id:  # possible through HTTP Basic; no client has one
            return None
        if client_id not in self._clients:
            record = repo.client(self.session, client_id)
            found = Client(record, self.verify_password) if record is not None else None
            self._clients[client_id] = found
        return self._clients[client_id]

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        self.session.add(
            token_record(
                access_token=token["access_token"],
                refresh_token=token.get("refresh_token"),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                scope=token.get("scope") or "",
                access_ttl=int(token["expires_in"]),
                refresh_ttl=self.settings.refresh_token_ttl,
            )
        )
        self.session.flush()

    def authenticate_resource_owner(self, username: str, password: str) -> User | None:
        """The password grant's and the login form's check (one argon2 verify, off the loop)."""
        found = repo.user_by_username(self.session, username) if "\x00" not in username else None
        verified = self.verify_password(found.password_hash if found else None, password)
        self._password_failed = self._password_failed or not verified
        self.password_verified = self.password_verified or verified
        return logged_in(found, verified)

    def verify_password(self, password_hash: str | None, password: str) -> bool:
        """argon2 in the pool. The transaction ends first (it holds only reads: every check of a
        credential comes before any write), so no database connection waits with the hash."""
        self.session.commit()
        return verify_password_from_sync(password_hash, password)

    def failures(self) -> list[str]:
        """What was wrong in this request, for the login limits: `client` (a secret), `user`."""
        found = [CLIENT] if any(c and c.secret_failed for c in self._clients.values()) else []
        return found + ([USER] if self._password_failed else [])

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status, body, headers) -> OAuthResult:
        return OAuthResult(status, body, list(headers))

    def send_signal(self, name: str, *args, **kwargs) -> None:
        """No signals: nothing listens."""
