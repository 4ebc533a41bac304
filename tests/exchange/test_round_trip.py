"""Town ⇄ county by signed packages, as the offices would do it with the `bangzhen` command: each
installation its own database and root key; key files registered with the fingerprint read from paper;
towns draft and 双签; the county imports (dry run, then for real), approves one project and returns the
other with a reason; the towns import the answer and see both decisions; everything passes `verify`."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

from sqlalchemy import select

from app.models import Fund, Town
from app.reports.figures import region_figures
from app.services import database
from app.services.regions import find_region

from helpers import assert_refused, ok
from installations import CITY, CITY_FUND, COUNTY, FUND, TOWNS, draft_and_sign, register_in_process, send_in_process


def register(offices, tmp_path) -> None:
    """Each town and the county exchange key files and register each other's after checking the fingerprint."""
    county = offices[COUNTY]
    ok(county.run("key", "export", "--out", str(tmp_path / "county.bzkey"), user="admin"))
    for town_code in TOWNS:
        town = offices[town_code]
        printed = ok(town.run("key", "export", "--out", str(tmp_path / f"{town_code}.bzkey"), user="admin"))
        fingerprint = printed.split("根密钥指纹 ")[1].split()[0]
        ok(county.run("peer", "add", str(tmp_path / f"{town_code}.bzkey"), "--fingerprint", fingerprint, user="admin"))
        shown = county.run("peer", "add", str(tmp_path / "county.bzkey"), user="admin")
        county_fingerprint = shown.stderr.split("根密钥指纹 ")[1].split("。")[0] if "指纹" in shown.stderr else ""
        ok(town.run("peer", "add", str(tmp_path / "county.bzkey"), "--fingerprint", county_fingerprint or "x",
                    user="admin"))


def status(db, name: str) -> tuple[str, str]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT status, status_reason FROM project WHERE name = ?", (name,)).fetchone()
    conn.close()
    return row


def test_towns_and_county_exchange_projects_and_decisions(offices, tmp_path):
    register(offices, tmp_path)
    county, yangming, pengzhai = offices[COUNTY], offices[TOWNS[0]], offices[TOWNS[1]]
    # The county sends its fund down first: the towns' projects name it.
    for town in (yangming, pengzhai):
        out = tmp_path / f"fund-{town.region}.bzpkg"
        ok(county.run("package", "export", "--to", town.region, "--out", str(out), user="财政"))
        assert "资金：新增 1" in ok(town.run("package", "import", str(out), user="经办"))
    draft_and_sign(yangming, tmp_path, "阳明镇田头小站")
    draft_and_sign(pengzhai, tmp_path, "彭寨镇冷库")
    for town in (yangming, pengzhai):
        out = tmp_path / f"up-{town.region}.bzpkg"
        ok(town.run("package", "export", "--to", COUNTY, "--out", str(out), user="经办"))
        dry = ok(county.run("package", "import", str(out), "--dry-run", user="审核"))
        assert "项目：新增 1" in dry and "未作任何改动" in dry
        assert status(county.db, "阳明镇田头小站" if town is yangming else "彭寨镇冷库") is None
        done = ok(county.run("package", "import", str(out), user="审核"))
        assert "项目：新增 1" in done and "人员：新增 3" in done
        assert "没有新内容，未作任何改动" in ok(county.run("package", "import", str(out), user="审核"))
    assert status(county.db, "阳明镇田头小站") == ("double_signed", "")

    with sqlite3.connect(county.db) as conn:
        ids = dict(conn.execute("SELECT name, id FROM project"))
    conn.close()
    ok(county.run("review", str(ids["阳明镇田头小站"]), "--approve", user="审核"))
    ok(county.run("review", str(ids["彭寨镇冷库"]), "--return", "投资概算偏高，请核减", user="审核"))
    # The county arranges money for the approved project and pays it.
    ok(county.run("setting", "set", "allocation_check", "提醒", user="admin"))
    plan = re.search(r"已新建资金安排 (\d+)", ok(county.run("plan", "create", "--region", COUNTY, "--fund", FUND,
                                                        user="财政"))).group(1)
    ok(county.run("plan", "add", plan, str(ids["阳明镇田头小站"]), user="财政"))
    ok(county.run("plan", "sign", plan, "--doc", "和财〔2023〕9号", user="财政"))
    ok(county.run("spend", str(ids["阳明镇田头小站"]), "--amount", "12,000.50", "--source", "县级财政", "--payee",
                  "和平县供销合作社", "--voucher", "V-1", user="财政"))
    answers = {}
    for town in (yangming, pengzhai):
        out = tmp_path / f"down-{town.region}.bzpkg"
        ok(county.run("package", "export", "--to", town.region, "--out", str(out), user="审核"))
        answers[town.region] = ok(town.run("package", "import", str(out), user="经办"))
        assert "项目：更新 1" in answers[town.region]
    assert "资金安排：新增 1" in answers[yangming.region] and "支出：新增 1" in answers[yangming.region]
    assert "资金安排：新增 1" in answers[pengzhai.region]  # its share of the county's plan: no line of its own
    assert status(yangming.db, "阳明镇田头小站") == ("planned", "")
    assert status(pengzhai.db, "彭寨镇冷库") == ("returned", "投资概算偏高，请核减")
    with sqlite3.connect(yangming.db) as conn:
        assert conn.execute("SELECT sum(amount), count(*) FROM expenditure").fetchone() == (1_200_050, 1)
        assert conn.execute("SELECT count(*) FROM plan_line").fetchone() == (1,)
    conn.close()
    for office in (county, yangming, pengzhai):
        assert "核验通过" in ok(office.run("verify")), office.db


