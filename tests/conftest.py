"""Shared fixtures: real SQLite files in tmp_path, copied from templates built once per session
(an initialised database with the reference data, and one with the demo county)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.services import database, demo, refdata  # noqa: E402


def _copy(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def _template(tmp_path_factory, name: str, fill) -> Path:
    """A database built once per session; WAL folded into the file so a plain copy is complete."""
    path = tmp_path_factory.mktemp("templates") / name
    engine = database.connect(path, create=True)
    with database.unit_of_work(engine) as session:
        fill(session)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def initialised_template(tmp_path_factory) -> Path:
    return _template(tmp_path_factory, "init.sqlite", refdata.load_all)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    return _template(tmp_path_factory, "demo.sqlite", demo.create_demo)


@pytest.fixture
def db_path(tmp_path, initialised_template) -> Path:
    return _copy(initialised_template, tmp_path / "county.sqlite")


@pytest.fixture
def demo_path(tmp_path, demo_template) -> Path:
    return _copy(demo_template, tmp_path / "demo.sqlite")


@pytest.fixture
def engine(db_path):
    engine = database.connect(db_path)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_engine(demo_path):
    engine = database.connect(demo_path)
    yield engine
    engine.dispose()
