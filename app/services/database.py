"""Opening a Bangzhen database: connection pragmas, schema-version checks, upgrades, and one
`Session` per unit of work. Every failure becomes a `DatabaseError` with a Chinese message.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.errors import Cancelled
from app.migrations import HEAD, MIGRATIONS_DIR
from app.services import dbfile
from app.services.errors import DatabaseError
from app.services.sqlite_limits import MAX_PARAMETERS, limit_variables

BUSY_TIMEOUT_MS = dbfile.BUSY_TIMEOUT_MS
_WRITING: ContextVar[bool] = ContextVar("writing", default=False)


def connect(path: str | Path, *, create: bool = False, upgrade: bool = False, backup_first: bool = True) -> Engine:
    """An engine on the SQLite file at `path`, checked to be a current Bangzhen database.

    `create` makes a new database when the file does not exist; `upgrade` brings an older schema
    up to date (both run the Alembic migrations), after a backup of the older file (services.backup)
    unless `backup_first` is off. Otherwise a missing or outdated file is refused.
    """
    path = Path(path)
    revision = dbfile.check(path, create=create, upgrade=upgrade)
    if revision not in (None, HEAD) and backup_first:
        from app.services import backup  # only when upgrading

        backup.make_backup(path, "upgrade")
    engine = _engine(path)
    try:
        if revision != HEAD:
            _migrate(engine)
        return engine
    except BaseException:
        engine.dispose()
        raise


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    engine.dialect.insertmanyvalues_max_parameters = MAX_PARAMETERS  # SQLAlchemy's own multi-row INSERTs

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy issue BEGIN itself, so pragmas below run outside a transaction.
        dbapi_connection.isolation_level = None
        limit_variables(dbapi_connection)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")

    return engine


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock at once (BEGIN IMMEDIATE), waiting for it, before
    they read anything: a read-then-write transaction in WAL mode that meets another writer fails with
    "database is locked" instead of waiting, because its snapshot went stale."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


@contextmanager
def interruptible(session: Session, stop: Callable[[], bool], every: int = 1000) -> Iterator[None]:
    """Statements run in this block ask `stop` every `every` SQLite steps and are abandoned when it says
    so, raising `Cancelled`: a long search (a background op) ends at once when the user stops it."""
    raw = session.connection().connection.driver_connection
    raw.set_progress_handler(lambda: 1 if stop() else 0, every)
    try:
        yield
    except exc.OperationalError as error:
        if stop():
            raise Cancelled() from error
        raise
    finally:
        raw.set_progress_handler(None, every)
    if stop():
        raise Cancelled()


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision stored in the database, or None when it has none."""
    return dbfile.inspect(Path(engine.url.database))[0]


def _alembic_config(engine: Engine):
    from alembic.config import Config  # imported late: only needed when creating or upgrading

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", str(engine.url))
    return config


def _migrate(engine: Engine, target: str = "head", *, down: bool = False) -> None:
    from alembic import command

    config = _alembic_config(engine)
    with translate_errors(engine), engine.connect() as conn:
        # SQLite alters a table by copying it and dropping the old one, which foreign keys pointing
        # at it would refuse; so they are off while migrating (only possible outside a transaction)
        # and every reference is checked before the migration commits.
        dbapi = conn.connection.driver_connection
        dbapi.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(config, target)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError("数据库升级失败：数据中有无效的关联记录，数据库未作改动。请联系技术支持。",
                                        f"foreign_key_check after migration: {broken[:5]}")
        finally:
            dbapi.execute("PRAGMA foreign_keys = ON")


def upgrade(engine: Engine, target: str = "head") -> None:
    _migrate(engine, target)


def downgrade(engine: Engine, target: str) -> None:
    """Step the schema back (used by tests to prove every migration reverses cleanly)."""
    _migrate(engine, target, down=True)


@contextmanager
def translate_errors(engine: Engine | None = None) -> Iterator[None]:
    """Turn SQLite's failures into Chinese messages the user can act on."""
    where = f"“{engine.url.database}”" if engine is not None else ""
    try:
        yield
    except exc.IntegrityError as error:
        raise DatabaseError("保存失败：与已有记录冲突（重复或缺少关联记录）。请检查后重试。", str(error.orig)) from None
    except exc.DBAPIError as error:
        raise dbfile.user_error(str(error.orig), where) from None
    except StaleDataError as error:
        raise DatabaseError("记录已被其他人修改，请刷新后重试。", str(error)) from None


def _remember_head(session: Session, engine: Engine) -> None:
    """After a commit that appended audit events: their head into the trust file beside the database, so
    an older copy of the file put back later is caught (services.trust). Not after a savepoint's release
    (SQLAlchemy calls this hook for it too): the unit may still roll back."""
    if "audit_head" in session.info and not session.in_nested_transaction():
        from app.services import trust  # only once something was recorded

        trust.remember(session.info, engine.url.database)


def _forget_head(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop("audit_head", None)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One session per user action: committed as a whole, or rolled back as a whole."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with translate_errors(engine):
        with factory() as session:
            event.listen(session, "after_commit", lambda done: _remember_head(done, engine))
            # A unit rolled back on purpose (a dry run) and then committed must not leave its head behind.
            event.listen(session, "after_rollback", _forget_head)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
