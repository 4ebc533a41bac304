"""导出数据包 and 导入数据包: the exchange's two wizards (services.exchange, services.package_import).

Export: choose the peer, full or not, and the file; the export runs in the background with progress and
取消, and the file gets its name only after the events it numbers are saved.

Import: choose the file; the package is verified and tried (a dry run, rolled back) in the background,
and the wizard shows what would be created, updated, refused or in conflict, per kind and per event;
导入 then backs the database up, applies the package in one transaction and writes the receipt for the
sender. Both results can be saved as Excel. A package that is refused, or brings nothing new, stops at
the trial with its reason and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget, QWizard, QWizardPage)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import APP_NAME
from app.errors import BangzhenError, Cancelled
from app.models import Peer
from app.services import exchange, package_import, peers
from app.ui.exchange_dialog import RELATIONS
from app.ui.forms import error_label, fill, table
from app.ui.login import Login
from app.ui.ops import BackgroundOp, Failed, run_now
from app.ui.screen_fit import fit_to_screen

PACKAGE_FILTER = "数据包 (*.bzpkg);;所有文件 (*)"
SUMMARY_STATES = ("created", "updated", "unchanged", "duplicate", "waiting", "refused", "conflict")


def setup_wizard(wizard: QWizard, title: str) -> None:
    wizard.setWindowTitle(title)
    wizard.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
    wizard.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
    for button, text in ((QWizard.WizardButton.BackButton, "< 上一步(&B)"),
                         (QWizard.WizardButton.NextButton, "下一步(&N) >"),
                         (QWizard.WizardButton.CommitButton, "确定(&C)"),
                         (QWizard.WizardButton.FinishButton, "完成(&F)"),
                         (QWizard.WizardButton.CancelButton, "取消")):
        wizard.setButtonText(button, text)
    fit_to_screen(wizard, 900, 600)


def file_row(line: QLineEdit, browse: Callable[[], None]) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(line, 1)
    button = QPushButton("浏览(&W)…")
    button.clicked.connect(browse)
    row.addWidget(button)
    return row


class WorkPage(QWizardPage):
    """A page whose work runs in the background when it is shown; complete once the work succeeded."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.done = False
        self.op: BackgroundOp | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.error)

    def isComplete(self) -> bool:
        return self.done

    def run(self, engine: Engine, work: Callable[[Session, Any], Any], success: Callable[[Any], None],
            label: str, failed: Callable[[], None] = lambda: None) -> None:
        self.done = False
        self.error.hide()
        self.message.setText(label)
        self.completeChanged.emit()

        def finished(result: Any) -> None:
            success(result)
            self.done = True
            self.completeChanged.emit()

        def failure(error: BaseException) -> None:
            failed()
            self.message.setText("")
            self.error.setText("已取消，未作任何改动。" if isinstance(error, Cancelled) else
                               error.user_message if isinstance(error, BangzhenError) else
                               f"程序内部错误：{type(error).__name__}: {error}\n操作未完成，数据未改动。请将此信息反馈给技术支持。")
            self.error.show()

        self.op = BackgroundOp(self.wizard(), engine, work, success=finished, failure=failure, label=label).start()


# ---------------------------------------------------------------- export

class ExportWizard(QWizard):
    def __init__(self, engine: Engine, login: Login, peer_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.login = engine, login
        self.choose = ExportChoosePage(engine, peer_id)
        self.result_page = ExportResultPage()
        self.addPage(self.choose)
        self.addPage(self.result_page)
        setup_wizard(self, "导出数据包")


class ExportChoosePage(QWizardPage):
    def __init__(self, engine: Engine, peer_id: int | None) -> None:
        super().__init__()
        self.setTitle("导出数据包：发给谁")
        self.setSubTitle("数据包包含对方尚未确认收到的全部事件，用 U 盘或电子邮件交给对方即可；丢失了也无妨，下次导出会重新带上。")
        self.peer = QComboBox()
        self.full = QCheckBox("全量导出：所有记录重新发送一次（对方数据库从备份恢复后使用）")
        self.path = QLineEdit()
        self.peer_ids: list[int] = []
        self.names: list[str] = []

        def read(session: Session) -> list[tuple[int, str, str]]:
            home = peers.home_region(session)
            found = []
            for peer in peers.list_peers(session):
                relation = RELATIONS[peers.relation(session, home, peer.region_code)]
                found.append((peer.id, peer.name, f"{peer.name}（{peer.region_code}，{relation}；待对方确认 "
                                                  f"{peer.last_sent - peer.acknowledged} 个事件）"))
            return found

        found = run_now(self, engine, read)
        for pid, name, text in [] if found is Failed else found:
            self.peer_ids.append(pid)
            self.names.append(name)
            self.peer.addItem(text)
        if peer_id in self.peer_ids:
            self.peer.setCurrentIndex(self.peer_ids.index(peer_id))
        self.hint = error_label()
        if not self.peer_ids:
            self.hint.setText("还没有登记数据交换单位：请系统管理员在“数据交换”中登记对方的密钥文件。")
            self.hint.show()
        self.peer.currentIndexChanged.connect(self._default_path)
        self.path.textChanged.connect(self.completeChanged)
        form = QFormLayout(self)
        form.addRow("对方(&T)：", self.peer)
        form.addRow("", self.full)
        form.addRow("保存为(&S)：", file_row(self.path, self._browse))
        form.addRow(self.hint)
        self._default_path()

    def _default_path(self) -> None:
        if self.peer_ids:
            name = f"发给{self.names[self.peer.currentIndex()]}-{datetime.now():%Y%m%d-%H%M}.bzpkg"
            self.path.setText(str(Path.home() / name))

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "数据包保存为", self.path.text(), PACKAGE_FILTER)
        if chosen:
            self.path.setText(chosen if chosen.endswith(".bzpkg") else chosen + ".bzpkg")

    def isComplete(self) -> bool:
        return bool(self.peer_ids) and bool(self.path.text().strip())

    def validatePage(self) -> bool:
        folder = Path(self.path.text().strip()).expanduser().parent
        if not folder.is_dir():
            self.hint.setText(f"文件夹“{folder}”不存在。")
            self.hint.show()
            return False
        return True


