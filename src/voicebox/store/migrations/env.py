"""Alembic environment: always driven by `voicebox.store.migrate` with a live connection."""

from __future__ import annotations

from alembic import context

import voicebox.models  # noqa: F401  (registers every table)
from voicebox.store.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded use
    raise RuntimeError("run migrations through `voicebox db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
