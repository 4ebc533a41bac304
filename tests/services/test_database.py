"""Opening databases: bad files are refused with a Chinese message and left untouched."""

import sqlite3

import pytest
from sqlalchemy import text

from app.services import database
from app.services.errors import DatabaseError


def test_missing_file(tmp_path):
    """A missing file is not silently created (a typo would start an empty ledger)."""
    path = tmp_path / "missing.sqlite"
    with pytest.raises(DatabaseError, match="不存在"):
        database.connect(path)
    assert not path.exists()


def test_corrupt_file(tmp_path):
    """A file that is not SQLite is refused and not modified."""
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="不是有效的数据库"):
        database.connect(path, upgrade=True)
    assert path.read_bytes() == before


def test_foreign_sqlite_file(tmp_path):
    """Another program's SQLite file is not mistaken for ours nor migrated."""
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="不是本程序的数据库"):
        database.connect(path, upgrade=True)
    assert path.read_bytes() == before  # not even switched to WAL
    assert not (tmp_path / "other.sqlite-wal").exists()


def test_newer_program_version(db_path):
    """A database written by a newer program (unknown schema revision) is refused."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError, match="更新版本"):
        database.connect(db_path, upgrade=True)
    assert db_path.read_bytes() == before


def test_locked_file(db_path):
    """A database another program holds an exclusive lock on gives a clear message, not a hang."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError, match="占用"):
            engine = database.connect(db_path)
            with database.unit_of_work(engine) as session:
                session.execute(text("SELECT count(*) FROM town"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_create_new(tmp_path):
    """create=True makes a current database from nothing; pragmas are on."""
    engine = database.connect(tmp_path / "new.sqlite", create=True)
    assert database.schema_revision(engine) == database.HEAD
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_directory_refused(tmp_path):
    with pytest.raises(DatabaseError, match="文件夹"):
        database.connect(tmp_path)


def test_a_statement_is_abandoned_when_asked_to_stop(engine):
    """`interruptible`: a long statement ends within moments of `stop` saying so, as `Cancelled`, and the
    pooled connection works normally afterwards (the stop check is removed again)."""
    import threading
    import time

    from app.errors import Cancelled

    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e9) SELECT count(*) FROM n"
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled), database.unit_of_work(engine) as session:
        with database.interruptible(session, stop.is_set):
            session.execute(text(endless))
    assert time.monotonic() - started < 3
    with database.unit_of_work(engine) as session:
        with database.interruptible(session, lambda: False):
            assert session.execute(text("SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                                        "SELECT i + 1 FROM n WHERE i < 200000) SELECT i FROM n)")).scalar() == 200000
        assert session.execute(text("SELECT 1")).scalar() == 1
