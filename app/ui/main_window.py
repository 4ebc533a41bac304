"""The main window: the region tree on the left, the selected region's projects on the right, a
filter box above them and the counts in the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMainWindow,
                               QMenu, QMessageBox, QSplitter, QTableView, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app import APP_NAME, __version__
from app.models import ProjectStatus
from app.services import projects, regions
from app.services.database import unit_of_work
from app.services.settings import HOME_REGION, get_setting
from app.ui.project_model import ProjectTableModel
from app.ui.region_tree import RegionTree
from app.ui.town_dialog import TownCategoryDialog

FILTER_DELAY_MS = 250


class MainWindow(QMainWindow):
    def __init__(self, engine: Engine, db_path: Path) -> None:
        super().__init__()
        self.engine = engine
        self.setWindowTitle(f"{APP_NAME} — {db_path.name}")
        self.resize(1280, 780)

        self.tree = RegionTree()
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("按项目名称或镇名筛选（Ctrl+F）")
        self.filter.setClearButtonEnabled(True)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold; padding: 2px 0;")
        self.model = ProjectTableModel(engine, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 90), (2, 230), (3, 90), (4, 110), (5, 110), (6, 80)):
            header.resizeSection(column, width)
        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel("筛选(&F)："))
        top.addWidget(self.filter, 1)
        top.itemAt(1).widget().setBuddy(self.filter)
        right_layout.addLayout(top)
        right_layout.addWidget(self.table)
        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setSizes([330, 950])
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)

        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(self._filter_timer.start)
        self._build_menus()
        self._load_regions()
        self.tree.selectionModel().currentChanged.connect(self._region_changed)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self._select_home()

    def hold(self, lock) -> None:
        """Keep the database lock for as long as this window lives."""
        self._lock = lock

    def release(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.unlock()
            self._lock = None
        self.engine.dispose()

    def closeEvent(self, event) -> None:
        self.release()
        super().closeEvent(event)

    # -- set-up -----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        quit_action = QAction("退出(&X)", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        town_menu = self.menuBar().addMenu("乡镇(&T)")
        self.category_action = QAction("设置镇类别(&C)…", self, shortcut=QKeySequence("Ctrl+E"))
        self.category_action.triggered.connect(self.edit_town_category)
        town_menu.addAction(self.category_action)

        find = QAction(self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self.filter.setFocus(), self.filter.selectAll()))
        self.addAction(find)

        help_menu = self.menuBar().addMenu("帮助(&H)")
        about = QAction("关于(&A)", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "关于", f"<b>{APP_NAME}</b> {__version__}<br>广东省乡村振兴驻镇帮镇扶村项目与资金台账"))
        help_menu.addAction(about)

    def _load_regions(self) -> None:
        with unit_of_work(self.engine) as session:
            self.tree.load(regions.region_tree(session))
            self._home = get_setting(session, HOME_REGION, regions.PROVINCE_CODE)

    def _select_home(self) -> None:
        if not self.tree.select_code(self._home):
            self.tree.select_code(regions.PROVINCE_CODE)
        self.tree.expand(self.tree.currentIndex())

    # -- reactions --------------------------------------------------------------------------
    def _region_changed(self) -> None:
        ref = self.tree.current_ref()
        if ref is None:
            return
        self.category_action.setEnabled(ref.level == "town")
        self.heading.setText(f"{self.tree.current_path_name()}（{ref.code}）")
        self.model.set_filter(ref, self.filter.text())
        self._update_counts()

    def _apply_filter(self) -> None:
        self.model.set_filter(self.model.region, self.filter.text())
        self._update_counts()

    def _update_counts(self) -> None:
        with unit_of_work(self.engine) as session:
            by_status = projects.count_by_status(session, self.model.region)
        total = sum(by_status.values())
        parts = [f"{s.label} {by_status[s]}" for s in ProjectStatus if by_status.get(s)]
        shown = self.model.rowCount()
        matched = f"筛选出 {shown} 个 · " if self.filter.text().strip() else ""
        detail = f"（{'，'.join(parts)}）" if parts else ""
        self.counts.setText(f"{matched}{self.model.region.name}：项目 {total} 个{detail}")

    def _tree_menu(self, position) -> None:
        ref = self.tree.ref_at(self.tree.indexAt(position))
        if ref is None or ref.level != "town":
            return
        menu = QMenu(self)
        menu.addAction(self.category_action)
        menu.exec(self.tree.viewport().mapToGlobal(position))

    def edit_town_category(self) -> None:
        ref = self.tree.current_ref()
        if ref is None or ref.level != "town":
            return
        dialog = TownCategoryDialog(self.engine, ref.code, self)
        if dialog.exec():
            label = dialog.saved_category.label if dialog.saved_category else ""
            self.tree.set_category_text(ref.code, label)
            self.statusBar().showMessage(f"已保存 {ref.name} 的镇类别：{label or '未设置'}", 5000)
