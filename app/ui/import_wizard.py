"""从 Excel 导入: the Excel imports of services.imports as a wizard.

Choose what to import (and the fund, for 下达, 到位 and 上报支出数), write a blank or prefilled template if
needed, and choose the filled workbook. Every row is then checked in a dry run in the background and
listed with its outcome or its 错误说明; the checked workbook (the input with the 错误说明 column and
the bad cells marked) can be saved for the clerk to fix. 导入 applies all rows, or with 只导入无误的行
the valid ones, after a backup, and shows what was done.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWizard,
                               QWizardPage)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import APP_NAME
from app.errors import BangzhenError
from app.models import Fund
from app.services import import_kinds, imports
from app.ui.exchange_wizards import WorkPage, file_row, setup_wizard
from app.ui.forms import error_label, fund_combo, table
from app.ui.login import Login
from app.ui.ops import Failed, run_now

EXCEL_FILTER = "Excel 工作簿 (*.xlsx);;所有文件 (*)"
ROW_COLUMNS = ("行号", "内容", "结果", "错误说明或提示")
BAD = QColor("#FFC7CE")


class ExcelImportWizard(QWizard):
    def __init__(self, engine: Engine, db_path: Path, login: Login, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.db_path, self.login = engine, Path(db_path), login
        self.applied = False
        self.choose = ChoosePage(engine, login)
        self.trial = TrialPage()
        self.result_page = ResultPage()
        for page in (self.choose, self.trial, self.result_page):
            self.addPage(page)
        setup_wizard(self, "从 Excel 导入")

    def kind(self) -> imports.Kind:
        return self.choose.kind()

    def fund_id(self) -> int | None:
        return self.choose.fund.currentData() if self.kind().needs_fund else None

    def path(self) -> Path:
        return Path(self.choose.path.text().strip()).expanduser()

    def run_import(self, session: Session, progress, dry_run: bool, valid_only: bool = False) -> imports.Report:
        fund_id = self.fund_id()
        checked = "" if dry_run else self.trial.report.digest  # import only the file as the trial showed it
        return imports.run_import(session, self.login.user(session), self.kind(), self.path(),
                                  fund=None if fund_id is None else session.get(Fund, fund_id), dry_run=dry_run,
                                  valid_only=valid_only, db_path=None if dry_run else self.db_path, progress=progress,
                                  expect_digest=checked)


class ChoosePage(QWizardPage):
    def __init__(self, engine: Engine, login: Login) -> None:
        super().__init__()
        self.engine, self.login = engine, login
        self.setTitle("从 Excel 导入：选择种类和文件")
        self.setSubTitle("没有模板时先点“生成模板”，填好后选择该文件。下一步会逐行检查并试导入，确认后才改动数据库"
                         "（导入前自动备份）。")
        self.kinds = list(import_kinds.KINDS.values())
        self.kind_box = QComboBox()
        for kind in self.kinds:
            self.kind_box.addItem(kind.title, kind.name)
        found = run_now(self, engine, fund_combo)
        self.fund = QComboBox() if found is Failed else found
        self.path = QLineEdit()
        self.path.textChanged.connect(self.completeChanged)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.template_button = QPushButton("生成模板(&T)…")
        self.template_button.clicked.connect(self.write_template)
        self.hint = error_label()
        form = QFormLayout(self)
        form.addRow("导入(&K)：", self.kind_box)
        form.addRow("资金(&U)：", self.fund)
        form.addRow("", self.notes)
        form.addRow("", self.template_button)
        form.addRow("Excel 文件(&E)：", file_row(self.path, self._browse))
        form.addRow(self.hint)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def kind(self) -> imports.Kind:
        return self.kinds[self.kind_box.currentIndex()]

    def _kind_changed(self) -> None:
        kind = self.kind()
        self.fund.setEnabled(kind.needs_fund)
        self.notes.setText("\n".join(kind.notes))
        self.completeChanged.emit()

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "选择填好的 Excel 文件", self.path.text() or str(Path.home()),
                                                EXCEL_FILTER)
        if chosen:
            self.path.setText(chosen)

    def write_template(self, path: Path | None = None) -> Path | None:
        kind = self.kind()
        if kind.needs_fund and self.fund.currentData() is None:
            self._say("请先选择资金。")
            return None
        if not path:
            chosen, _ = QFileDialog.getSaveFileName(self, "模板保存为", str(Path.home() / f"{kind.title}导入模板.xlsx"),
                                                    EXCEL_FILTER)
            if not chosen:
                return None
            path = Path(chosen if chosen.endswith(".xlsx") else chosen + ".xlsx")
        fund_id = self.fund.currentData() if kind.needs_fund else None

        def write(session: Session) -> Path:
            fund = None if fund_id is None else session.get(Fund, fund_id)
            return imports.write_template(session, self.login.user(session), kind, path, fund)

        written = run_now(self, self.engine, write)
        if written is Failed:
            return None
        self.hint.hide()
        if not self.path.text().strip():
            self.path.setText(str(written))
        QMessageBox.information(self, APP_NAME, f"已生成“{kind.title}”导入模板：\n{written}\n\n填好后选择该文件导入。")
        return written

    def _say(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.show()

    def isComplete(self) -> bool:
        return bool(self.path.text().strip()) and (not self.kind().needs_fund or self.fund.currentData() is not None)

    def validatePage(self) -> bool:
        path = self.wizard().path()
        if not path.is_file():
            self._say(f"文件“{path}”不存在。")
            return False
        self.hint.hide()
        return True


class RowsView(QWidget):
    """The rows of a report: line, its key values, outcome, 错误说明 (bad rows marked); 保存检查结果…."""

    def __init__(self) -> None:
        super().__init__()
        self.report: imports.Report | None = None
        self.rows: QTableWidget = table(ROW_COLUMNS)
        self.save_button = QPushButton("保存检查结果(&S)…")
        self.save_button.setToolTip("原表加“错误说明”列，有错的单元格标红；改正后可直接再次导入")
        self.save_button.clicked.connect(lambda: self.save())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rows, 1)
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(self.save_button)
        layout.addLayout(line)
        self.hide()

    def show_report(self, report: imports.Report) -> None:
        self.report = report
        self.rows.setRowCount(len(report.rows))
        for r, row in enumerate(sorted(report.rows, key=lambda row: (row.ok, row.line))):  # the bad rows first
            said = row.message if not row.ok else "；".join(row.notes)
            what = "、".join(str(row.values.get(key) or "") for key in report.kind.key)
            cells = [str(row.line), what, "有错" if not row.ok else row.outcome, said]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not row.ok:
                    item.setBackground(QBrush(BAD))
                if c == 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.rows.setItem(r, c, item)
        self.save_button.setEnabled(bool(report.rows))
        self.show()

    def save(self, path: Path | None = None) -> Path | None:
        if path is None:
            suggested = imports.result_path(self.report.path)
            chosen, _ = QFileDialog.getSaveFileName(self, "保存检查结果", str(suggested), EXCEL_FILTER)
            if not chosen:
                return None
            path = Path(chosen)
        try:
            written = imports.write_result(self.report, path)
        except BangzhenError as error:
            QMessageBox.warning(self, APP_NAME, error.user_message)
            return None
        self.save_button.setText(f"已保存 {written.name}，再存一份(&S)…")
        return written


class TrialPage(WorkPage):
    def __init__(self) -> None:
        super().__init__("从 Excel 导入：逐行检查（试导入）")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "导入(&I)")
        self.valid_only = QCheckBox("只导入无误的行(&V)（有错的行留在检查结果中，改正后再导入）")
        self.valid_only.toggled.connect(self.completeChanged)
        self.valid_only.hide()
        self.view = RowsView()
        self.layout().addWidget(self.valid_only)
        self.layout().addWidget(self.view, 1)
        self.report: imports.Report | None = None

    def initializePage(self) -> None:
        wizard: ExcelImportWizard = self.wizard()
        self.report = None
        self.view.hide()
        self.valid_only.hide()
        self.valid_only.setChecked(False)

        def success(report: imports.Report) -> None:
            self.report = report
            text = report.summary().replace("试导入，未作任何改动。", "数据库尚未改动。")
            changing = sum(1 for row in report.rows if row.ok and row.outcome in imports.APPLIED)
            if report.bad:
                text += "\n有错的行见下表（标红）；可保存检查结果，在 Excel 中改正后重新选择该文件导入。"
                self.valid_only.setVisible(changing > 0)
            elif not changing:
                text += "\n没有需要导入的新内容。"
            else:
                text += "\n全部无误。点“导入”正式导入（导入前自动备份）。"
            self.message.setText(text)
            self.view.show_report(report)

        self.run(wizard.engine, lambda session, progress: wizard.run_import(session, progress, dry_run=True), success,
                 "正在逐行检查…")

    def isComplete(self) -> bool:
        report = self.report
        if not self.done or report is None:
            return False
        changing = any(row.ok and row.outcome in imports.APPLIED for row in report.rows)
        return changing and (not report.bad or self.valid_only.isChecked())


class ResultPage(WorkPage):
    def __init__(self) -> None:
        super().__init__("从 Excel 导入：结果")
        self.view = RowsView()
        self.layout().addWidget(self.view, 1)
        self.report: imports.Report | None = None

    def initializePage(self) -> None:
        wizard: ExcelImportWizard = self.wizard()
        valid_only = wizard.trial.valid_only.isChecked()

        def success(report: imports.Report) -> None:
            self.report = report
            wizard.applied = report.applied
            text = report.summary()
            if report.backup is not None:
                text += f"\n\n导入前已备份：{report.backup}"
            self.message.setText(text)
            self.view.show_report(report)

        self.run(wizard.engine,
                 lambda session, progress: wizard.run_import(session, progress, dry_run=False, valid_only=valid_only),
                 success, "正在导入…")
