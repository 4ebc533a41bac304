"""Shared fixtures: real SQLite files in tmp_path, copied from templates built once per session
(an initialised database with the reference data, and one with the demo county)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every connection the program opens, here and in the CLI processes tests start, binds at most 999
# parameters: an unbounded IN (...) fails a test (issue 19). See database.limit_variables.
os.environ["BANGZHEN_SQLITE_MAX_VARIABLES"] = "999"

from app.services import database, demo, keyring, refdata, security  # noqa: E402


@pytest.fixture(autouse=True)
def people_log_in_when_created(monkeypatch):
    """Every user a test creates is logged in at once in this process, as if they had typed their
    password (the acts they do are signed with the key a login opens). Tests about logging in itself
    use `security.authenticate`, and tests/services/test_security.py proves an act without a login
    is refused."""
    create = security.create_user

    def create_and_log_in(session, actor, username, display_name, password, grants, **options):
        user = create(session, actor, username, display_name, password, grants, **options)
        sealing_key = security.open_credentials(password, user.password_hash)
        key = security.active_key(user)
        keyring.hold(key.public_key, security.unseal_private_key(key.sealed_private_key, sealing_key))
        return user

    monkeypatch.setattr(security, "create_user", create_and_log_in)


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
