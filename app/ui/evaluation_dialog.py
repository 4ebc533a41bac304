"""绩效自评: the finance office scores a fund's year for its region (services.evaluation). The indicator
outline is a tree: 分值 left blank is split equally (shown in grey), typed it is set by hand; 完成值 is
typed, or computed by the program where the item names a measure (资金支出率 and the like, not
editable); 扣分 and its 扣分原因 on the lowest items. Scores, totals and the grade follow every edit;
保存 is one signed act. The form (CSV/xlsx) can be exported to fill in Excel and imported back, and
items added or removed here. The returns (表2-1, 指标得分, 表2-3) are in the 报表中心."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QStyledItemDelegate, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app import APP_NAME
from app.errors import BangzhenError
from app.models import Fund, UserRole
from app.services import evaluation, evaluation_form
from app.services.database import unit_of_work
from app.services.regions import PROVINCE_CODE, find_region
from app.ui.forms import fund_combo
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

NAME, WEIGHT, SCORE, TARGET, ACTUAL, DEDUCTION, REASON = range(7)
HEADERS = ("指标", "分值", "得分", "指标值", "完成值", "扣分", "扣分原因")
HAND = Qt.ItemDataRole.UserRole          # on WEIGHT: the weight set by hand (hundredths) or None
MEASURE = Qt.ItemDataRole.UserRole + 1   # on ACTUAL: the measure computing it, or ""
FINANCE = (UserRole.province_finance, UserRole.city_finance, UserRole.county_finance)
GREY = QBrush(QColor("#777777"))


def _regions(engine: Engine, login: Login | None, current: str) -> list[tuple[str, str]]:
    """(code, name) of the regions the login's finance roles evaluate; else the current region (to read)."""
    codes = [code for role, code in (login.grants if login else ()) if role in FINANCE]
    with unit_of_work(engine) as session:
        found = [(code, find_region(session, code).name) for code in dict.fromkeys(codes)]
        if not found:
            region = find_region(session, current if len(current) in (2, 4, 6) else PROVINCE_CODE)
            found = [(region.code, region.name)]
    return found


class _Cells(QStyledItemDelegate):
    """No editor for 得分 (computed) nor for a 完成值 the program computes."""

    def createEditor(self, parent, option, index):
        if index.column() == SCORE or (index.column() == ACTUAL and index.data(MEASURE)):
            return None
        return super().createEditor(parent, option, index)


