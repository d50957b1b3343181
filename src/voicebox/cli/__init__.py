"""The `voicebox` command."""

from __future__ import annotations

import typer

from voicebox.cli import admin, asr, db, history, numbers, recordings, serve, worker

app = typer.Typer(help="VoiceBox: an open voice-robot platform.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(asr.app, name="asr")
history.register(admin.app)
numbers.register(admin.app)
recordings.register(admin.app)
serve.register(app)
worker.register(app)


def main() -> None:
    app()
