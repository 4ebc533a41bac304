"""报表中心 on the demo database, driven through its widgets: the choices start where the user works,
the preview shows the return as it prints (header, merges, figures), an export is written in the
background and read back, the folder can be opened, and a request that cannot be answered says why."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import select

from app.models import Project, ProjectStatus
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services.approval_sheets import approval_sheet
from app.services.database import unit_of_work
from app.ui.report_centre import ReportCentre


def _choose(dialog: ReportCentre, name: str, region: str, day: date) -> None:
    dialog.returns.setCurrentIndex(dialog.returns.findData(name))
    dialog.region.setCurrentIndex(dialog.region.findData(region))
    dialog.as_of.setDate(QDate(day.year, day.month, day.day))


def test_preview_shows_the_return_as_it_prints(qtbot, demo_engine):
    dialog = ReportCentre(demo_engine, "441624101")
    qtbot.addWidget(dialog)
    assert dialog.region.currentData() == "441624" and dialog.year.value() == 2023  # the town's county; the fund's year
    assert dialog.as_of.date() == QDate(2023, 12, 31)
    _choose(dialog, "spending", "441624", date(2023, 9, 30))
    op = dialog.preview()
    qtbot.waitUntil(lambda: op.done, timeout=15000)
    with unit_of_work(demo_engine) as session:
        expected = RETURNS["spending"].tables(session, Request("441624", 2023, None, date(2023, 9, 30)))[0].text_grid()
    view = dialog.pages.widget(0)
    shown = [[view.item(r, c).text() for c in range(view.columnCount())] for r in range(view.rowCount())]
    assert shown == expected and shown[1][0] == "合计"
    assert view.columnSpan(1, 0) == 2  # 合计 spans 序号 and 乡镇
    assert "18 行" in dialog.status.text()


def test_export_in_the_background_then_open_the_folder(qtbot, demo_engine, tmp_path, monkeypatch):
    target = tmp_path / "分配情况表.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    dialog = ReportCentre(demo_engine, "441624")
    qtbot.addWidget(dialog)
    _choose(dialog, "allocation", "4416", date(2023, 12, 31))

    def open_folder():  # polled: the message box comes up once the background export is done
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            poll.stop()
            assert str(target) in box.text()
            next(b for b in box.buttons() if "打开所在文件夹" in b.text()).click()
    poll = QTimer()
    poll.timeout.connect(open_folder)
    poll.start(50)
    op = dialog.export("xlsx")
    qtbot.waitUntil(lambda: op.done and dialog.last_export is not None, timeout=15000)
    qtbot.waitUntil(lambda: opened == [str(tmp_path)], timeout=5000)
    sheet = load_workbook(target).active
    assert sheet["A1"].value == "表1-1 2023年专项资金分配情况表"
    assert any(row[1] == "和平县" for row in sheet.iter_rows(values_only=True))


def test_a_request_that_cannot_be_answered_is_explained(qtbot, demo_engine, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    dialog = ReportCentre(demo_engine, "441624")
    qtbot.addWidget(dialog)
    dialog.year.setValue(2020)  # no fund that year
    assert dialog.fund.count() == 1
    op = dialog.preview()
    qtbot.waitUntil(lambda: op.done, timeout=15000)
    assert shown and "2020 年没有资金" in shown[0] and dialog.pages.count() == 0


@pytest.mark.parametrize("name", list(RETURNS))
def test_every_return_previews_on_the_demo(qtbot, demo_engine, name, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    dialog = ReportCentre(demo_engine, "44" if name in ("pairing", "east-west") else "441624")
    qtbot.addWidget(dialog)
    dialog.returns.setCurrentIndex(dialog.returns.findData(name))
    # the demo's 东西部协作 pairing is the 2021 one; its pooled fund (city-fund) is the county's of 2022
    dialog.year.setValue({"east-west": 2021, "city-fund": 2022}.get(name, dialog.year.value()))
    op = dialog.preview()
    qtbot.waitUntil(lambda: op.done, timeout=30000)
    assert not shown and dialog.pages.count() >= 1 and dialog.pages.widget(0).rowCount() > 1


def test_the_report_menu_opens_it_on_the_selected_region(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "报表(&R)")
    assert [a.text() for a in menu.actions()] == ["报表中心(&R)…", "绩效自评(&E)…", "", "打印本项目双签审批表(&S)…",
                                                "核对纸质审批表(&V)…"]
    seen: list[str] = []

    def answer():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReportCentre)
        seen.append(dialog.region.currentData())
        dialog.reject()
    QTimer.singleShot(0, answer)
    window.reports_action.trigger()
    assert seen == ["441624"]


def test_the_selected_projects_sheet_is_printed_and_a_paper_one_checked(qtbot, window, tmp_path, monkeypatch):
    with unit_of_work(window.engine) as session:
        project_id, name = session.execute(select(Project.id, Project.name).where(
            Project.status == ProjectStatus.approved).order_by(Project.id)).first()
        code = approval_sheet(session, project_id).code
    window.select_project(project_id)
    target = tmp_path / "审批表.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))

    def close_box():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            poll.stop()
            box.reject()
    poll = QTimer()
    poll.timeout.connect(close_box)
    poll.start(50)
    op = window.print_sheet()
    qtbot.waitUntil(lambda: op.done and not poll.isActive(), timeout=15000)
    assert name in subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout

    said: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: said.append(("ok", text)))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(("warn", text)))
    for typed in (code, "0" * 64):
        monkeypatch.setattr(QInputDialog, "getText", lambda *args, typed=typed, **kwargs: (typed, True))
        window.check_sheet_action.trigger()
    assert said[0][0] == "ok" and "与当前数据一致" in said[0][1]
    assert said[1][0] == "warn" and "没有与此审批表一致" in said[1][1]
