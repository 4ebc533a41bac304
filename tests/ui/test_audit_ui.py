"""The audit viewer and the verify dialog on the demo database: listing, paging and filtering the
audit log (by user, local date, one project, text), readable changes, and the verify result for a
clean and for a hand-tampered file."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import date, datetime, timezone

import pytest
from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from sqlalchemy import select, text

from app.models import Project, ProjectStatus, User, UserRole
from app.services import approval, audit, database
from app.services.database import unit_of_work
from app.ui import ops
from app.ui.audit_viewer import AuditDialog, AuditFilter, AuditTableModel
from app.ui.verify_dialog import GREEN, PASSED, RED, VerifyResultDialog, run_verify

EDITED_AT = datetime(2024, 3, 1, 17, 30, tzinfo=timezone.utc)   # 2024-03-02 01:30 in 北京时间
SIGNED_AT = datetime(2024, 3, 4, 20, 0, tzinfo=timezone.utc)    # 2024-03-05 04:00 in 北京时间


@pytest.fixture
def host(qtbot):
    """A parent for the dialogs (they delete themselves on close; the host outlives them)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def beijing_time():
    """The computer's clock set to China Standard Time for the test (the viewer shows local time)."""
    if not hasattr(time, "tzset"):
        pytest.skip("time zones can be switched at run time only on POSIX")
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture
def edited_project(demo_engine, monkeypatch) -> tuple[int, str, str]:
    """(id, uuid, name) of a double-signed demo project that its town edited at EDITED_AT (back to 草稿)
    and its 书记 signed again at SIGNED_AT, through the real services."""
    with unit_of_work(demo_engine) as session:
        project = session.scalars(select(Project).where(Project.status == ProjectStatus.double_signed)
                                  .order_by(Project.id)).first()
        town = project.town.name
        project_id, uuid, name = project.id, project.uuid, project.name
    monkeypatch.setattr(audit, "utcnow", lambda: EDITED_AT)
    with unit_of_work(demo_engine) as session:
        approval.edit_project(session, _user(session, f"{town}经办"), project_id, {"responsible_person": "李建国"},
                              reason="更换负责人")
    monkeypatch.setattr(audit, "utcnow", lambda: SIGNED_AT)
    with unit_of_work(demo_engine) as session:
        approval.sign(session, _user(session, f"{town}书记"), project_id, UserRole.town_leader, "demo1234")
    monkeypatch.undo()
    return project_id, uuid, name


