"""Scenario rules: save (valid or as a draft), validate, share, copy, delete when unused."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.csvsafe import csv_bytes
from voicebox.errors import Conflict, InvalidInput, NotFound, Problem, Problems, VoiceboxError
from voicebox.models import Scenario
from voicebox.nesting import MAX_DEPTH, deeper_than
from voicebox.scenario_language.format import ScenarioBody
from voicebox.scenarios import catalog, repository
from voicebox.scenarios.files import file_problems
from voicebox.scenarios.validate import parse, validate
from voicebox.store.db import utcnow

MAX_STATES = 5000
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,64}")


def _check(data: Any) -> tuple[ScenarioBody, list[Problem]]:
    """Parse (errors raise) and validate (problems returned): CPU work, run off the loop."""
    states = data.get("states") if isinstance(data, dict) else None
    if isinstance(states, list | dict) and len(states) > MAX_STATES:
        raise InvalidInput(f"a scenario may have at most {MAX_STATES} states", name="states")
    if deeper_than(data, MAX_DEPTH):
        raise InvalidInput(
            f"the scenario is nested more than {MAX_DEPTH} levels deep; it cannot be stored",
            name="scenario",
        )
    body, problems = parse(data)
    if body is None:
        raise Problems(problems)
    return body, validate(body)


def _stored(body: ScenarioBody) -> dict[str, Any]:
    """Plain JSON for the column: through pydantic's JSON writer, so NaN/Infinity become null
    (PostgreSQL's JSON type refuses them and Python's json module would let them through)."""
    return json.loads(body.model_dump_json())


def _new_share_token() -> str:
    return secrets.token_urlsafe(24)


def _token_from_link(link: str) -> str:
    """Accept the bare token or any URL that ends in it."""
    tail = link.strip().rstrip("/").rsplit("/", 1)[-1]
    return tail.rsplit("=", 1)[-1]


class ScenarioService:
    async def problems(
        self, data: Any, *, session: AsyncSession | None = None, customer_id: int | None = None
    ) -> list[Problem]:
        """Every problem of a client's scenario JSON (empty when valid); never raises for bad data.

        With a session and customer, announcement files are checked against their uploads too.
        """
        try:
            body, problems = await asyncio.to_thread(_check, data)
        except VoiceboxError as error:
            return error.problems
        if session is not None and customer_id is not None:
            problems += await self._file_problems(session, customer_id, body)
        return problems

    async def _file_problems(
        self, session: AsyncSession, customer_id: int, body: ScenarioBody
    ) -> list[Problem]:
        return file_problems(body, await repository.audio_file_ids(session, customer_id))

    async def ensure_valid(
        self, data: Any, *, session: AsyncSession | None = None, customer_id: int | None = None
    ) -> None:
        """Raise `Problems` (400) listing everything wrong with the scenario."""
        problems = await self.problems(data, session=session, customer_id=customer_id)
        if problems:
            raise Problems(problems)

    async def list(self, session: AsyncSession, customer_id: int) -> list[Scenario]:
        return await repository.list_for_customer(session, customer_id)

    async def get(self, session: AsyncSession, customer_id: int, scenario_id: int) -> Scenario:
        return await repository.get_for_customer(session, customer_id, scenario_id)

    async def create(self, session: AsyncSession, customer_id: int, data: Any) -> Scenario:
        """Save a new scenario; an invalid one is kept as a draft (`isValid` "false")."""
        body, problems = await asyncio.to_thread(_check, data)
        problems += await self._file_problems(session, customer_id, body)
        now = utcnow()
        scenario = Scenario(
            customer_id=customer_id,
            title=body.title,
            type=body.type,
            is_valid=not problems,
            body=_stored(body),
            share_token=_new_share_token(),
            created_at=now,
            updated_at=now,
        )
        return await repository.add(session, scenario)

    async def update(
        self, session: AsyncSession, customer_id: int, scenario_id: int, data: Any
    ) -> Scenario:
        """Replace the scenario's body (PUT) and recompute `isValid`.

        While a campaign uses the scenario, an invalid body is refused (400) rather than saved.
        """
        scenario = await self.get(session, customer_id, scenario_id)
        body, problems = await asyncio.to_thread(_check, data)
        problems += await self._file_problems(session, customer_id, body)
        if problems and await repository.campaigns_using(session, scenario.id):
            # A campaign runs this scenario: it may not turn into a draft under it.
            raise Problems(problems)
        scenario.title = body.title
        scenario.type = body.type
        scenario.body = _stored(body)
        scenario.is_valid = not problems
        scenario.updated_at = max(utcnow(), scenario.created_at)
        await session.flush()
        return scenario

    async def delete(self, session: AsyncSession, customer_id: int, scenario_id: int) -> None:
        """Delete the scenario; 409 while a campaign uses it."""
        scenario = await self.get(session, customer_id, scenario_id)
        using = await repository.campaigns_using(session, scenario.id)
        if using:
            raise Conflict(
                f"scenario {scenario_id} is used by {using} campaign(s); "
                "detach or delete them first",
                name="scenario_id",
            )
        await repository.delete(session, scenario)

    async def get_for_campaign(
        self, session: AsyncSession, customer_id: int, scenario_id: int
    ) -> tuple[Scenario, ScenarioBody]:
        """The customer's scenario and its typed body, only if it is valid (drafts cannot run)."""
        scenario = await repository.get_for_customer(session, customer_id, scenario_id,
                                                     name="scenario")
        if not scenario.is_valid:
            raise InvalidInput(
                f"scenario {scenario_id} is not valid; validate and fix it before using it "
                "in a campaign",
                name="scenario",
            )
        return scenario, load_body(scenario)

    async def import_shared(
        self, session: AsyncSession, customer_id: int, link: str, title: str | None = None
    ) -> Scenario:
        """A copy of a shared scenario for this customer (any customer holding the link)."""
        token = _token_from_link(link)
        source = None
        if _TOKEN.fullmatch(token):
            source = await repository.get_by_share_token(session, token)
        if source is None:
            raise NotFound("no scenario is shared with this link", name="shareLink")
        data = dict(source.body)
        data["title"] = title or source.title
        return await self.create(session, customer_id, data)

    async def create_from_template(
        self, session: AsyncSession, customer_id: int, template_id: str, title: str | None = None
    ) -> Scenario:
        """A new scenario from a catalog template, in one call."""
        data = catalog.scenario_from_template(catalog.get_template(template_id))
        if title:
            data["title"] = title
        return await self.create(session, customer_id, data)

    async def rotate_share_link(
        self, session: AsyncSession, customer_id: int, scenario_id: int
    ) -> Scenario:
        """A new share token; the old link stops working."""
        scenario = await self.get(session, customer_id, scenario_id)
        scenario.share_token = _new_share_token()
        await session.flush()
        return scenario


def load_body(scenario: Scenario) -> ScenarioBody:
    """The stored scenario as typed models (what the engine runs)."""
    return ScenarioBody.model_validate(scenario.body | {"title": scenario.title})


def contacts_template(scenario: Scenario) -> bytes:
    """The CSV header a contacts file for this scenario needs: `phone` + custom variables."""
    columns = ["phone"]
    for name in scenario.body.get("customVariables") or []:
        if name and name not in columns:
            columns.append(name)
    return csv_bytes([columns])


scenario_service = ScenarioService()
