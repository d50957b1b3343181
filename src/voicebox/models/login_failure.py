"""Failed logins counted per subject (a username, an OAuth client, a remote address).

Kept in the database so the limits hold across every API process. Times are Unix seconds
(floats), so the counting statement is plain arithmetic on both backends.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base


class LoginFailure(Base):
    __tablename__ = "login_failures"

    # sha256 of kind + value: fixed length whatever a client sends, and no stored usernames.
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # user, client or address
    failures: Mapped[int] = mapped_column(Integer)
    window_started: Mapped[float] = mapped_column(Float, index=True)
    locked_until: Mapped[float | None] = mapped_column(Float, default=None)
