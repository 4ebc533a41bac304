"""The exchange in the GUI (pytest-qt, real widgets, one database per installation): a town exports
through the 导出数据包 wizard, its county tries the package and imports it through the 导入数据包 wizard
and saves the result as Excel, the town imports the receipt, and the 数据交换 page shows each side's
progress; a tampered package stops at the trial with its reason; the administrator registers a peer
only with the fingerprint from its 密钥登记表."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.models import Peer, Project
from app.services import database, peers, security
from app.ui.exchange_dialog import AddPeerDialog, ExchangeDialog
from app.ui.exchange_wizards import ExportWizard, ImportWizard
from app.ui.login import Login
from app.ui.main_window import MainWindow
from installations import (CITY, COUNTY, PASSWORD, TOWNS, dump, register_in_process, send_in_process,
                           sign_in_process)

TOWN = TOWNS[0]


class Office:
    """One installation opened as the GUI opens it, with one person signed in."""

    def __init__(self, db: Path, username: str) -> None:
        self.db = db
        self.engine = database.connect(db)
        with database.unit_of_work(self.engine) as session:
            self.login = Login.of(security.authenticate(session, username, PASSWORD))

    def count(self, model) -> int:
        with database.unit_of_work(self.engine) as session:
            return session.query(model).count()


@pytest.fixture
def town_and_county(offices, tmp_path):
    register_in_process(offices[COUNTY].db, offices[TOWN].db)
    send_in_process(offices[COUNTY].db, offices[TOWN].db, "财政", "经办", tmp_path)  # the county's fund
    sign_in_process(offices[TOWN].db, "田头小站", tmp_path)
    sign_in_process(offices[TOWN].db, "冷库", tmp_path)
    town, county = Office(offices[TOWN].db, "经办"), Office(offices[COUNTY].db, "审核")
    yield town, county
    town.engine.dispose()
    county.engine.dispose()


def _export(qtbot, office: Office, path: Path) -> ExportWizard:
    wizard = ExportWizard(office.engine, office.login)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.choose.peer.count() == 1 and "发给" in Path(wizard.choose.path.text()).name
    wizard.choose.path.setText(str(path))
    wizard.next()
    qtbot.waitUntil(wizard.result_page.isComplete, timeout=20000)
    return wizard


def _import(qtbot, office: Office, path: Path) -> ImportWizard:
    wizard = ImportWizard(office.engine, office.db, office.login)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choose.path.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.trial.isComplete() or wizard.trial.error.isVisible(), timeout=20000)
    return wizard


def test_a_package_goes_up_and_its_receipt_comes_back_through_the_wizards(qtbot, town_and_county, tmp_path):
    town, county = town_and_county
    package = tmp_path / "阳明镇发给和平县.bzpkg"
    exported = _export(qtbot, town, package)
    assert package.is_file() and not package.with_name(package.name + ".part").exists()
    assert "已导出发给和平县" in exported.result_page.message.text()

    before = dump(county.db)
    wizard = _import(qtbot, county, package)
    trial = wizard.trial
    assert "核验通过" in trial.message.text() and "数据库尚未改动" in trial.message.text()
    summary = {trial.view.summary.item(r, 0).text(): trial.view.summary.item(r, 1).text()
               for r in range(trial.view.summary.rowCount())}
    assert summary["项目"] == "2" and summary["人员"] == "3"  # 2 projects and their 3 people, all new
    assert trial.view.events.rowCount() == 5
    assert dump(county.db) == before  # a trial changes nothing

    saved = trial.view.save(tmp_path / "试导入结果.xlsx")
    sheet = load_workbook(saved).active
    assert "试导入来自阳明镇（441624100）的数据包的结果" in sheet["A1"].value
    assert [c.value for c in sheet[2]] == ["序号", "类别", "结果", "内容或原因"]
    assert sorted(row[2] for row in sheet.iter_rows(min_row=3, values_only=True)) == ["新增"] * 5
    assert any("田头小站" in str(row[3]) for row in sheet.iter_rows(min_row=3, values_only=True))

    wizard.next()  # 导入
    qtbot.waitUntil(wizard.result_page.isComplete, timeout=20000)
    assert wizard.applied and county.count(Project) == 2
    result = wizard.result_page
    assert "已导入来自阳明镇" in result.message.text() and "导入前已备份" in result.message.text()
    receipt = result.imported.receipt
    assert receipt == tmp_path / "阳明镇发给和平县-回执.bzpkg" and receipt.is_file()
    assert not wizard.button(wizard.WizardButton.BackButton).isEnabled()  # no going back past the import

    again = _import(qtbot, county, package)  # the same package twice: nothing new, and said so
    assert "已导入过" in again.trial.message.text() and again.trial.isFinalPage()

    back = _import(qtbot, town, receipt)
    assert "回执" in back.trial.message.text()
    back.next()
    qtbot.waitUntil(back.result_page.isComplete, timeout=20000)

    page = ExchangeDialog(town.engine, town.db, town.login)
    qtbot.addWidget(page)
    cells = [page.peers.item(0, c).text() for c in range(page.peers.columnCount())]
    assert cells[:8] == ["和平县", COUNTY, "上级", "5", "5", "0", "2", "0"]  # it received the fund and its issuer
    assert cells[8] and cells[9]  # when it last exported and imported, in local time
    assert not page.export_button.isHidden() and page.add_button.isHidden()  # a clerk, not the administrator


def test_a_tampered_package_stops_at_the_trial_with_its_reason(qtbot, town_and_county, tmp_path):
    town, county = town_and_county
    package = tmp_path / "p.bzpkg"
    _export(qtbot, town, package)
    tampered = tmp_path / "tampered.bzpkg"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data.replace("田头小站".encode(), "田头大站".encode()) if item.filename == "events.json"
                            else data)
    before = dump(county.db)
    wizard = _import(qtbot, county, tampered)
    assert wizard.trial.error.isVisible() and "数据包无效" in wizard.trial.error.text()
    assert not wizard.trial.isComplete() and not wizard.trial.view.isVisible()
    assert dump(county.db) == before


def test_the_menu_offers_the_exchange_to_those_who_may(qtbot, town_and_county):
    town, _county = town_and_county
    window = MainWindow(town.engine, town.db, town.login)
    qtbot.addWidget(window)
    assert window.exchange_menu.menuAction().isVisible()
    assert [a.text() for a in window.exchange_menu.actions() if not a.isSeparator()] == \
        ["导出数据包(&E)…", "导入数据包(&I)…", "数据交换单位与收发进度(&X)…"]
    window.set_login(None)
    assert not window.exchange_menu.menuAction().isVisible()


def test_the_administrator_registers_a_peer_only_with_its_fingerprint(qtbot, offices, tmp_path, monkeypatch):
    county, city = Office(offices[COUNTY].db, "admin"), Office(offices[CITY].db, "admin")
    key_file = tmp_path / "和平县.bzkey"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(key_file), ""))
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: told.append(text))
    page = ExchangeDialog(county.engine, county.db, county.login)
    qtbot.addWidget(page)
    assert not page.add_button.isHidden() and "还没有登记数据交换单位" in page.heading.text()
    page.key_button.click()
    key = peers.read_key_file(key_file.read_bytes())
    assert key.fingerprint in told[0] and key.region_code == COUNTY

    dialog = AddPeerDialog(city.engine, city.login, key)
    qtbot.addWidget(dialog)
    dialog.accept()
    assert "请输入" in dialog.error.text() and city.count(Peer) == 0
    dialog.fingerprint.setText("0000 0000 0000 0000")
    dialog.accept()
    assert "不符" in dialog.error.text() and city.count(Peer) == 0
    dialog.fingerprint.setText(key.fingerprint.lower())
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and city.count(Peer) == 1
    county.engine.dispose()
    city.engine.dispose()