class EvaluationDialog(QDialog):
    def __init__(self, engine: Engine, login: Login | None, region_code: str = PROVINCE_CODE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.login = engine, login
        self.setWindowTitle("绩效自评")
        self.measured: dict[str, str] = {}
        self._filling = False

        with unit_of_work(engine) as session:
            self.fund = fund_combo(session)
        self.region = QComboBox()
        for code, name in _regions(engine, login, region_code):
            self.region.addItem(f"{name}（{code}）", code)
        self.may_save = bool(login) and any(login.has_role(role, self.region.currentData()) for role in FINANCE)
        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setMaximumDate(QDate.currentDate())
        self.scheme = QComboBox()
        for key, scheme in evaluation.SCHEMES.items():
            self.scheme.addItem(scheme.label, key)
        self.goal = QLineEdit()
        self.note = QLineEdit()
        self.note.setPlaceholderText("表2-3 末行的说明，可不填")
        form = QFormLayout()
        form.addRow("资金(&F)：", self.fund)
        form.addRow("评价地区(&G)：", self.region)
        form.addRow("评价基准日(&D)：", self.as_of)
        form.addRow("评分方案(&M)：", self.scheme)
        form.addRow("总体绩效目标(&T)：", self.goal)
        form.addRow("说明(&N)：", self.note)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(HEADERS)
        for column, width in zip(range(7), (400, 56, 56, 110, 100, 48, 240)):
            self.tree.setColumnWidth(column, width)
        self.tree.setItemDelegate(_Cells(self.tree))
        self.tree.itemChanged.connect(self._changed)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.add_button = QPushButton("添加同级指标(&A)")
        self.child_button = QPushButton("添加下级指标(&C)")
        self.remove_button = QPushButton("删除指标(&R)")
        self.import_button = QPushButton("导入评分表(&I)…")
        self.export_button = QPushButton("导出评分表(&X)…")
        self.save_button = QPushButton("保存(&S)")
        close = QPushButton("关闭")
        self.add_button.clicked.connect(self.add_sibling)
        self.child_button.clicked.connect(self.add_child)
        self.remove_button.clicked.connect(self.remove)
        self.import_button.clicked.connect(self.import_form)
        self.export_button.clicked.connect(self.export_form)
        self.save_button.clicked.connect(self.save)
        close.clicked.connect(self.reject)
        for button in (self.add_button, self.child_button, self.remove_button, self.import_button, self.save_button):
            button.setEnabled(self.may_save)
        if not self.may_save:
            self.save_button.setToolTip("只有本地区的财政角色（省级、市级或县级财政）可以填报绩效自评。")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.child_button, self.remove_button, self.import_button,
                       self.export_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        fit_to_screen(self, 1100, 640)
        self.fund.currentIndexChanged.connect(self.load)
        self.region.currentIndexChanged.connect(self.load)
        self.as_of.dateChanged.connect(self._as_of_changed)
        self.scheme.currentIndexChanged.connect(self._scheme_changed)
        self.load()

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        """The saved evaluation of the chosen fund and region, or a new one from the template."""
        fund_id, code = self.fund.currentData(), self.region.currentData()
        if fund_id is None or code is None:
            self.status.setText("还没有资金。请先在“资金与下达”中登记资金。")
            return
        with unit_of_work(self.engine) as session:
            fund, region = session.get(Fund, fund_id), find_region(session, code)
            saved = evaluation.evaluation_for(session, fund_id, code)
            if saved is not None:
                as_of, scheme = saved.as_of, saved.scheme
                self.goal.setText(saved.overall_goal)
                self.note.setText(saved.note)
                items = [evaluation.ItemInput(i.level, i.name, i.weight, i.target_text, i.measure, i.actual_text,
                                              i.deduction, i.reason) for i in saved.items]
            else:
                as_of, scheme = min(QDate.currentDate().toPython(), fund.deadline or QDate.currentDate().toPython()), "seed"
                self.goal.clear()
                self.note.clear()
                form = [dict(zip(evaluation_form.FORM_HEADER, row))
                        for row in evaluation_form.template_rows(session, fund, region, scheme)]
                items = evaluation_form.items_from_rows(scheme, form)
        self._filling = True
        self.as_of.setDate(QDate(as_of))
        self.scheme.setCurrentIndex(self.scheme.findData(scheme))
        self._filling = False
        self._fill(items)
        self._measure()
        self.status.setText(("已填报，可修改后保存。" if saved is not None else "尚未填报：已按评分表模板列出指标。")
                            + self.status.text())

    def _fill(self, items: list[evaluation.ItemInput]) -> None:
        self._filling = True
        self._scheme_shown = self.scheme.currentData()
        self.tree.clear()
        open_at: dict[int, QTreeWidgetItem] = {}
        for item in items:
            parent = open_at.get(item.level - 1)
            node = self._node(item)
            (parent.addChild(node) if parent is not None else self.tree.addTopLevelItem(node))
            open_at[item.level] = node
        self.tree.expandAll()
        self._filling = False

    def _node(self, item: evaluation.ItemInput) -> QTreeWidgetItem:
        node = QTreeWidgetItem([item.name, "", "", item.target_text, item.actual_text,
                                evaluation.points_text(item.deduction) if item.deduction else "", item.reason])
        node.setToolTip(NAME, item.name)
        node.setToolTip(REASON, item.reason)
        node.setData(WEIGHT, HAND, item.weight)
        node.setData(ACTUAL, MEASURE, item.measure)
        if self.may_save:
            node.setFlags(node.flags() | Qt.ItemFlag.ItemIsEditable)
        for column in (WEIGHT, SCORE, DEDUCTION):
            node.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return node

    def _scheme_changed(self) -> None:
        """Another scheme has other 一级 items: the indicators are listed again from its template."""
        if self._filling:
            return
        if self.tree.topLevelItemCount() and QMessageBox.question(
                self, APP_NAME, "更换评分方案后，将按新方案的模板重新列出指标，当前的指标和评分（未保存的）不再保留。继续吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            self._filling = True
            self.scheme.setCurrentIndex(self.scheme.findData(self._scheme_shown))
            self._filling = False
            return
        scheme = self.scheme.currentData()
        with unit_of_work(self.engine) as session:
            fund, region = session.get(Fund, self.fund.currentData()), find_region(session, self.region.currentData())
            form = [dict(zip(evaluation_form.FORM_HEADER, row))
                    for row in evaluation_form.template_rows(session, fund, region, scheme)]
        self._fill(evaluation_form.items_from_rows(scheme, form))
        self._rescore()

    def _as_of_changed(self) -> None:
        if not self._filling:
            self._measure()

    def _measure(self) -> None:
        """Compute the measured 完成值 as of the chosen 基准日."""
        with unit_of_work(self.engine) as session:
            fund, region = session.get(Fund, self.fund.currentData()), find_region(session, self.region.currentData())
            day = self.as_of.date().toPython()
            self.measured = {key: evaluation.measure(session, key, fund, region, day) for key in evaluation.MEASURES}
        self._rescore()

    # -- the outline -------------------------------------------------------------------------------
    def items(self) -> list[evaluation.ItemInput]:
        """The tree as the service takes it (strict: a typed value that is not a score raises)."""
        found: list[evaluation.ItemInput] = []

        def walk(node: QTreeWidgetItem, level: int) -> None:
            deduction = evaluation.points(node.text(DEDUCTION), f"“{node.text(NAME)}”的扣分") or 0
            found.append(evaluation.ItemInput(level, node.text(NAME).strip(), node.data(WEIGHT, HAND),
                                              node.text(TARGET).strip(), node.data(ACTUAL, MEASURE) or "",
                                              "" if node.data(ACTUAL, MEASURE) else node.text(ACTUAL).strip(),
                                              deduction, node.text(REASON).strip()))
            for k in range(node.childCount()):
                walk(node.child(k), level + 1)
        for n in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(n), 1)
        return found

    def _nodes(self) -> list[QTreeWidgetItem]:
        nodes: list[QTreeWidgetItem] = []

        def walk(node: QTreeWidgetItem) -> None:
            nodes.append(node)
            for k in range(node.childCount()):
                walk(node.child(k))
        for n in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(n))
        return nodes

    def _changed(self, node: QTreeWidgetItem, column: int) -> None:
        if self._filling:
            return
        if column == WEIGHT:  # typed: set by hand; emptied: split again
            try:
                hand = evaluation.points(node.text(WEIGHT), f"“{node.text(NAME)}”的分值")
            except BangzhenError as error:
                self.status.setText(error.user_message)
                return
            self._filling = True
            node.setData(WEIGHT, HAND, hand)
            self._filling = False
        self._rescore()

    def _rescore(self) -> None:
        """Weights, scores and the grade from what the tree holds now; a problem is said in the status line."""
        if self._filling:
            return
        nodes = self._nodes()
        try:
            items = self.items()
            scheme = evaluation.SCHEMES[self.scheme.currentData()]
            weights, scores = evaluation.compute(scheme, items)
        except BangzhenError as error:
            self.status.setText(error.user_message)
            return
        self._filling = True
        for node, item, weight, score in zip(nodes, items, weights, scores):
            node.setText(WEIGHT, evaluation.points_text(weight))
            node.setForeground(WEIGHT, QBrush() if item.weight is not None else GREY)
            node.setText(SCORE, evaluation.points_text(score))
            if item.measure:
                node.setText(ACTUAL, self.measured.get(item.measure, ""))
                node.setForeground(ACTUAL, GREY)
                node.setToolTip(ACTUAL, f"由本程序计算：{evaluation.MEASURES[item.measure]}（截至评价基准日）")
        self._filling = False
        total = sum(score for item, score in zip(items, scores) if item.level == 1)
        self.status.setText(f"总分 {evaluation.points_text(total)} 分，绩效等级“{evaluation.grade(total)}”。"
                            "分值为灰色的由上级分值平均分配，输入数字则为手工设定。")

    def add_sibling(self) -> None:
        current = self.tree.currentItem()
        if current is None or current.parent() is None:
            QMessageBox.information(self, APP_NAME, "一级指标由评分方案确定。请先选中一个二级或三级指标。")
            return
        self._insert(current.parent(), current.parent().indexOfChild(current) + 1)

    def add_child(self) -> None:
        current = self.tree.currentItem()
        depth = 0 if current is None else 1 + (current.parent() is not None) + (
            current.parent() is not None and current.parent().parent() is not None)
        if current is None or depth >= 3:
            QMessageBox.information(self, APP_NAME, "请先选中一个一级或二级指标（指标最多三级）。")
            return
        self._insert(current, current.childCount())

    def _insert(self, parent: QTreeWidgetItem, index: int) -> None:
        node = self._node(evaluation.ItemInput(0, "新指标"))
        self._filling = True
        parent.insertChild(index, node)
        parent.setExpanded(True)
        self._filling = False
        self.tree.setCurrentItem(node)
        self._rescore()
        self.tree.editItem(node, NAME)

    def remove(self) -> None:
        current = self.tree.currentItem()
        if current is None or current.parent() is None:
            QMessageBox.information(self, APP_NAME, "请先选中要删除的二级或三级指标（一级指标不能删除）。")
            return
        if current.childCount() and QMessageBox.question(
                self, APP_NAME, f"“{current.text(NAME)}”有 {current.childCount()} 个下级指标，一并删除吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        current.parent().removeChild(current)
        self._rescore()

    # -- the form and saving ---------------------------------------------------------------------------
    def export_form(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出评分表", "绩效自评评分表.xlsx", "Excel (*.xlsx);;CSV (*.csv)")
        if not path:
            return
        try:
            rows = evaluation_form.form_rows(self.items())
            evaluation_form.write_form(path, rows)
        except (BangzhenError, OSError) as error:
            QMessageBox.warning(self, APP_NAME, getattr(error, "user_message", f"无法写入文件：{error}"))
            return
        self.status.setText(f"已导出评分表：{path}（{len(rows)} 行）。在 Excel 中填写后可导入。")

    def import_form(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入评分表", "", "评分表 (*.xlsx *.csv)")
        if path:
            self.load_form(Path(path))

    def load_form(self, path: Path) -> None:
        """The form's indicators replace the tree's (saved only with 保存)."""
        try:
            items = evaluation_form.items_from_rows(self.scheme.currentData(), evaluation_form.read_form(path))
        except BangzhenError as error:
            QMessageBox.warning(self, APP_NAME, error.user_message)
            return
        self._fill(items)
        self._rescore()
        self.status.setText(f"已导入 {path.name} 的 {len(items)} 项指标，核对后请点“保存”。" + self.status.text())

    def save(self) -> bool:
        try:
            items = self.items()
        except BangzhenError as error:
            QMessageBox.warning(self, APP_NAME, error.user_message)
            return False
        login, fund_id, code = self.login, self.fund.currentData(), self.region.currentData()
        values = {"as_of": self.as_of.date().toPython(), "scheme": self.scheme.currentData(), "items": items,
                  "overall_goal": self.goal.text(), "note": self.note.text()}
        done = run_now(self, self.engine, lambda s: evaluation.save_evaluation(s, login.user(s), fund_id, code,
                                                                               **values))
        if done is Failed:
            return False
        self.status.setText("已保存（已签名）。" + self.status.text())
        return True

