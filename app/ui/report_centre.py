"""报表中心: pick a return, the region it is for, the year, the fund and the 基准日; preview it as it will
print (header rows and merged cells included) and export it as xlsx or PDF. Building and writing run
in the background (services may read a province's worth of rows) with progress and 取消; after an
export the folder can be opened. Everything the returns print comes from `app.reports`.

Also here: saving projects' 双签审批表 as PDF, and checking a printed one's code against the data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QFileDialog, QFormLayout,
                               QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)
from sqlalchemy import Engine, func, select

from app import APP_NAME
from app.models import Fund
from app.reports.export import export, export_sheets
from app.reports.request import Request, as_of
from app.reports.returns import RETURNS
from app.reports.table import HEADING, SUBTOTAL, TOTAL, Table
from app.services.approval_sheets import approval_sheet, check_sheet
from app.services.database import unit_of_work
from app.services.regions import PROVINCE_CODE, region_tree
from app.ui.ops import BackgroundOp, run_now
from app.ui.screen_fit import fit_to_screen

AUTO_FUND = "（本年度唯一的资金）"


class ReportCentre(QDialog):
    def __init__(self, engine: Engine, region_code: str = PROVINCE_CODE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("报表中心")
        self.tables: list[Table] = []
        self.last_export: Path | None = None

        self.returns = QComboBox()
        for spec in RETURNS.values():
            self.returns.addItem(spec.label, spec.name)
        self.region = QComboBox()
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.fund = QComboBox()
        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        with unit_of_work(engine) as session:
            self._fill_regions(session, region_code)
            latest = session.scalar(select(func.max(Fund.year)))
        self.year.setValue(latest or date.today().year)
        self.year.valueChanged.connect(self._year_changed)
        self._year_changed()

        form = QFormLayout()
        form.addRow("报表(&B)：", self.returns)
        form.addRow("地区(&G)：", self.region)
        form.addRow("年度(&Y)：", self.year)
        form.addRow("资金(&F)：", self.fund)
        form.addRow("基准日(&D)：", self.as_of)
        self.preview_button = QPushButton("预览(&P)")
        self.xlsx_button = QPushButton("导出 Excel(&E)…")
        self.pdf_button = QPushButton("导出 PDF(&O)…")
        close = QPushButton("关闭")
        self.preview_button.clicked.connect(self.preview)
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.xlsx_button, self.pdf_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.status = QLabel("选择报表和地区后，点“预览”查看，或直接导出。")
        self.status.setWordWrap(True)
        self.pages = QTabWidget()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.pages, 1)
        self.preview_button.setDefault(True)
        fit_to_screen(self, 1000, 620)

    # -- choices ------------------------------------------------------------------------------------
    def _fill_regions(self, session, selected: str) -> None:
        """The province, each city and its counties (a town's returns are its county's)."""
        root = region_tree(session)
        entries = [(root.ref.name, root.ref.code)]
        for city in root.children:
            entries.append((f"　{city.ref.name}", city.ref.code))
            entries += [(f"　　{county.ref.name}", county.ref.code) for county in city.children
                        if county.ref.level == "county"]
        for name, code in entries:
            self.region.addItem(name, code)
        wanted = selected[:6] if len(selected) == 9 else selected
        self.region.setCurrentIndex(max(0, self.region.findData(wanted)))

    def _year_changed(self) -> None:
        year = self.year.value()
        with unit_of_work(self.engine) as session:
            funds = session.execute(select(Fund.id, Fund.name).where(Fund.year == year).order_by(Fund.id)).all()
        self.fund.clear()
        self.fund.addItem(AUTO_FUND, None)
        for fund_id, name in funds:
            self.fund.addItem(name, str(fund_id))
        day = as_of(Request(PROVINCE_CODE, year))
        self.as_of.setDate(QDate(day.year, day.month, day.day))

    def request(self) -> Request:
        day = self.as_of.date()
        return Request(self.region.currentData(), self.year.value(), self.fund.currentData(),
                       date(day.year(), day.month(), day.day()))

    # -- preview and export ---------------------------------------------------------------------------
    def preview(self) -> BackgroundOp:
        spec, request = RETURNS[self.returns.currentData()], self.request()

        def build(session, progress):
            progress(0, 1, "生成")
            return spec.tables(session, request)

        return BackgroundOp(self, self.engine, build, success=self._show, label="正在生成报表…").start()

    def _show(self, tables: list[Table]) -> None:
        self.tables = tables
        self.pages.clear()
        for table in tables:
            self.pages.addTab(_grid(table), table.sheet or table.title)
        rows = sum(len(table.rows) for table in tables)
        self.status.setText(f"{tables[0].title}：{rows} 行" + (f"，{len(tables)} 张表" if len(tables) > 1 else "") + "。")

    def export(self, fmt: str) -> BackgroundOp | None:
        spec, request = RETURNS[self.returns.currentData()], self.request()
        suggested = str(Path.home() / f"{spec.label.split('（')[0]}.{fmt}")
        wanted, _ = QFileDialog.getSaveFileName(self, "导出报表", suggested,
                                                "Excel 工作簿 (*.xlsx)" if fmt == "xlsx" else "PDF 文件 (*.pdf)")
        if not wanted:
            return None

        def build_and_write(session, progress):
            progress(0, 2, "生成")
            tables = spec.tables(session, request)
            progress(1, 2, "写入文件")
            return export(tables, Path(wanted), fmt), tables

        return BackgroundOp(self, self.engine, build_and_write, success=self._exported, label="正在导出报表…").start()

    def _exported(self, result: tuple[Path, list[Table]]) -> None:
        path, tables = result
        self.last_export = path
        self._show(tables)
        _offer_folder(self, path)


def save_sheets(parent: QWidget, engine: Engine, project_ids: list[int]) -> BackgroundOp | None:
    """Ask where, then write the projects' 双签审批表 as one PDF in the background."""
    wanted, _ = QFileDialog.getSaveFileName(parent, "保存双签审批表", str(Path.home() / "双签审批表.pdf"), "PDF 文件 (*.pdf)")
    if not wanted:
        return None

    def write(session, progress):
        sheets = []
        for n, project_id in enumerate(project_ids):
            progress(n, len(project_ids), "生成")
            sheets.append(approval_sheet(session, project_id))
        return export_sheets(sheets, Path(wanted))

    def done(path: Path) -> None:
        _offer_folder(parent, path)

    return BackgroundOp(parent, engine, write, success=done, label="正在生成双签审批表…").start()


