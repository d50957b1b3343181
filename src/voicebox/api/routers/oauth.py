"""OAuth 2.0 endpoints (token, authorize, revoke) — implemented on Authlib's grant classes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["oauth"])
