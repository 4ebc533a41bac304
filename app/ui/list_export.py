"""导出 Excel and 打印/PDF for every list of the program: what the list shows, in its current filter and
order, all of its rows (not only those on screen), written by app.reports.listing with a progress
dialog and 取消. Each table view gets the two entries on its right-click menu; dialogs add buttons."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QApplication, QFileDialog, QMainWindow, QMessageBox, QProgressDialog, QTableView,
                               QWidget)

from app import APP_NAME
from app.errors import BangzhenError
from app.reports.listing import PDF_LIMIT, write_list_pdf, write_list_xlsx
from app.ui.table_model import HeaderedTableModel


class Cancelled(Exception):
    pass


def export_list(parent: QWidget, model: HeaderedTableModel, title: str, fmt: str,
                path: Path | None = None) -> Path | None:
    """Ask where (unless `path` is given), write the list, say where it went; None when cancelled or refused."""
    count = model.export_count()
    if fmt == "pdf" and count > PDF_LIMIT:
        QMessageBox.information(parent, APP_NAME, f"清单共 {count:,} 行，超过 {PDF_LIMIT:,} 行，不宜打印。"
                                                  "请缩小筛选范围，或导出 Excel。")
        return None
    if path is None:
        chosen, _ = QFileDialog.getSaveFileName(parent, "导出 Excel" if fmt == "xlsx" else "打印/导出 PDF",
                                                f"{title}.{fmt}", "Excel (*.xlsx)" if fmt == "xlsx" else "PDF (*.pdf)")
        if not chosen:
            return None
        path = Path(chosen)
    progress = QProgressDialog(f"正在导出“{title}”…", "取消", 0, max(count, 1), parent)
    progress.setWindowTitle(APP_NAME)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)

    def tick(done: int) -> None:
        progress.setValue(min(done, count))
        QApplication.processEvents()
        if progress.wasCanceled():
            raise Cancelled

    write = write_list_xlsx if fmt == "xlsx" else write_list_pdf
    try:
        written = write(path, title, model.headers, model.export_rows(), tick)
    except Cancelled:
        return None
    except BangzhenError as error:
        QMessageBox.warning(parent, APP_NAME, error.user_message)
        return None
    finally:
        progress.close()
    window = parent.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(f"已导出 {count:,} 行：{written}", 10000)
    else:
        QMessageBox.information(parent, APP_NAME, f"已导出 {count:,} 行：{written}")
    return written


def add_export_menu(view: QTableView, title: Callable[[], str]) -> None:
    """导出 Excel and 打印/PDF on the view's right-click menu (the model must be a HeaderedTableModel)."""
    view.export_title = title  # for the main window's 导出当前列表
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    for text, fmt in (("导出 Excel（当前筛选和排序，全部行）…", "xlsx"), ("打印/导出 PDF…", "pdf")):
        action = QAction(text, view)
        action.triggered.connect(lambda _=False, fmt=fmt: export_list(view, view.model(), title(), fmt))
        view.addAction(action)
