"""校验: check the root of trust, every signature and record, the ledger and the audit chain in the
background, then show what was found.

`run_verify` runs `verify.verify_database` through a `BackgroundOp` (progress dialog, 取消) and opens
a `VerifyResultDialog`: a green pass, or a red headline with each problem; double-clicking (or Enter
on) a project's problem emits `project_activated(project_id)` so the main window can select it.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.services import verify
from app.services.verify import Problem, VerifyReport
from app.ui.ops import BackgroundOp
from app.ui.screen_fit import fit_to_screen

PROGRESS_LABEL = "正在校验签名和审计链…"
PASSED = "全部签名和审计链校验通过"
GREEN, RED = "#1b7f3b", "#b3261e"
PROJECT_ID_ROLE = Qt.ItemDataRole.UserRole
CHAIN_ROW = "审计链"

_open_results: set[VerifyResultDialog] = set()  # parentless result dialogs, kept alive until closed


def run_verify(parent: QWidget | None, engine: Engine,
               on_done: Callable[[VerifyResultDialog], object] | None = None) -> BackgroundOp:
    """Start the check; when it finishes, show the result dialog and pass it to `on_done`."""
    def success(report: VerifyReport) -> None:
        dialog = VerifyResultDialog(report, parent)
        if parent is None:
            _open_results.add(dialog)
            dialog.finished.connect(lambda _result: _open_results.discard(dialog))
        dialog.show()
        if on_done is not None:
            on_done(dialog)

    def check(session, progress) -> VerifyReport:  # with the trust file beside the database
        return verify.verify_database(session, progress, db_path=str(engine.url.database))

    return BackgroundOp(parent, engine, check, success=success, label=PROGRESS_LABEL).start()


def problem_count(report: VerifyReport) -> int:
    return len(report.problems) + (0 if report.chain is None or report.chain.ok else 1)


def summary_text(report: VerifyReport) -> str:
    """What was checked and the audit chain's state (the CLI's wording)."""
    if report.chain is None:
        chain = "未校验"
    elif report.chain.ok:
        chain = f"完整（审计记录 {report.chain.events:,} 条）"
    else:
        chain = report.chain.message
    root = (f"\n根密钥指纹：{report.root_fingerprint}（请与存档的《密钥登记表》核对）" if report.root_fingerprint
            else "")
    return (f"已核验 {report.projects:,} 个项目的 {report.signatures:,} 个有效签名、{report.records:,} 条记录。\n"
            f"审计链：{chain}{root}")


def _where(problem: Problem) -> str:
    return problem.where


def headline_text(report: VerifyReport) -> str:
    return PASSED if report.ok else f"校验未通过：发现 {problem_count(report)} 处问题"


def report_text(report: VerifyReport) -> str:
    """The whole result as plain text (for 复制结果)."""
    lines = [headline_text(report), summary_text(report)]
    for problem in report.problems:
        prefix = f"项目 {problem.project_id} " if problem.project_id is not None else ""
        lines.append(f"✗ {prefix}{_where(problem)}：{problem.message}")
    return "\n".join(lines)


class VerifyResultDialog(QDialog):
    """Non-modal; deletes itself when closed."""

    project_activated = Signal(int)

    def __init__(self, report: VerifyReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        self.setWindowTitle("校验签名和审计链")
        self.report = report

        self.headline = QLabel(headline_text(report))
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setStyleSheet(f"color: {GREEN if report.ok else RED};")
        self.summary = QLabel(summary_text(report))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = self._problem_table(report)

        self.copy_button = QPushButton("复制结果(&C)")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(report_text(report)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.summary)
        if self.problems.rowCount():
            layout.addWidget(self.problems, 1)
            if any(p.project_id is not None for p in report.problems):
                layout.addWidget(QLabel("双击项目所在行，可在项目列表中选中该项目。"))
            fit_to_screen(self, 900, 520)
        else:
            self.problems.hide()
            self.resize(560, 0)
        layout.addWidget(buttons)

    def _problem_table(self, report: VerifyReport) -> QTableWidget:
        rows = [(p.project_id, _where(p), p.message) for p in report.problems]
        if report.chain is not None and not report.chain.ok:
            rows.append((None, CHAIN_ROW, report.chain.message))
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels(["项目", "问题"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(True)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 280)
        header.setStretchLastSection(True)
        for row, (project_id, where, message) in enumerate(rows):
            where_item, message_item = QTableWidgetItem(where), QTableWidgetItem(message)
            where_item.setData(PROJECT_ID_ROLE, project_id)
            where_item.setToolTip(where if project_id is None else f"项目 {project_id}：{where}")
            message_item.setToolTip(message)
            table.setItem(row, 0, where_item)
            table.setItem(row, 1, message_item)
        header.sectionResized.connect(lambda *_: table.resizeRowsToContents())  # re-wrap long messages
        table.activated.connect(self._activated)
        return table

    def project_id_at(self, row: int) -> int | None:
        item = self.problems.item(row, 0)
        return None if item is None else item.data(PROJECT_ID_ROLE)

    def _activated(self, index) -> None:
        project_id = self.project_id_at(index.row())
        if project_id is not None:
            self.project_activated.emit(project_id)
