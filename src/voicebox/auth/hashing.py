"""argon2 off the event loop: hashing and verification run in a small pool sized to the cores.

argon2-cffi releases the GIL, so the pool's threads hash in parallel while the loop keeps
serving requests (and the embedded dialer's calls). The pool bounds how many hashes run at
once; the rest wait in its queue, and the login limits (`voicebox.auth.throttle`) bound how
many a client can queue.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.util import await_only

from voicebox.auth import secrets

_pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="argon2")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, secrets.hash_password, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """`secrets.verify_password` in the pool (a dummy hash stands in for a missing one)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, secrets.verify_password, password_hash, password)


def verify_password_from_sync(password_hash: str | None, password: str) -> bool:
    """The same, for sync code run by `AsyncSession.run_sync` (Authlib's callbacks): that code
    runs in SQLAlchemy's greenlet, which can wait on the loop without blocking it."""
    return await_only(verify_password(password_hash, password))
