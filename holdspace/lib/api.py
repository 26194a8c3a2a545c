"""Shapes shared by every API operation: the documented error answers."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class ProblemOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ProblemOut]


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
