"""The `bangzhen` command as a user runs it: real subprocesses, Chinese errors, exit status ≠ 0,
no traceback, and nothing changed by a failed command."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import assert_refused, bangzhen, digest


def test_init_then_stats(tmp_path):
    """init creates the database with the reference data; a second init changes nothing."""
    db = tmp_path / "x.sqlite"
    first = bangzhen("init", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "新增乡镇（街道）：1757" in first.stdout
    again = bangzhen("init", "--db", str(db))
    assert again.returncode == 0 and "无需变更" in again.stdout
    stats = bangzhen("stats", "--db", str(db))
    assert stats.returncode == 0
    lines = {line.split()[-1]: line.split()[-2] for line in stats.stdout.splitlines()[1:]}
    assert lines["(town)"] == "1,757" and lines["(task_item)"] == "126" and lines["(performance_target)"] == "236"


def test_demo_generate_and_town_commands(tmp_path):
    db = tmp_path / "d.sqlite"
    demo = bangzhen("demo", "--db", str(db))
    assert demo.returncode == 0 and "河源市和平县" in demo.stdout
    assert_refused(bangzhen("demo", "--db", str(db)), "已包含演示数据")
    gen = bangzhen("generate", "--db", str(tmp_path / "g.sqlite"), "--towns", "20", "--projects", "50",
                   "--expenditures", "200", "--quiet")  # a new file: a database with users is refused
    assert gen.returncode == 0 and "项目 50 个" in gen.stdout
    setcat = bangzhen("town", "set-category", "441624101", "巩固提升镇", "--helper-type", "属地县（市、区）自行组团帮扶",
                      "--helper-unit", "和平县", "--db", str(db), "--as", "admin", stdin="demo1234\n")
    assert setcat.returncode == 0, setcat.stderr
    show = bangzhen("town", "show", "441624101", "--db", str(db))
    assert "巩固提升镇" in show.stdout and "和平县大坝镇" in show.stdout


def test_villages_and_home_region_from_the_command_line(demo_path):
    db = str(demo_path)
    added = bangzhen("town", "add-villages", "441624101", "新丰村", "上坪村", "--db", db, "--as", "admin",
                     stdin="demo1234\n")
    assert added.returncode == 0 and "已新增行政村 2 个" in added.stdout, added.stderr
    assert "新丰村" in bangzhen("town", "show", "441624101", "--db", db).stdout
    before = digest(demo_path)
    assert_refused(bangzhen("town", "add-villages", "441624101", "新丰村", "--db", db, "--as", "admin",
                            stdin="demo1234\n"), "已有或重复填写了行政村“新丰村”")
    assert_refused(bangzhen("setting", "home", "441625", "--db", db, "--as", "县审核", stdin="demo1234\n"),
                   "没有权限修改设置")
    assert digest(demo_path) == before
    home = bangzhen("setting", "home", "4416", "--db", db, "--as", "admin", stdin="demo1234\n")
    assert home.returncode == 0 and "河源市" in home.stdout, home.stderr
    assert "本地区：河源市" in bangzhen("setting", "list", "--db", db).stdout
    assert bangzhen("verify", "--db", db).returncode == 0


def test_missing_corrupt_and_foreign_files(tmp_path):
    missing = tmp_path / "none.sqlite"
    assert_refused(bangzhen("stats", "--db", str(missing)), "不存在")
    assert not missing.exists()
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"\x00garbage" * 500)
    before = digest(corrupt)
    assert_refused(bangzhen("init", "--db", str(corrupt)), "不是有效的数据库")
    assert digest(corrupt) == before


def test_newer_database_refused(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    assert_refused(bangzhen("init", "--db", str(db_path)), "更新版本")


def test_locked_database(db_path):
    """Another program holding the write lock: a clear message after the busy timeout, no change."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = bangzhen("user", "add", "admin", "--name", "管理员", "--role", "系统管理员:441624", "--db", str(db_path),
                          stdin=ADMIN_PASSWORD + "\n")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_refused(result, "占用")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM user_account").fetchone() == (0,)


