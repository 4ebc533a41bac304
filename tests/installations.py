"""Separate installations for the exchange tests: a county (和平县) and two of its towns, each its own
database with its own root key, users and home region, made with the services (fast) and then used only
through the `bangzhen` command, as the offices would."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.models import FundSource, Money, UserRole
from app.services import database, exchange, peers, security, settings
from app.services.money.funds import add_fund
from helpers import bangzhen, ok

PASSWORD = "exchange-Pw-2023"
PW = PASSWORD + "\n"
COUNTY = "441624"
TOWNS = ("441624100", "441624101")  # 阳明镇, 彭寨镇
CITY = "4416"
FUND = "2023年驻镇帮镇扶村资金（和平县）"
CITY_FUND = "2023年河源市驻镇帮镇扶村资金"


@dataclass
class Installation:
    db: Path
    region: str

    def run(self, *args: str, user: str = "", stdin: str = PW):
        extra = ("--as", user) if user else ()
        return bangzhen(*args, "--db", str(self.db), *extra, stdin=stdin)


def _users(region: str) -> list[tuple[str, str, UserRole, str]]:
    if len(region) == 9:
        return [("经办", "张志强", UserRole.town_officer, region), ("书记", "李海燕", UserRole.town_leader, region),
                ("队长", "陈建华", UserRole.team_leader, region)]
    if len(region) == 4:
        return [("财政", "周文斌", UserRole.city_finance, region)]
    return [("审核", "黄振宇", UserRole.county_reviewer, region), ("财政", "刘晓红", UserRole.county_finance, region)]


def make_installation(template: Path, path: Path, region: str) -> Path:
    """A new installation for `region` from the reference-data template: its administrator (and root key),
    its people, its home region; a county or city also issues its own fund."""
    shutil.copyfile(template, path)
    engine = database.connect(path)
    with database.unit_of_work(engine) as session:
        admin = security.create_user(session, None, "admin", "系统管理员", PASSWORD, [(UserRole.admin, region)])
        settings.set_home_region(session, admin, region)
        for username, name, role, code in _users(region):
            security.create_user(session, admin, username, name, PASSWORD, [(role, code)])
        if len(region) in (4, 6):
            county = len(region) == 6
            add_fund(session, security.authenticate(session, "财政", PASSWORD), name=FUND if county else CITY_FUND,
                     year=2023, region_code=region, doc_number="和财〔2023〕1号" if county else "河财〔2023〕5号",
                     issued_on=date(2023, 3, 1), deadline=date(2024, 6, 30),
                     incomes=[(FundSource.county if county else FundSource.local_city, Money(200_000_000),
                               "县级配套" if county else "市级统筹")])
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def project_file(folder: Path, town: str, name: str, fund: str = FUND, city_amount: str = "0") -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"被帮扶市资金": city_amount,
        "项目名称": name, "年度": 2023, "所属乡镇": town, "资金": fund, "用途类别": "提升乡村产业发展水平",
        "建设性质": "新建", "支出类别": "工程建设", "建设地点": "镇区", "计划开工日期": "2023-04-01",
        "计划完工日期": "2023-09-30", "实施单位": "镇人民政府", "项目负责人": "陈建华",
        "建设内容及规模": "建设田头小站 1 座", "县级财政资金": "1.5", "支持方式": "以奖代补", "受益对象": "种植户",
        "资产类型": "经营性", "事前公示开始日期": "2023-03-01",
        "绩效目标": [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "新建田头小站", "单位": "座",
                  "比较": "≥", "指标值": "1"},
                 {"一级指标": "效益指标", "二级指标": "经济效益指标", "三级指标": "农户收入", "比较": "定性",
                  "指标值": "提高"}],
    }, ensure_ascii=False), encoding="utf-8")
    return path


def draft_and_sign(town: Installation, folder: Path, name: str, fund: str = FUND, city_amount: str = "0") -> int:
    created = ok(town.run("project", "create", str(project_file(folder, town.region, name, fund, city_amount)),
                          user="经办"))
    project = re.search(r"已起草项目 (\d+)", created).group(1)
    ok(town.run("sign", project, "--role", "乡镇主要负责人", user="书记"))
    ok(town.run("sign", project, "--role", "驻镇帮扶工作队队长", user="队长"))
    return int(project)


def dump(db: Path) -> list:
    """Every row of every table, to show an import changed nothing."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        rows = [(t, sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"')))) for t in tables]
    conn.close()
    return rows


# ---------------------------------------------------------------- the same, in this process (for fixtures)

@contextlib.contextmanager
def _session(db: Path):
    engine = database.connect(db)
    try:
        with database.unit_of_work(engine) as session:
            yield session
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


def register_in_process(a: Path, b: Path, admin_a: str = "admin", admin_b: str = "admin",
                        password_a: str = PASSWORD, password_b: str = PASSWORD) -> None:
    """Installations `a` and `b` register each other's key files."""
    files = []
    for db, admin, password in ((a, admin_a, password_a), (b, admin_b, password_b)):
        with _session(db) as session:
            files.append(peers.key_file_bytes(session, security.authenticate(session, admin, password)))
    for db, admin, password, other in ((a, admin_a, password_a, files[1]), (b, admin_b, password_b, files[0])):
        with _session(db) as session:
            key = peers.read_key_file(other)
            peers.add_peer(session, security.authenticate(session, admin, password), key, key.fingerprint)


def send_in_process(sender: Path, receiver: Path, sender_user: str, receiver_user: str, folder: Path,
                    sender_password: str = PASSWORD, receiver_password: str = PASSWORD) -> exchange.Result:
    """One package from `sender` to `receiver`, exported and imported through the services."""
    with _session(receiver) as session:
        receiver_region = peers.home_region(session)
    path = folder / f"{sender.stem}-to-{receiver.stem}.bzpkg"
    with _session(sender) as session:
        user = security.authenticate(session, sender_user, sender_password)
        made = exchange.export_package(session, user, peers.find_peer(session, receiver_region), path)
    made.publish()
    with _session(receiver) as session:
        user = security.authenticate(session, receiver_user, receiver_password)
        return exchange.apply(session, user, exchange.read_incoming(session, path))


def sign_in_process(town: Path, name: str, folder: Path, fund: str = FUND) -> None:
    """The town drafts a project and both of its leaders sign it."""
    from app.services import approval, project_files
    with _session(town) as session:
        officer = security.authenticate(session, "经办", PASSWORD)
        region = peers.home_region(session)
        content = project_files.read_project_file(project_file(folder, region, name, fund))
        project = approval.create_project(session, officer, content).project
        for username, role in (("书记", UserRole.town_leader), ("队长", UserRole.team_leader)):
            approval.sign(session, security.authenticate(session, username, PASSWORD), project.id, role, PASSWORD)
