"""Bringing one table to a desired set of rows with the fewest writes, and counting them.

Rows are matched by a natural key (an occupation's URI, a link's two ids). A desired row whose
key is new is inserted, one whose values differ is updated in place (its id is kept, so what
refers to it stays valid), and an existing row whose key is not desired is stale and deleted.
Writes are bulk statements (`session.execute(insert(Model), rows)` and the like), so 123,855
links take seconds; the same desired rows a second time write nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

CHUNK = 500  # ids per DELETE ... IN (...)

Key = tuple[Any, ...]


@dataclass
class Changes:
    """How many rows of one table an import inserted, updated and deleted."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def any(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


class TableSync:
    """A table's stored rows compared with the desired ones, keyed by `keys`."""

    def __init__(
        self, session: Session, model: type, keys: tuple[str, ...], desired: Mapping[Key, dict]
    ) -> None:
        self.session, self.model, self.keys, self.desired = session, model, keys, desired
        self.primary = tuple(column.key for column in model.__mapper__.primary_key)
        self.values = tuple(next(iter(desired.values()), {}).keys())
        self.stored = self._load()  # key -> (primary key, values in `self.values` order)
        self.changes = Changes()

    def stale(self) -> list[Key]:
        """Primary keys of stored rows no longer desired."""
        return [primary for key, (primary, _) in self.stored.items() if key not in self.desired]

    def delete_stale(self) -> None:
        self.changes.deleted += delete_by_primary_key(self.session, self.model, self.stale())

    def upsert(self) -> None:
        """Insert the new rows and update the changed ones."""
        new, changed = [], []
        for key, values in self.desired.items():
            stored = self.stored.get(key)
            if stored is None:
                new.append({**dict(zip(self.keys, key, strict=True)), **values})
            elif stored[1] != tuple(values[name] for name in self.values):
                changed.append({**dict(zip(self.primary, stored[0], strict=True)), **values})
        if new:
            self.session.execute(insert(self.model), new)
        if changed:
            self.session.execute(update(self.model), changed)
        self.changes.inserted += len(new)
        self.changes.updated += len(changed)

    def run(self) -> Changes:
        """Delete the stale rows, then insert and update: the table now holds `desired`."""
        self.delete_stale()
        self.upsert()
        return self.changes

    def _load(self) -> dict[Key, tuple[Key, Key]]:
        """Stored rows by key: (primary key, values), read as plain tuples (fast)."""
        names = (*self.primary, *self.keys, *self.values)
        columns = [getattr(self.model, name) for name in names]
        ends = (len(self.primary), len(self.primary) + len(self.keys))
        return {
            row[ends[0] : ends[1]]: (row[: ends[0]], row[ends[1] :])
            for row in map(tuple, self.session.execute(select(*columns)))
        }


def delete_by_primary_key(session: Session, model: type, primary_keys: Iterable[Key]) -> int:
    """Delete rows by primary key (tuples), in chunks; returns how many were named."""
    columns = [column for column in model.__mapper__.primary_key]
    target = columns[0] if len(columns) == 1 else tuple_(*columns)
    keys = [key[0] if len(columns) == 1 else key for key in primary_keys]
    for start in range(0, len(keys), CHUNK):
        statement = delete(model).where(target.in_(keys[start : start + CHUNK]))
        session.execute(statement.execution_options(synchronize_session=False))
    return len(keys)


def delete_referring(session: Session, model: type, column: str, ids: list[int]) -> int:
    """Delete the rows of `model` whose `column` names one of `ids`; returns how many went."""
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        statement = delete(model).where(getattr(model, column).in_(ids[start : start + CHUNK]))
        result = session.execute(statement.execution_options(synchronize_session=False))
        deleted += result.rowcount
    return deleted
