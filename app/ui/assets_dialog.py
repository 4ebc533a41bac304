"""资产台账: the assets the region's accepted projects handed over — type, value from the ledger, owner
after 确权, who looks after it (管护) and with how much a year (`services.money.assets`)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget
from sqlalchemy import Engine

from app.models import Money
from app.services.database import unit_of_work
from app.services.money import assets
from app.services.regions import find_region
from app.ui.forms import fill, table
from app.ui.screen_fit import fit_to_screen

HEADERS = ("乡镇", "资产（项目）", "类型", "价值（万元）", "所有权人", "管护主体", "年度管护经费（万元）", "移交日期")


class AssetsDialog(QDialog):
    def __init__(self, engine: Engine, region_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        with unit_of_work(engine) as session:
            region = find_region(session, region_code)
            lines = assets.asset_lines(session, region_code)
        self.setWindowTitle(f"资产台账：{region.name}")
        self.table = table(HEADERS)
        fill(self.table, [(a.town, a.name, a.asset_type.label, a.value.format_wan(2, True), a.owner, a.custodian,
                           a.upkeep_yearly.format_wan(2, True), a.handed_over_on) for a in lines],
             numeric=(3, 6))
        self.summary = QLabel(f"{region.name}：资产 {len(lines)} 项，价值合计 "
                              f"{Money.total(a.value for a in lines).format_wan(2, True)} 万元，年度管护经费合计 "
                              f"{Money.total(a.upkeep_yearly for a in lines).format_wan(2, True)} 万元。")
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        fit_to_screen(self, 980, 460)
