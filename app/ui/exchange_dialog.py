"""数据交换: the installations this one exchanges packages with (services.exchange), one row per peer
with what was sent, what it acknowledged, what is still pending and what came back, and below it the
selected peer's events that were refused or in conflict. From here: 导出数据包…, 导入数据包… (the
wizards in app.ui.exchange_wizards) and, for the administrator, 登记交换单位… (a key file, checked
against the fingerprint read from the other side's 密钥登记表) and 导出本安装密钥文件….
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFileDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QVBoxLayout,
                               QWidget)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import APP_NAME
from app.errors import BangzhenError
from app.models import Peer
from app.services import exchange, peers, trust
from app.services.errors import InputError
from app.services.security import Action
from app.ui.forms import FormDialog, button_row, error_label, fill, ok_cancel, table
from app.ui.login import Login
from app.ui.ops import Failed, run_now
from app.ui.screen_fit import fit_to_screen

PEER_COLUMNS = ("单位", "区划代码", "关系", "已发出至", "对方确认至", "待对方确认", "已接收至", "拒绝或冲突",
                "最近导出", "最近导入")
PROBLEM_COLUMNS = ("序号", "类别", "结果", "原因")
RELATIONS = {"parent": "上级", "child": "下级", None: "已非上下级"}


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


def _peer_row(state: exchange.PeerState) -> list[object]:
    peer = state.peer
    return [peer.name, peer.region_code, RELATIONS[state.relation], peer.last_sent, peer.acknowledged, state.pending,
            peer.received, state.problems, local_time(state.last_exported), local_time(state.last_imported)]


class ExchangeDialog(QDialog):
    """The 数据交换 page; `changed()` is called after an import (the main window re-reads its lists)."""

    def __init__(self, engine: Engine, db_path: Path, login: Login, changed: Callable[[], object] = lambda: None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("数据交换")
        self.engine, self.db_path, self.login, self.changed = engine, Path(db_path), login, changed
        self.peer_ids: list[int] = []
        self.fingerprints: list[str] = []
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.peers = table(PEER_COLUMNS)
        self.peers.itemSelectionChanged.connect(self._show_problems)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = table(PROBLEM_COLUMNS)

        may_exchange = login.may(Action.exchange_data)
        admin = login.may(Action.manage_peers)
        self.export_button = QPushButton("导出数据包(&E)…")
        self.import_button = QPushButton("导入数据包(&I)…")
        self.add_button = QPushButton("登记交换单位(&A)…")
        self.key_button = QPushButton("导出本安装密钥文件(&K)…")
        buttons = button_row(self, [(self.export_button, self.export_package, may_exchange),
                                    (self.import_button, self.import_package, may_exchange),
                                    (self.add_button, self.add_peer, admin),
                                    (self.key_button, self.export_key, admin)])
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.peers, 3)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems, 2)
        layout.addLayout(buttons)
        fit_to_screen(self, 1100, 560)
        self.reload()

    def reload(self) -> None:
        def read(session: Session) -> tuple[str, list[exchange.PeerState]]:
            home = peers.home_region(session)
            root = trust.current_root(session)
            heading = (f"本安装：{peers.region_label(session, home)}，根密钥指纹 "
                       f"{trust.fingerprint(root.public_key) if root else '（尚未建立）'}。")
            return heading, [exchange.peer_state(session, peer) for peer in peers.list_peers(session)]

        found = run_now(self, self.engine, read, failure=self._no_home)
        if found is Failed:
            return
        heading, states = found
        if not states:
            heading += "\n还没有登记数据交换单位：请系统管理员用“登记交换单位…”登记上级或下级安装的密钥文件。"
        self.heading.setText(heading)
        self.peer_ids = [state.peer.id for state in states]
        self.fingerprints = [state.fingerprint for state in states]
        fill(self.peers, [_peer_row(state) for state in states], self.peer_ids, numeric=(3, 4, 5, 6, 7))
        if states:
            self.peers.selectRow(0)
        self._show_problems()

    def _no_home(self, error: BangzhenError) -> None:
        self.heading.setText(error.user_message)
        for button in (self.export_button, self.import_button, self.add_button, self.key_button):
            button.setEnabled(False)

    def selected_row(self) -> int | None:
        rows = self.peers.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def selected_peer(self) -> int | None:
        row = self.selected_row()
        return None if row is None else self.peer_ids[row]

    def _show_problems(self) -> None:
        row, peer_id = self.selected_row(), self.selected_peer()
        rows: list[list[object]] = []
        self.problems_label.setText("")
        if peer_id is not None:
            self.problems_label.setText(f"{self.peers.item(row, 0).text()}的根密钥指纹：{self.fingerprints[row]}。"
                                        "它发来的、被拒绝或有冲突的事件：")
            def read(session: Session) -> list[list[object]]:
                peer = session.get(Peer, peer_id)
                return [[event.seq, exchange.KIND_LABELS.get(event.kind, event.kind),
                         exchange.STATE_LABELS[event.state], event.note] for event in exchange.problems(session, peer)]
            found = run_now(self, self.engine, read)
            rows = [] if found is Failed else found
        fill(self.problems, rows, numeric=(0,))

    # -- the wizards ----------------------------------------------------------------------------
    def export_package(self) -> None:
        from app.ui.exchange_wizards import ExportWizard

        ExportWizard(self.engine, self.login, self.selected_peer(), self).exec()
        self.reload()

    def import_package(self) -> None:
        from app.ui.exchange_wizards import ImportWizard

        wizard = ImportWizard(self.engine, self.db_path, self.login, self)
        wizard.exec()
        self.reload()
        if wizard.applied:
            self.changed()

    # -- the administrator's ----------------------------------------------------------------------
    def add_peer(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择对方的密钥文件", str(Path.home()),
                                              "密钥文件 (*.bzkey);;所有文件 (*)")
        if not name:
            return
        try:
            key = peers.read_key_file(Path(name).read_bytes()[:peers.MAX_KEY_FILE + 1])
        except OSError as error:
            QMessageBox.warning(self, APP_NAME, f"无法读取“{name}”：{error.strerror or error}。")
            return
        except BangzhenError as error:
            QMessageBox.warning(self, APP_NAME, error.user_message)
            return
        if AddPeerDialog(self.engine, self.login, key, self).exec():
            self.reload()

    def export_key(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "导出本安装密钥文件", str(Path.home() / "本安装.bzkey"),
                                                "密钥文件 (*.bzkey)")
        if not chosen:
            return

        def write(session: Session) -> peers.KeyFile:
            data = peers.key_file_bytes(session, self.login.user(session))
            try:
                Path(chosen).write_bytes(data)
            except OSError as error:
                raise InputError(f"无法写入“{chosen}”：{error.strerror or error}。", str(error)) from None
            return peers.read_key_file(data)

        key = run_now(self, self.engine, write)
        if key is not Failed:
            QMessageBox.information(self, APP_NAME, f"已导出密钥文件：{chosen}\n\n{key.name}（{key.region_code}），"
                                                    f"根密钥指纹：\n{key.fingerprint}\n\n请把文件交给对方，并请对方"
                                                    "登记时与《密钥登记表》或电话中念出的指纹核对。")


class AddPeerDialog(FormDialog):
    """登记交换单位: the key file's unit and fingerprint, and the fingerprint as read from the other side's
    密钥登记表 (or over the phone), which must match before anything is registered."""

    def __init__(self, engine: Engine, login: Login, key: peers.KeyFile, parent: QWidget | None = None) -> None:
        super().__init__("登记数据交换单位", parent)
        self.engine, self.login, self.key = engine, login, key
        unit = self.row("单位：", QLabel(f"{key.name}（{key.region_code}）"))
        unit.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown = self.row("文件中的根密钥指纹：", QLabel(key.fingerprint))
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint = self.row("核对后的指纹(&F)：", QLineEdit())
        self.fingerprint.setPlaceholderText("照对方《密钥登记表》或电话中念出的指纹输入")
        hint = error_label()
        hint.setStyleSheet("color: #555;")
        hint.setText("指纹须与对方《密钥登记表》上的一致才能登记；不一致说明文件被调换或伪造，请勿登记。")
        hint.show()
        self.layout().insertWidget(1, hint)
        self.layout().addWidget(ok_cancel(self, "登记(&R)"))
        fit_to_screen(self, 640, 220)

    def accept(self) -> None:
        typed = self.fingerprint.text()
        if not typed.strip():
            self.fail(InputError("请输入与对方《密钥登记表》核对过的根密钥指纹。", "no fingerprint typed"))
            return
        self.submit(self.engine, lambda session: peers.add_peer(session, self.login.user(session), self.key, typed))
