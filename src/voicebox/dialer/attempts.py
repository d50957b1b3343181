"""Running one claimed attempt: open a leg, run the scenario on it, turn the outcome into
what gets persisted (history row, abonent verdict, cost). Shared by outbound and inbound."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from voicebox.billing.tariffs import call_cost
from voicebox.dialer.repository import Finished
from voicebox.dialer.scheduling import Schedule, after_attempt
from voicebox.engine import EngineConfig, Outcome, Program, run_scenario
from voicebox.telephony.base import CallLeg, CallResult, CallState, Gateway

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Job:
    """One attempt of one abonent (or one inbound call, `abonent_id=None`)."""

    call_id: str
    attempt: int
    customer_id: int
    campaign_id: int | None
    abonent_id: int | None
    callee: str
    caller: str
    program: Program
    variables: dict[str, Any]
    schedule: Schedule = field(default_factory=Schedule)
    zone: str | None = None
    retry: bool = True
    tariff: Mapping[str, Any] | None = None
    simulation: Any = None
    billed_number: str | None = None  # whose destination type prices the call (inbound: ours)
    leg: CallLeg | None = None
    cancel_reason: str | None = None  # set before the dialer cancels the job's task

    @property
    def answered(self) -> bool:
        return self.leg is not None and self.leg.state is CallState.ANSWERED


def open_leg(gateway: Gateway, job: Job) -> CallLeg:
    """An outbound leg; the driver options carry the attempt and any `simulation` script."""
    options: dict[str, Any] = {"attempt": job.attempt}
    if job.simulation is not None:
        options["simulation"] = job.simulation
    return gateway.outbound(to=job.callee, caller=job.caller or None, call_id=job.call_id,
                            options=options)


def system_variables(job: Job) -> dict[str, Any]:
    return {**job.variables, "phone": job.callee, "callId": job.call_id,
            "campaignId": "" if job.campaign_id is None else str(job.campaign_id),
            "attempt": str(job.attempt), "callerNumber": job.caller}


async def run_job(job: Job, leg: CallLeg, *, config: EngineConfig) -> Outcome | None:
    """Run the scenario on the leg's own clock; None when the run was cancelled (see
    `job.cancel_reason`) or crashed."""
    job.leg = leg
    try:
        return await run_scenario(job.program, leg, variables=system_variables(job),
                                  config=config, clock=leg.clock)
    except asyncio.CancelledError:
        if job.cancel_reason is None:
            raise
        return None
    except Exception as error:  # a bug must not lose the attempt: it is recorded as failed
        log.exception("call %s failed", job.call_id)
        job.cancel_reason = f"internal error: {type(error).__name__}"
        return None


def finished(job: Job, outcome: Outcome | None, *, now: datetime | None = None,
             home_region: str = "RU") -> Finished:
    """The row updates for an ended attempt, with the retry verdict and the price."""
    now = now or datetime.now(UTC)
    code = None
    if outcome is None:
        stopped = job.cancel_reason == "campaign stopped"
        status = int(CallResult.CANCELLED if stopped else CallResult.FAILED)
        answered, duration, trace, variables = False, 0, None, None
        if job.leg is not None and job.leg.state is CallState.ANSWERED:
            answered, duration = True, round(job.leg.elapsed())
        error = job.cancel_reason
    else:
        status, answered, code = outcome.status, outcome.answered, outcome.code
        duration = round(outcome.duration)
        data = outcome.to_json()
        trace, variables, error = data["trace"], outcome.variables, outcome.error
    cost = Decimal(0)
    if answered and duration:
        cost = call_cost(duration, job.billed_number or job.callee, tariff=job.tariff,
                         home_region=home_region)
    state, next_at = None, None
    if job.abonent_id is not None:
        verdict = after_attempt(status, attempts_made=job.attempt, schedule=job.schedule,
                                now=now, zone_name=job.zone, retry=job.retry, code=code)
        state, next_at = verdict.state, verdict.next_attempt_at
    return Finished(call_id=job.call_id, abonent_id=job.abonent_id, attempt=job.attempt,
                    status=status, answered=answered, duration=duration, cost=cost,
                    trace=trace, variables=variables, error=error, ended_at=now,
                    abonent_state=state, next_attempt_at=next_at)
