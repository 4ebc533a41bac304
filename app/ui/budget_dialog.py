"""资金收支预算 (a city's or county's pooled fund, seed 002): the budget's outline with each line's figures
and the computed totals, opened from the 资金与下达 window. The finance office that issued the fund writes
the 收支预算表 and 绩效目标表 out to fill in Excel and imports them back (one signed act); the statement
itself prints from 报表中心 (`city-fund`). The figures and checks are services.money.budget's."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPlainTextEdit,
                               QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.errors import BangzhenError
from app.models import format_percent, rate
from app.services.database import unit_of_work
from app.services.dates import parse_date
from app.services.errors import InputError
from app.services.money import budget, budget_form
from app.services.money.budget import exact_wan
from app.services.money.funds import get_fund
from app.ui.forms import NUMERIC, FormDialog, button_row, date_field, ok_cancel
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

HEADERS = ("项目", "金额/安排数（万元）", "已下达", "未下达", "已支出", "支出率（占已下达）", "说明")


def targets_path(path: Path) -> Path:
    """Where the 绩效目标表 goes beside a 收支预算表 written to `path`."""
    return path.with_name(f"{path.stem}（绩效目标）{path.suffix}")


class BudgetDialog(QDialog):
    def __init__(self, engine: Engine, login: Login | None, fund_id: int, may_edit: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self._login, self._fund_id = engine, login, fund_id
        with unit_of_work(engine) as session:
            self.setWindowTitle(f"资金收支预算：{get_fund(session, fund_id).name}")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(HEADERS))
        self.export_button = QPushButton("导出收支预算表(&E)…")
        self.import_button = QPushButton("导入收支预算表(&I)…")
        self.import_button.setToolTip("导入填好的收支预算表和绩效目标表（CSV 或 xlsx），合计由程序计算")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(button_row(self, ((self.export_button, self._export, True),
                                           (self.import_button, self._import, may_edit))))
        fit_to_screen(self, 960, 560)
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        try:
            with unit_of_work(self._engine) as session:
                fund = get_fund(session, self._fund_id)
                if budget.budget_for(session, fund.id) is None:
                    self.summary.setText("尚未登记收支预算。请“导出收支预算表”得到空白表，在 Excel 中填写后导入。")
                    return
                found = budget.statement(session, fund)
        except BangzhenError as error:  # a stored budget edited outside the program: say so, show nothing
            self.summary.setText(f"收支预算无法显示：{error.user_message}（请运行“校验”查明原因。）")
            return
        self.summary.setText(summary_text(found))
        for section, nodes in (("收入", found.income), ("支出", found.spending)):
            group = QTreeWidgetItem([section])
            self.tree.addTopLevelItem(group)
            self._add(group, nodes, section == "支出")
        self.tree.expandAll()
        for column in range(len(HEADERS)):
            self.tree.resizeColumnToContents(column)

    def _add(self, parent: QTreeWidgetItem, nodes: list[budget.Node], spending: bool) -> None:
        for node in nodes:
            spent_rate = rate(node.spent, node.issued)
            figures = ([exact_wan(node.issued), exact_wan(node.unissued), exact_wan(node.spent),
                        "" if spent_rate is None else format_percent(spent_rate)] if spending else ["", "", "", ""])
            note = "；".join(filter(None, ["" if node.evaluated else "不纳入绩效评价", node.line.note]))
            item = QTreeWidgetItem([f"{node.number}{node.name}", exact_wan(node.amount), *figures, note])
            for column in range(1, 6):
                item.setTextAlignment(column, NUMERIC)
            parent.addChild(item)
            self._add(item, node.children, spending)

    def _export(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "导出收支预算表", "收支预算表.xlsx", "Excel (*.xlsx);;CSV (*.csv)")
        if chosen:
            self.export_forms(Path(chosen))

    def export_forms(self, path: Path) -> list[Path] | None:
        beside = targets_path(path)
        if beside.exists() and QMessageBox.question(
                self, "导出收支预算表", f"绩效目标表将保存为“{beside.name}”，该文件已存在。要替换它吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return None

        def write(session):
            saved = budget.budget_for(session, self._fund_id)
            lines = budget_form.budget_rows(saved) if saved else []
            targets = budget_form.target_rows(saved) if saved else []
            with file_errors("写入"):
                return [budget_form.write_budget(path, lines), budget_form.write_targets(beside, targets)]

        written = run_now(self, self._engine, write)
        if written is Failed:
            return None
        QMessageBox.information(self, "导出收支预算表", "已导出：\n" + "\n".join(str(p) for p in written))
        return written

    def _import(self) -> None:
        if BudgetImportForm(self._engine, self._login, self._fund_id, self).exec():
            self.refresh()


def summary_text(found: budget.Statement) -> str:
    text = (f"收入 {exact_wan(found.income_total)} 万元，分配 {exact_wan(found.allocated)} 万元，{found.balance_text()}。"
            f"纳入绩效评价的安排 {exact_wan(found.evaluated_budget)} 万元，截至 {found.budget.as_of} 已下达 "
            f"{exact_wan(found.issued)} 万元，已支出 {exact_wan(found.spent)} 万元")
    if found.rate_of_issued is not None:
        text += f"（占已下达的 {format_percent(found.rate_of_issued)}）"
    return text + "。"


@contextmanager
def file_errors(doing: str):
    """A file the system will not let us read or write (open in Excel, a read-only folder) as a Chinese
    refusal, not a crash."""
    try:
        yield
    except OSError as error:
        raise InputError(f"无法{doing}文件“{error.filename or ''}”：{error.strerror or error}。"
                         "请关闭正在使用它的程序，或换一个位置。", f"{doing}: {error}") from None


class BudgetImportForm(FormDialog):
    """The filled forms and what the files do not hold: the 基准日, the approval, the overall goal."""

    def __init__(self, engine: Engine, login: Login, fund_id: int, parent: QWidget | None = None) -> None:
        super().__init__("导入收支预算表", parent)
        self._engine, self._login, self._fund_id = engine, login, fund_id
        with unit_of_work(engine) as session:
            saved = budget.budget_for(session, fund_id)
            known = (saved.as_of, saved.approved_on, saved.approved_by, saved.overall_goal, saved.note) if saved else None
        self.lines_file = self.row("收支预算表(&L)：", self._file_row("收支预算表"))
        self.targets_file = self.row("绩效目标表(&T)：", self._file_row("绩效目标表"))
        self.targets_file.edit.setPlaceholderText("可不选：保留已登记的绩效目标")
        self.as_of = self.row("基准日(&D)：", date_field(known[0] if known else None))
        self.approved_on = self.row("预算审批日期：", QLineEdit(str(known[1]) if known and known[1] else ""))
        self.approved_on.setPlaceholderText("如 2022-06-08，可不填")
        self.approved_by = self.row("审批机关：", QLineEdit(known[2] if known else ""))
        self.goal = self.row("总体绩效目标：", QPlainTextEdit(known[3] if known else ""))
        self.goal.setFixedHeight(80)
        self.note = self.row("说明：", QLineEdit(known[4] if known else ""))
        self.layout().addWidget(ok_cancel(self, "保存(&O)"))

    def _file_row(self, what: str) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        row.edit = QLineEdit()
        browse = QPushButton("浏览…")
        browse.clicked.connect(lambda: self._browse(row.edit, what))
        line.addWidget(row.edit, 1)
        line.addWidget(browse)
        return row

    def _browse(self, edit: QLineEdit, what: str) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, f"选择{what}", "", "表格 (*.xlsx *.csv)")
        if chosen:
            edit.setText(chosen)

    def accept(self) -> None:
        lines_path, targets_path_ = self.lines_file.edit.text().strip(), self.targets_file.edit.text().strip()
        if not lines_path:
            self.fail(BangzhenError("请选择收支预算表。"))
            return
        login, fund_id = self._login, self._fund_id
        as_of, approved_by, goal = self.as_of.date().toPython(), self.approved_by.text(), self.goal.toPlainText()
        approved_text, note = self.approved_on.text().strip(), self.note.text()

        def save(session):
            with file_errors("读取"):
                targets = budget_form.read_targets(targets_path_) if targets_path_ else None  # None: keep them
                lines = budget_form.read_budget(lines_path)
            budget.save_budget(session, login.user(session), fund_id, as_of=as_of, lines=lines, targets=targets,
                               approved_on=parse_date(approved_text, "预算审批日期") if approved_text else None,
                               approved_by=approved_by, overall_goal=goal, note=note)

        self.submit(self._engine, save)
