"""What a new user tripped over in daily use (issue 17), each on the real widgets: Qt's own buttons and
calendar in Chinese, and the project editor asking before typed work is thrown away."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QCalendarWidget, QDialogButtonBox, QMessageBox, QScrollArea, QToolButton
from sqlalchemy import func, select

from app.models import Project, ProjectStatus, Town
from app.services import database, security
from app.ui.login import Login
from app.ui.project_editor import ProjectEditor
from helpers import in_modal

TOWN = "441624100"  # 阳明镇


def test_qt_speaks_chinese_in_the_program(window):
    box = QMessageBox(QMessageBox.Icon.Question, "帮镇扶村台账", "确定吗？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel)
    assert [box.button(b).text() for b in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No,
                                           QMessageBox.StandardButton.Cancel)] == ["是(&Y)", "否(&N)", "取消"]
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    assert sorted(button.text() for button in buttons.buttons()) == sorted(["确定", "取消"])
    calendar = QCalendarWidget()
    calendar.setSelectedDate(QDate(2023, 12, 1))
    assert calendar.findChild(QToolButton, "qt_calendar_monthbutton").text() == "十二月"  # not "December"
    assert calendar.locale().name() == "zh_CN"  # and so 周一 … 周日 above the days


def _officer(engine) -> Login:
    with database.unit_of_work(engine) as session:
        return Login.of(security.find_user(session, "阳明镇经办"))


def _a_draft(engine) -> int:
    with database.unit_of_work(engine) as session:
        return session.scalar(select(Project.id).join(Town).where(Project.status == ProjectStatus.draft,
                                                                  Town.code == TOWN).limit(1))


def _projects(engine) -> int:
    with database.unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Project))


def test_the_editor_asks_before_typed_work_is_thrown_away(qtbot, demo_engine, monkeypatch):
    before = _projects(demo_engine)

    def no_question(box):
        raise AssertionError(f"asked: {box.text()}")

    with monkeypatch.context() as patched:
        patched.setattr(QMessageBox, "exec", no_question)
        for opened in ({"town_code": TOWN}, {"project_id": _a_draft(demo_engine)}):
            editor = ProjectEditor(demo_engine, _officer(demo_engine), **opened)
            qtbot.addWidget(editor)
            editor.show()
            qtbot.keyClick(editor, Qt.Key.Key_Escape)  # nothing typed: it closes without a question
            assert not editor.isVisible(), opened

    editor = ProjectEditor(demo_engine, _officer(demo_engine), town_code=TOWN)
    qtbot.addWidget(editor)
    editor.show()
    editor.fields["name"].widget.setText("阳明镇水口村道路硬化项目")
    asked: list[str] = []

    def answer(text: str):
        def press(box: QMessageBox) -> None:
            asked.append(box.text())
            next(button for button in box.buttons() if button.text().startswith(text)).click()
        return press

    in_modal(QMessageBox, answer("取消"))
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.isVisible() and "尚未保存" in asked[0]  # 取消: back to the form, the text still there
    assert editor.fields["name"].value() == "阳明镇水口村道路硬化项目"

    in_modal(QMessageBox, answer("不保存"))
    editor.close()  # the window's close button asks the same
    assert not editor.isVisible() and len(asked) == 2 and _projects(demo_engine) == before

    draft = _a_draft(demo_engine)
    editor = ProjectEditor(demo_engine, _officer(demo_engine), project_id=draft)
    qtbot.addWidget(editor)
    editor.show()
    editor.fields["location"].widget.setText("水口村第三村民小组")
    in_modal(QMessageBox, answer("保存"))
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # 保存: saved, then closed
    assert not editor.isVisible() and editor.saved_project_id == draft
    with database.unit_of_work(demo_engine) as session:
        assert session.get(Project, draft).location == "水口村第三村民小组"


def test_a_returned_project_shows_why_while_it_is_revised(qtbot, demo_engine):
    with database.unit_of_work(demo_engine) as session:
        project_id, reason = session.execute(
            select(Project.id, Project.status_reason).join(Town)
            .where(Project.status == ProjectStatus.returned, Town.code == TOWN).limit(1)).one()
    editor = ProjectEditor(demo_engine, _officer(demo_engine), project_id=project_id)
    qtbot.addWidget(editor)
    editor.show()
    assert not editor.read_only and editor.returned_note.isVisible()
    assert "县级审核退回原因" in editor.returned_note.text() and reason in editor.returned_note.text()

    draft = _a_draft(demo_engine)  # a draft never returned shows nothing
    other = ProjectEditor(demo_engine, _officer(demo_engine), project_id=draft)
    qtbot.addWidget(other)
    other.show()
    assert not other.returned_note.isVisible()


def test_the_spending_window_is_named_as_its_menu_item(qtbot, demo_engine):
    from app.ui.project_ledger_dialog import ProjectLedgerDialog

    with database.unit_of_work(demo_engine) as session:
        project_id, name = session.execute(select(Project.id, Project.name).join(Town)
                                           .where(Project.status == ProjectStatus.in_progress).limit(1)).one()
        finance = Login.of(security.find_user(session, "县财政"))
    dialog = ProjectLedgerDialog(demo_engine, finance, project_id)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"支出明细与录入：{name}"  # not 项目台账, which is the ledger's name


def test_windows_fit_a_1366_by_768_laptop(window, qtbot, demo_engine):
    """At 100 % scaling a 1366×768 screen with a task bar leaves 1366×728: every window opens within its
    screen and can shrink to the laptop's (the project editor's long forms scroll)."""
    from PySide6.QtCore import QSize

    from app.ui.backup_dialog import BackupDialog
    from app.ui.exchange_dialog import ExchangeDialog
    from app.ui.exchange_wizards import ExportWizard, ImportWizard
    from app.ui.import_wizard import ExcelImportWizard
    from app.ui.project_ledger_dialog import ProjectLedgerDialog
    from app.ui.screen_fit import FRAME, fitted

    laptop = QSize(1366, 728) - FRAME
    assert fitted(QSize(1280, 820), QSize(1366, 728)) == QSize(1280, 688)  # the main window's status bar stays on
    screen = window.screen().availableGeometry().size() - FRAME  # this test's screen (offscreen: 800×800)
    draft = _a_draft(demo_engine)
    with database.unit_of_work(demo_engine) as session:
        finance = Login.of(security.find_user(session, "县财政"))
        admin = Login.of(security.find_user(session, "admin"))
    others = [ProjectEditor(demo_engine, _officer(demo_engine), town_code=TOWN),
              ProjectEditor(demo_engine, _officer(demo_engine), project_id=draft),
              ProjectLedgerDialog(demo_engine, finance, draft),
              BackupDialog(window.engine, window.db_path, True, "admin", lambda: None),
              ExchangeDialog(window.engine, window.db_path, admin),
              ExportWizard(window.engine, admin), ImportWizard(window.engine, window.db_path, admin),
              ExcelImportWizard(window.engine, window.db_path, admin)]
    for widget in [window, *others]:
        if widget is not window:
            qtbot.addWidget(widget)
        widget.show()
        name, hint, size = type(widget).__name__, widget.minimumSizeHint(), widget.size()
        assert hint.width() <= laptop.width() and hint.height() <= laptop.height(), (name, hint)
        assert size.width() <= screen.width() and size.height() <= screen.height(), (name, size)


def test_the_town_menu_is_there_only_for_who_can_use_it(qtbot, demo_engine, demo_path):
    from app.ui.main_window import MainWindow

    for username, shown in (("admin", True), ("阳明镇经办", False), ("县财政", False)):
        with database.unit_of_work(demo_engine) as session:
            login = Login.of(security.find_user(session, username))
        window = MainWindow(demo_engine, demo_path, login)
        qtbot.addWidget(window)
        assert window.town_menu.menuAction().isVisible() is shown, username
        assert window.town_menu.menuAction() in window.menuBar().actions()


def test_a_signature_shows_the_signers_role_with_the_act_not_as_a_reason(demo_engine):
    from app.models import AuditEvent
    from app.ui.audit_viewer import _rows

    with database.unit_of_work(demo_engine) as session:
        signed, plan, returned = (session.scalars(select(AuditEvent).where(AuditEvent.action == action).limit(1)).one()
                                  for action in ("project_signed", "plan_signed", "project_returned"))
        rows = _rows([(signed, "阳明镇书记"), (plan, "县财政"), (returned, "县审核")], {})
    assert rows[0].action == f"签字（{signed.reason}）" and rows[0].reason == ""
    assert signed.reason in ("乡镇主要负责人", "驻镇帮扶工作队队长")
    assert rows[1].action == f"签发资金安排（{plan.reason}）" and plan.reason and rows[1].reason == ""
    assert rows[2].action == "退回" and rows[2].reason == returned.reason != ""  # a real reason stays a reason


def test_the_editors_scrolling_pages_add_no_tab_stop(qtbot, demo_engine):
    editor = ProjectEditor(demo_engine, _officer(demo_engine), project_id=_a_draft(demo_engine))
    qtbot.addWidget(editor)
    editor.show()
    pages = editor.findChildren(QScrollArea)
    assert len(pages) >= 2  # 基本信息, 资金与受益
    assert all(not page.focusPolicy() & Qt.FocusPolicy.TabFocus for page in pages)  # Tab goes from tab bar to field
