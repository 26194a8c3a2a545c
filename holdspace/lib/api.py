"""Shapes shared by every API operation: the list envelope with its `limit`/`offset`, and the
documented error answers (docs/api.md, "Answers")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from ninja import Field, Schema
from pydantic import field_validator


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


# Every list answers at most MAX_LIMIT items a request; DEFAULT_LIMIT when `limit` is not given.
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far past any list Holdspace keeps; it keeps `offset + limit` a number every database takes.
MAX_OFFSET = 1_000_000

ItemT = TypeVar("ItemT")


class PageQuery(Input):
    """The query parameters of every list; an operation with filters of its own extends it."""

    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"How many items, 1 to {MAX_LIMIT}."
    )
    offset: int = Field(
        default=0, ge=0, le=MAX_OFFSET, description=f"How many items to skip, 0 to {MAX_OFFSET}."
    )


class Page(Schema, Generic[ItemT]):
    """The envelope of every list. Each list names its own subclass (`CoupleListOut(Page[
    CoupleOut])`), so the OpenAPI document keeps one readable schema per list."""

    items: list[ItemT]
    count: int = Field(description="How many items there are in all, on every page.")
    next: int | None = Field(description="The `offset` of the next page; null on the last one.")


def next_offset(query: PageQuery, count: int) -> int | None:
    """Where the page after QUERY's starts, or None when QUERY's page is the last."""
    end = query.offset + query.limit
    return end if end < count else None


def page_slice(everything: Sequence[ItemT], query: PageQuery) -> tuple[list[ItemT], int]:
    """QUERY's page of a list built whole (a short one, or one computed rather than queried),
    and how many there are in all."""
    return list(everything[query.offset : query.offset + query.limit]), len(everything)


class ErrorOut(Schema):
    """Every error but invalid input: what went wrong, in a sentence."""

    detail: str


class ProblemOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """Invalid input (422): each problem with where it is (`loc`), why (`msg`) and its kind."""

    detail: list[ProblemOut]


def documented(ok: dict[int, Any], *, reads: bool = True, writes: bool = False) -> dict[int, Any]:
    """The operation's own answers plus the errors every caller may meet."""
    # 429: too many failed tokens from the caller's address (holdspace/api.py FailedTokens).
    answers: dict[int, Any] = {**ok, 401: ErrorOut, 429: ErrorOut}
    if reads:
        answers[404] = ErrorOut
        answers[422] = ValidationErrorOut
    if writes:
        answers[400] = ErrorOut  # a body that is not JSON at all
        answers[403] = ErrorOut
        answers[422] = ValidationErrorOut
    return answers
