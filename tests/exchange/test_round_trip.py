"""Town ⇄ county by signed packages, as the offices would do it with the `bangzhen` command: each
installation its own database and root key; key files registered with the fingerprint read from paper;
towns draft and 双签; the county imports (dry run, then for real), approves one project and returns the
other with a reason; the towns import the answer and see both decisions; everything passes `verify`."""

from __future__ import annotations

import sqlite3

from helpers import assert_refused, ok
from installations import COUNTY, TOWNS, draft_and_sign


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
    for town, name in ((yangming, "阳明镇田头小站"), (pengzhai, "彭寨镇冷库")):
        out = tmp_path / f"down-{town.region}.bzpkg"
        ok(county.run("package", "export", "--to", town.region, "--out", str(out), user="审核"))
        assert "项目：更新 1" in ok(town.run("package", "import", str(out), user="经办"))
    assert status(yangming.db, "阳明镇田头小站") == ("approved", "")
    assert status(pengzhai.db, "彭寨镇冷库") == ("returned", "投资概算偏高，请核减")
    for office in (county, yangming, pengzhai):
        assert "核验通过" in ok(office.run("verify")), office.db


def test_a_package_outside_the_senders_authority_changes_nothing(offices, tmp_path):
    register(offices, tmp_path)
    county, yangming = offices[COUNTY], offices[TOWNS[0]]
    out = tmp_path / "fund.bzpkg"
    ok(county.run("package", "export", "--to", yangming.region, "--out", str(out), user="财政"))
    # The county's package is meant for 阳明镇: 彭寨镇 refuses it whole.
    assert_refused(offices[TOWNS[1]].run("package", "import", str(out), user="经办"), "不是发给本安装的")
