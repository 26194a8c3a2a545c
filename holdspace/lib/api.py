"""Shapes shared by every API operation: the documented error answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from pydantic import field_validator

from holdspace.policy import Viewer


def _refuse_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    if isinstance(value, list | tuple | set):
        for item in value:
            _refuse_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    return value


class Input(Schema):
    """The base of every request body: text the database could not store is refused here, as a
    422 naming the field, rather than failing later on PostgreSQL."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


class ErrorOut(Schema):
    detail: str


class ProblemOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ProblemOut]


def api_viewer(request: HttpRequest) -> Viewer:
    """The caller, as the bearer-token authentication in holdspace/api.py left them."""
    viewer: Viewer = request.viewer  # type: ignore[attr-defined]
    return viewer


def documented(ok: dict[int, Any], *, reads: bool = True, writes: bool = False) -> dict[int, Any]:
    """The operation's own answers plus the errors every caller may meet."""
    answers: dict[int, Any] = {**ok, 401: ErrorOut}
    if reads:
        answers[404] = ErrorOut
        answers[422] = ValidationErrorOut
    if writes:
        answers[400] = ErrorOut  # a body that is not JSON at all
        answers[403] = ErrorOut
        answers[422] = ValidationErrorOut
    return answers
