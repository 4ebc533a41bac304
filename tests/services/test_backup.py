"""Backups and restore (services.backup) on real database files: a consistent copy while in use,
rotation, cancel, what a backup shows, and putting one back as a signed administrator's act that
loses nothing and that `verify` accepts, while heads seen outside the file still show the rollback."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.errors import Cancelled
from app.services import audit, backup, database, keyring, security, trust, verify, villages
from app.services.demo import DEMO_PASSWORD
from app.services.errors import DatabaseError, InputError
from app.services.security import LoginFailed
from helpers import digest, old_demo, raw_sqlite


@pytest.fixture(autouse=True)
def keys_stay_open():
    """A restore logs the administrator out of this process; the other tests' demo users stay signed in."""
    held = dict(keyring._held)
    yield
    keyring._held.update(held)


def _scalar(path: Path, query: str):
    with raw_sqlite(path) as connection:
        return connection.execute(query).fetchone()[0]


def _add_village(path: Path, name: str) -> None:
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            admin = security.authenticate(session, "admin", DEMO_PASSWORD)
            town = _scalar(path, "SELECT t.code FROM town t JOIN village v ON v.town_id = t.id LIMIT 1")
            villages.add_villages(session, admin, town, [name])
    finally:
        engine.dispose()


def _verify(path: Path, heads: tuple[str, ...] = ()) -> list[str]:
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            return [problem.message for problem in verify.verify_database(session, db_path=str(path), heads=heads).problems]
    finally:
        engine.dispose()


def test_a_backup_is_a_complete_copy_beside_the_database(demo_path):
    made = backup.make_backup(demo_path, "manual")
    assert made.parent == demo_path.with_name("demo.sqlite.backups")
    assert made.name.startswith("demo-") and made.name.endswith("-manual.sqlite")
    assert list(made.parent.iterdir()) == [made]  # no partial file left
    info = backup.read_backup(made)
    assert not info.problem and info.reason == "manual" and info.reason_label == "手动备份"
    live = backup.read_backup(demo_path)
    assert (info.head_count, info.head_hash, info.projects, info.payments, info.installation) == \
        (live.head_count, live.head_hash, live.projects, live.payments, live.installation)
    assert info.head_count > 0 and info.projects > 0 and info.payments > 0
    for table in ("project", "expenditure", "audit_event", "user_key"):
        assert _scalar(made, f"SELECT count(*) FROM {table}") == _scalar(demo_path, f"SELECT count(*) FROM {table}")
    assert _scalar(made, "PRAGMA journal_mode") == "delete"  # one file, nothing beside it to lose


def test_a_backup_finishes_on_one_snapshot_while_others_commit(demo_path, monkeypatch):
    head = backup.read_backup(demo_path).head
    writer = sqlite3.connect(demo_path, isolation_level=None)
    steps = []

    def commit_between_steps(done, total):  # another connection commits after every step of the copy
        steps.append(done)
        writer.execute("UPDATE setting SET value = value || 'x' WHERE key = 'home_region_code'")
        assert len(steps) < 50, "the copy keeps starting over"

    monkeypatch.setattr(backup, "PAGES_PER_STEP", 64)
    try:
        made = backup.make_backup(demo_path, "manual", progress=commit_between_steps)
    finally:
        writer.close()
    assert len(steps) > 3 and backup.read_backup(made).head == head
    assert _scalar(made, "SELECT value FROM setting WHERE key = 'home_region_code'") != \
        _scalar(demo_path, "SELECT value FROM setting WHERE key = 'home_region_code'")


def test_only_the_newest_automatic_backups_are_kept(demo_path):
    start = datetime(2026, 12, 1, 8, 0, 0)
    manual = backup.make_backup(demo_path, "manual", now=start - timedelta(days=30))
    made = [backup.make_backup(demo_path, "daily", now=start + timedelta(days=n)) for n in range(backup.KEEP + 2)]
    kept = {info.path for info in backup.list_backups(demo_path)}
    assert kept == set(made[2:]) | {manual}
    assert [info.path for info in backup.list_backups(demo_path)][0] == made[-1]  # newest first
    assert not made[0].exists() and not made[1].exists()


def test_two_backups_in_the_same_second_both_stay_and_are_listed(demo_path):
    moment = datetime(2026, 12, 1, 8, 0, 0)
    first = backup.make_backup(demo_path, "manual", now=moment)
    second = backup.make_backup(demo_path, "manual", now=moment)
    assert first != second and first.exists() and second.exists()
    assert [info.path for info in backup.list_backups(demo_path)] == [second, first]


def test_the_copies_before_an_upgrade_or_a_restore_are_never_rotated_out(demo_path):
    start = datetime(2026, 12, 1, 8, 0, 0)
    kept = [backup.make_backup(demo_path, reason, now=start) for reason in ("upgrade", "restore")]
    for n in range(backup.KEEP + 1):
        backup.make_backup(demo_path, "daily", now=start + timedelta(days=n + 1))
    assert all(path.exists() for path in kept)
    assert len(backup.list_backups(demo_path)) == backup.KEEP + 2


