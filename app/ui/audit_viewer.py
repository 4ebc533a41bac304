"""The audit viewer: who did what, when, to which project, and what it changed.

`AuditDialog` lists the audit log newest first a page at a time (加载更多 extends it), filtered by
user, local date range and text in the object or reason (services.audit_search), or narrowed to one
entity's history; the selected event's full before/after is shown below the table. Reading only; the
searches run off the GUI thread and 停止 (or Esc) stops one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton,
                               QSplitter, QTableView, QVBoxLayout, QWidget)
from sqlalchemy import Engine, select

from app.models import AuditEvent, User
from app.errors import BangzhenError, Cancelled
from app.services import audit, audit_display, database
from app.services.database import unit_of_work
from app.ui.list_export import add_export_menu
from app.ui.ops import BackgroundOp, show_error
from app.ui.screen_fit import fit_to_screen
from app.ui.table_model import HeaderedTableModel, Index

HEADERS = ("时间", "操作人", "操作", "对象", "原因", "变更")
COLUMN_WIDTHS = (150, 80, 84, 220, 170)
TARGET_COLUMN, CHANGE_COLUMN = 3, 5
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
NO_USER = "（系统）"


@dataclass(frozen=True)
class AuditFilter:
    """What the dialog asks `audit.events` for; dates are local calendar days, both inclusive."""

    entity_type: str | None = None
    entity_uuid: str | None = None
    user_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None
    text: str = ""

    def query_args(self) -> dict[str, Any]:
        return {"entity_type": self.entity_type, "entity_uuid": self.entity_uuid, "user_id": self.user_id,
                "text": self.text,
                "since": None if self.first_day is None else _local_midnight(self.first_day),
                "until": None if self.last_day is None else _local_midnight(self.last_day + timedelta(days=1))}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()  # naive → aware in the computer's time zone


@dataclass(frozen=True)
class AuditRow:
    """One event as the table shows it (times already in local time)."""

    id: int
    when: str
    user: str
    action: str
    entity_type: str
    entity_uuid: str
    target: str
    reason: str
    change: str
    before_json: str
    after_json: str
    hash: str
    prev_hash: str

    def cells(self) -> tuple[str, ...]:
        return self.when, self.user, self.action, self.target, self.reason, self.change


# A signature's event keeps the signer's role where other acts keep their reason (hashed and signed, so it
# stays as written); the table shows it with the act (签字（乡镇主要负责人）), not as a reason.
ROLE_AS_REASON = frozenset({"project_signed", "amendment_signed", "plan_signed"})


def _action_and_reason(event: AuditEvent) -> tuple[str, str]:
    label = audit.ACTION_LABELS.get(event.action, event.action)
    if event.action in ROLE_AS_REASON and event.reason:
        return f"{label}（{event.reason}）", ""
    return label, event.reason


def _rows(pairs: list[tuple[AuditEvent, str | None]], names: dict[str, str]) -> list[AuditRow]:
    return [_row(event, user, names) for event, user in pairs]


def _row(event: AuditEvent, user: str | None, names: dict[str, str]) -> AuditRow:
    action, reason = _action_and_reason(event)
    return AuditRow(id=event.id, when=event.occurred_at.astimezone().strftime(TIME_FORMAT), user=user or NO_USER,
                    action=action, entity_type=event.entity_type, entity_uuid=event.entity_uuid,
                    target=names.get(event.entity_uuid) or audit.ENTITY_LABELS.get(event.entity_type, event.entity_type),
                    reason=reason, change=audit_display.summary(event.entity_type, event.before_json, event.after_json),
                    before_json=event.before_json, after_json=event.after_json, hash=event.hash,
                    prev_hash=event.prev_hash)


class AuditTableModel(HeaderedTableModel):
    """The newest `page_size` events that pass the filter; `load_more` appends the next page.

    Every read runs as a background op (app.ui.ops) so the window keeps painting and typing while a
    search runs: first the page, then the count (`total` is None until it is known). A new filter or
    `cancel` stops the read under way, inside SQLite if need be (database.interruptible), and a
    stopped or superseded read's result is dropped. `changed` says when rows, total or `busy` changed;
    `failed` carries the Chinese message of a read that went wrong."""

    headers = HEADERS
    changed = Signal()
    failed = Signal(str)

    def __init__(self, engine: Engine, page_size: int = 500, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine, self.page_size = engine, page_size
        self._filter = AuditFilter()
        self._rows: list[AuditRow] = []
        self.total: int | None = 0
        self.reading: str | None = None  # "page", "more" or "count" while a read runs
        self.stopped = False  # the last search was stopped before its page arrived
        self._generation = 0  # bumped by every new read; an older read's result is dropped
        self._op: BackgroundOp | None = None

    @property
    def busy(self) -> bool:
        return self.reading is not None

    def set_filter(self, audit_filter: AuditFilter) -> None:
        self._filter = audit_filter
        self.refresh()

    def refresh(self) -> None:
        """Read the first page again, then the count; what was shown stays until the page arrives."""
        args = self._filter.query_args()
        self._read("page", lambda session: self._page(session, args, None), self._first_page_read)

    def can_load_more(self) -> bool:
        return not self.busy and bool(self._rows) and (self.total is None or len(self._rows) < self.total)

    def load_more(self) -> None:
        """Read the next page (older events) and append it."""
        if self.can_load_more():
            args, before = self._filter.query_args(), self._rows[-1].id
            self._read("more", lambda session: self._page(session, args, before), self._next_page_read)

    def cancel(self) -> None:
        """Stop the read under way; a stopped search shows nothing rather than the previous one's rows."""
        reading = self.reading
        if reading is None:
            return
        self._stop_reading()
        if reading == "page":
            self.beginResetModel()
            self._rows, self.total, self.stopped = [], 0, True
            self.endResetModel()
        self.changed.emit()

    def _read(self, reading: str, query, done) -> None:
        self._stop_reading()
        generation = self._generation

        def read(session, _progress):  # stopped by a new read, 停止, or the program closing
            with database.interruptible(session, lambda: op.cancelled):
                return query(session)

        def success(result) -> None:
            if generation == self._generation:
                self.reading = self._op = None
                done(result)
                self.changed.emit()

        def failure(error: BaseException) -> None:
            if generation == self._generation:
                self.reading = self._op = None
                self.changed.emit()
                if isinstance(error, BangzhenError):
                    if not isinstance(error, Cancelled):
                        self.failed.emit(error.user_message)
                else:
                    show_error(None, error)  # a bug: told as every op tells one, with its traceback

        op = BackgroundOp(self, self._engine, read, success=success, failure=failure)
        self.reading, self._op, self.stopped = reading, op, False
        op.start()
        self.changed.emit()

    def _stop_reading(self) -> None:
        """Tell the read under way to stop, and drop whatever it still reports."""
        self._generation += 1
        if self._op is not None:
            self._op.cancel()
        self.reading = self._op = None

    def _first_page_read(self, rows: list[AuditRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
        if len(rows) < self.page_size:
            self.total = len(rows)
        else:
            self.total = None
            args = self._filter.query_args()
            self._read("count", lambda session: audit.count_events(session, **args), self._count_read)

    def _count_read(self, total: int) -> None:
        self.total = total

    def _next_page_read(self, rows: list[AuditRow]) -> None:
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if len(rows) < self.page_size:
            self.total = len(self._rows)

    def _page(self, session, args: dict[str, Any], before_id: int | None) -> list[AuditRow]:
        pairs = audit.events(session, **args, before_id=before_id, limit=self.page_size)
        return _rows(pairs, audit.entity_names(session, [event for event, _ in pairs]))

    def row(self, row: int) -> AuditRow:
        return self._rows[row]

    def export_count(self) -> int:
        if self.busy or self.total is None:  # still being read or counted: an export needs it now
            with unit_of_work(self._engine) as session:
                return audit.count_events(session, **self._filter.query_args())
        return self.total

    def export_rows(self) -> Iterator[list]:
        """Every event that passes the filter, newest first, a page at a time (not only the loaded pages)."""
        args, before = self._filter.query_args(), None
        while True:
            with unit_of_work(self._engine) as session:
                rows = self._page(session, args, before)
            yield from (list(row.cells()) for row in rows)
            if len(rows) < self.page_size:
                return
            before = rows[-1].id

    # -- Qt model interface ----------------------------------------------------------------
    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not self.has_cell(index):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells()[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() >= TARGET_COLUMN:
            if index.column() == CHANGE_COLUMN:
                return "\n".join(audit_display.change_text(c) for c in
                                 audit_display.changes(row.entity_type, row.before_json, row.after_json)) or None
            return row.cells()[index.column()] or None
        return None


def details_text(row: AuditRow, found: list[audit_display.Change]) -> str:
    """Everything about one event, for the details pane: its changes in full, then the stored JSON."""
    kind = audit.ENTITY_LABELS.get(row.entity_type, row.entity_type)
    lines = [f"第 {row.id} 条　{row.when}　{row.user}　{row.action}",
             f"对象：{row.target}（{kind}，编号 {row.entity_uuid}）",
             f"原因：{row.reason or '（无）'}", "", "变更："]
    lines += [f"  {audit_display.change_text(c)}" for c in found] or ["  （无内容变更）"]
    lines += ["", "变更前（原始记录）：", audit_display.pretty_json(row.before_json),
              "", "变更后（原始记录）：", audit_display.pretty_json(row.after_json),
              "", f"本条哈希：{row.hash}", f"前条哈希：{row.prev_hash}"]
    return "\n".join(lines)


class AuditDialog(QDialog):
    """Non-modal; deletes itself when closed. With `entity_uuid`, only that entity's events (give its
    `entity_type` too, for the index)."""

    FILTER_DELAY_MS = 300

    def __init__(self, engine: Engine, parent: QWidget | None = None, *, entity_uuid: str | None = None,
                 entity_type: str | None = None,
                 title_suffix: str = "", page_size: int = 500) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        self.setWindowTitle(f"审计记录 — {title_suffix}" if title_suffix else "审计记录")
        fit_to_screen(self, 1160, 720)
        self._engine, self._title_suffix = engine, title_suffix
        self._entity_uuid, self._entity_type = entity_uuid, entity_type

        self.model = AuditTableModel(engine, page_size, self)
        self.user_combo = QComboBox()
        self.user_combo.setMinimumContentsLength(10)
        self.user_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.date_check = QCheckBox("按日期(&D)")
        self.date_from = _date_edit(QDate.currentDate().addMonths(-1))
        self.date_to = _date_edit(QDate.currentDate())
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("对象名称或原因包含…")
        self.filter.setClearButtonEnabled(True)
        self.refresh_button = _button("刷新(&R)")
        self.table = QTableView()
        add_export_menu(self.table, lambda: self.windowTitle())
        self.details = QPlainTextEdit()
        self.status = QLabel()
        self.busy_bar = QProgressBar()  # moves while a search runs
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.stop_button = _button("停止(&S)")
        self.stop_button.setToolTip("停止正在进行的查找（Esc）")
        self.more_button = _button("加载更多(&M)")
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(self.FILTER_DELAY_MS)

        self._build()
        self._load_users()
        self._connect()
        self.apply_filter()

    # -- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        bar = QHBoxLayout()
        user_label = QLabel("用户(&U)：")
        user_label.setBuddy(self.user_combo)
        to_label = QLabel("至(&T)")
        to_label.setBuddy(self.date_to)
        filter_label = QLabel("筛选(&F)：")
        filter_label.setBuddy(self.filter)
        for widget in (user_label, self.user_combo):
            bar.addWidget(widget)
        bar.addSpacing(12)
        for widget in (self.date_check, self.date_from, to_label, self.date_to):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addWidget(filter_label)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.refresh_button)

        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        self.table.setColumnHidden(TARGET_COLUMN, self._entity_uuid is not None)  # one object: named above

        self.details.setReadOnly(True)
        self.details.setPlaceholderText("选择一条记录，在此查看变更前后的完整内容。")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.busy_bar)
        bottom.addWidget(self.stop_button)
        bottom.addWidget(self.more_button)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        if self._entity_uuid is not None:
            layout.addWidget(QLabel(f"只显示“{self._title_suffix}”的记录。" if self._title_suffix
                                    else "只显示所选对象的记录。"))
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

    def _load_users(self) -> None:
        with unit_of_work(self._engine) as session:
            users = session.execute(select(User.id, User.display_name, User.username).order_by(User.id)).all()
        self.user_combo.addItem("全部", None)
        for user_id, name, username in users:
            self.user_combo.addItem(name if name == username else f"{name}（{username}）", user_id)

    def _connect(self) -> None:
        self.user_combo.currentIndexChanged.connect(self.apply_filter)
        self.date_check.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self._from_changed)
        self.date_to.dateChanged.connect(self._to_changed)
        self.filter.textChanged.connect(self._filter_timer.start)
        self.filter.returnPressed.connect(self.apply_filter)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.refresh_button.clicked.connect(self.apply_filter)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.apply_filter)
        self.more_button.clicked.connect(self.model.load_more)
        self.stop_button.clicked.connect(self.model.cancel)
        self.model.changed.connect(self._update_status)
        self.model.failed.connect(self._search_failed)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)

    # -- filtering ----------------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        dated = self.date_check.isChecked()
        return AuditFilter(entity_type=self._entity_type, entity_uuid=self._entity_uuid, user_id=self.user_combo.currentData(),
                           first_day=self.date_from.date().toPython() if dated else None,
                           last_day=self.date_to.date().toPython() if dated else None,
                           text=self.filter.text().strip())

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        self.details.clear()
        self.model.set_filter(self.current_filter())

    def _update_status(self) -> None:
        shown, total, reading = self.model.rowCount(), self.model.total, self.model.reading
        if reading == "page":
            text = "正在查找…"
        elif reading == "count":
            text = f"显示最新 {shown:,} 条，正在统计总数…"
        elif total is None:
            text = f"显示最新 {shown:,} 条（总数未统计：已停止）。"
        elif self.model.stopped:
            text = "已停止查找。"
        elif total == 0:
            text = "没有符合条件的记录。"
        elif shown < total:
            text = f"共 {total:,} 条记录，显示最新 {shown:,} 条。"
        else:
            text = f"共 {total:,} 条记录。"
        if reading == "more":
            text += "正在加载更多…"
        self.status.setText(text)
        self.busy_bar.setVisible(reading is not None)
        self.stop_button.setVisible(reading is not None)
        self.more_button.setEnabled(self.model.can_load_more())

    def _search_failed(self, message: str) -> None:
        self.status.setText(f"查找失败：{message}")

    def keyPressEvent(self, event) -> None:
        """Esc stops a search the user is waiting for (not the count read after it); otherwise it closes."""
        if event.key() == Qt.Key.Key_Escape and self.model.reading in ("page", "more"):
            self.model.cancel()
            event.accept()
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.model.cancel()  # a read still running must not report to a closed window
        super().done(result)

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def _from_changed(self, day: QDate) -> None:
        if self.date_to.date() < day:
            self.date_to.setDate(day)  # applies the filter through `_to_changed`
        elif self.date_check.isChecked():
            self.apply_filter()

    def _to_changed(self, day: QDate) -> None:
        if self.date_from.date() > day:
            self.date_from.setDate(day)
        elif self.date_check.isChecked():
            self.apply_filter()

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            row = self.model.row(current.row())
            with unit_of_work(self._engine) as session:
                found = audit_display.named_changes(session, row.entity_type, row.before_json, row.after_json)
            self.details.setPlainText(details_text(row, found))
        else:
            self.details.clear()


def _date_edit(day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)  # Enter in the filter box applies the filter, it does not press a button
    return button
