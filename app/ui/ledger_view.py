"""The ledger (台账) view of a region: 按项目 — every project in the library, with 已安排 (the county's
资金安排) / 已支出 / 支出率 / 序时进度 and a red 滞后 flag — or 按镇 — one fund's arranged money and
spending per town."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel,
                               QStackedWidget, QTableView, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app.models import Money, format_percent, rate
from app.services import ledger
from app.services.database import unit_of_work
from app.services.regions import RegionRef
from app.ui.ledger_model import LedgerTableModel, TownLedgerModel
from app.ui.list_export import add_export_menu

PROJECT_MODE, TOWN_MODE = 0, 1
LISTED_TEXT = "、".join(status.label for status in ledger.LISTED)


def _table(model) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    # Fixed widths, never ResizeToContents: that would read every row of the lazy model.
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultSectionSize(110)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


class LedgerView(QWidget):
    """Call `set_region` to show something; `refresh` after the data changed elsewhere."""

    project_activated = Signal(int)  # double-click or Enter on a project row

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._region: RegionRef | None = None
        self._stale = {PROJECT_MODE, TOWN_MODE}
        self._summaries: dict[int, str] = {}

        self.mode = QComboBox()
        self.mode.addItems(["按项目", "按镇"])
        self.fund = QComboBox()
        self.fund.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.as_of = QDateEdit(QDate.currentDate())
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setToolTip("评价基准日：序时进度按该日已过的整月计算")
        mode_label, self.fund_label, as_of_label = QLabel("查看(&V)："), QLabel("资金(&F)："), QLabel("基准日(&D)：")
        for label, buddy in ((mode_label, self.mode), (self.fund_label, self.fund), (as_of_label, self.as_of)):
            label.setBuddy(buddy)
        bar = QHBoxLayout()
        for widget in (mode_label, self.mode, self.fund_label, self.fund, as_of_label, self.as_of):
            bar.addWidget(widget)
        bar.addStretch(1)

        self.project_model = LedgerTableModel(engine, self)
        self.town_model = TownLedgerModel(self)
        self.project_table = _table(self.project_model)
        self.town_table = _table(self.town_model)
        for table in (self.project_table, self.town_table):  # unsorted until a header is clicked
            table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            table.setSortingEnabled(True)
        for table, view in ((self.project_table, "按项目"), (self.town_table, "按镇")):
            add_export_menu(table, lambda view=view: f"资金台账（{view}，{self._region.name if self._region else ''}，"
                                                     f"截至{self.as_of.date().toString('yyyy-MM-dd')}）")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.project_table)
        self.stack.addWidget(self.town_table)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.summary)

        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.fund.currentIndexChanged.connect(lambda _index: self._refresh_towns())
        self.as_of.dateChanged.connect(lambda qdate: self.set_as_of(qdate.toPython()))
        self.project_table.activated.connect(self._activated)
        self._mode_changed(PROJECT_MODE)

    # -- public ----------------------------------------------------------------------------
    def set_region(self, region: RegionRef) -> None:
        self._region = region
        self._stale = {PROJECT_MODE, TOWN_MODE}
        self._refresh_current()

    def set_as_of(self, as_of: date) -> None:
        if self.as_of.date().toPython() != as_of:
            self.as_of.setDate(QDate(as_of))  # comes back here through dateChanged
            return
        self.project_model.set_as_of(as_of)
        self._stale.add(TOWN_MODE)
        if self.current_mode() == TOWN_MODE:
            self._refresh_current()

    def refresh(self) -> None:
        """Re-read both modes (the visible one now, the other when it is shown)."""
        self._stale = {PROJECT_MODE, TOWN_MODE}
        self._refresh_current()

    def current_mode(self) -> int:
        return self.mode.currentIndex()

    def set_mode(self, mode: int) -> None:
        self.mode.setCurrentIndex(mode)

    @property
    def region(self) -> RegionRef | None:
        return self._region

    @property
    def as_of_date(self) -> date:
        return self.as_of.date().toPython()

    # -- internals ---------------------------------------------------------------------------
    def _mode_changed(self, mode: int) -> None:
        self.stack.setCurrentIndex(mode)
        self.fund_label.setVisible(mode == TOWN_MODE)
        self.fund.setVisible(mode == TOWN_MODE)
        self.summary.setText(self._summaries.get(mode, ""))  # each mode keeps its own summary line
        self._refresh_current()

    def _refresh_current(self) -> None:
        mode = self.current_mode()
        if self._region is None or mode not in self._stale:
            return
        self._stale.discard(mode)
        if mode == PROJECT_MODE:
            self._refresh_projects()
        else:
            self._load_funds()

    def _refresh_projects(self) -> None:
        self.project_model.set_region(self._region)
        self._summarise(PROJECT_MODE, f"{self._region.name}：项目 {self.project_model.rowCount():,} 个"
                                      f"（{LISTED_TEXT}）。双击项目查看其台账。")

    def _load_funds(self) -> None:
        """Fill the fund picker for the region, keeping the chosen fund when it is still there."""
        with unit_of_work(self._engine) as session:
            funds = ledger.funds_for_town_ledger(session, self._region)
        chosen = self.fund.currentData()
        self.fund.blockSignals(True)
        self.fund.clear()
        for fund in funds:
            self.fund.addItem(fund.name, fund.id)
        self.fund.setCurrentIndex(max(0, self.fund.findData(chosen)))
        self.fund.blockSignals(False)
        self._refresh_towns()

    def _refresh_towns(self) -> None:
        fund_id = self.fund.currentData()
        if self._region is None or fund_id is None:
            self.town_model.set_lines([])
            if self._region is not None:
                self._summarise(TOWN_MODE, f"{self._region.name}：没有已签发的资金安排。")
            return
        with unit_of_work(self._engine) as session:
            lines = ledger.town_ledger(session, fund_id, self._region, self.as_of_date)
        self.town_model.set_lines(lines)
        allocated = Money.total(line.allocated for line in lines)
        spent = Money.total(line.spent for line in lines)
        lagging = sum(line.lagging for line in lines)
        self._summarise(TOWN_MODE, f"{self._region.name}：镇 {len(lines)} 个，已安排 {allocated.format_wan(2, True)} 万元，"
                             f"已支出 {spent.format_wan(2, True)} 万元，支出率 {format_percent(rate(spent, allocated))}，"
                             f"滞后 {lagging} 个。")

    def _summarise(self, mode: int, text: str) -> None:
        self._summaries[mode] = text
        if self.current_mode() == mode:
            self.summary.setText(text)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.project_activated.emit(self.project_model.project_id(index.row()))
