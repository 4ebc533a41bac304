"""`bangzhen backup` and `bangzhen restore` as a user runs them (subprocesses on real files)."""

from __future__ import annotations


from app.services import backup, database
from app.services.demo import DEMO_PASSWORD
from helpers import assert_refused, bangzhen, digest, ok, raw_sqlite


def test_backup_list_check_and_restore(demo_path, tmp_path):
    made = ok(bangzhen("backup", "--db", str(demo_path)))
    assert made.startswith("已备份到 ") and "demo.sqlite.backups" in made
    file = next(backup.backup_dir(demo_path).iterdir())
    listed = ok(bangzhen("backup", "--db", str(demo_path), "--list"))
    assert str(file) in listed and "手动备份" in listed and "项目 " in listed
    assert "数据库文件完好" in ok(bangzhen("backup", "--db", str(demo_path), "--check"))
    stick = tmp_path / "U盘"
    assert str(stick) in ok(bangzhen("backup", "--db", str(demo_path), "--to", str(stick)))

    preview = ok(bangzhen("restore", "--db", str(demo_path), str(file), "--dry-run"))
    assert "审计记录头" in preview and "会先备份" in preview
    with raw_sqlite(demo_path) as connection:
        connection.execute("DELETE FROM village WHERE id = (SELECT max(id) FROM village)")  # a clerk's mistake, say
    restored = ok(bangzhen("restore", "--db", str(demo_path), str(file), "--as", "admin", "--reason", "误删数据",
                           stdin=DEMO_PASSWORD + "\n"))
    assert "已从备份恢复" in restored and "恢复前的数据库已另存为" in restored
    assert "核验通过" in ok(bangzhen("verify", "--db", str(demo_path)))


def test_a_refused_restore_says_why_and_changes_nothing(demo_path, tmp_path):
    file = backup.make_backup(demo_path, "manual")
    database.connect(demo_path).dispose()
    was = digest(demo_path)
    not_ours = tmp_path / "笔记.sqlite"
    not_ours.write_text("不是数据库" * 300, "utf-8")
    for args, stdin, message in (
            ((str(file), "--reason", "误删数据"), "", "须由系统管理员执行"),
            ((str(file), "--as", "admin"), DEMO_PASSWORD + "\n", "必须填写原因"),
            ((str(file), "--as", "admin", "--reason", "误删数据"), "wrong\n", "用户名或密码错误"),
            ((str(not_ours), "--as", "admin", "--reason", "误删数据"), DEMO_PASSWORD + "\n", "不是可读的数据库文件"),
            ((str(tmp_path / "无此文件.sqlite"), "--dry-run"), "", None)):
        result = bangzhen("restore", "--db", str(demo_path), *args, stdin=stdin)
        if message is None:  # a preview of a missing file says so and exits 0: nothing was asked of it
            assert "找不到备份文件" in ok(result)
        else:
            assert_refused(result, message)
        assert digest(demo_path) == was
    assert [info.reason for info in backup.list_backups(demo_path)] == ["manual"]


def test_check_names_the_newest_backup_when_the_file_is_damaged(demo_path):
    file = backup.make_backup(demo_path, "daily")
    database.connect(demo_path).dispose()
    data = bytearray(demo_path.read_bytes())
    data[4096 * 3:4096 * 8] = b"\xff" * (4096 * 5)  # pages of tables and indexes overwritten
    demo_path.write_bytes(bytes(data))
    assert_refused(bangzhen("backup", "--db", str(demo_path), "--check"), f"最新的可用备份：{file}")
