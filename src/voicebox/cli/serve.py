"""`voicebox serve`: the API (and the embedded dialer) on its defaults."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from voicebox.config import get_settings
from voicebox.gc_pauses import quiet_the_collector


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
        no_dialer: Annotated[bool, typer.Option("--no-dialer", help="Do not dial from this "
                                                "process (run `voicebox worker`s instead)")]
        = False,
    ) -> None:
        """Start the API server; migrations are applied at start."""
        from voicebox.app import create_app

        settings = get_settings()
        where = settings.sqlite_path if not settings.database_url else "VOICEBOX_DATABASE_URL"
        typer.echo(f"data directory {settings.data_dir}, database {where}", err=True)
        application = create_app(settings)
        if not no_dialer:
            from voicebox.dialer.runtime import embed

            embed(application)
        quiet_the_collector()
        uvicorn.run(application, host=host, port=port, log_level=settings.log_level.lower())
