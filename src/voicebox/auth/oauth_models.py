"""Our tables seen through Authlib's model interfaces (client, token, authorization code)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from voicebox.auth.hashing import verify_password_from_sync
from voicebox.models import AuthorizationCode, OAuthClient, OAuthToken
from voicebox.store.db import utcnow

CONFIDENTIAL_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
PUBLIC_GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
CONFIDENTIAL_GRANT_TYPES = PUBLIC_GRANT_TYPES | {"password"}


class Client(ClientMixin):
    """A registered client; public ones (no secret) authenticate with `none` and must use PKCE."""

    def __init__(
        self,
        record: OAuthClient,
        verify: Callable[[str | None, str], bool] = verify_password_from_sync,
    ):
        self.record = record
        self._verify = verify
        self._verified: dict[str, bool] = {}
        self.secret_failed = False  # a wrong secret was presented (the login limits count it)

    @property
    def is_public(self) -> bool:
        return self.record.is_public

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous registration may stand in for an omitted redirect_uri (§3.1.2.3).
        uris = self.record.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return self.record.scope
        allowed = set(self.record.scope.split())
        return " ".join(item for item in scope.split() if item in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.record.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        # Cached: Authlib may ask twice in one request and argon2 is deliberately slow.
        if self.record.client_secret_hash is None:
            return False
        if client_secret not in self._verified:
            verified = self._verify(self.record.client_secret_hash, client_secret)
            self._verified[client_secret] = verified
            self.secret_failed = self.secret_failed or not verified
        return self._verified[client_secret]

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in CONFIDENTIAL_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        allowed = PUBLIC_GRANT_TYPES if self.is_public else CONFIDENTIAL_GRANT_TYPES
        return grant_type in allowed


class Token(TokenMixin):
    """A stored token pair; revoking either half revokes both."""

    def __init__(self, record: OAuthToken):
        self.record = record

    def check_client(self, client: Client) -> bool:
        return self.record.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return int((self.record.access_expires_at - self.record.issued_at).total_seconds())

    def is_revoked(self) -> bool:
        return self.record.revoked

    def is_expired(self) -> bool:
        return self.record.access_expires_at <= utcnow()

    def refresh_is_live(self, now: datetime) -> bool:
        expires = self.record.refresh_expires_at
        return not self.record.revoked and expires is not None and expires > now


class Code(AuthorizationCodeMixin):
    """A stored authorization code with its PKCE challenge."""

    def __init__(self, record: AuthorizationCode):
        self.record = record

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope

    @property
    def code_challenge(self) -> str | None:
        return self.record.code_challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.record.code_challenge_method
