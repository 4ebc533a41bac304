"""Alembic: upgrade from empty, downgrade and upgrade again, and the model equals the migrations."""

import warnings
from pathlib import Path

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.migrations import HEAD, MIGRATIONS_DIR, REVISIONS
from app.models import Base
from app.models.totals import RATE_PPM
from app.services import audit_search, database, dbfile


def test_revisions_list_matches_scripts():
    """REVISIONS (read at start-up without Alembic) lists exactly the scripts, in order."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    ordered = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(ordered) == REVISIONS and script.get_current_head() == HEAD


def test_upgrade_from_empty_matches_models(tmp_path: Path):
    """A database built by the migrations has exactly the tables, columns and indexes of the model (the
    one index on an expression, which SQLAlchemy cannot reflect, compared by its SQL)."""
    engine = database.connect(tmp_path / "m.sqlite", create=True)
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index ix_project_total_rate")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index 'ix_project_total_rate'")
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": audit_search.not_search_index}), Base.metadata)
        made = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ix_project_total_rate'").scalar()
    assert diff == []
    assert made == f"CREATE INDEX ix_project_total_rate ON project_total (listed, {RATE_PPM})"
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
    monkeypatch.setattr(dbfile, "REVISIONS", (HEAD, "9000"))
    monkeypatch.setattr(dbfile, "HEAD", "9000")
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



def test_issue3_database_with_projects_upgrades_to_signing(tmp_path: Path):
    """A county's 0001 database keeps its projects and spending through 0002: each project starts at
    content version 1 with no signatures, and `verify` names every project the old program moved past
    草稿 without signatures or an audit trail (rather than silently trusting them)."""
    import random
    import sqlite3

    from sqlalchemy import text

    from app.models import ProjectStatus
    from app.services import refdata, verify
    import old_generator

    path = tmp_path / "old.sqlite"
    engine = database.connect(path, create=True)
    with database.unit_of_work(engine) as session:  # the reference data, then back to the 0001 tables
        refdata.load_all(session)
        town_ids = old_generator.pick_towns(session, 2, random.Random(1))
    database.downgrade(engine, "0001")
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("BEGIN")  # the issue-3 program's own bulk insert, on the 0001 tables
    project_ids, spendable = old_generator.insert_projects(cursor, town_ids, 40, random.Random(1))
    old_generator.insert_expenditures(cursor, project_ids, spendable, 100, random.Random(1))
    cursor.execute("COMMIT")
    raw.close()
    engine.dispose()
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT count(*), sum(amount) FROM expenditure").fetchone()

    engine = database.connect(path, upgrade=True)
    with database.unit_of_work(engine) as session:
        report = verify.verify_database(session)
        statuses = dict(session.execute(text("SELECT id, status FROM project")).all())
    engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*), sum(amount) FROM expenditure").fetchone() == before
        assert conn.execute("SELECT DISTINCT content_version, status_reason FROM project").fetchall() == [(1, "")]
    unsigned = {pid for pid, status in statuses.items() if status != ProjectStatus.draft.value}
    assert unsigned and {p.project_id for p in report.problems} - {None} == unsigned
    assert any("没有根密钥" in p.message for p in report.problems)  # no administrator has logged in yet