ADMIN_PASSWORD = "admin password 1"


def _with_admin(db_path) -> list[str]:
    """An administrator for the database; the arguments that act as them."""
    created = bangzhen("user", "add", "admin", "--name", "管理员", "--role", "系统管理员:44", "--db", str(db_path),
                       stdin=ADMIN_PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    return ["--db", str(db_path), "--as", "admin"]


def test_unknown_region_code(db_path):
    acting = _with_admin(db_path)
    assert_refused(bangzhen("town", "set-category", "441699999", "重点帮扶镇", *acting, stdin=ADMIN_PASSWORD + "\n"),
                   "未知的乡镇区划代码")
    assert_refused(bangzhen("town", "set-category", "441624101", "示范镇", *acting, stdin=ADMIN_PASSWORD + "\n"),
                   "可选")


def test_town_categories_need_the_administrator_and_the_annex(db_path):
    acting = _with_admin(db_path)
    assert_refused(bangzhen("town", "set-category", "441624101", "重点帮扶镇", "--db", str(db_path)), "--as")
    assert_refused(bangzhen("town", "set-category", "440114103", "重点帮扶镇", *acting,  # a 广州 town
                            stdin=ADMIN_PASSWORD + "\n"), "重点帮扶镇只设在粤东粤西粤北 12 市和肇庆市")
    assert_refused(bangzhen("town", "set-category", "441624101", "重点帮扶镇", "--helper-type", "珠三角帮扶",
                            "--helper-unit", "广州市天河区", *acting, stdin=ADMIN_PASSWORD + "\n"),
                   "河源市的结对帮扶市是深圳市")
    ok = bangzhen("town", "set-category", "441624101", "重点帮扶镇", "--helper-type", "珠三角帮扶", "--helper-unit",
                  "深圳市福田区", *acting, stdin=ADMIN_PASSWORD + "\n")
    assert ok.returncode == 0, ok.stderr
    log = bangzhen("audit", "--db", str(db_path))
    assert "设置镇类别" in log.stdout


def test_csv_with_wrong_header_changes_nothing(db_path, tmp_path):
    acting = _with_admin(db_path)
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("镇代码,类别\n441624101,重点帮扶镇\n", encoding="utf-8")
    with sqlite3.connect(db_path) as conn:
        before = conn.execute("SELECT count(*) FROM audit_event").fetchone()
    assert_refused(bangzhen("town", "import-categories", str(csv_file), *acting, stdin=ADMIN_PASSWORD + "\n"),
                   "表头不正确")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone() == before
        assert conn.execute("SELECT count(*) FROM town WHERE category IS NOT NULL").fetchone() == (0,)


def test_version_and_help():
    version = bangzhen("--version")
    assert version.returncode == 0 and version.stdout.startswith("bangzhen ")
    assert bangzhen("--help").returncode == 0


@pytest.mark.parametrize("command", ["init", "demo", "generate", "stats"])
def test_every_command_takes_db(command):
    result = bangzhen(command, "--help")
    assert result.returncode == 0 and "--db" in result.stdout


def test_usage_errors_in_chinese(tmp_path):
    """argparse's own complaints come out in Chinese too; sample data needs an explicit --db."""
    bad_int = bangzhen("generate", "--db", str(tmp_path / "g.sqlite"), "--towns", "abc")
    assert bad_int.returncode == 2 and "不是整数" in bad_int.stderr and "使用 bangzhen generate --help" in bad_int.stderr
    assert "缺少参数" in bangzhen().stderr
    no_db = bangzhen("demo")
    assert no_db.returncode == 2 and "缺少参数" in no_db.stderr and "--db" in no_db.stderr


def test_init_creates_default_folder(tmp_path):
    """On a fresh account, `bangzhen init` without --db creates the data folder and the database."""
    import os
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path))
    env.pop("BANGZHEN_DB", None)
    result = subprocess.run([sys.executable, "-m", "app.cli", "init"], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "xdg" / "bangzhen" / "bangzhen.sqlite").exists()
