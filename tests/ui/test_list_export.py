"""导出 Excel and 打印/PDF on the lists, driven on the demo: the project list in its current sort (every
row, amounts as exact numbers), the ledger by town from the main window's 导出当前列表, the whole audit
log although only its first page is loaded, a printed list read back with its font embedded, a list
too long to print refused, a cancelled export leaving no file, and the right-click entries."""

from __future__ import annotations

import subprocess

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from app.ui import list_export
from app.ui.audit_viewer import AuditDialog
from app.ui.ledger_view import TOWN_MODE
from app.ui.list_export import export_list


def _sheet_rows(path):
    return list(load_workbook(path).active.iter_rows(values_only=True))


def test_the_project_list_in_its_sort_order(window, tmp_path):
    model = window.model
    model.sort(4, Qt.SortOrder.DescendingOrder)  # 金额, largest first
    written = export_list(window, model, "项目清单", "xlsx", tmp_path / "项目.xlsx")
    rows = _sheet_rows(written)
    assert rows[0][0] == "项目清单" and list(rows[1]) == list(model.headers)
    body = rows[2:]
    assert len(body) == model.rowCount() > 20
    assert [row[0] for row in body] == [model.data(model.index(n, 0)) for n in range(model.rowCount())]
    amounts = [row[4] for row in body]
    assert all(isinstance(value, (int, float)) for value in amounts) and amounts == sorted(amounts, reverse=True)
    sheet = load_workbook(written).active
    assert sheet.cell(3, 5).number_format == "#,##0.00" and sheet.cell(3, 1).font.b is False
    assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$2:$2" and sheet.cell(2, 1).font.b
    assert "已导出" in window.statusBar().currentMessage()
    assert [a.text() for a in window.table.actions()] == ["导出 Excel（当前筛选和排序，全部行）…", "打印/导出 PDF…"]


def test_the_ledger_by_town_from_the_file_menu(window, tmp_path, monkeypatch):
    window.tabs.setCurrentWidget(window.ledger)
    window.ledger.mode.setCurrentIndex(TOWN_MODE)
    target = tmp_path / "台账.xlsx"
    monkeypatch.setattr(list_export.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_list_action.trigger()
    rows = _sheet_rows(target)
    assert rows[0][0].startswith("资金台账（按镇") and len(rows) - 2 == window.ledger.town_model.rowCount() > 5


def test_the_whole_audit_log_although_one_page_is_loaded(qtbot, demo_engine, tmp_path, monkeypatch):
    dialog = AuditDialog(demo_engine, page_size=100)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.model.busy)
    assert dialog.model.rowCount() == 100 < dialog.model.total
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: shown.append(text))
    written = export_list(dialog, dialog.model, "审计日志", "xlsx", tmp_path / "审计.xlsx")
    rows = _sheet_rows(written)[2:]
    assert len(rows) == dialog.model.total and shown and f"已导出 {dialog.model.total:,} 行" in shown[0]
    assert list(rows[0]) == [cell or None for cell in dialog.model.row(0).cells()]  # newest first, as shown


def test_a_printed_list_and_one_too_long_to_print(window, tmp_path, monkeypatch):
    pdf = export_list(window, window.model, "项目清单（和平县）", "pdf", tmp_path / "项目.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "项目清单（和平县）" in text and window.model.data(window.model.index(0, 1)) in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: shown.append(text))
    monkeypatch.setattr(list_export, "PDF_LIMIT", 10)
    assert export_list(window, window.model, "项目清单", "pdf", tmp_path / "长.pdf") is None
    assert "不宜打印" in shown[0] and not (tmp_path / "长.pdf").exists()


def test_a_cancelled_export_leaves_no_file(qtbot, demo_engine, tmp_path, monkeypatch):
    dialog = AuditDialog(demo_engine)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.model.busy)
    assert dialog.model.total > 1000  # the progress is asked after each thousand rows
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    out = tmp_path / "out"
    out.mkdir()
    assert export_list(dialog, dialog.model, "审计日志", "xlsx", out / "审计.xlsx") is None
    assert list(out.iterdir()) == []  # neither the file nor its partial
