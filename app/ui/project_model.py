"""The project table: an id-only `QAbstractTableModel`. It holds the ids of the selected region's
projects and loads display rows a block at a time when the view asks for them, so a province of
150,000 projects opens and scrolls at once (the Anki browser's design)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.models import ProjectStatus, format_percent
from app.services import projects
from app.services.database import unit_of_work
from app.services.projects import ProjectRow
from app.services.regions import RegionRef
from app.ui.table_model import HeaderedTableModel, Index, cached_row

HEADERS = ("项目名称", "镇", "用途类别", "状态", "金额（万元）", "已支出（万元）", "支出率")
NUMERIC_COLUMNS = {4, 5, 6}
BLOCK = 200
CACHE_LIMIT = 20 * BLOCK
MUTED = {ProjectStatus.cancelled: QColor("#888888"), ProjectStatus.returned: QColor("#b3261e")}


class ProjectTableModel(HeaderedTableModel):
    headers = HEADERS

    def __init__(self, engine: Engine, parent=None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._region = RegionRef.province()
        self._text = ""
        self._sort: str | None = None
        self._descending = False
        self._ids: list[int] = []
        self._rows: dict[int, ProjectRow] = {}

    # -- what to show --------------------------------------------------------------------
    def set_filter(self, region: RegionRef, text: str = "") -> None:
        self._region, self._text = region, text
        self.refresh()

    def refresh(self) -> None:
        # Query first: if it fails, the model is left as it was, not stuck half-way through a reset.
        with unit_of_work(self._engine) as session:
            ids = projects.project_ids(session, self._region, self._text, self._sort, self._descending)
        self._reset(ids)

    def _reset(self, ids: list[int]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._rows.clear()
        self.endResetModel()

    @property
    def region(self) -> RegionRef:
        return self._region

    def project_id(self, row: int) -> int:
        return self._ids[row]

    # -- Qt model interface ----------------------------------------------------------------
    def row_count(self) -> int:
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not self.has_cell(index):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in NUMERIC_COLUMNS else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = MUTED.get(row.status)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.name if column == 0 else (row.purpose.label if column == 2 else None)
        return _display(row, column)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = projects.SORT_KEYS[column] if 0 <= column < len(projects.SORT_KEYS) else None
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._sort, self._descending):
            return  # the view asks again when sorting is switched on; the ids are already in order
        self._sort, self._descending = key, descending
        self.refresh()

    # -- lazy loading ------------------------------------------------------------------------
    def _row(self, row: int) -> ProjectRow | None:
        return cached_row(self._engine, self._rows, self._ids, row, BLOCK, CACHE_LIMIT, projects.project_rows)


def _display(row: ProjectRow, column: int) -> str:
    if column == 0:
        return row.name
    if column == 1:
        return row.town
    if column == 2:
        return row.purpose.label
    if column == 3:
        return row.status.label
    if column == 4:
        return row.amount.format_wan(2, thousands=True)
    if column == 5:
        return row.spent.format_wan(2, thousands=True)
    return format_percent(row.spend_rate)


class WorkListModel(ProjectTableModel):
    """The same columns over the ids a work list (待我签字, 待审定, 已退回) gives, in its order."""

    def __init__(self, engine: Engine, source: Callable[[Session], list[int]], parent=None) -> None:
        super().__init__(engine, parent)
        self._source = source

    def refresh(self) -> None:
        with unit_of_work(self._engine) as session:
            ids = self._source(session)
        self._reset(ids)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        pass  # a work list keeps the order it was given (oldest first)
