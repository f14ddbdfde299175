"""Cross-sector analysis endpoints: thin handlers over MapperService."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
