"""`voicebox worker` (a dialer process) and `voicebox call` (a simulated inbound call)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated

import typer

from voicebox.config import get_settings


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        worker_id: Annotated[str | None, typer.Option("--id", help="Worker id (default "
                                                      "host:pid); reuse it after a crash to "
                                                      "re-queue its calls at once")] = None,
        concurrency: Annotated[int | None, typer.Option(help="Live calls at most "
                                                        "(VOICEBOX_DIALER_CONCURRENCY)")] = None,
        jobs: Annotated[str | None, typer.Option(help="Comma-separated jobs to run (default "
                                                 "all): dialer, wakeup, sweeper, retention, "
                                                 "renewal")] = None,
    ) -> None:
        """Run a dialer: claim due calls and place them, until SIGTERM."""
        from voicebox.cli.common import fail, require_database
        from voicebox.dialer.jobs import parse_jobs
        from voicebox.dialer.runtime import run_worker
        from voicebox.gc_pauses import quiet_the_collector

        try:
            chosen = parse_jobs(jobs)
        except ValueError as error:
            fail(f"--jobs: {error}")
            raise
        settings = get_settings()
        require_database(settings)
        logging.basicConfig(level=settings.log_level.upper(),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        quiet_the_collector()
        asyncio.run(run_worker(settings, worker_id=worker_id, concurrency=concurrency,
                               jobs=chosen))

    @app.command()
    def call(
        to: Annotated[str, typer.Option("--to", help="The dialled number (an inbound "
                                        "campaign's callerNumber)")],
        caller: Annotated[str, typer.Option("--from", help="The caller's number")]
        = "+79990000000",
        inputs: Annotated[list[str] | None, typer.Option("--input", help="What the caller "
                                                         "presses or says, in order")] = None,
        hangup_after: Annotated[float | None, typer.Option(help="The caller hangs up after "
                                                           "this many seconds")] = None,
    ) -> None:
        """Place a simulated inbound call and print its trace as JSON."""
        from voicebox.cli.common import fail, require_database
        from voicebox.dialer.runtime import place_inbound
        from voicebox.errors import VoiceboxError

        settings = get_settings()
        require_database(settings)
        try:
            result = asyncio.run(place_inbound(settings, to=to, caller=caller,
                                               inputs=inputs or [], hangup_after=hangup_after))
        except VoiceboxError as error:
            fail(error.message)
            raise
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        if result.get("status") == 404:
            raise typer.Exit(1)
