"""备份与恢复 in the GUI (pytest-qt, real widgets and files): back up from the dialog, check the file,
restore a backup as the administrator (reason and password asked), the automatic daily backup and
integrity check, and the backup when the window closes."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.services import backup, keyring
from app.services.demo import DEMO_PASSWORD
from app.ui import backup_dialog
from app.ui.backup_dialog import BackupDialog
from helpers import raw_sqlite


@pytest.fixture(autouse=True)
def keys_stay_open():
    """A restore logs the administrator out of this process; the other tests' demo users stay signed in."""
    held = dict(keyring._held)
    yield
    keyring._held.update(held)


def _dialog(window, qtbot, restored=lambda: None) -> BackupDialog:
    dialog = BackupDialog(window.engine, window.db_path, True, "admin", restored, window)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_back_up_check_and_restore_from_the_dialog(window, qtbot, monkeypatch):
    assert window.backup_action in window.menuBar().actions()[0].menu().actions()
    dialog = _dialog(window, qtbot, restored=lambda: calls.append("restored"))
    calls: list[str] = []
    assert dialog.table.rowCount() == 0 and dialog.status.text() == "还没有备份。"

    dialog.backup_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    assert dialog.table.item(0, 1).text() == "手动备份" and "已备份到" in dialog.status.text()

    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: messages.append(text))
    dialog.check_button.click()
    qtbot.waitUntil(lambda: messages == ["数据库文件完好。"], timeout=10000)

    with raw_sqlite(window.db_path) as connection:
        villages = connection.execute("SELECT count(*) FROM village").fetchone()[0]
    window.engine.dispose()
    with raw_sqlite(window.db_path) as connection:  # a mistake the backup undoes
        connection.execute("UPDATE village SET name = name || '（误改）'")
    answers = iter([("误改数据", True), (DEMO_PASSWORD, True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: next(answers))
    dialog.table.selectRow(0)
    assert dialog.restore_button.isEnabled()
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: calls == ["restored"], timeout=20000)
    assert "已从备份恢复" in messages[-1] and "恢复前的数据库已另存为" in messages[-1]
    with raw_sqlite(window.db_path) as connection:
        assert connection.execute("SELECT count(*) FROM village WHERE name LIKE '%（误改）'").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM village").fetchone()[0] == villages
        assert connection.execute("SELECT action FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()[0] \
            == "database_restored"


def test_after_a_restore_everyone_signs_in_again(window, qtbot, monkeypatch):
    asked: list[bool] = []
    monkeypatch.setattr(window, "switch_user", lambda: asked.append(True))
    window._after_restore()
    assert window.login is None and asked == [True] and "只读" in window.windowTitle()


def test_restore_is_offered_to_the_administrator_only(window, qtbot):
    dialog = BackupDialog(window.engine, window.db_path, False, "", lambda: None, window)
    qtbot.addWidget(dialog)
    assert dialog.restore_button.isHidden() and dialog.restore_file_button.isHidden()


def test_a_cancelled_restore_question_changes_nothing(window, qtbot, monkeypatch):
    backup.make_backup(window.db_path, "manual")
    dialog = _dialog(window, qtbot)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("", False))
    dialog.table.selectRow(0)
    dialog.restore_button.click()
    assert dialog.op is None and [info.reason for info in backup.list_backups(window.db_path)] == ["manual"]


def test_housekeeping_backs_up_once_a_day_and_on_close_after_changes(window, qtbot, monkeypatch):
    window.start_housekeeping()
    qtbot.waitUntil(lambda: [info.reason for info in backup.list_backups(window.db_path)] == ["daily"], timeout=10000)
    qtbot.waitUntil(lambda: "已自动备份" in window.statusBar().currentMessage(), timeout=5000)
    made: list = []
    backup_dialog.start_daily_backup(window, window.engine, window.db_path, made.append)
    qtbot.waitUntil(lambda: made == [None], timeout=10000)  # checked again, but not backed up twice a day

    window.release()  # nothing recorded since the daily backup: no second copy
    assert [info.reason for info in backup.list_backups(window.db_path)] == ["daily"]
    window._backup_on_close = True
    with raw_sqlite(window.db_path) as connection:  # the audit log moves on
        connection.execute("UPDATE setting SET value = '999999:' || value WHERE key = 'audit_head'")
    window.release()
    assert [info.reason for info in backup.list_backups(window.db_path)] == ["close", "daily"]


def test_a_damaged_file_is_reported_at_start_and_not_backed_up(window, qtbot, monkeypatch):
    good = backup.make_backup(window.db_path, "daily", now=datetime(2026, 1, 1))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: said.append(text))
    monkeypatch.setattr(backup, "check_integrity", lambda path, limit=20: ["*** in database main ***"])
    made: list = []
    backup_dialog.start_daily_backup(window, window.engine, window.db_path, made.append)
    qtbot.waitUntil(lambda: made == [None], timeout=10000)
    assert "数据库文件已损坏" in said[0] and good.name in said[0]
    assert [info.path for info in backup.list_backups(window.db_path)] == [good]
