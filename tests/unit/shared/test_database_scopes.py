"""SQLite: writing transactions take the write lock at BEGIN; read scopes never do."""

import sqlite3

import pytest
from sqlalchemy import Column, Integer, insert, text
from sqlalchemy.orm import DeclarativeBase

from shared.db import Database, ReadOnlySession, run_before_commit


class _Base(DeclarativeBase):
    pass


class Row(_Base):
    __tablename__ = "t"
    x = Column(Integer, primary_key=True)


@pytest.fixture
def database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'scopes.sqlite3'}")
    with database.session_scope() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    yield database, tmp_path / "scopes.sqlite3"
    database.dispose()


def test_a_long_read_scope_does_not_block_another_process_writing(database):
    db, path = database
    with db.read_scope() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
        writer = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO t VALUES (1)")
        writer.execute("COMMIT")
        writer.close()
    with db.session_scope() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_writing_scope_holds_the_write_lock_from_its_start(database):
    db, path = database
    with db.session_scope() as session:
        session.execute(text("SELECT count(*) FROM t"))
        writer = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("BEGIN IMMEDIATE")
        writer.close()


def test_a_read_only_session_refuses_inserts_updates_deletes_and_flushed_changes(database):
    db, _ = database
    with db.read_scope() as session:
        with pytest.raises(ReadOnlySession, match="may not run INSERT"):
            session.execute(insert(Row).values(x=3))
        session.add(Row(x=4))
        with pytest.raises(ReadOnlySession, match="may not flush"):
            session.flush()
    with db.readers() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0  # reads work
    with db.session_scope() as session:
        session.execute(insert(Row).values(x=5))  # writing sessions are untouched
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_what_a_read_scope_changes_is_never_committed(database):
    db, _ = database
    with db.read_scope() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
    with db.session_scope() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_work_left_for_the_commit_runs_once_inside_it_and_survives_a_failed_savepoint(database):
    db, _ = database
    ran = []

    def count_rows(session) -> None:
        ran.append(session.execute(text("SELECT count(*) FROM t")).scalar())
        session.execute(text("INSERT INTO t VALUES (99)"))  # part of the same transaction

    with db.sessions() as session:
        session.begin()
        for value in (1, 2):
            with session.begin_nested():
                session.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
                run_before_commit(session, "count", count_rows)  # once, however often asked
        with pytest.raises(ValueError, match="alone"):
            fail_in_savepoint(session)
        assert ran == []  # not at a savepoint
        session.commit()
    assert ran == [2]
    with db.session_scope() as session:
        assert sorted(session.execute(text("SELECT x FROM t")).scalars()) == [1, 2, 99]


def test_work_left_for_the_commit_is_dropped_when_the_transaction_rolls_back(database):
    db, _ = database
    ran = []
    with db.sessions() as session:
        session.begin()
        run_before_commit(session, "count", lambda s: ran.append(1))
        session.rollback()
        session.begin()
        session.commit()
    assert ran == []


def fail_in_savepoint(session) -> None:
    with session.begin_nested():
        session.execute(text("INSERT INTO t VALUES (3)"))
        raise ValueError("this event fails alone")
