"""Cursor pages: where the next page starts, as the last course's sort key and id.

A cursor is base64url JSON `{"s": sort, "k": key, "i": id}`. Pages continue strictly after that
(key, id) pair in the sort's order (keyset pagination), so a course added or removed meanwhile
shifts nothing: every course that matches throughout is seen exactly once. Courses without a key
(no start date, no distance) come last, by id.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from services.catalogue.search_query import SORTS, QueryError

MAX_ID = 2**31 - 1
MAX_CURSOR = 2000
MAX_SCORE = 10**6
MAX_DISTANCE_KM = 20_100  # half the Earth's circumference
NOT_OURS = "not a cursor this search gave; start again without it"
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")

Key = int | float | str | date | None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the sort, and the sort key and id of its last course."""

    sort: str
    key: Key
    course_id: int


@dataclass(frozen=True)
class SortOrder:
    """An order kept in SQL: by `key` ascending (missing keys last when `nullable`), then id."""

    key: ColumnElement
    nullable: bool = False

    def order_by(self, key: ColumnElement, course_id: ColumnElement) -> list[ColumnElement]:
        return [key.asc().nulls_last() if self.nullable else key.asc(), course_id.asc()]

    def after(self, key: ColumnElement, course_id: ColumnElement, cursor: Cursor) -> Any:
        """Courses strictly after the cursor's (key, id) in this order."""
        if cursor.key is None:
            return and_(key.is_(None), course_id > cursor.course_id)
        later = or_(key > cursor.key, and_(key == cursor.key, course_id > cursor.course_id))
        return or_(later, key.is_(None)) if self.nullable else later


def encode(cursor: Cursor) -> str:
    """The opaque text a page gives as next_cursor."""
    key = cursor.key.isoformat() if isinstance(cursor.key, date) else cursor.key
    raw = json.dumps({"s": cursor.sort, "k": key, "i": cursor.course_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(text: str, sort: str) -> Cursor:
    """The cursor `text` encodes, for a query sorted by `sort`; QueryError("cursor") if it is
    not one this search gave, or was given for another sort."""
    body = _json(text)
    if not isinstance(body, dict) or set(body) != {"s", "k", "i"} or body["s"] not in SORTS:
        raise QueryError("cursor", NOT_OURS)
    if body["s"] != sort:
        raise QueryError("cursor", f"was given for another sort; start again to sort by {sort}")
    course_id = body["i"]
    if type(course_id) is not int or not 1 <= course_id <= MAX_ID:
        raise QueryError("cursor", NOT_OURS)
    return Cursor(sort, _key(sort, body["k"]), course_id)


def _json(text: str) -> object:
    if len(text) > MAX_CURSOR or not _BASE64URL.match(text):
        raise QueryError("cursor", NOT_OURS)
    stripped = text.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise QueryError("cursor", NOT_OURS) from error


def _key(sort: str, key: object) -> Key:
    """The sort key, if it has the type and range `sort` gives out."""
    if sort == "relevance" and type(key) is int and 0 <= key <= MAX_SCORE:
        return key
    if key is None and sort in ("start_date", "distance"):
        return None
    if sort == "start_date" and isinstance(key, str) and len(key) == 10:
        with suppress(ValueError):
            return date.fromisoformat(key)
    if sort == "distance" and type(key) in (int, float) and 0 <= key <= MAX_DISTANCE_KM:
        return float(key)  # NaN fails the range test above
    if sort == "title" and isinstance(key, str) and len(key) <= 1200 and "\x00" not in key:
        return key
    raise QueryError("cursor", NOT_OURS)
