"""备份与恢复: the database's backups, newest first, with what each holds; 立即备份, 备份到其他位置…
(a USB stick), 检查数据库文件, 恢复所选备份… and 从其他文件恢复…. Copies and checks run off the GUI
thread with progress and 取消 (services.backup). A restore is an administrator's: the reason and the
password valid in the backup are asked for, and afterwards the main window signs everyone out and asks
for a login on the restored file.

The main window also calls `start_daily_backup` after it opens: in the background, SQLite's integrity
check for a file under `CHECK_AT_START_BELOW` bytes (a town's or a county's; a city or province server
checks on a schedule with `bangzhen backup --check`, as reading gigabytes at every start would hold the
file for minutes), then one automatic backup a day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app import APP_NAME
from app.services import backup
from app.ui.ops import BackgroundOp
from app.ui.screen_fit import fit_to_screen

CHECK_AT_START_BELOW = 1_000_000_000
COLUMNS = ("备份时间", "类型", "大小", "项目", "支付", "审计记录", "文件")


def _row(info: backup.BackupInfo) -> list[str]:
    when = info.taken_at.strftime("%Y-%m-%d %H:%M:%S") if info.taken_at else ""
    size = info.size_text
    if info.problem:
        return [when, info.reason_label, size, "", "", info.problem, info.path.name]
    return [when, info.reason_label, size, f"{info.projects:,}", f"{info.payments:,}", f"{info.head_count:,}",
            info.path.name]


class BackupDialog(QDialog):
    """Lists the backups of `db_path`; `restored` is called after a restore (the caller re-opens)."""

    def __init__(self, engine: Engine, db_path: Path, may_restore: bool, restore_as: str,
                 restored: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("备份与恢复")
        self.engine, self.db_path, self.restore_as, self.restored = engine, Path(db_path), restore_as, restored
        self.backups: list[backup.BackupInfo] = []
        self.op: BackgroundOp | None = None

        where = QLabel(f"自动备份保存在：{backup.backup_dir(self.db_path)}（保留最近 {backup.KEEP} 份；"
                       "每天首次打开时、关闭程序时（若有新的记录）和升级前自动备份）。")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.backup_button = QPushButton("立即备份(&B)")
        self.backup_to_button = QPushButton("备份到其他位置(&O)…")
        self.check_button = QPushButton("检查数据库文件(&C)")
        self.restore_button = QPushButton("恢复所选备份(&R)…")
        self.restore_file_button = QPushButton("从其他文件恢复(&F)…")
        for button in (self.restore_button, self.restore_file_button):
            button.setVisible(may_restore)
        self.backup_button.clicked.connect(lambda: self.make_backup(None))
        self.backup_to_button.clicked.connect(self.backup_elsewhere)
        self.check_button.clicked.connect(self.check)
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self.restore_from_file)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        actions = QHBoxLayout()
        for button in (self.backup_button, self.backup_to_button, self.check_button):
            actions.addWidget(button)
        actions.addStretch(1)
        for button in (self.restore_button, self.restore_file_button):
            actions.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        layout.addWidget(close)
        fit_to_screen(self, 900, 420)
        self.reload()

    def reload(self) -> None:
        self.backups = backup.list_backups(self.db_path)
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            for column, text in enumerate(_row(info)):
                item = QTableWidgetItem(text)
                if column in (2, 3, 4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        if not self.backups:
            self.status.setText("还没有备份。")
        self._update_buttons()

    def selected(self) -> backup.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        info = self.selected()
        self.restore_button.setEnabled(info is not None and not info.problem)

    # -- taking and checking --------------------------------------------------------------------
    def make_backup(self, folder: Path | None) -> None:
        def done(path: Path) -> None:
            self.status.setText(f"已备份到 {path}")
            self.reload()

        self.op = BackgroundOp(self, self.engine, lambda _session, progress: backup.make_backup(
            self.db_path, "manual", folder, lambda done_pages, total: progress(done_pages, total, "页")),
            success=done, label="正在备份数据库…").start()

    def backup_elsewhere(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "备份到哪个文件夹（如 U 盘）", str(Path.home()))
        if folder:
            self.make_backup(Path(folder))

    def check(self) -> None:
        def done(found: list[str]) -> None:
            if not found:
                self.status.setText("数据库文件完好。")
                QMessageBox.information(self, APP_NAME, "数据库文件完好。")
            else:
                self.status.setText("数据库文件已损坏：" + "；".join(found[:5]))
                QMessageBox.warning(self, APP_NAME, damaged_text(found, self.backups))

        self.op = BackgroundOp(self, self.engine, lambda _session, _progress: backup.check_integrity(self.db_path),
                               success=done, label="正在检查数据库文件…").start()

    # -- putting one back -----------------------------------------------------------------------
    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.restore(info)

    def restore_from_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择备份文件", str(backup.backup_dir(self.db_path)),
                                              "数据库备份 (*.sqlite);;所有文件 (*)")
        if name:
            info = backup.read_backup(name)
            if info.problem:
                QMessageBox.warning(self, APP_NAME, info.problem)
            else:
                self.restore(info)

    def restore(self, info: backup.BackupInfo) -> None:
        """Ask for the reason and the password, then put `info`'s backup back in the background."""
        when = info.taken_at.strftime("%Y-%m-%d %H:%M") if info.taken_at else "未知时间"
        question = (f"用 {when} 的备份（项目 {info.projects:,} 个，支付 {info.payments:,} 笔，审计记录 "
                    f"{info.head_count:,} 条）取代当前数据库？\n\n当前数据库会先自动备份，不会丢失；此后录入的数据"
                    "不在该备份中。恢复后须重新登录。\n\n请填写恢复原因：")
        reason, accepted = QInputDialog.getText(self, "恢复备份", question)
        if not accepted:
            return
        password, accepted = QInputDialog.getText(
            self, "恢复备份", f"管理员“{self.restore_as}”在该备份中的密码：", QLineEdit.EchoMode.Password)
        if not accepted:
            return

        def done(result: backup.Restored) -> None:
            kept = f"\n恢复前的数据库已另存为 {result.kept}。" if result.kept else ""
            QMessageBox.information(self, APP_NAME, f"已从备份恢复。{kept}\n请重新登录。")
            self.accept()
            self.restored()

        self.engine.dispose()  # no idle connection of this window's stays on the file being replaced
        self.op = BackgroundOp(self, self.engine, lambda _session, progress: backup.restore(
            self.db_path, info.path, self.restore_as, password, reason,
            lambda done_pages, total: progress(done_pages, total, "页")),
            success=done, label="正在恢复备份…").start()


