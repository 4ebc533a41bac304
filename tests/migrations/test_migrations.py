"""Alembic: upgrade from empty, downgrade and upgrade again, and the model equals the migrations."""

from pathlib import Path

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.migrations import HEAD, MIGRATIONS_DIR, REVISIONS
from app.models import Base
from app.services import database


def test_revisions_list_matches_scripts():
    """REVISIONS (read at start-up without Alembic) lists exactly the scripts, in order."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    ordered = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(ordered) == REVISIONS and script.get_current_head() == HEAD


def test_upgrade_from_empty_matches_models(tmp_path: Path):
    """A database built by the migrations has exactly the tables, columns and indexes of the model."""
    engine = database.connect(tmp_path / "m.sqlite", create=True)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    names = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names


def test_downgrade_and_upgrade_round_trip(tmp_path: Path):
    """Every migration reverses cleanly and re-applies."""
    engine = database.connect(tmp_path / "m.sqlite", create=True)
    database.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    database.upgrade(engine)
    assert database.schema_revision(engine) == HEAD
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_old_database_is_upgraded_only_when_asked(tmp_path: Path, monkeypatch):
    """A database behind the program's head revision is refused unless upgrade=True."""
    path = tmp_path / "old.sqlite"
    database.connect(path, create=True).dispose()
    monkeypatch.setattr(database, "REVISIONS", (HEAD, "9000"))
    monkeypatch.setattr(database, "HEAD", "9000")
    with pytest.raises(database.DatabaseError, match="来自旧版本程序，需要升级"):
        database.connect(path)


def test_emptied_database_is_rebuilt_only_when_asked(tmp_path: Path):
    """A database at the base revision (no tables) is refused unless create/upgrade is asked for."""
    path = tmp_path / "base.sqlite"
    engine = database.connect(path, create=True)
    database.downgrade(engine, "base")
    engine.dispose()
    with pytest.raises(database.DatabaseError, match="空的数据库文件"):
        database.connect(path)
    upgraded = database.connect(path, upgrade=True)
    assert database.schema_revision(upgraded) == HEAD
