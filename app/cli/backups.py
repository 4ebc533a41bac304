"""`bangzhen backup` (make one, list them, check the file) and `bangzhen restore` (preview with
--dry-run, or put one back as the administrator): services.backup on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import Passwords
from app.services import backup, dbfile
from app.services.errors import DatabaseError, InputError


def describe(info: backup.BackupInfo) -> list[str]:
    """What a backup holds, as the preview and the list print it."""
    when = info.taken_at.strftime("%Y-%m-%d %H:%M:%S") if info.taken_at else "未知"
    lines = [f"{info.path}", f"  {info.reason_label}，{when}，{info.size_text}"]
    if info.problem:
        return lines + [f"  不能恢复：{info.problem}"]
    last = f"，最后一条 {info.last_event_at}（UTC）" if info.last_event_at else ""
    return lines + [f"  项目 {info.projects:,} 个，支付 {info.payments:,} 笔，审计记录 {info.head_count:,} 条{last}",
                    f"  审计记录头 {info.head_count}:{info.head_hash[:16]}，结构版本 {info.revision}"]


def cmd_backup(args: argparse.Namespace) -> None:
    if args.list:
        found = backup.list_backups(args.db)
        if not found:
            print(f"“{backup.backup_dir(args.db)}”中还没有备份。")
        for info in found:
            print("\n".join(describe(info)))
        return
    if args.check:
        dbfile.check(Path(args.db))
        found = backup.check_integrity(args.db)
        if found:
            newest = backup.newest_usable(backup.list_backups(args.db))
            advice = (f"最新的可用备份：{newest.path}（bangzhen restore 可恢复）。" if newest is not None
                      else "没有可用的自动备份。")
            raise DatabaseError("数据库文件已损坏：" + "；".join(found[:5]) + "。" + advice, f"integrity_check: {found}")
        print(f"数据库文件完好（{args.db}）。")
        return
    made = backup.make_backup(args.db, "manual", folder=args.to)
    print(f"已备份到 {made}（{backup.megabytes(made.stat().st_size)}）。")


def cmd_restore(args: argparse.Namespace) -> None:
    info = backup.read_backup(args.file)
    if args.dry_run:
        print("\n".join(describe(info)))
        if not info.problem:
            print(f"恢复后，当前数据库“{args.db}”会先备份到“{backup.backup_dir(args.db)}”，然后被此备份取代。")
        return
    if info.problem:
        raise InputError(info.problem, f"cannot restore {args.file}")
    if not args.as_user:
        raise InputError("恢复备份须由系统管理员执行：请用 --as 指定管理员（密码为该备份中的管理员密码）。",
                         "restore without --as")
    password = Passwords().read(f"用户“{args.as_user}”的密码")
    done = backup.restore(args.db, args.file, args.as_user, password, args.reason or "")
    print(f"已从备份恢复：{args.file}（审计记录 {done.restored.head_count:,} 条）。")
    if done.kept is not None:
        print(f"恢复前的数据库已另存为 {done.kept}。")


def add_commands(commands, command, parser_class) -> None:
    """Register the commands on the main parser's subcommands (see app.cli.build_parser)."""
    make = command("backup", cmd_backup, "备份数据库（默认存到数据库旁的 .backups 文件夹），或列出备份、检查数据库文件")
    make.add_argument("--to", type=Path, metavar="文件夹", help="备份到指定文件夹（如 U 盘），该处的备份不会被自动删除")
    make.add_argument("--list", action="store_true", help="列出自动备份文件夹中的备份（最新在前）")
    make.add_argument("--check", action="store_true", help="检查数据库文件是否完好（SQLite integrity_check）")
    restore = command("restore", cmd_restore, "从备份恢复数据库（须系统管理员；当前数据库先自动备份，不会丢失）")
    restore.add_argument("file", type=Path, help="备份文件")
    restore.add_argument("--dry-run", action="store_true", help="只显示备份的内容，不恢复")
    restore.add_argument("--reason", metavar="原因", help="恢复原因（必填），如 硬盘损坏、误删数据")
    restore.add_argument("--as", dest="as_user", default="", metavar="用户名",
                         help="执行恢复的系统管理员；标准输入提供其在该备份中的密码")

