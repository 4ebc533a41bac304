"""`bangzhen key export`, `bangzhen peer add|list|show` and `bangzhen package export|import`: the offline
exchange between installations (services.peers, services.exchange) on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import Passwords, acting, as_user, login, reading, unit
from app.services import exchange, package_import, peers
from app.services.errors import InputError


def cmd_key_export(session, user, args, password) -> None:
    data = peers.key_file_bytes(session, user)
    key = peers.read_key_file(data)
    try:
        args.out.write_bytes(data)
    except OSError as error:
        raise InputError(f"无法写入“{args.out}”：{error.strerror or error}。", str(error)) from None
    print(f"已导出本安装的密钥文件：{args.out}")
    print(f"  {key.name}（{key.region_code}），根密钥指纹 {key.fingerprint}")
    print("  请把文件交给对方，并请对方在登记时与《密钥登记表》或电话中念出的指纹核对。")


def _read_key_file(path: Path) -> peers.KeyFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"无法读取“{path}”：{error.strerror or error}。", str(error)) from None
    return peers.read_key_file(data)


def cmd_peer_add(session, user, args, password) -> None:
    key = _read_key_file(args.file)
    if not args.fingerprint:
        raise InputError(f"密钥文件：{key.name}（{key.region_code}），根密钥指纹 {key.fingerprint}。请与对方的"
                         "《密钥登记表》或电话核对指纹，一致后加 --fingerprint 指纹 重新执行。", "no fingerprint given")
    peer = peers.add_peer(session, user, key, args.fingerprint)
    print(f"已登记数据交换单位：{peer.name}（{peer.region_code}），根密钥指纹 {key.fingerprint}。")


def cmd_peer_list(session, args) -> None:
    found = peers.list_peers(session)
    if not found:
        print("还没有登记数据交换单位（bangzhen peer add 对方的密钥文件）。")
    for peer in found:
        print(_describe(exchange.peer_state(session, peer)))


def _describe(state: exchange.PeerState) -> str:
    peer = state.peer
    return (f"{peer.name}（{peer.region_code}）  指纹 {state.fingerprint}\n"
            f"  已发出至第 {peer.last_sent} 号，对方确认至第 {peer.acknowledged} 号（待确认 {state.pending}）；"
            f"已接收至第 {peer.received} 号，其中拒绝或冲突 {state.problems} 个")


def cmd_peer_show(session, args) -> None:
    peer = peers.find_peer(session, args.peer)
    print(_describe(exchange.peer_state(session, peer)))
    print(f"  对方审计记录头 {peer.peer_head or '（未收到过）'}；对方见过的本库记录头 {peer.witnessed or '（无）'}")
    for event in exchange.problems(session, peer):
        print(f"  第 {event.seq} 号（{exchange.KIND_LABELS.get(event.kind, event.kind)}）"
              f"{exchange.STATE_LABELS[event.state]}：{event.note}")


def cmd_package_export(args: argparse.Namespace) -> None:
    export = None
    try:
        with unit(args) as session:
            user, _ = login(session, args, Passwords())
            peer = peers.find_peer(session, args.to)
            export = exchange.export_package(session, user, peer, args.out, full=args.full)
            name = f"{peer.name}（{peer.region_code}）"
    except BaseException:
        if export is not None:
            export.discard()
        raise
    export.publish()
    span = f"第 {export.first}–{export.last} 号事件" if export.count else "没有待发送的事件（只含回执信息）"
    print(f"已导出发给{name}的数据包：{args.out}（{span}，共 {export.count} 个）")


def cmd_package_import(args: argparse.Namespace) -> None:
    imported = None
    try:
        with unit(args) as session:
            user, _ = login(session, args, Passwords())
            imported = package_import.import_package(session, user, args.db, args.file, args.dry_run, args.receipt)
            if imported.stale or args.dry_run:
                session.rollback()
    except BaseException:
        if imported is not None:
            imported.discard()
        raise
    if imported.stale:
        print(f"来自{imported.sender}的这个数据包已导入过，或比已导入的更早：没有新内容，未作任何改动。")
        return
    _print(imported.result, "试导入（未作任何改动）" if args.dry_run else "已导入")
    if imported.backup is not None:
        print(f"  导入前已备份：{imported.backup}")
    if args.result is not None:
        print(f"  结果清单：{package_import.write_result_xlsx(imported, args.dry_run, args.result)}")
    imported.publish()
    if imported.receipt is not None:
        print(f"  回执：{imported.receipt}（请交回发送方导入，对方据此确认送达）")


def _print(result: exchange.Result, done: str) -> None:
    if result.is_receipt:
        print(f"{done}来自{result.sender}的回执：对方已确认接收。")
    else:
        print(f"{done}来自{result.sender}的数据包：")
    for line in result.summary():
        print(f"  {line}")
    for row in result.rows:
        if row["state"] in ("refused", "conflict", "waiting"):
            print(f"  第 {row['seq']} 号{exchange.STATE_LABELS[row['state']]}：{row['note']}")


def add_commands(commands, command, parser_class) -> None:
    """Register the commands on the main parser's subcommands (see app.cli.build_parser)."""
    key = commands.add_parser("key", help="本安装的密钥文件（供上下级登记）").add_subparsers(
        dest="key_command", required=True, metavar="子命令", parser_class=parser_class)
    export = acting(command("export", as_user(cmd_key_export), "导出本安装的密钥文件（须系统管理员）", key), "管理员密码")
    export.add_argument("--out", required=True, type=Path, metavar="文件", help="密钥文件路径，如 和平县.bzkey")

    peer = commands.add_parser("peer", help="数据交换单位：登记、列出、查看").add_subparsers(
        dest="peer_command", required=True, metavar="子命令", parser_class=parser_class)
    add = acting(command("add", as_user(cmd_peer_add), "登记上级或下级安装的密钥文件（须系统管理员）", peer), "管理员密码")
    add.add_argument("file", type=Path, help="对方的密钥文件")
    add.add_argument("--fingerprint", metavar="指纹", help="与对方《密钥登记表》核对过的根密钥指纹（必须一致才登记）")
    command("list", reading(cmd_peer_list), "列出已登记的数据交换单位及收发进度", peer)
    show = command("show", reading(cmd_peer_show), "查看一个数据交换单位的收发进度和被拒绝、冲突的事件", peer)
    show.add_argument("peer", help="对方的区划代码或名称")

    pkg = commands.add_parser("package", help="数据包：导出给上级或下级、导入").add_subparsers(
        dest="package_command", required=True, metavar="子命令", parser_class=parser_class)
    out = acting(command("export", cmd_package_export, "导出发给某单位的数据包（含对方尚未确认的全部事件）", pkg))
    out.add_argument("--to", required=True, metavar="单位", help="对方的区划代码或名称")
    out.add_argument("--out", required=True, type=Path, metavar="文件", help="数据包路径（.bzpkg）")
    out.add_argument("--full", action="store_true", help="全量导出：所有记录重新发送一次")
    imp = acting(command("import", cmd_package_import, "导入数据包（先全部核验；导入前自动备份；生成回执）", pkg))
    imp.add_argument("file", type=Path, help="数据包文件")
    imp.add_argument("--dry-run", action="store_true", help="只试导入，列出将新增、更新、拒绝和冲突的内容，不作改动")
    imp.add_argument("--result", type=Path, metavar="文件", help="把每个事件的处理结果另存为 Excel（.xlsx）")
    imp.add_argument("--receipt", type=Path, metavar="文件", help="回执的路径（默认在数据包旁，文件名加“-回执”）")
