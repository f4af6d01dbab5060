"""/graph: the interactive graph view, the same page `hsvo view` writes (being written)."""

from fastapi import APIRouter

router = APIRouter()
