"""Table models of the ledger (台账): `LedgerTableModel` holds only the ids of a region's spendable
projects and loads their ledger lines a block at a time; `TownLedgerModel` shows one fund's lines
per town; `ExpenditureTableModel` lists one project's expenditures with their 红字冲销 marks."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from sqlalchemy import Engine

from app.models import format_percent
from app.services import ledger
from app.services.database import unit_of_work
from app.services.ledger import ExpenditureLine, LedgerLine
from app.services.regions import RegionRef
from app.ui.table_model import HeaderedTableModel, Index, cached_row

BLOCK = 200
CACHE_LIMIT = 20 * BLOCK
LAG_TEXT = "滞后"
RED = QColor("#b3261e")
MUTED = QColor("#888888")
PROJECT_HEADERS = ("项目名称", "已安排（万元）", "已支出（万元）", "支出率", "序时进度", "滞后")
TOWN_HEADERS = ("镇",) + PROJECT_HEADERS[1:]
LAG_COLUMN = 5
# Sortable columns of the project ledger and the `ledger.ledger_ids` key each sorts by.
PROJECT_SORT_KEYS = {0: "name", 1: "arranged", 2: "spent", 3: "rate"}
AS_OF_SORTS = ("spent", "rate")  # orders that change with the 基准日

DISPLAY, TOOLTIP, FOREGROUND, ALIGN = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                       Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.TextAlignmentRole)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)


def line_text(line: LedgerLine, column: int) -> str:
    if column == 0:
        return line.name
    if column == 1:
        return line.allocated.format_wan(2, thousands=True)
    if column == 2:
        return line.spent.format_wan(2, thousands=True)
    if column == 3:
        return format_percent(line.spend_rate)
    if column == 4:
        return format_percent(line.progress)
    return LAG_TEXT if line.lagging else ""


def _line_data(line: LedgerLine, column: int, role: int):
    if role == DISPLAY:
        return line_text(line, column)
    if role == FOREGROUND:
        return QBrush(RED) if column == LAG_COLUMN and line.lagging else None
    if role == TOOLTIP:
        if column == 0:
            return line.name
        if column == LAG_COLUMN and line.lagging:
            return f"支出率 {format_percent(line.spend_rate)} 落后于序时进度 {format_percent(line.progress)}"
    return None


def _alignment(column: int) -> int:
    return LEFT if column == 0 else (CENTER if column == LAG_COLUMN else RIGHT)


class _LineModel(HeaderedTableModel):
    """What the two ledger models share: the columns and how a `LedgerLine` is shown."""

    headers: tuple[str, ...] = PROJECT_HEADERS

    def data(self, index: Index, role: int = DISPLAY):
        if not self.has_cell(index):
            return None
        if role == ALIGN:
            return _alignment(index.column())
        if role not in (DISPLAY, TOOLTIP, FOREGROUND):
            return None
        line = self.line(index.row())
        return None if line is None else _line_data(line, index.column(), role)

    def line(self, row: int) -> LedgerLine | None:
        raise NotImplementedError


class LedgerTableModel(_LineModel):
    """按项目: the region's projects that may spend (审定入库 and later), ids only in memory."""

    def __init__(self, engine: Engine, parent=None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._region: RegionRef | None = None
        self._as_of = date.today()
        self._sort: str | None = None
        self._descending = False
        self._ids: list[int] = []
        self._lines: dict[int, LedgerLine] = {}

    def set_region(self, region: RegionRef) -> None:
        self._region = region
        self.refresh()

    def set_as_of(self, as_of: date) -> None:
        """序时进度, 已支出 and the lag flag depend on the date; the order only when sorted by 已支出 or 支出率."""
        self._as_of = as_of
        self._lines.clear()
        if self._sort in AS_OF_SORTS:
            self.refresh()
        elif self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.headers) - 1))

    def refresh(self) -> None:
        if self._region is None:
            return
        # Query first: if it fails, the model is left as it was, not stuck half-way through a reset.
        with unit_of_work(self._engine) as session:
            ids = ledger.ledger_ids(session, self._region, self._sort, self._descending, self._as_of)
        self.beginResetModel()
        self._ids = ids
        self._lines.clear()
        self.endResetModel()

    @property
    def region(self) -> RegionRef | None:
        return self._region

    @property
    def as_of(self) -> date:
        return self._as_of

    def project_id(self, row: int) -> int:
        return self._ids[row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = PROJECT_SORT_KEYS.get(column)
        # Columns without a key (and the view's "no column" -1) keep the stored order.
        descending = key is not None and order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = key, descending
        self.refresh()

    def row_count(self) -> int:
        return len(self._ids)

    def line(self, row: int) -> LedgerLine | None:
        return cached_row(self._engine, self._lines, self._ids, row, BLOCK, CACHE_LIMIT,
                          lambda session, ids: ledger.project_ledger(session, ids, self._as_of))


# How each column of 按镇 sorts (a rate of nothing arranged first, as in the project ledger).
TOWN_SORT_KEYS = {0: lambda line: line.name, 1: lambda line: line.allocated, 2: lambda line: line.spent,
                  3: lambda line: (line.spend_rate is not None, line.spend_rate or 0),
                  4: lambda line: line.progress, 5: lambda line: line.lagging}


class TownLedgerModel(_LineModel):
    """按镇: one fund's allocations and spending per town (at most one line per town of the province, so
    all are held and sorted here); unsorted, in the towns' code order."""

    headers = TOWN_HEADERS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._given: list[LedgerLine] = []
        self._lines: list[LedgerLine] = []
        self._column, self._descending = -1, False

    def set_lines(self, lines: list[LedgerLine]) -> None:
        self._given = list(lines)
        self._show()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._column, self._descending = column, order == Qt.SortOrder.DescendingOrder
        self._show()

    def _show(self) -> None:
        key = TOWN_SORT_KEYS.get(self._column)
        self.beginResetModel()
        self._lines = list(self._given) if key is None else sorted(self._given, key=key, reverse=self._descending)
        self.endResetModel()

    @property
    def lines(self) -> list[LedgerLine]:
        return list(self._lines)

    def row_count(self) -> int:
        return len(self._lines)

    def line(self, row: int) -> LedgerLine | None:
        return self._lines[row]


EXPENDITURE_HEADERS = ("日期", "凭证号", "收款单位（人）", "摘要", "金额（元）", "状态")
AMOUNT_COLUMN = 4
REVERSED_TEXT = "已冲销"
REVERSAL_TEXT = "红字冲销"


class ExpenditureTableModel(HeaderedTableModel):
    """One project's expenditures: reversing entries in red, the entries they cancel greyed and
    marked 已冲销 (a project has tens of entries, so all are held)."""

    headers = EXPENDITURE_HEADERS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lines: list[ExpenditureLine] = []

    def set_lines(self, lines: list[ExpenditureLine]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def line(self, row: int) -> ExpenditureLine:
        return self._lines[row]

    def row_of(self, expenditure_id: int) -> int | None:
        return next((row for row, line in enumerate(self._lines) if line.id == expenditure_id), None)

    def row_count(self) -> int:
        return len(self._lines)

    def data(self, index: Index, role: int = DISPLAY):
        if not self.has_cell(index):
            return None
        line, column = self._lines[index.row()], index.column()
        if role == ALIGN:
            return RIGHT if column == AMOUNT_COLUMN else LEFT
        if role == FOREGROUND:
            if line.is_reversal:
                return QBrush(RED)
            return QBrush(MUTED) if line.reversed_by_id is not None else None
        if role in (DISPLAY, TOOLTIP):
            text = _expenditure_text(line, column)
            return text if role == DISPLAY or column in (2, 3) else None
        return None


def _expenditure_text(line: ExpenditureLine, column: int) -> str:
    if column == 0:
        return line.spent_on.isoformat()
    if column == 1:
        return line.voucher_no
    if column == 2:
        return line.payee
    if column == 3:
        return line.purpose
    if column == AMOUNT_COLUMN:
        return line.amount.format_yuan()
    if line.is_reversal:
        return REVERSAL_TEXT
    return REVERSED_TEXT if line.reversed_by_id is not None else ""
