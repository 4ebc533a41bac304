"""The main window on the demo database: region tree, project table, filter, counts, the town
category dialog; the smoke test; one instance per database; the demo created on first start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QLockFile, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.models import TownCategory
from app.services import regions, security
from app.services.database import unit_of_work
from app.ui.login import Login
from app.ui.startup import StartupError, open_main_window
from app.ui.town_dialog import TownCategoryDialog

ROOT = Path(__file__).resolve().parents[2]


def test_opens_on_home_county(window):
    """The demo database opens on its county, with every project of it listed and counted."""
    assert window.tree.current_ref().code == "441624"
    assert "河源市和平县" in window.heading.text()
    assert window.model.rowCount() > 90
    assert f"项目 {window.model.rowCount()} 个（草稿 " in window.counts.text()
    assert "已终止" in window.counts.text()


def test_select_a_town(window, qtbot):
    """Selecting a town in the tree shows only its projects."""
    assert window.tree.select_code("441624101")
    assert window.model.region.name == "大坝镇"
    rows = window.model.rowCount()
    assert 0 < rows < 10
    assert {window.model.data(window.model.index(r, 1)) for r in range(rows)} == {"大坝镇"}
    assert window.category_action.isEnabled()
    window.tree.select_code("4416")
    assert not window.category_action.isEnabled()


def test_filter_box(window, qtbot):
    """Typing in the filter (Chinese, via input-method commit) narrows the list after a short delay."""
    from PySide6.QtGui import QInputMethodEvent
    window.filter.setFocus()
    QApplication.sendEvent(window.filter, QInputMethodEvent("", []))
    event = QInputMethodEvent()
    event.setCommitString("污水")
    QApplication.sendEvent(window.filter, event)
    assert window.filter.text() == "污水"
    qtbot.waitUntil(lambda: "筛选出" in window.counts.text(), timeout=3000)
    names = [window.model.data(window.model.index(r, 0)) for r in range(window.model.rowCount())]
    assert names and all("污水" in n for n in names)


def test_set_town_category_dialog(window, qtbot):
    """The county changes a town's category in the dialog; the tree and the database follow."""
    window.tree.select_code("441624101")

    def fill_and_save():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TownCategoryDialog)
        dialog.category.setCurrentIndex(dialog.category.findText("巩固提升镇"))
        dialog.helper_type.setCurrentIndex(dialog.helper_type.findText("属地县（市、区）自行组团帮扶"))
        dialog.helper_unit.setText("和平县")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, fill_and_save)
    window.edit_town_category()
    with unit_of_work(window.engine) as session:
        assert regions.find_town(session, "441624101").category is TownCategory.consolidation
    assert "巩固提升镇" in window.statusBar().currentMessage()


def test_second_instance_refused(qtbot, demo_path):
    """While one window holds the database, another start on it is refused with a clear message."""
    window = open_main_window(QApplication.instance(), demo_path)
    qtbot.addWidget(window)
    try:
        with pytest.raises(StartupError, match="已在另一个窗口中打开"):
            open_main_window(QApplication.instance(), demo_path)
        result = subprocess.run([sys.executable, "-m", "app", "--db", str(demo_path), "--smoke-test"],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert result.returncode == 3 and "已在另一个窗口中打开" in result.stderr
    finally:
        window.release()
    lock = QLockFile(str(demo_path) + ".lock")
    assert lock.tryLock(0)  # released on close
    lock.unlock()


def test_smoke_test_and_first_start(tmp_path):
    """`python -m app --smoke-test` with no database creates the demo at the default path and renders."""
    env = dict(os.environ, BANGZHEN_DB=str(tmp_path / "data" / "bangzhen.sqlite"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "app", "--smoke-test"], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "smoke test ok" in result.stdout
    assert (tmp_path / "data" / "bangzhen.sqlite").exists()
    again = subprocess.run([sys.executable, "-m", "app", "--smoke-test"], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=120)
    assert again.returncode == 0 and again.stdout == result.stdout


def test_bad_database_gives_message(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 50)
    result = subprocess.run([sys.executable, "-m", "app", "--db", str(bad), "--smoke-test"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and "不是有效的数据库" in result.stderr and "Traceback" not in result.stderr


def test_no_display_gives_message(tmp_path):
    """Started without a display, the program says so instead of Qt aborting."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "app", "--db", str(tmp_path / "x.sqlite")], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 2 and "没有图形显示" in result.stderr


def test_missing_folder_is_not_called_a_second_instance(tmp_path):
    result = subprocess.run([sys.executable, "-m", "app", "--db", str(tmp_path / "no" / "x.sqlite"), "--smoke-test"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and "无法" in result.stderr and "另一个窗口" not in result.stderr


def test_switching_user_takes_the_leavers_keys_out_of_the_process(qtbot, demo_path, monkeypatch):
    """切换用户: the next person cannot act with the key the previous one opened, nor with the root."""
    from app.services import keyring, trust
    from app.services.database import connect, unit_of_work
    from app.services.errors import InputError
    from app.services.money import payments
    from app.models import ClaimStatus
    from datetime import date

    monkeypatch.setattr(keyring, "_held", {})  # this process's keys, for this test alone
    engine = connect(demo_path)
    with unit_of_work(engine) as session:
        admin = Login.of(security.authenticate(session, "admin", "demo1234"))
        root_key = trust.current_root(session).public_key
    assert keyring.private_key(root_key) is not None
    window = open_main_window(QApplication.instance(), demo_path, sign_in=lambda engine, parent=None: admin)
    qtbot.addWidget(window)

    def finance_logs_in(engine, parent=None):
        with unit_of_work(engine) as session:
            return Login.of(security.authenticate(session, "县财政", "demo1234"))

    monkeypatch.setattr("app.ui.main_window.sign_in", finance_logs_in)
    window.switch_user()
    assert window.login.username == "县财政"
    assert keyring.private_key(root_key) is None  # the administrator left, and the root with them
    with pytest.raises(InputError, match="根密钥只在管理员登录时解开"):
        with unit_of_work(engine) as session:
            security.grant_role(session, security.find_user(session, "admin"), security.find_user(session, "县审核"),
                                security.UserRole.county_finance, "441624")
    with unit_of_work(engine) as session:  # the one now logged in acts, signed with their own key
        claim = payments.claims(session, "441624", (ClaimStatus.filed,))[0]
        payments.pay_claim(session, security.find_user(session, "县财政"), claim.id, spent_on=date.today(),
                           voucher_no="SWITCH-1")
    window.release()
    engine.dispose()