def test_a_package_outside_the_senders_authority_changes_nothing(offices, tmp_path):
    register(offices, tmp_path)
    county, yangming = offices[COUNTY], offices[TOWNS[0]]
    out = tmp_path / "fund.bzpkg"
    ok(county.run("package", "export", "--to", yangming.region, "--out", str(out), user="财政"))
    # The county's package is meant for 阳明镇: 彭寨镇 refuses it whole.
    assert_refused(offices[TOWNS[1]].run("package", "import", str(out), user="经办"), "不是发给本安装的")


def test_the_city_receives_the_countys_totals(offices, tmp_path):
    """The city's fund goes down to the county, the county pays a town's project from it and reports up;
    the city's 表2-2 shows the county's net paid to the 分, as the county's own ledger has it."""
    county, yangming, city = offices[COUNTY], offices[TOWNS[0]], offices[CITY]
    register_in_process(county.db, yangming.db)
    register_in_process(city.db, county.db)
    send_in_process(city.db, county.db, "财政", "财政", tmp_path)
    send_in_process(county.db, yangming.db, "财政", "经办", tmp_path)
    draft_and_sign(yangming, tmp_path, "阳明镇冷链仓储", CITY_FUND, city_amount="0.8")
    up = tmp_path / "up.bzpkg"
    ok(yangming.run("package", "export", "--to", COUNTY, "--out", str(up), user="经办"))
    ok(county.run("package", "import", str(up), user="审核"))
    with sqlite3.connect(county.db) as conn:
        project = str(conn.execute("SELECT id FROM project WHERE name = '阳明镇冷链仓储'").fetchone()[0])
    conn.close()
    ok(county.run("review", project, "--approve", user="审核"))
    ok(county.run("setting", "set", "allocation_check", "提醒", user="admin"))
    plan = re.search(r"已新建资金安排 (\d+)", ok(county.run("plan", "create", "--region", COUNTY, "--fund", CITY_FUND,
                                                       user="财政"))).group(1)
    ok(county.run("plan", "add", plan, project, user="财政"))
    ok(county.run("plan", "sign", plan, "--doc", "和财〔2023〕10号", user="财政"))
    for amount, voucher in (("5,000.25", "V-1"), ("1,999.99", "V-2")):
        ok(county.run("spend", project, "--amount", amount, "--source", "被帮扶市", "--payee", "施工队",
                      "--voucher", voucher, user="财政"))
    report = tmp_path / "to-city.bzpkg"
    ok(county.run("package", "export", "--to", CITY, "--out", str(report), user="财政"))
    assert "上报支出数：新增 2" in ok(city.run("package", "import", str(report), user="财政"))
    county_paid = figures(county.db, COUNTY, CITY_FUND)
    city_figures = figures(city.db, CITY, CITY_FUND)
    assert county_paid == {"441624100": 700_024}
    assert city_figures[COUNTY] == sum(county_paid.values())
    assert "核验通过" in ok(city.run("verify"))


def figures(db, scope: str, fund_name: str) -> dict[str, int]:
    """表2-2's 支出 column in 分, by region code (a county's return lists its towns by name)."""
    engine = database.connect(db)
    try:
        with database.unit_of_work(engine) as session:
            fund = session.scalar(select(Fund).where(Fund.name == fund_name))
            lines = region_figures(session, find_region(session, scope), fund, date.today())
            codes = {town.name: town.code for town in session.scalars(select(Town))}
            return {line.code or codes[line.name]: line.spent.fen for line in lines if line.spent.fen}
    finally:
        engine.dispose()
