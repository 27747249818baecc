"""SQLite: writing transactions take the write lock at BEGIN; read scopes never do."""

import sqlite3

import pytest
from sqlalchemy import text

from shared.db import Database


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


def test_what_a_read_scope_changes_is_never_committed(database):
    db, _ = database
    with db.read_scope() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
    with db.session_scope() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