def test_a_manual_backup_goes_to_the_chosen_folder(demo_path, tmp_path):
    stick = tmp_path / "U盘"
    made = backup.make_backup(demo_path, "manual", folder=stick)
    assert made.parent == stick
    assert not backup.backup_dir(demo_path).exists()


def test_a_cancelled_backup_leaves_nothing(demo_path):
    def stop(done, total):
        raise Cancelled()

    with pytest.raises(Cancelled):
        backup.make_backup(demo_path, "manual", progress=stop)
    assert list(backup.backup_dir(demo_path).iterdir()) == []


def test_what_cannot_be_restored_says_why(tmp_path, db_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("不是数据库" * 200, "utf-8")
    assert "不是可读的数据库文件" in backup.read_backup(text).problem
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    assert backup.read_backup(empty).problem == "该文件不是本程序的数据库。"
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(db_path.read_bytes())
    with raw_sqlite(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    assert "更新版本的程序" in backup.read_backup(newer).problem
    assert "找不到备份文件" in backup.read_backup(tmp_path / "gone.sqlite").problem


def test_restore_puts_the_backup_back_signed_and_loses_nothing(demo_path):
    made = backup.make_backup(demo_path, "manual")
    before = backup.read_backup(made)
    _add_village(demo_path, "后来新增村")
    changed_head = backup.read_backup(demo_path).head
    assert _scalar(demo_path, "SELECT count(*) FROM village WHERE name = '后来新增村'") == 1

    result = backup.restore(demo_path, made, "admin", DEMO_PASSWORD, "误删数据")

    assert _scalar(demo_path, "SELECT count(*) FROM village WHERE name = '后来新增村'") == 0
    assert result.replaced_head == changed_head and result.restored.head == before.head
    assert _scalar(result.kept, "SELECT count(*) FROM village WHERE name = '后来新增村'") == 1  # the state replaced
    assert backup.read_backup(result.kept).reason == "restore"
    assert _scalar(result.kept, "SELECT action FROM audit_event ORDER BY id DESC LIMIT 1") == "database_replaced"
    engine = database.connect(demo_path)
    try:
        with database.unit_of_work(engine) as session:
            events = session.query(audit.AuditEvent).order_by(audit.AuditEvent.id.desc()).limit(2).all()
            restored = next(event for event in events if event.action == "database_restored")
            assert restored.reason == "误删数据" and restored.signature
            assert changed_head in restored.before_json and before.head in restored.after_json
            count, last = audit._head(session)
    finally:
        engine.dispose()
    assert trust.read_trust_file(demo_path).head_count == count  # the trust file follows the restore
    assert _verify(demo_path) == []
    # A head seen outside the file before the restore still shows what the restore took away (here as
    # many events as before, but another history).
    assert any("历史记录被改写过" in problem for problem in _verify(demo_path, (changed_head,)))
    assert not demo_path.with_name("demo.sqlite.restoring").exists()


def test_copying_an_old_file_back_by_hand_is_still_caught(demo_path):
    made = backup.make_backup(demo_path, "manual")
    _add_village(demo_path, "后来新增村")
    for suffix in ("-wal", "-shm"):
        Path(f"{demo_path}{suffix}").unlink(missing_ok=True)
    demo_path.write_bytes(made.read_bytes())
    assert any("数据库被换成了旧的副本" in problem for problem in _verify(demo_path))


@pytest.mark.parametrize("who, password, reason, error, message", [
    ("admin", "wrong-password", "误删数据", LoginFailed, "用户名或密码错误"),
    ("admin", DEMO_PASSWORD, "  ", InputError, "必须填写原因"),
    ("finance", DEMO_PASSWORD, "误删数据", InputError, "只有系统管理员"),
])
def test_a_refused_restore_changes_nothing(demo_path, who, password, reason, error, message):
    made = backup.make_backup(demo_path, "manual")
    _add_village(demo_path, "后来新增村")
    engine = database.connect(demo_path)
    engine.dispose()  # WAL folded in, so the file's bytes are its content
    was, trust_was = digest(demo_path), trust.trust_path(demo_path).read_text("utf-8")
    username = who if who == "admin" else _scalar(demo_path, "SELECT u.username FROM user_account u JOIN role_grant g "
                                                            "ON g.user_id = u.id WHERE g.role = 'county_finance' LIMIT 1")
    with pytest.raises(error, match=message):
        backup.restore(demo_path, made, username, password, reason)
    assert digest(demo_path) == was and trust.trust_path(demo_path).read_text("utf-8") == trust_was
    assert [info.reason for info in backup.list_backups(demo_path)] == ["manual"]
    assert not demo_path.with_name("demo.sqlite.restoring").exists()


def test_a_backup_of_another_installation_is_refused(demo_path, tmp_path):
    other = tmp_path / "other.sqlite"
    other.write_bytes(backup.make_backup(demo_path, "manual").read_bytes())
    with raw_sqlite(other) as connection:
        connection.execute("UPDATE trust_root SET installation = 'another-installation'")
    was = digest(demo_path)
    with pytest.raises(InputError, match="另一个安装"):
        backup.restore(demo_path, other, "admin", DEMO_PASSWORD, "误删数据")
    assert digest(demo_path) == was


def test_a_damaged_database_is_found_and_can_be_restored(demo_path):
    made = backup.make_backup(demo_path, "manual")
    assert backup.check_integrity(demo_path) == []
    database.connect(demo_path).dispose()
    data = bytearray(demo_path.read_bytes())
    data[:4096] = b"\x00" * 4096  # the header page gone: SQLite cannot open it at all
    demo_path.write_bytes(bytes(data))
    assert backup.check_integrity(demo_path) != []

    result = backup.restore(demo_path, made, "admin", DEMO_PASSWORD, "硬盘损坏")

    assert result.replaced_head == ""
    assert result.kept.read_bytes() == bytes(data)  # a damaged file is moved aside as it was
    assert not Path(f"{demo_path}-wal").exists() or backup.check_integrity(demo_path) == []
    assert backup.check_integrity(demo_path) == []
    assert _verify(demo_path) == []


def test_upgrading_an_older_database_backs_it_up_first(tmp_path):
    old = old_demo("0010", tmp_path)
    database.connect(old, upgrade=True).dispose()
    (made,) = backup.list_backups(old)
    assert made.reason == "upgrade" and made.revision == "0010" and not made.problem
    assert backup.read_backup(old).revision != "0010"


def test_restoring_an_older_backup_upgrades_the_copy_not_the_backup(tmp_path):
    old = old_demo("0010", tmp_path, "older.sqlite")
    live = tmp_path / "live"
    live.mkdir()
    current = old_demo("0010", live)
    database.connect(current, upgrade=True).dispose()
    was = digest(old)
    backup.restore(current, old, "admin", DEMO_PASSWORD, "误删数据")
    assert digest(old) == was and backup.read_backup(current).revision != "0010"
    assert not (live / "county.sqlite.restoring.backups").exists()
    assert _verify(current) == []


def test_a_cancelled_restore_changes_nothing(demo_path):
    made = backup.make_backup(demo_path, "manual")
    _add_village(demo_path, "后来新增村")
    database.connect(demo_path).dispose()
    was = digest(demo_path)

    def stop(done, total):
        raise Cancelled()

    with pytest.raises(Cancelled):
        backup.restore(demo_path, made, "admin", DEMO_PASSWORD, "误删数据", progress=stop)
    assert digest(demo_path) == was and [info.reason for info in backup.list_backups(demo_path)] == ["manual"]


def test_a_locked_database_is_not_taken_for_a_damaged_one(demo_path, monkeypatch):
    made = backup.make_backup(demo_path, "manual")
    monkeypatch.setattr(backup.dbfile, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(demo_path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")  # a writer's exclusive lock then keeps every reader out
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError):
            backup.restore(demo_path, made, "admin", DEMO_PASSWORD, "误删数据")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert demo_path.exists() and backup.check_integrity(demo_path) == []
    assert [info.reason for info in backup.list_backups(demo_path)] == ["manual"]


def test_a_backup_with_no_root_or_an_older_root_is_refused(demo_path, tmp_path):
    made = backup.make_backup(demo_path, "manual")
    for name, change, message in (("rootless", "DELETE FROM trust_root", "另一个安装"),
                                  ("old-root", "UPDATE trust_root SET public_key = 'AAAA' || substr(public_key, 5)",
                                   "根密钥与本安装现在的根密钥不同")):
        other = tmp_path / f"{name}.sqlite"
        other.write_bytes(made.read_bytes())
        with raw_sqlite(other) as connection:
            connection.execute("PRAGMA foreign_keys = OFF")
            connection.execute(change)
        with pytest.raises(InputError, match=message):
            backup.restore(demo_path, other, "admin", DEMO_PASSWORD, "误删数据")


def test_a_database_open_in_a_window_elsewhere_is_not_replaced(demo_path):
    import subprocess
    import sys

    made = backup.make_backup(demo_path, "manual")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        Path(f"{demo_path}.lock").write_text(f"{other.pid}\nbangzhen\nhost\n", "utf-8")
        with pytest.raises(InputError, match="另一个程序窗口中使用"):
            backup.restore(demo_path, made, "admin", DEMO_PASSWORD, "误删数据")
    finally:
        other.kill()
        other.wait()
    backup.restore(demo_path, made, "admin", DEMO_PASSWORD, "误删数据")  # its process gone: the lock is stale
