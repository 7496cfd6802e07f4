"""The QA workspace and the analytics dashboard in the console (issue 12)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(prefix="/console/qa", include_in_schema=False)