def _user(session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def _settled(qtbot, dialog: AuditDialog) -> AuditDialog:
    """The dialog once its search (run in the background) has reported."""
    qtbot.waitUntil(lambda: not dialog.model.busy, timeout=10000)
    return dialog


def _more(qtbot, dialog: AuditDialog) -> None:
    qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    _settled(qtbot, dialog)


def _ids(dialog: AuditDialog) -> list[int]:
    return [dialog.model.row(r).id for r in range(dialog.model.rowCount())]


def _column(dialog: AuditDialog, column: int) -> list[str]:
    model = dialog.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def _expected(engine, **filters) -> list[int]:
    with unit_of_work(engine) as session:
        return [event.id for event, _ in audit.events(session, **filters)]


def _type(widget, text: str) -> None:
    """Chinese text as an input method commits it."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


# ---------------------------------------------------------------- the audit viewer

def test_lists_newest_first_and_loads_more(host, demo_engine, qtbot):
    """The newest 500 events are shown with the total; 加载更多 brings the rest, in the same order."""
    dialog = AuditDialog(demo_engine, host)
    dialog.show()
    everything = _expected(demo_engine)
    assert len(everything) > 600
    _settled(qtbot, dialog)
    assert _ids(dialog) == everything[:500]
    assert dialog.status.text() == f"共 {len(everything):,} 条记录，显示最新 500 条。"
    assert dialog.more_button.isEnabled()
    _more(qtbot, dialog)
    assert _ids(dialog) == everything[:1000]
    while dialog.more_button.isEnabled():
        _more(qtbot, dialog)
    assert _ids(dialog) == everything
    assert dialog.status.text() == f"共 {len(everything):,} 条记录。"
    assert not dialog.more_button.isEnabled()
    acts = {action.split("（")[0] for action in _column(dialog, 2)}  # 签字（乡镇主要负责人）: the act and the role
    assert acts >= {"起草项目", "签字", "审定入库", "录入支出", "新建用户"}


def test_filter_by_user(host, demo_engine, qtbot):
    """Choosing a user shows exactly that user's events."""
    with unit_of_work(demo_engine) as session:
        reviewer = _user(session, "县审核")
        reviewer_id, reviewer_name = reviewer.id, reviewer.display_name
    dialog = AuditDialog(demo_engine, host)
    dialog.user_combo.setCurrentIndex(dialog.user_combo.findData(reviewer_id))
    expected = _expected(demo_engine, user_id=reviewer_id)
    assert 0 < len(expected) < len(_expected(demo_engine))
    assert _ids(_settled(qtbot, dialog)) == expected
    assert set(_column(dialog, 1)) == {reviewer_name}
    dialog.user_combo.setCurrentIndex(0)
    assert dialog.user_combo.currentText() == "全部"
    assert _settled(qtbot, dialog).model.total == len(_expected(demo_engine))


def test_filter_by_local_dates(host, demo_engine, edited_project, beijing_time, qtbot):
    """Times show in local time, and the date range takes whole local days, both ends included."""
    dialog = AuditDialog(demo_engine, host)
    dialog.date_check.setChecked(True)
    dialog.date_from.setDate(QDate(2024, 3, 2))
    dialog.date_to.setDate(QDate(2024, 3, 2))
    assert _column(_settled(qtbot, dialog), 0) == ["2024-03-02 01:30:00"]
    assert _column(dialog, 2) == ["修改项目"]
    assert _column(dialog, 4) == ["更换负责人"]
    dialog.date_to.setDate(QDate(2024, 3, 5))
    assert _column(_settled(qtbot, dialog), 0) == ["2024-03-05 04:00:00", "2024-03-02 01:30:00"]
    since = datetime(2024, 3, 2).astimezone()
    until = datetime(2024, 3, 6).astimezone()
    assert _ids(dialog) == _expected(demo_engine, since=since, until=until)
    dialog.date_from.setDate(QDate(2024, 3, 1))
    dialog.date_to.setDate(QDate(2024, 3, 1))  # 17:30 UTC on the 1st is already the 2nd in 北京时间
    assert _settled(qtbot, dialog).model.rowCount() == 0 and dialog.status.text() == "没有符合条件的记录。"
    dialog.date_check.setChecked(False)
    assert _settled(qtbot, dialog).model.total == len(_expected(demo_engine))


def test_one_projects_history(host, demo_engine, edited_project, qtbot):
    """Opened on one project: only its events, named by the project, with readable status changes."""
    project_id, uuid, name = edited_project
    dialog = _settled(qtbot, AuditDialog(demo_engine, host, entity_type="project", entity_uuid=uuid,
                                         title_suffix=name))
    assert name in dialog.windowTitle()
    assert _ids(dialog) == _expected(demo_engine, entity_uuid=uuid)  # the type only helps the index
    assert set(_column(dialog, 3)) == {name}
    actions = _column(dialog, 2)
    assert actions[0] in ("签字（乡镇主要负责人）", "签字（驻镇帮扶工作队队长）")
    assert actions[1] == "修改项目" and actions[-1] == "起草项目"
    changes = _column(dialog, 5)
    assert changes[0] == "状态：草稿 → 已签一"
    assert "状态：已双签 → 草稿" in changes[1] and "项目负责人：" in changes[1] and "→ 李建国" in changes[1]


def test_signed_event_summary_and_details(host, demo_engine, qtbot):
    """A 签字 event reads as a change of status in Chinese; selecting it shows the full record."""
    dialog = _settled(qtbot, AuditDialog(demo_engine, host))
    dialog.show()
    def signed() -> list[int]:
        return [n for n, action in enumerate(_column(dialog, 2)) if action.startswith("签字（")]

    while not signed():  # the newest events are the year's payments
        assert dialog.more_button.isEnabled()
        _more(qtbot, dialog)
    row = signed()[0]
    assert dialog.model.row(row).reason == ""  # the signer's role is shown with the act, not as a reason
    change = _column(dialog, 5)[row]
    assert change in ("状态：草稿 → 已签一", "状态：已签一 → 已双签")
    dialog.table.selectRow(row)
    details = dialog.details.toPlainText()
    assert change in details
    assert '"status": "' in details and "内容版本：1" in details
    assert f"第 {dialog.model.row(row).id} 条" in details and dialog.model.row(row).hash in details


def test_text_filter(host, demo_engine, qtbot):
    """Typing in the filter narrows to events whose object or reason contains the text."""
    dialog = AuditDialog(demo_engine, host)
    dialog.show()
    _type(dialog.filter, "卫生院")
    expected = _expected(demo_engine, text="卫生院")
    qtbot.waitUntil(lambda: _ids(dialog) == expected, timeout=3000)
    assert 0 < len(expected) < 500
    assert all("卫生院" in target + reason for target, reason in zip(_column(dialog, 3), _column(dialog, 4)))
    assert any(target.startswith("支出 · ") for target in _column(dialog, 3))


class _Paints(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_slow_search_runs_off_the_gui_thread_and_stops(host, demo_engine, qtbot, monkeypatch):
    """While a search is under way the window keeps painting and taking keys; 停止 (or Esc) ends it,
    its late result is dropped, and the next search runs normally."""
    dialog = _settled(qtbot, AuditDialog(demo_engine, host))
    dialog.show()
    qtbot.waitExposed(dialog)
    release, finished = threading.Event(), threading.Event()
    real_events = audit.events

    def slow_events(session, **filters):
        release.wait(20)  # a search on the GUI thread would freeze the test here, and fail below
        finished.set()
        return real_events(session, **filters)

    monkeypatch.setattr(audit, "events", slow_events)
    _type(dialog.filter, "卫生院")
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.model.busy and dialog.status.text() == "正在查找…"
    assert dialog.stop_button.isVisible() and dialog.busy_bar.isVisible()
    paints = _Paints(dialog.filter)
    qtbot.keyClicks(dialog.filter, "abc")
    qtbot.waitUntil(lambda: paints.count > 0 and dialog.filter.text() == "卫生院abc", timeout=3000)
    assert not finished.is_set() and dialog.model.busy  # the window painted while the search still ran
    dialog.filter.setText("卫生院")
    dialog.apply_filter()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)  # Esc stops the search; it does not close the window
    assert dialog.isVisible() and not dialog.model.busy and not dialog.stop_button.isVisible()
    assert dialog.model.rowCount() == 0 and dialog.status.text() == "已停止查找。"
    release.set()
    qtbot.waitUntil(finished.is_set, timeout=5000)
    qtbot.wait(200)  # the stopped search's late result arrives and is dropped
    assert dialog.model.rowCount() == 0 and dialog.status.text() == "已停止查找。"
    monkeypatch.setattr(audit, "events", real_events)
    dialog.apply_filter()
    assert _ids(_settled(qtbot, dialog)) == _expected(demo_engine, text="卫生院")


def test_closing_the_program_stops_a_search_inside_sqlite(host, demo_engine, qtbot, monkeypatch):
    """A search stuck in a long SQLite statement ends when the program closes (stop_background_ops, as
    the main window calls it before closing the database), and 关闭 closes a searching window at once."""
    dialog = _settled(qtbot, AuditDialog(demo_engine, host))
    dialog.show()
    started = threading.Event()

    def endless(session, **filters):
        started.set()
        session.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e9) "
                             "SELECT count(*) FROM n"))
        return []

    monkeypatch.setattr(audit, "events", endless)
    dialog.apply_filter()
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert ops.stop_background_ops(5000)  # the worker finished: its statement was abandoned
    dialog.apply_filter()
    assert dialog.model.busy
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close).click()
    assert not dialog.isVisible()
    assert ops.stop_background_ops(5000)