def check_printed_sheet(parent: QWidget, engine: Engine) -> None:
    """Type (or scan into the box) a printed sheet's code and say whether it matches the data."""
    code, ok = QInputDialog.getText(parent, "核对纸质审批表", "审批表上的校验码（以 BZSHEET1 开头，扫码枪可直接扫入）：")
    if not ok or not code.strip():
        return
    result = run_now(parent, engine, lambda session: check_sheet(session, code))
    if result:
        (QMessageBox.information if result.matches else QMessageBox.warning)(parent, "核对纸质审批表", result.message)


def _offer_folder(parent: QWidget, path: Path) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, APP_NAME, f"已导出：{path}", parent=parent)
    open_folder = box.addButton("打开所在文件夹(&O)", QMessageBox.ButtonRole.ActionRole)
    box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is open_folder:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


def _grid(table: Table) -> QTableWidget:
    """The table as it prints: header rows in bold on grey, merges as spans, figures right-aligned."""
    grid = table.text_grid()
    view = QTableWidget(len(grid), len(table.columns))
    view.horizontalHeader().hide()
    view.verticalHeader().hide()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    bold = QFont()
    bold.setBold(True)
    header_rows = len(table.header)
    for r, cells in enumerate(grid):
        body = table.rows[r - header_rows] if r >= header_rows else None
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            strong = body is None or body.kind in (TOTAL, SUBTOTAL, HEADING)
            if strong:
                item.setFont(bold)
            right = body is not None and table.columns[c].right_aligned(body.cells[c])
            item.setTextAlignment((Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignCenter)
                                  | Qt.AlignmentFlag.AlignVCenter)
            view.setItem(r, c, item)
    for merge in table.merges:
        view.setSpan(merge.row, merge.col, merge.rows, merge.cols)
    for c, column in enumerate(table.columns):
        view.setColumnWidth(c, 18 * column.width + 12)
    view.setWordWrap(True)
    view.resizeRowsToContents()
    return view