class ExportResultPage(WorkPage):
    def __init__(self) -> None:
        super().__init__("导出数据包：结果")

    def initializePage(self) -> None:
        wizard: ExportWizard = self.wizard()
        choose = wizard.choose
        peer_id = choose.peer_ids[choose.peer.currentIndex()]
        path, full = Path(choose.path.text().strip()).expanduser(), choose.full.isChecked()
        made: list[exchange.Export] = []

        def work(session: Session, progress) -> tuple[str, exchange.Export]:
            peer = session.get(Peer, peer_id)
            export = exchange.export_package(session, wizard.login.user(session), peer, path, full, progress)
            made.append(export)
            return f"{peer.name}（{peer.region_code}）", export

        def success(result: tuple[str, exchange.Export]) -> None:
            name, export = result
            export.publish()  # the unit of work has committed: the numbers are saved
            span = f"第 {export.first}–{export.last} 号事件，共 {export.count} 个" if export.count else \
                "没有待发送的事件，只含回执信息"
            self.message.setText(f"已导出发给{name}的数据包：\n{export.path}\n（{span}）\n\n请用 U 盘或电子邮件交给对方。"
                                 "对方导入后会生成回执，请把回执在“导入数据包”中导入，以确认送达。")

        self.run(wizard.engine, work, success, "正在导出数据包…",
                 failed=lambda: [export.discard() for export in made])


# ---------------------------------------------------------------- import

class ImportWizard(QWizard):
    def __init__(self, engine: Engine, db_path: Path, login: Login, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.db_path, self.login = engine, Path(db_path), login
        self.applied = False
        self.choose = ImportChoosePage()
        self.trial = ImportTrialPage()
        self.result_page = ImportResultPage()
        for page in (self.choose, self.trial, self.result_page):
            self.addPage(page)
        setup_wizard(self, "导入数据包")

    def package_path(self) -> Path:
        return Path(self.choose.path.text().strip()).expanduser()


class ImportChoosePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("导入数据包：选择文件")
        self.setSubTitle("上级或下级发来的数据包（.bzpkg），或本单位发出的数据包的回执。导入前先全部核验并试导入，"
                         "确认后才改动数据库（导入前自动备份）。")
        self.path = QLineEdit()
        self.path.textChanged.connect(self.completeChanged)
        self.hint = error_label()
        form = QFormLayout(self)
        form.addRow("数据包(&P)：", file_row(self.path, self._browse))
        form.addRow(self.hint)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "选择数据包", self.path.text() or str(Path.home()), PACKAGE_FILTER)
        if chosen:
            self.path.setText(chosen)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        path = self.wizard().package_path()
        if not path.is_file():
            self.hint.setText(f"文件“{path}”不存在。")
            self.hint.show()
            return False
        self.hint.hide()
        return True


