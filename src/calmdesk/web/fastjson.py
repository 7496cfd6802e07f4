"""A route's pydantic answer written as JSON once, instead of FastAPI's three passes over it.

A route returning a model under `response_model` has FastAPI dump it to a dict, validate that dict
against the response model again and then serialise the result. For a model the route has just
built from that same class the JSON is the same either way; `as_json` writes it in one pass (the
queue page and the chat view, the reads a busy desk asks for most: issue 9). The route keeps
`response_model` for its OpenAPI description; FastAPI does not touch a `Response` a route returns.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

__all__ = ["as_json"]


def as_json(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as FastAPI would answer it for its own class as `response_model`."""
    return Response(
        model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
    )