def test_escape_closes(host, demo_engine, qtbot):
    dialog = _settled(qtbot, AuditDialog(demo_engine, host))
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_model_tester(qtmodeltester, demo_engine, qtbot):
    model = AuditTableModel(demo_engine, page_size=20)
    model.set_filter(AuditFilter(text="镇"))
    qtbot.waitUntil(lambda: not model.busy)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 20 and model.can_load_more()
    model.load_more()
    qtbot.waitUntil(lambda: not model.busy)
    assert model.rowCount() == 40


# ---------------------------------------------------------------- the verify dialog

def _verify(host, path, qtbot) -> VerifyResultDialog:
    engine = database.connect(path)
    shown: list[VerifyResultDialog] = []
    try:
        operation = run_verify(host, engine, shown.append)
        qtbot.waitUntil(lambda: operation.done, timeout=15000)
    finally:
        engine.dispose()
    assert len(shown) == 1 and shown[0].isVisible()
    return shown[0]


def _tamper(path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _table(dialog: VerifyResultDialog) -> list[tuple[str, str]]:
    table = dialog.problems
    return [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]


def _double_click(qtbot, table, row: int) -> None:
    """A real double-click on a row (Qt 6's QTest needs the first click sent on its own)."""
    point = table.visualRect(table.model().index(row, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_verify_passes_on_demo(host, demo_path, qtbot):
    dialog = _verify(host, demo_path, qtbot)
    assert dialog.headline.text() == PASSED and GREEN in dialog.headline.styleSheet()
    assert "个项目的" in dialog.summary.text() and "审计链：完整" in dialog.summary.text()
    assert dialog.report.projects > 100 and dialog.problems.rowCount() == 0 and dialog.problems.isHidden()


def test_verify_lists_tampered_project(host, demo_path, qtbot):
    """An amount changed in the file after signing: the project is listed with the broken signatures,
    and double-clicking its row asks to select it."""
    conn = sqlite3.connect(demo_path)
    project_id, name, town = conn.execute(
        "SELECT project.id, project.name, town.name FROM project JOIN town ON town.id = project.town_id"
        " WHERE status = 'approved' ORDER BY project.id LIMIT 1").fetchone()
    conn.close()
    _tamper(demo_path, f"UPDATE project SET amount_provincial = amount_provincial + 100 WHERE id = {project_id}")
    dialog = _verify(host, demo_path, qtbot)
    assert RED in dialog.headline.styleSheet() and not dialog.report.ok
    rows = _table(dialog)
    assert dialog.headline.text() == f"校验未通过：发现 {len(rows)} 处问题"
    assert {where for where, _ in rows} == {f"{name}（{town}）"}
    assert any("签字后内容被改动" in problem for _, problem in rows)
    assert "审计链：完整" in dialog.summary.text()
    with qtbot.waitSignal(dialog.project_activated, timeout=2000) as signal:
        _double_click(qtbot, dialog.problems, 0)
    assert signal.args == [project_id]


def test_verify_reports_broken_chain(host, demo_path, qtbot):
    """An audit row deleted from the file: the chain is reported broken, in the summary and the table."""
    _tamper(demo_path, "DELETE FROM audit_event WHERE id = (SELECT min(id) FROM audit_event"
                       " WHERE action = 'expenditure_added')")
    dialog = _verify(host, demo_path, qtbot)
    assert dialog.headline.text() == "校验未通过：发现 2 处问题"  # the broken chain, and the payment it recorded
    assert "不衔接" in dialog.summary.text()
    rows = _table(dialog)
    assert ("审计链", dialog.report.chain.message) in rows
    assert any("没有任何签名记录" in message for _, message in rows)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert copied.startswith("校验未通过：发现 2 处问题\n") and dialog.report.chain.message in copied
    with qtbot.assertNotEmitted(dialog.project_activated):
        _double_click(qtbot, dialog.problems, rows.index(("审计链", dialog.report.chain.message)))


def test_dates_are_days(host, demo_engine):
    """The filter the dialog builds covers the chosen local days completely."""
    dialog = AuditDialog(demo_engine, host)
    dialog.date_check.setChecked(True)
    dialog.date_from.setDate(QDate(2024, 3, 2))
    dialog.date_to.setDate(QDate(2024, 3, 3))
    args = dialog.current_filter().query_args()
    assert args["since"] == datetime(2024, 3, 2).astimezone() and args["until"] == datetime(2024, 3, 4).astimezone()
    assert dialog.current_filter().first_day == date(2024, 3, 2)
