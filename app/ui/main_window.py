"""The main window: the region tree on the left; on the right the selected region's projects (with
a filter box), the signed-in person's work lists (待我签字 / 待审定 / 已退回) and the 资金台账, with the
selected project's page below; the counts in the status bar.

Dialogs are imported when first opened, which keeps the start-up short (bench/bench_startup.py).
Menus and buttons follow the signed-in person's roles (`Login.may`) and the selected project's
state; every action goes through the services, which check the same again. Without a login (the
`--smoke-test`, or a window opened only to look) the window is read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                               QMainWindow, QMenu, QMessageBox, QSplitter, QTableView, QTabWidget, QTextBrowser,
                               QToolBar, QVBoxLayout, QWidget)
from sqlalchemy import Engine

from app import APP_NAME, __version__
from app.errors import BangzhenError
from app.models import ProjectStatus
from app.services import amendments, approval, choices, inbox, projects, regions
from app.services.database import unit_of_work
from app.services.project_sheet import ProjectSheet, project_sheet
from app.services.security import Action
from app.services.settings import HOME_REGION, get_setting
from app.ui.ledger_view import PROJECT_MODE, LedgerView
from app.ui.list_export import add_export_menu, export_list
from app.ui.login import ChangePasswordDialog, Login, sign_in
from app.ui.ops import BackgroundOp, run_now, stop_background_ops
from app.ui.project_model import ProjectTableModel, WorkListModel
from app.ui.project_view import sheet_html
from app.ui.region_tree import RegionTree
from app.ui.screen_fit import fit_to_screen
from app.ui.town_dialog import TownCategoryDialog

FILTER_DELAY_MS = 250
S = ProjectStatus


def _project_table(model: ProjectTableModel, sortable: bool) -> QTableView:
    table = QTableView()
    table.setModel(model)
    if sortable:
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(24)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column, width in ((1, 90), (2, 230), (3, 90), (4, 110), (5, 110), (6, 80)):
        header.resizeSection(column, width)
    return table


class MainWindow(QMainWindow):
    def __init__(self, engine: Engine, db_path: Path, login: Login | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.db_path = db_path
        self.login: Login | None = None
        self.sheet: ProjectSheet | None = None
        fit_to_screen(self, 1280, 820)

        self.tree = RegionTree()
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("按项目名称或镇名筛选（Ctrl+F）")
        self.filter.setClearButtonEnabled(True)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold; padding: 2px 0;")
        self.model = ProjectTableModel(engine, self)
        self.table = _project_table(self.model, sortable=True)
        add_export_menu(self.table, lambda: f"项目清单（{self.model.region.name}）")
        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)

        all_projects = QWidget()
        box = QVBoxLayout(all_projects)
        box.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        find_label = QLabel("筛选(&F)：")
        find_label.setBuddy(self.filter)
        top.addWidget(find_label)
        top.addWidget(self.filter, 1)
        box.addLayout(top)
        box.addWidget(self.table)
        self.tabs = QTabWidget()
        self.tabs.addTab(all_projects, "全部项目")
        self.work_lists: dict[inbox.Box, tuple[WorkListModel, QTableView]] = {}
        self.ledger = LedgerView(engine)
        self.ledger.project_activated.connect(self.open_ledger)
        self.ledger.project_table.selectionModel().currentRowChanged.connect(self._show_current)
        self.tabs.addTab(self.ledger, "资金台账")
        self.detail = QTextBrowser()
        self.detail.setPlaceholderText("选择一个项目，在此查看其内容、签字和支出。")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tabs)
        right.addWidget(self.detail)
        right.setSizes([470, 300])
        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setSizes([300, 980])
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)

        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(self._filter_timer.start)
        self._watch(self.table)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._build_actions()
        self._build_menus()
        self._load_regions()
        self.tree.selectionModel().currentChanged.connect(self._region_changed)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self._select_home()
        self.set_login(login)

    def hold(self, lock) -> None:
        """Keep the database lock for as long as this window lives."""
        self._lock = lock

    def start_housekeeping(self) -> None:
        """For a window a person signed in to: today's automatic backup and the file's integrity check
        in the background, and a backup when the window closes after anything was recorded."""
        from app.ui.backup_dialog import start_daily_backup

        self._backup_on_close = True
        start_daily_backup(self, self.engine, self.db_path, lambda path: path and self.statusBar().showMessage(
            f"已自动备份：{path.name}", 10000))

    def release(self) -> None:
        stop_background_ops()  # a verify still reading must not outlive the engine and the lock
        if getattr(self, "_backup_on_close", False):
            self._backup_on_close = False
            self._backup_if_changed()
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.unlock()
            self._lock = None
        self.engine.dispose()

    def _backup_if_changed(self) -> None:
        """A 关闭时自动备份 when the audit log moved on since the newest backup."""
        from app.services import backup

        newest = next(iter(backup.backup_files(self.db_path)), None)
        try:
            now = backup.read_backup(self.db_path)  # a damaged file is not copied: it would rotate a sound one out
            if not now.problem and (newest is None or backup.read_backup(newest).head != now.head):
                backup.make_backup(self.db_path, "close")
        except BangzhenError as error:
            QMessageBox.warning(self, APP_NAME, f"关闭时自动备份失败：{error.user_message}")

    def open_backups(self) -> None:
        """备份与恢复; after a restore everyone is signed out and asked to sign in again."""
        from app.models import UserRole
        from app.ui.backup_dialog import BackupDialog

        admin = self.login is not None and self.login.has_role(UserRole.admin)
        BackupDialog(self.engine, self.db_path, admin, self.login.username if admin else "", self._after_restore,
                     self).exec()

    def _after_restore(self) -> None:
        """Everyone is signed out (their keys, and the root, leave this process) and asked to sign in again."""
        previous = self.login
        self.set_login(None)
        if previous is not None:
            self._forget_keys(previous)  # with nobody signed in, the root's key goes too
        self.refresh()
        self.switch_user()

    def closeEvent(self, event) -> None:
        self.release()
        super().closeEvent(event)

    # -- set-up -----------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable, shortcut=None, needs: tuple[Action, ...] = ()) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda: slot())  # not slot(checked): the slots take their own arguments
        action.setData(needs)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.new_action = a("新建项目(&N)…", self.new_project, "Ctrl+N", (Action.draft_project,))
        self.new_from_task_action = a("从任务清单新建(&T)…", self.new_project_from_task, "Ctrl+Shift+N",
                                      (Action.draft_project,))
        self.open_action = a("打开项目(&O)…", self.open_project, "Ctrl+O")
        self.sign_action = a("签字(&S)…", self.sign_project, "Ctrl+Shift+S",
                             (Action.sign_as_town_leader, Action.sign_as_team_leader))
        self.review_action = a("审定或退回(&R)…", self.review_project, "Ctrl+Shift+R", (Action.approve_project,))
        self.start_action = a("开始实施(&B)", self.start_project, None, (Action.start_project,))
        self.complete_action = a("确认完工(&W)", self.complete_project, None, (Action.complete_project,))
        self.accept_action = a("组织验收(&Y)…", self.accept_project, None, (Action.accept_project,))
        self.cancel_action = a("终止项目(&Z)…", self.cancel_project, None, (Action.cancel_draft,))
        self.amend_action = a("项目调整(&J)…", self.amend_project, "Ctrl+J",
                              (Action.edit_project, Action.sign_as_town_leader, Action.sign_as_team_leader,
                               Action.approve_project))
        self.claims_action = a("报账与支付(&C)…", self.open_claims, "Ctrl+K", (Action.file_claim, Action.spend))
        self.plan_action = a("年度资金安排(&P)…", self.open_plan, None, (Action.arrange_funds,))
        self.workflow_actions = [self.new_action, self.new_from_task_action, self.sign_action, self.review_action,
                                 self.start_action, self.complete_action, self.accept_action, self.cancel_action,
                                 self.amend_action, self.claims_action, self.plan_action]
        self.funds_action = a("资金与下达(&F)…", self.open_funds)
        self.assets_action = a("资产台账(&Z)…", self.open_assets)
        self.passwd_action = a("修改密码(&P)…", self.change_password)
        self.switch_action = a("切换用户(&U)…", self.switch_user)
        self.category_action = a("设置镇类别(&C)…", self.edit_town_category, "Ctrl+E")
        self.refresh_action = a("刷新(&R)", self.refresh, QKeySequence.StandardKey.Refresh)
        self.backup_action = a("备份与恢复(&K)…", self.open_backups)
        self.excel_import_action = a("从 Excel 导入(&I)…", self.import_excel)
        self.exchange_action = a("数据交换单位与收发进度(&X)…", self.open_exchange, None, (Action.exchange_data,))
        self.export_package_action = a("导出数据包(&E)…", self.export_package, None, (Action.exchange_data,))
        self.import_package_action = a("导入数据包(&I)…", self.import_package, None, (Action.exchange_data,))
        self.exchange_actions = [self.exchange_action, self.export_package_action, self.import_package_action]
        self.ledger_action = a("支出明细与录入(&L)…", self.open_ledger, "Ctrl+L")
        self.history_action = a("本项目的审计记录(&H)…", self.show_history, "Ctrl+H")
        self.audit_action = a("审计日志(&A)…", self.show_audit_log)
        self.verify_action = a("校验签名和审计链(&V)…", self.verify)
        self.reports_action = a("报表中心(&R)…", self.open_reports, "Ctrl+P")
        self.sheet_action = a("打印本项目双签审批表(&S)…", self.print_sheet, "Ctrl+Shift+P")
        self.check_sheet_action = a("核对纸质审批表(&V)…", self.check_sheet)
        self.evaluation_action = a("绩效自评(&E)…", self.open_evaluation)
        self.export_list_action = a("导出当前列表为 Excel(&E)…", lambda: self.export_current("xlsx"), "Ctrl+Shift+E")
        self.print_list_action = a("打印当前列表(&T)…", lambda: self.export_current("pdf"))

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        file_menu.addActions([self.switch_action, self.passwd_action])
        file_menu.addSeparator()
        file_menu.addActions([self.export_list_action, self.print_list_action])
        file_menu.addAction(self.excel_import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.backup_action)
        quit_action = QAction("退出(&X)", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        project_menu = self.menuBar().addMenu("项目(&P)")
        project_menu.addActions([self.new_action, self.new_from_task_action, self.open_action])
        project_menu.addSeparator()
        project_menu.addActions([self.sign_action, self.review_action])
        project_menu.addSeparator()
        project_menu.addActions([self.start_action, self.complete_action, self.accept_action, self.cancel_action])
        project_menu.addSeparator()
        project_menu.addAction(self.amend_action)

        money_menu = self.menuBar().addMenu("资金(&M)")
        money_menu.addActions([self.funds_action, self.plan_action])
        money_menu.addSeparator()
        money_menu.addActions([self.claims_action, self.ledger_action])
        show_ledger = QAction("资金台账(&B)", self, shortcut=QKeySequence("Ctrl+B"))
        show_ledger.triggered.connect(lambda: self.tabs.setCurrentWidget(self.ledger))
        money_menu.addAction(show_ledger)
        money_menu.addSeparator()
        money_menu.addAction(self.assets_action)

        self.town_menu = self.menuBar().addMenu("乡镇(&T)")
        self.town_menu.addAction(self.category_action)

        self.exchange_menu = self.menuBar().addMenu("交换(&X)")
        self.exchange_menu.addActions([self.export_package_action, self.import_package_action])
        self.exchange_menu.addSeparator()
        self.exchange_menu.addAction(self.exchange_action)

        report_menu = self.menuBar().addMenu("报表(&R)")
        report_menu.addActions([self.reports_action, self.evaluation_action])
        report_menu.addSeparator()
        report_menu.addActions([self.sheet_action, self.check_sheet_action])

        audit_menu = self.menuBar().addMenu("审计(&A)")
        audit_menu.addActions([self.history_action, self.audit_action])
        audit_menu.addSeparator()
        audit_menu.addAction(self.verify_action)

        toolbar = QToolBar("常用操作")
        toolbar.setObjectName("main_toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setMovable(False)
        for action in (self.new_action, self.new_from_task_action, self.open_action, self.sign_action,
                       self.review_action, self.ledger_action):
            toolbar.addAction(action)
        self.toolbar = toolbar
        self.addToolBar(toolbar)

        find = QAction(self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self.tabs.setCurrentIndex(0), self.filter.setFocus(), self.filter.selectAll()))
        self.addAction(find)

        help_menu = self.menuBar().addMenu("帮助(&H)")
        about = QAction("关于(&A)", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "关于", f"<b>{APP_NAME}</b> {__version__}<br>广东省乡村振兴驻镇帮镇扶村项目与资金台账"))
        help_menu.addAction(about)

    def _watch(self, table: QTableView) -> None:
        table.selectionModel().currentRowChanged.connect(self._show_current)
        table.activated.connect(self.open_project)

    def _load_regions(self) -> None:
        with unit_of_work(self.engine) as session:
            self.tree.load(regions.region_tree(session))
            self._home = get_setting(session, HOME_REGION, regions.PROVINCE_CODE)

    def _select_home(self) -> None:
        if not self.tree.select_code(self._home):
            self.tree.select_code(regions.PROVINCE_CODE)
        self.tree.expand(self.tree.currentIndex())

    # -- who is signed in -----------------------------------------------------------------------
    def _forget_keys(self, login: Login) -> None:
        """The person who leaves takes their opened signing key (and the root) out of this process."""
        from app.models import User, UserRole
        from app.services import keyring, trust

        with unit_of_work(self.engine) as session:
            user = session.get(User, login.user_id)
            if user is not None:
                keyring.log_out(user)
            if self.login is None or not self.login.has_role(UserRole.admin):
                trust.forget_root(session)

    def set_login(self, login: Login | None) -> None:
        """Show what this person may do: their work lists, menus and buttons."""
        self.login = login
        who = f"{login.display_name}（{login.roles_text}）" if login else "未登录，只读"
        self.setWindowTitle(f"{APP_NAME} — {self.db_path.name} — {who}")
        for action in self.workflow_actions:
            needs = action.data()
            action.setVisible(bool(login) and any(login.may(n) for n in needs))
        self.passwd_action.setVisible(login is not None)
        self.excel_import_action.setVisible(login is not None)
        self.category_action.setVisible(bool(login) and login.may(Action.manage_regions))
        self.town_menu.menuAction().setVisible(self.category_action.isVisible())  # never an empty menu
        for action in self.exchange_actions:
            action.setVisible(bool(login) and login.may(Action.exchange_data))
        self.exchange_menu.menuAction().setVisible(self.exchange_action.isVisible())
        self._update_category_action()
        self._build_work_lists()
        self._update_actions()

    def _build_work_lists(self) -> None:
        for _, table in self.work_lists.values():
            self.tabs.removeTab(self.tabs.indexOf(table))
            table.deleteLater()
        self.work_lists.clear()
        if self.login is None:
            return
        with unit_of_work(self.engine) as session:
            boxes = inbox.boxes_for(self.login.user(session))
        for box in boxes:
            model = WorkListModel(self.engine, self._box_source(box), self)
            table = _project_table(model, sortable=False)
            add_export_menu(table, lambda box=box: f"{box.label}（{self.login.display_name}）")
            self._watch(table)
            self.work_lists[box] = (model, table)
            self.tabs.insertTab(len(self.work_lists), table, box.label)
        self._refresh_work_lists()
        if boxes and self.work_lists[boxes[0]][0].rowCount():
            self.tabs.setCurrentIndex(1)  # open on what is waiting for this person

    def _box_source(self, box: inbox.Box) -> Callable:
        login = self.login
        return lambda session: inbox.box_ids(session, login.user(session), box)

    def _refresh_work_lists(self) -> None:
        for index, (box, (model, _)) in enumerate(self.work_lists.items(), start=1):
            model.refresh()
            self.tabs.setTabText(index, f"{box.label}（{model.rowCount()}）")

    # -- the selected project -------------------------------------------------------------------
    def current_table(self) -> QTableView:
        widget = self.tabs.currentWidget()
        if widget is self.ledger:
            return self.ledger.project_table
        return widget if isinstance(widget, QTableView) else self.table

    def export_current(self, fmt: str) -> Path | None:
        """The list on screen (the ledger in the view it shows) as Excel or PDF."""
        table = self.ledger.stack.currentWidget() if self.tabs.currentWidget() is self.ledger else self.current_table()
        return export_list(self, table.model(), table.export_title(), fmt)

    def current_project_id(self) -> int | None:
        if self.tabs.currentWidget() is self.ledger and self.ledger.current_mode() != PROJECT_MODE:
            return None
        table = self.current_table()
        index = table.currentIndex()
        if not index.isValid():
            return None
        return table.model().project_id(index.row())

    def _tab_changed(self) -> None:
        if self.tabs.currentWidget() is self.ledger and self.ledger.region != self.model.region:
            self.ledger.set_region(self.model.region)
        self._show_current()

    def _show_current(self, *_) -> None:
        project_id = self.current_project_id()
        if project_id is None:
            self.sheet = None
            self.detail.clear()
        else:
            with unit_of_work(self.engine) as session:
                self.sheet = project_sheet(session, project_id)
            self.detail.setHtml(sheet_html(self.sheet))
        self._update_actions()

    def _update_actions(self) -> None:
        sheet, login = self.sheet, self.login
        town = sheet.town_code if sheet else None
        status = sheet.status if sheet else None

        def may(*actions: Action) -> bool:
            return bool(login and town and any(login.may(a, town) for a in actions))

        self.open_action.setEnabled(sheet is not None)
        self.ledger_action.setEnabled(sheet is not None)
        self.history_action.setEnabled(sheet is not None)
        self.sign_action.setEnabled(status in approval.SIGNABLE and may(*self.sign_action.data()))
        self.review_action.setEnabled(status is S.double_signed and may(Action.approve_project))
        self.start_action.setEnabled(status in (S.approved, S.planned) and may(Action.start_project))
        self.amend_action.setEnabled(status in amendments.AMENDABLE and may(*self.amend_action.data()))
        self.claims_action.setEnabled(bool(status and status.may_spend) and may(*self.claims_action.data()))
        self.complete_action.setEnabled(status is S.in_progress and may(Action.complete_project))
        self.accept_action.setEnabled(status is S.completed and may(Action.accept_project))
        self.cancel_action.setEnabled(
            (status in approval.CANCELLABLE_BY_TOWN and may(Action.cancel_draft))
            or (status in approval.CANCELLABLE_BY_COUNTY and may(Action.cancel_approved)))

    def refresh(self, select_id: int | None = None) -> None:
        """Re-read every list after a change; keep (or move to) the project that was acted on."""
        keep = select_id or self.current_project_id()
        self.model.refresh()
        self._refresh_work_lists()
        if self.ledger.region is not None:
            self.ledger.refresh()
        self._update_counts()
        if not self._select_row(self.current_table(), keep) and select_id is not None:
            self.select_project(select_id)  # it left this list (e.g. a revised 已退回 project): follow it
        self._show_current()

    @staticmethod
    def _select_row(table: QTableView, project_id: int | None) -> bool:
        model = table.model()
        for row in range(model.rowCount()):
            if model.project_id(row) == project_id:
                table.setCurrentIndex(model.index(row, 0))
                return True
        return False

    # -- region and filter ------------------------------------------------------------------------
    def _region_changed(self) -> None:
        ref = self.tree.current_ref()
        if ref is None:
            return
        self._update_category_action()
        self.heading.setText(f"{self.tree.current_path_name()}（{ref.code}）")
        self.model.set_filter(ref, self.filter.text())
        if self.tabs.currentWidget() is self.ledger:
            self.ledger.set_region(ref)
        self._update_counts()

    def _update_category_action(self) -> None:
        """设置镇类别 is the county administrator's (it decides which towns get which money)."""
        ref = self.tree.current_ref()
        self.category_action.setEnabled(ref is not None and ref.level == "town" and self.login is not None
                                        and self.login.may(Action.manage_regions, ref.code))

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
        if ref is None or ref.level != "town" or not self.category_action.isEnabled():
            return
        dialog = TownCategoryDialog(self.engine, self.login, ref.code, self)
        if dialog.exec():
            label = dialog.saved_category.label if dialog.saved_category else ""
            self.tree.set_category_text(ref.code, label)
            self.statusBar().showMessage(f"已保存 {ref.name} 的镇类别：{label or '未设置'}", 5000)

    # -- project actions ----------------------------------------------------------------------------
    def _drafting_town(self) -> str | None:
        """The town a new project is for: the selected one if the person drafts there, else their first."""
        ref = self.tree.current_ref()
        if ref is not None and ref.level == "town" and self.login.may(Action.draft_project, ref.code):
            return ref.code
        with unit_of_work(self.engine) as session:
            towns = choices.towns_for(session, self.login.user(session))
        return towns[0].key if towns else None

    def new_project(self, task_key: str | None = None) -> None:
        from app.ui.project_editor import ProjectEditor

        town = self._drafting_town()
        if town is None:
            QMessageBox.information(self, APP_NAME, "您没有可起草项目的乡镇（须为乡镇经办人）。")
            return
        editor = ProjectEditor(self.engine, self.login, town_code=town, task_key=task_key, parent=self)
        if editor.exec() and editor.saved_project_id:
            self.refresh(editor.saved_project_id)
            self.statusBar().showMessage(f"已保存草稿：{editor.saved_name}", 8000)

    def new_project_from_task(self) -> None:
        town = self._drafting_town()
        if town is None:
            QMessageBox.information(self, APP_NAME, "您没有可起草项目的乡镇（须为乡镇经办人）。")
            return
        with unit_of_work(self.engine) as session:
            offered = choices.editor_choices(session, town)
        if not offered.task_items:
            QMessageBox.information(self, APP_NAME, "本市尚未导入任务清单。")
            return
        labels = [c.label for c in offered.task_items]
        label, ok = QInputDialog.getItem(self, "从任务清单新建", f"{offered.task_year} 年任务清单（本市）：", labels, 0, False)
        if ok:
            self.new_project(offered.task_items[labels.index(label)].key)

    def open_project(self, *_) -> None:
        from app.ui.project_editor import ProjectEditor

        project_id = self.current_project_id()
        if project_id is None:
            return
        editor = ProjectEditor(self.engine, self.login, project_id=project_id, parent=self)
        if editor.exec() and editor.saved_project_id:
            self.refresh(project_id)
            self.statusBar().showMessage(f"已保存：{editor.saved_name}", 8000)

    def _dialog_then_refresh(self, dialog_class, done: Callable[[approval.Outcome], str]) -> None:
        project_id = self.current_project_id()
        if project_id is None or self.login is None:
            return
        dialog = dialog_class(self.engine, self.login, project_id, self)
        if dialog.exec() and dialog.outcome is not None:
            self.refresh(project_id)
            self._report(dialog.outcome, done(dialog.outcome))

    def _report(self, outcome: approval.Outcome, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        if outcome.warnings:
            QMessageBox.information(self, APP_NAME, message + "\n\n请注意：\n" + "\n".join(outcome.warnings))

    def sign_project(self) -> None:
        from app.ui.sign_dialogs import SignDialog

        self._dialog_then_refresh(SignDialog, lambda o: f"已签字：{o.project.name}，现为“{o.project.status.label}”。")

    def review_project(self) -> None:
        from app.ui.sign_dialogs import ReviewDialog

        self._dialog_then_refresh(ReviewDialog, lambda o: f"{o.project.name}：{o.project.status.label}。")

    def _transition(self, question: str, call: Callable) -> None:
        project_id = self.current_project_id()
        if project_id is None or self.login is None:
            return
        if QMessageBox.question(self, APP_NAME, question) != QMessageBox.StandardButton.Yes:
            return
        outcome = run_now(self, self.engine, lambda s: call(s, self.login.user(s), project_id))
        if outcome:
            self.refresh(project_id)
            self._report(outcome, f"{outcome.project.name}：{outcome.project.status.label}。")

    def start_project(self) -> None:
        self._transition(f"确认“{self.sheet.name}”开始实施？", approval.start)

    def complete_project(self) -> None:
        self._transition(f"确认“{self.sheet.name}”已完工？完工后由县级组织验收。", approval.complete)

    def _ask_text(self, title: str, prompt: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(self, title, prompt)
        if not ok:
            return None
        if not text.strip():
            QMessageBox.warning(self, title, "必须填写，操作未进行。")
            return None
        return text.strip()

    def accept_project(self) -> None:
        receiver = self._ask_text("组织验收", f"“{self.sheet.name}”验收合格，资产移交给（接收管护单位）：")
        if receiver is not None:
            self._transition(f"确认验收并将资产移交“{receiver}”？",
                             lambda s, u, pid: approval.accept(s, u, pid, receiver))

    def cancel_project(self) -> None:
        reason = self._ask_text("终止项目", f"终止“{self.sheet.name}”的原因：")
        if reason is not None:
            self._transition("终止后项目不能恢复，确认终止？", lambda s, u, pid: approval.cancel(s, u, pid, reason))

    def open_ledger(self, project_id: int | None = None) -> None:
        """The project's expenditures: 录入支出 and 红字冲销 for those who may, a read-only list for others."""
        from app.ui.project_ledger_dialog import ProjectLedgerDialog  # dialogs load when first used

        project_id = project_id or self.current_project_id()
        if project_id is None:
            return
        dialog = ProjectLedgerDialog(self.engine, self.login, project_id, self)
        dialog.ledger_changed.connect(lambda _: self.refresh(project_id))
        dialog.exec()

    # -- money ----------------------------------------------------------------------------------------
    def _region_code(self) -> str:
        """The region a money window is about: the selected one, else the installation's home."""
        ref = self.tree.current_ref()
        return ref.code if ref is not None else self._home

    def open_funds(self) -> None:
        from app.ui.funds_dialog import FundsDialog

        FundsDialog(self.engine, self.login, self).exec()

    def open_plan(self) -> None:
        from app.ui.plan_dialog import PlanDialog

        code = self._region_code()
        if not (self.login and self.login.may(Action.arrange_funds, code)) or len(code) not in (4, 6):
            codes = [c for r, c in self.login.grants if r in Action.arrange_funds.roles] if self.login else []
            code = codes[0] if codes else code
        if len(code) not in (4, 6):
            QMessageBox.information(self, APP_NAME, "请先在左侧选择一个县（市、区）。")
            return
        PlanDialog(self.engine, self.login, code, self).exec()
        self.refresh()

    def open_claims(self) -> None:
        from app.ui.claims_dialog import ClaimsDialog

        project_id = self.current_project_id()
        if project_id is not None:
            ClaimsDialog(self.engine, self.login, project_id, self).exec()
            self.refresh(project_id)

    def amend_project(self) -> None:
        from app.ui.amendment_dialog import AmendmentDialog
        from app.ui.project_editor import ProjectEditor

        project_id = self.current_project_id()
        if project_id is None:
            return
        dialog = AmendmentDialog(self.engine, self.login, project_id, self)
        dialog.exec()
        if dialog.draft_requested:
            editor = ProjectEditor(self.engine, self.login, project_id=project_id, amend=True, parent=self)
            if editor.exec() and editor.saved_amendment_id:
                self.statusBar().showMessage("已起草项目调整，待双签后报县审定；审定前原内容继续有效。", 10000)
        self.refresh(project_id)

    def open_assets(self) -> None:
        from app.ui.assets_dialog import AssetsDialog

        AssetsDialog(self.engine, self._region_code(), self).exec()

    # -- exchange ---------------------------------------------------------------------------------
    def open_exchange(self) -> None:
        from app.ui.exchange_dialog import ExchangeDialog

        ExchangeDialog(self.engine, self.db_path, self.login, self.refresh, self).exec()

    def export_package(self) -> None:
        from app.ui.exchange_wizards import ExportWizard

        ExportWizard(self.engine, self.login, parent=self).exec()

    def import_excel(self) -> None:
        from app.ui.import_wizard import ExcelImportWizard

        wizard = ExcelImportWizard(self.engine, self.db_path, self.login, self)
        wizard.exec()
        if wizard.applied:
            self.refresh()

    def import_package(self) -> None:
        from app.ui.exchange_wizards import ImportWizard

        wizard = ImportWizard(self.engine, self.db_path, self.login, self)
        wizard.exec()
        if wizard.applied:
            self.refresh()

    def open_reports(self) -> None:
        from app.ui.report_centre import ReportCentre

        ReportCentre(self.engine, self._region_code(), self).exec()

    def open_evaluation(self) -> None:
        from app.ui.evaluation_dialog import EvaluationDialog

        EvaluationDialog(self.engine, self.login, self._region_code(), self).exec()

    def print_sheet(self) -> BackgroundOp | None:
        from app.ui.report_centre import save_sheets

        project_id = self.current_project_id()
        if project_id is None:
            QMessageBox.information(self, APP_NAME, "请先在列表中选择一个项目。")
            return None
        return save_sheets(self, self.engine, [project_id])

    def check_sheet(self) -> None:
        from app.ui.report_centre import check_printed_sheet

        check_printed_sheet(self, self.engine)

    # -- audit ----------------------------------------------------------------------------------------
    def show_history(self) -> None:
        from app.ui.audit_viewer import AuditDialog

        if self.sheet is not None:
            AuditDialog(self.engine, self, entity_type="project", entity_uuid=self.sheet.uuid,
                        title_suffix=self.sheet.name).show()

    def show_audit_log(self) -> None:
        from app.ui.audit_viewer import AuditDialog

        AuditDialog(self.engine, self).show()

    def verify(self) -> None:
        """Every signature and the audit chain, on a worker thread with a progress bar."""
        from app.ui.verify_dialog import run_verify

        self._verify_op = run_verify(self, self.engine,
                                     lambda dialog: dialog.project_activated.connect(self.select_project))

    def select_project(self, project_id: int) -> None:
        """Show a project in 全部项目: its town in the tree, its row selected."""
        with unit_of_work(self.engine) as session:
            town_code = approval.get_project(session, project_id).town.code
        self.tabs.setCurrentIndex(0)
        self.filter.clear()
        self._filter_timer.stop()
        self.tree.select_code(town_code)
        self.model.set_filter(self.tree.current_ref(), "")
        self._update_counts()
        self._select_row(self.table, project_id)
        self._show_current()

    # -- the person ---------------------------------------------------------------------------------
    def change_password(self) -> None:
        if self.login is not None and ChangePasswordDialog(self.engine, self.login, self).exec():
            self.statusBar().showMessage("密码已修改。", 5000)

    def switch_user(self) -> None:
        login = sign_in(self.engine, self)
        if login is not None:
            previous, self.login = self.login, login
            if previous is not None and previous.user_id != login.user_id:
                self._forget_keys(previous)
            self.set_login(login)
            self.refresh()