def damaged_text(found: list[str], backups: list[backup.BackupInfo]) -> str:
    newest = backup.newest_usable(backups)
    advice = (f"最新的可用备份是 {newest.taken_at:%Y-%m-%d %H:%M} 的“{newest.path.name}”：请系统管理员在"
              "“文件 → 备份与恢复”中恢复它。" if newest is not None and newest.taken_at else
              "没有可用的自动备份：请联系技术支持，在此之前不要再录入数据。")
    return "数据库文件已损坏（" + "；".join(found[:3]) + "）。\n\n" + advice


def start_daily_backup(parent: QWidget, engine: Engine, db_path: Path,
                       done: Callable[[Path | None], object]) -> BackgroundOp:
    """In the background: the integrity check of a file under CHECK_AT_START_BELOW bytes (a damaged one is
    said at once, and not backed up: its copy would rotate a sound one out), then the day's first
    automatic backup; `done(path)` afterwards (None when none was made)."""
    newest = next((moment for moment in map(backup.taken_at, backup.backup_files(db_path)) if moment), None)
    due = newest is None or newest.date() != date.today()  # read from the names: no backup opened at start-up

    def work(_session, _progress) -> tuple[list[str], Path | None]:
        try:
            small = Path(db_path).stat().st_size < CHECK_AT_START_BELOW
        except OSError:
            small = False
        found = backup.check_integrity(db_path) if small else []
        return found, backup.make_backup(db_path, "daily") if due and not found else None

    def finished(result: tuple[list[str], Path | None]) -> None:
        found, made = result
        if found:
            QMessageBox.critical(parent, APP_NAME, damaged_text(found, backup.list_backups(db_path)))
        done(made)

    return BackgroundOp(parent, engine, work, success=finished, failure=lambda _error: done(None)).start()
