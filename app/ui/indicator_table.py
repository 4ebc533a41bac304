"""The 绩效目标 table of the project editor: one row per indicator (一级/二级/三级指标, 比较, 指标值, 单位),
with the 二级指标 offered according to the 一级指标 (seed 003's performance-target sheet)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app.models import Comparator, IndicatorLevel1, IndicatorLevel2
from app.ui.project_fields import Field, FieldError

L2 = IndicatorLevel2
LEVEL2_OF = {
    IndicatorLevel1.output: [L2.quantity, L2.quality, L2.timeliness, L2.cost],
    IndicatorLevel1.benefit: [L2.economic, L2.social, L2.ecological, L2.sustainable],
    IndicatorLevel1.satisfaction: [L2.beneficiary_satisfaction],
}
HEADERS = ("一级指标", "二级指标", "三级指标", "比较", "指标值", "单位")
LEVEL1, LEVEL2, LEVEL3, COMPARATOR, TARGET, UNIT = range(6)


class IndicatorTable(Field):
    def __init__(self) -> None:
        self.widget = QWidget()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(LEVEL3, QHeaderView.ResizeMode.Stretch)
        for column, width in ((LEVEL1, 110), (LEVEL2, 150), (COMPARATOR, 70), (TARGET, 110), (UNIT, 70)):
            header.resizeSection(column, width)
        self.add_button = QPushButton("添加指标(&A)")
        self.remove_button = QPushButton("删除所选指标(&D)")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._callbacks: list[Callable[[], None]] = []
        self.table.itemChanged.connect(self._changed)

    # -- rows ------------------------------------------------------------------------------
    def add_row(self, indicator: dict[str, Any] | None = None) -> int:
        indicator = indicator or {"level1": IndicatorLevel1.output.value, "level2": L2.quantity.value,
                                  "comparator": Comparator.ge.value}
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        level1 = QComboBox()
        for member in IndicatorLevel1:
            level1.addItem(member.label, member.value)
        level1.setCurrentIndex(max(0, level1.findData(indicator.get("level1"))))
        level2 = QComboBox()
        comparator = QComboBox()
        for member in Comparator:
            comparator.addItem(member.label, member.value)
        comparator.setCurrentIndex(max(0, comparator.findData(indicator.get("comparator"))))
        self.table.setCellWidget(row, LEVEL1, level1)
        self.table.setCellWidget(row, LEVEL2, level2)
        self.table.setCellWidget(row, COMPARATOR, comparator)
        self._fill_level2(level1, level2, indicator.get("level2"))
        for column, key in ((LEVEL3, "level3"), (TARGET, "target_text"), (UNIT, "unit")):
            self.table.setItem(row, column, QTableWidgetItem(str(indicator.get(key) or "")))
        self.table.blockSignals(False)
        level1.currentIndexChanged.connect(lambda: (self._fill_level2(level1, level2, None), self._changed()))
        level2.currentIndexChanged.connect(self._changed)
        comparator.currentIndexChanged.connect(self._changed)
        self._changed()
        return row

    def _fill_level2(self, level1: QComboBox, level2: QComboBox, wanted: str | None) -> None:
        level2.blockSignals(True)
        level2.clear()
        for member in LEVEL2_OF[IndicatorLevel1(level1.currentData())]:
            level2.addItem(member.label, member.value)
        level2.setCurrentIndex(max(0, level2.findData(wanted)))
        level2.blockSignals(False)

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()}, reverse=True)
        if not rows and self.table.currentRow() >= 0:
            rows = [self.table.currentRow()]
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self._changed()

    # -- Field ------------------------------------------------------------------------------
    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def value(self) -> list[dict[str, Any]]:
        indicators = []
        for row in range(self.table.rowCount()):
            comparator = self.table.cellWidget(row, COMPARATOR).currentData()
            target_text = self._text(row, TARGET)
            target_value = None
            if comparator != Comparator.qualitative.value and target_text:
                try:
                    target_value = str(Decimal(target_text.replace(",", "").rstrip("%％")))
                except InvalidOperation:
                    raise FieldError(f"第 {row + 1} 项绩效目标的比较方式为“{Comparator(comparator).label}”，"
                                     f"指标值应为数字，而不是“{target_text}”。") from None
            indicators.append({"level1": self.table.cellWidget(row, LEVEL1).currentData(),
                               "level2": self.table.cellWidget(row, LEVEL2).currentData(),
                               "level3": self._text(row, LEVEL3), "unit": self._text(row, UNIT),
                               "comparator": comparator, "target_text": target_text,
                               "target_value": target_value})
        return indicators

    def set(self, value: Any) -> None:
        self.table.setRowCount(0)
        for indicator in value or []:
            self.add_row(indicator)

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _changed(self, *_: Any) -> None:
        for callback in self._callbacks:
            callback()

    def set_read_only(self, read_only: bool) -> None:
        triggers = QAbstractItemView.EditTrigger.NoEditTriggers if read_only else \
            QAbstractItemView.EditTrigger.AllEditTriggers
        self.table.setEditTriggers(triggers)
        for row in range(self.table.rowCount()):
            for column in (LEVEL1, LEVEL2, COMPARATOR):
                self.table.cellWidget(row, column).setEnabled(not read_only)
        self.add_button.setVisible(not read_only)
        self.remove_button.setVisible(not read_only)
