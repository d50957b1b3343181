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
from voicebox.auth.service import auth_service
from voicebox.config import Settings
from voicebox.errors import NotFound, Unauthorized
from voicebox.models import Customer, User


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
        password=OAuthFlowPassword(tokenUrl="/oauth/token", refreshUrl="/oauth/token"),
        authorizationCode=OAuthFlowAuthorizationCode(
            authorizationUrl="/oauth/authorize",
            tokenUrl="/oauth/token",
            refreshUrl="/oauth/token",
        ),
    ),
    scheme_name="OAuth2",
    description="OAuth 2.0 bearer access token (see docs/api.md, Authentication)",
    auto_error=False,
)


def unauthorized(message: str) -> Unauthorized:
    error = Unauthorized(message, name="unauthorized")
    error.headers = {"WWW-Authenticate": 'Bearer realm="voicebox"'}
    return error


async def get_current_user(
    session: SessionDep,
    authorization: Annotated[str | None, Depends(_bearer)],
) -> User:
    scheme, token = get_authorization_scheme_param(authorization)
    if not authorization or scheme.lower() != "bearer" or not token:
        raise unauthorized("a bearer access token is required")
    user = await auth_service.user_for_bearer(session, token)
    if user is None:
        raise unauthorized("the access token is invalid, expired or revoked")
    return user


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
