"""One engine and session factory per service database (SQLite by default,
PostgreSQL in production).

SQLite is shared by several processes of one service (web, relay, consumer), so it runs in WAL
mode and every writing transaction starts with BEGIN IMMEDIATE: a writer waits for the lock
(busy timeout) instead of failing when a read transaction tries to upgrade to a write. Sessions
for reading only (`Database.readers`, `read_scope`) begin DEFERRED and never take the lock.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    Float,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_BUSY_TIMEOUT_MS = 15_000
#: Execution option of `Database.readers`' connections (`read_scope`, the web's read sessions):
#: on SQLite their transactions begin DEFERRED, so a read never holds the write lock other
#: processes wait for, nor waits for it.
READ_ONLY = "routeways_read_only"
#: The largest id an INTEGER column holds on PostgreSQL: URL and body ids are capped at it, so
#: a bigger number is "not found" or a named 422, never an out-of-range error from the database.
MAX_ID = 2**31 - 1
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # WAL with NORMAL syncs at checkpoints, not at every commit: a commit survives a crash
        # of the process, and only a power cut may lose the last ones (SQLite's documented
        # trade-off). SQLite is the embedded default; production runs on PostgreSQL.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:  # noqa: ANN001
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; for a SQLite file, its folder is created first."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _prepare_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """A service's database: engine plus session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Sessions for reading only: on SQLite their transactions begin DEFERRED (`READ_ONLY`)
        #: and never wait for, or hold, the write lock; elsewhere plain sessions.
        self.readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}),
            expire_on_commit=False,
            info={READ_ONLY: True},  # and they refuse to write (`_refuse_writes`)
        )

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends, or rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_scope(self) -> Iterator[Session]:
        """A session for reading only, rolled back at the end: on SQLite it does not take the
        write lock (a long computation over what it reads never blocks writers); PostgreSQL
        reads never block writers anyway."""
        with self.readers() as session:
            try:
                yield session
            finally:
                session.rollback()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        """`with Database(url) as database:` closes its connections however the block ends."""
        self.dispose()


def upsert(session: Session, model: type, rows: list[dict], key: list[str]) -> None:
    """Insert `rows` (dicts with the same columns) into `model`'s table, updating the other
    columns of rows whose `key` exists (`ON CONFLICT DO UPDATE`, PostgreSQL's and SQLite's):
    one statement, no read, compiled once per shape (a multi-VALUES insert would be compiled
    again on every call, about a millisecond)."""
    if rows:
        dialect = session.get_bind().dialect.name
        session.execute(_upsert_statement(dialect, model, tuple(key), tuple(rows[0])), rows)


@functools.cache
def _upsert_statement(
    dialect: str, model: type, key: tuple[str, ...], columns: tuple[str, ...]
) -> Executable:
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(model.__table__)  # Core: the ORM bulk path costs ~4x more
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in columns if name not in key},
    )


class ReadOnlySession(RuntimeError):  # noqa: N818 - reads as what it is
    """A write was attempted through a session for reading only (`Database.readers`)."""


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and state.session.info.get(READ_ONLY):
        raise ReadOnlySession(f"a read-only session may not run {state.statement}")


@event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlySession("a read-only session may not flush changes")


_BEFORE_COMMIT_KEY = "routeways.before_commit"


def run_before_commit(session: Session, key: str, work: Callable[[Session], None]) -> None:
    """Run `work(session)` once, just before this transaction commits, inside it.

    Several events handled in one transaction may each ask for the same follow-up (rescore
    this learner); registering it under one `key` lets the work run once for all of them,
    after every handler, and still commit or roll back with their effects.
    """
    session.info.setdefault(_BEFORE_COMMIT_KEY, {}).setdefault(key, work)


@event.listens_for(Session, "before_commit")
def _run_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: the transaction goes on
    work = session.info.pop(_BEFORE_COMMIT_KEY, {})
    for run in work.values():
        run(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_before_commit(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.nested:
        return  # one event's savepoint: the others' work still stands
    session.info.pop(_BEFORE_COMMIT_KEY, None)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Routeways stores aware UTC timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class epoch_seconds(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it is
    """A `UtcDateTime` column as float seconds since the Unix epoch, computed by the database:
    for reading millions of timestamps without making a Python datetime of each (training
    reads every interaction)."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _sqlite_epoch_seconds(element: epoch_seconds, compiler: SQLCompiler, **kw: object) -> str:
    # julianday parses the stored UTC text; a double keeps about 50 microseconds at today's dates
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _postgresql_epoch_seconds(element: epoch_seconds, compiler: SQLCompiler, **kw: object) -> str:
    # EXTRACT answers numeric (a Decimal in Python) since PostgreSQL 14
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT8)"


@contextmanager
def scratch_postgres_database(
    admin_url: str, prefix: str = "routeways_scratch", template: str | None = None
) -> Iterator[str]:
    """A new PostgreSQL database on the server of `admin_url` (a user who may create
    databases), empty or a copy of the database named `template`, dropped afterwards; yields
    its SQLAlchemy URL. For tests and benchmarks."""
    import psycopg  # only these callers need the driver directly

    admin = make_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