class ResultView(QWidget):
    """What an import did or would do: counts per kind and state, then every event; 保存为 Excel…."""

    def __init__(self) -> None:
        super().__init__()
        self.imported: package_import.Imported | None = None
        self.dry_run = True
        self.summary = table(("类别", *(exchange.STATE_LABELS[s] for s in SUMMARY_STATES)))
        self.summary.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.events = table(package_import.RESULT_COLUMNS)
        self.save_button = QPushButton("保存结果为 Excel(&S)…")
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.events, 3)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.hide()

    def show_result(self, imported: package_import.Imported, dry_run: bool) -> None:
        self.imported, self.dry_run = imported, dry_run
        counts = imported.result.counts()
        kinds = [kind for kind in exchange.kinds.KINDS if any(k == kind for k, _ in counts)]
        fill(self.summary, [[exchange.KIND_LABELS[kind], *(counts.get((kind, state), 0) for state in SUMMARY_STATES)]
                            for kind in kinds], numeric=range(1, len(SUMMARY_STATES) + 1))
        fill(self.events, package_import.result_rows(imported.result), numeric=(0,))
        self.setVisible(bool(imported.result.rows))

    def save(self, path: Path | None = None) -> Path | None:
        if path is None:
            title = package_import.result_title(self.imported, self.dry_run)
            chosen, _ = QFileDialog.getSaveFileName(self, "保存结果", str(Path.home() / f"{title}.xlsx"), "Excel (*.xlsx)")
            if not chosen:
                return None
            path = Path(chosen)
        try:
            written = package_import.write_result_xlsx(self.imported, self.dry_run, path)
        except BangzhenError as error:
            QMessageBox.warning(self, APP_NAME, error.user_message)
            return None
        self.window().setWindowTitle(self.window().windowTitle().split("（")[0] + f"（已保存 {written.name}）")
        return written


def _described(imported: package_import.Imported, done: str) -> str:
    manifest = imported.manifest
    signer = manifest["signer"]
    if imported.result.is_receipt:
        return (f"{done}来自{imported.sender}的回执（{signer['display_name']}签发）：对方已确认接收至本单位发出的第 "
                f"{manifest['acknowledged']} 号事件。")
    return (f"{done}来自{imported.sender}的数据包：第 {manifest['first']}–{manifest['last']} 号事件，"
            f"{signer['display_name']}签发（各类的处理结果见下表）。")


class ImportTrialPage(WorkPage):
    def __init__(self) -> None:
        super().__init__("导入数据包：核验与试导入")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "导入(&I)")
        self.view = ResultView()
        self.layout().addWidget(self.view, 1)
        self.stale = False

    def initializePage(self) -> None:
        wizard: ImportWizard = self.wizard()
        path = wizard.package_path()
        self.view.hide()
        self.stale = False

        def work(session: Session, progress) -> package_import.Imported:
            imported = package_import.import_package(session, wizard.login.user(session), wizard.db_path, path,
                                                     dry_run=True, progress=progress)
            session.rollback()
            return imported

        def success(imported: package_import.Imported) -> None:
            self.stale = imported.stale
            if imported.stale:
                self.message.setText(f"来自{imported.sender}的这个数据包已导入过，或比已导入的更早：没有新内容，"
                                     "无需导入。")
                self.setFinalPage(True)
                return
            text = _described(imported, "核验通过。试导入")
            problems = sum(1 for row in imported.result.rows if row["state"] in ("refused", "conflict"))
            if problems:
                text += f"\n其中 {problems} 个事件将被拒绝或列为冲突（原因见下表）；其余照常导入，冲突留待处理。"
            self.message.setText(text + "\n\n数据库尚未改动。点“导入”正式导入（导入前自动备份）。")
            self.view.show_result(imported, dry_run=True)

        self.run(wizard.engine, work, success, "正在核验并试导入数据包…")

    def nextId(self) -> int:
        return -1 if self.stale else super().nextId()


class ImportResultPage(WorkPage):
    def __init__(self) -> None:
        super().__init__("导入数据包：结果")
        self.view = ResultView()
        self.layout().addWidget(self.view, 1)
        self.open_button = QPushButton("打开回执所在文件夹(&O)")
        self.open_button.hide()
        self.layout().addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.imported: package_import.Imported | None = None

    def initializePage(self) -> None:
        wizard: ImportWizard = self.wizard()
        path = wizard.package_path()
        made: list[package_import.Imported] = []

        def work(session: Session, progress) -> package_import.Imported:
            imported = package_import.import_package(session, wizard.login.user(session), wizard.db_path, path,
                                                     progress=progress)
            made.append(imported)
            return imported

        def success(imported: package_import.Imported) -> None:
            imported.publish()  # committed: the receipt may now tell the sender
            self.imported = imported
            wizard.applied = not imported.stale
            if imported.stale:
                self.message.setText(f"来自{imported.sender}的这个数据包已导入过：没有新内容，未作任何改动。")
                return
            text = _described(imported, "已导入")
            if imported.backup is not None:
                text += f"\n\n导入前已备份：{imported.backup}"
            if imported.receipt is not None:
                text += f"\n回执：{imported.receipt}\n请把回执交回{imported.sender}导入，对方据此确认送达。"
                self.open_button.show()
                self.open_button.clicked.connect(lambda: QDesktopServices.openUrl(
                    QUrl.fromLocalFile(str(imported.receipt.parent))))
            self.message.setText(text)
            self.view.show_result(imported, dry_run=False)

        self.run(wizard.engine, work, success, "正在导入数据包…", failed=lambda: [i.discard() for i in made])
