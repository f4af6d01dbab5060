"""Linked-data pages: /id/{kind}/{slug}, /ontology and the dumps (filled in by issue 6)."""

from fastapi import APIRouter

router = APIRouter()
