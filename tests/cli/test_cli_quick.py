"""`bangzhen stats` and `project show` are quick commands (app.cli.quick): they answer from the standard
library's sqlite3 and never load SQLAlchemy, the models or the services that need them, yet refuse what
the full path refuses and say the same things (issue 19: within 0.15 s and 0.2 s on a province; the
figures are in bench/README.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import assert_refused, bangzhen, ok, old_demo


@pytest.mark.parametrize("command, shown", [(["stats"], "(project)"), (["project", "show", "14"], "签名：县级审核")])
def test_quick_commands_load_nothing_heavy(demo_path, command, shown):
    probe = (f"import sys; from app.cli import main; code = main({command!r} + ['--db', sys.argv[1]]); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'PySide6', "
             "'openpyxl', 'reportlab', 'cryptography') or m.startswith(('app.models', 'app.services.database')))); "
             "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", probe, str(demo_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    assert shown in result.stdout


def test_project_show_refuses_in_chinese(demo_path, tmp_path):
    assert_refused(bangzhen("project", "show", "99999", "--db", str(demo_path)), "项目（编号 99999）不存在。")
    assert_refused(bangzhen("project", "show", "1", "--db", str(old_demo("0006", tmp_path, "old.sqlite"))),
                   "来自旧版本程序，需要升级")
    result = bangzhen("project", "show", "一")
    assert result.returncode == 2 and "不是整数" in result.stderr and "bangzhen project show --help" in result.stderr
    assert "查看项目全部内容、签名和支出" in ok(bangzhen("project", "--help"))


def test_stats_refuses_an_outdated_file_like_every_command(tmp_path):
    old = old_demo("0006", tmp_path, "old.sqlite")
    assert_refused(bangzhen("stats", "--db", str(old)), "来自旧版本程序，需要升级")
    assert_refused(bangzhen("project", "list", "--db", str(old)), "来自旧版本程序，需要升级")
    assert_refused(bangzhen("stats", "--db", str(tmp_path)), "是一个文件夹")


def test_stats_into_a_closed_pipe_ends_quietly(demo_path):
    shell = f"{sys.executable} -m app.cli stats --db {demo_path} | head -n 1; exit ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("数据库：") and result.stderr == ""


def test_stats_usage_in_chinese():
    result = bangzhen("stats", "--bogus")
    assert result.returncode == 2 and "无法识别的参数" in result.stderr and "bangzhen stats --help" in result.stderr
    assert "显示各表记录数" in ok(bangzhen("--help"))
