"""Request dependencies, as `Annotated` aliases named for what they give."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.openapi.models import OAuthFlowAuthorizationCode, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.api.params import path_id
from voicebox.api.ranges import Window, parse_range
from voicebox.auth import scopes
from voicebox.auth.service import auth_service
from voicebox.auth.throttle import LoginThrottle
from voicebox.config import Settings
from voicebox.errors import Forbidden, NotFound, Unauthorized
from voicebox.models import Customer, User
from voicebox.storage import Storage, open_storage


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the endpoint returns, rolled back on error."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

# Declared as OAuth2 (not plain bearer) so /docs shows both flows and can log in.
_bearer = OAuth2(
    flows=OAuthFlows(
        password=OAuthFlowPassword(
            tokenUrl="/oauth/token", refreshUrl="/oauth/token", scopes=scopes.SCOPES
        ),
        authorizationCode=OAuthFlowAuthorizationCode(
            authorizationUrl="/oauth/authorize",
            tokenUrl="/oauth/token",
            refreshUrl="/oauth/token",
            scopes=scopes.SCOPES,
        ),
    ),
    scheme_name="OAuth2",
    description="OAuth 2.0 bearer access token (see docs/api.md, Authentication)",
    auto_error=False,
)
BearerHeader = Annotated[str | None, Depends(_bearer)]


def unauthorized(message: str) -> Unauthorized:
    error = Unauthorized(message, name="unauthorized")
    error.headers = {"WWW-Authenticate": 'Bearer realm="voicebox"'}
    return error


async def get_current_user(
    request: Request,
    session: SessionDep,
    authorization: Annotated[str | None, Depends(_bearer)],
) -> User:
    """The token's user; a request that is not GET/HEAD/OPTIONS needs the `write` scope."""
    scheme, token = get_authorization_scheme_param(authorization)
    if not authorization or scheme.lower() != "bearer" or not token:
        raise unauthorized("a bearer access token is required")
    return await user_of_token(request, session, token)


async def user_of_token(request: Request, session: AsyncSession, token: str) -> User:
    """The user of a live access token allowed to make this request (else 401 / 403)."""
    bearer = await auth_service.bearer(session, token)
    if bearer is None:
        raise unauthorized("the access token is invalid, expired or revoked")
    if not scopes.allows(bearer.scope, request.method):
        error = Forbidden(
            f"this token's scope ({bearer.scope or 'none'}) cannot change anything; "
            f"{request.method} needs the '{scopes.WRITE}' scope",
            name="insufficient_scope",
        )
        error.headers = {
            "WWW-Authenticate": f'Bearer realm="voicebox", error="insufficient_scope", '
            f'scope="{scopes.WRITE}"'
        }
        raise error
    return bearer.user


CurrentUser = Annotated[User, Depends(get_current_user)]


CustomerId = path_id("Идентификатор клиента", name="customer_id")


async def get_path_customer(
    session: SessionDep,
    user: CurrentUser,
    customer_id: CustomerId,
) -> Customer:
    """The path's customer, only if it is the token's; anything else looks like a missing one."""
    if customer_id != user.customer_id:
        raise NotFound(f"customer {customer_id} not found", name="customer_id")
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found", name="customer_id")
    return customer


CustomerDep = Annotated[Customer, Depends(get_path_customer)]


# Module level: with postponed annotations a closure's local (`unit`) cannot be resolved.
RangeHeader = Annotated[
    str | None, Header(alias="Range", description="Interval, e.g. `numbers=0-9` (inclusive)")
]


def range_dependency(unit: str):
    """A dependency reading `Range: <unit>=a-b` into a Window."""

    def dependency(settings: SettingsDep, range_header: RangeHeader = None) -> Window:
        return parse_range(
            range_header,
            unit,
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )

    return dependency


def login_throttle(request: Request) -> LoginThrottle:
    """The app's login limits (counts in the database; one checker per process)."""
    throttle = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = request.app.state.login_throttle = LoginThrottle(request.app.state.settings)
    return throttle


LoginThrottleDep = Annotated[LoginThrottle, Depends(login_throttle)]


def client_address(request: Request) -> str:
    """The remote address the login limits count (behind a proxy: run uvicorn with
    --proxy-headers and --forwarded-allow-ips so this is the client's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


def get_storage_dep(settings: SettingsDep) -> Storage:
    return open_storage(settings)


StorageDep = Annotated[Storage, Depends(get_storage_dep)]
