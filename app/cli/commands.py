"""The `bangzhen` commands that work through the program's services (all but the quick ones, see
`app.cli.quick`). Every command takes --db PATH; errors are printed in Chinese with exit status 2 (1 for
an internal fault), never a traceback; a command's output is written once its work is saved (see
`common` for exactly when).

This module builds the parser and holds the set-up and region commands; each other group of
commands has its module (`users`: users, settings, verify, audit; `projects`: projects, 双签, 审定,
项目调整; `money`: funds, allocations, plans, claims, payments, assets), sharing `common` for --as,
passwords, dates and amounts."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Callable

from app import APP_NAME, __version__
from app.cli import backups, budget, evaluation, exchange, imports, money, projects, quick, reports, users
from app.models import HelperType, TownCategory
from app.cli.parsing import ChineseArgumentParser, add_db_argument, number, run
from app.cli.common import Passwords, acting, login, print_warnings, require_reader, unit
from app.services import database, demo, generate, refdata, regions, stats, town_categories, villages
from app.services.paths import default_db_path


def _create_default_folder(args: argparse.Namespace) -> None:
    if args.db == default_db_path():
        args.db.parent.mkdir(parents=True, exist_ok=True)


def cmd_init(args: argparse.Namespace) -> None:
    _create_default_folder(args)
    existed = args.db.exists()
    engine = database.connect(args.db, create=True, upgrade=True)
    with unit(args, engine) as session:
        report = refdata.load_all(session)
    print(f"{'已检查并升级（如需要）数据库' if existed else '已创建数据库'}：{args.db}")
    if report.added:
        for table, n in report.added.items():
            print(f"  新增{stats.TABLE_LABELS.get(table, table)}：{n}")
    else:
        print("  参考数据已是最新，无需变更。")


def cmd_demo(args: argparse.Namespace) -> None:
    engine = database.connect(args.db, create=True, upgrade=True)
    if args.scenario == "seed2021":
        from app.services.scenario2021 import create_seed2021

        with unit(args, engine) as session:
            create_seed2021(session)
        print(f"已在 {args.db} 生成 2021 年全省情景：13 个地市、901 个帮扶镇、各市上报的支出数"
              "（bangzhen report spending --scope 44 --year 2021 可得种子报告的表2-2）。")
        return
    if args.scenario == "jiangmen2022":
        from app.services.scenario_jiangmen2022 import create_jiangmen2022

        with unit(args, engine) as session:
            fund_id = create_jiangmen2022(session).id
        print(f"已在 {args.db} 生成 2022 年江门市统筹资金情景：收入、分配、执行与绩效目标"
              f"（bangzhen report city-fund --scope 4407 --year 2022 --fund {fund_id} 可得种子报告的收支及执行情况）。")
        return
    with unit(args, engine) as session:
        county = demo.create_demo(session)
        name = f"{county.city.name}{county.name}"
    print(f"已在 {args.db} 生成演示数据：{name}（{len(demo.TEMPLATES)} 类项目，覆盖全部项目状态）。")


def cmd_generate(args: argparse.Namespace) -> None:
    """A generated year in a new or empty database (never one with users: `generate` refuses it, and an
    older file is not upgraded for it); one transaction, after its reader is checked."""
    engine = database.connect(args.db, create=True)
    require_reader()

    def progress(done: int, total: int, what: str) -> None:
        print(f"\r  {what}：{done}/{total}", end="", file=sys.stderr, flush=True)

    report = generate.generate(engine, args.towns, args.projects, args.expenditures, seed=args.seed,
                               progress=None if args.quiet else progress)
    if not args.quiet:
        print(file=sys.stderr)
    print(f"已生成：镇 {report.towns} 个，项目 {report.projects} 个，报账 {report.claims} 笔，"
          f"支出 {report.expenditures} 笔（含红字冲销），项目签名 {report.signatures} 个，审计事件 {report.events} 条。")


def cmd_town_show(args: argparse.Namespace) -> None:
    with unit(args) as session:
        town = regions.find_town(session, args.code)
        print(f"{town.code}  {town.full_name}（{town.kind.label}）")
        print(f"  镇类别：{town.category.label if town.category else '未设置'}")
        print(f"  帮扶类型：{town.helper_type.label if town.helper_type else '未设置'}")
        print(f"  帮扶单位：{town.helper_unit or '未设置'}")
        print(f"  行政村：{'、'.join(v.name for v in town.villages) or '未录入'}")


def cmd_town_set_category(args: argparse.Namespace) -> None:
    with unit(args) as session:
        admin, _ = login(session, args, Passwords())
        category = None if args.category == "无" else TownCategory.from_label(args.category)
        helper = HelperType.from_label(args.helper_type) if args.helper_type else None
        result = town_categories.set_town_category(session, admin, args.code, category, helper, args.helper_unit)
        print(f"{result.town.full_name}：{category.label if category else '已清除镇类别'}")
        print_warnings(result.warnings)


def cmd_town_add_villages(args: argparse.Namespace) -> None:
    with unit(args) as session:
        admin, _ = login(session, args, Passwords())
        added = villages.add_villages(session, admin, args.code, args.names)
    print(f"已新增行政村 {len(added)} 个：{'、'.join(v.name for v in added)}。")


def cmd_town_import_categories(args: argparse.Namespace) -> None:
    with unit(args) as session:
        admin, _ = login(session, args, Passwords())
        warnings = town_categories.import_town_categories(session, admin, args.file)
    print(f"已从 {args.file} 设置镇类别。")
    print_warnings(warnings)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="bangzhen", description=f"{APP_NAME}（命令行）")
    parser.add_argument("--version", action="version", version=f"bangzhen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令",
                                     parser_class=ChineseArgumentParser)

    def command(name: str, handler: Callable[[argparse.Namespace], None], help_text: str,
                parent=commands, db_required: bool = False) -> argparse.ArgumentParser:
        sub = parent.add_parser(name, help=help_text, description=help_text)
        add_db_argument(sub, db_required)
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "创建或升级数据库，并载入参考数据（区划、任务清单、绩效目标、结对关系）")
    demo_command = command("demo", cmd_demo, "生成演示数据：河源市和平县（或 --scenario 选其他情景）",
                           db_required=True)
    demo_command.add_argument("--scenario", choices=("hepin", "seed2021", "jiangmen2022"), default="hepin",
                              help="hepin：和平县的项目与资金（默认）；seed2021：种子报告中的 2021 年全省资金分配与支出；"
                                   "jiangmen2022：种子报告中 2022 年江门市统筹资金的收入、分配与执行")
    gen = command("generate", cmd_generate, "生成任意规模的合成年度数据（起草、双签、审定、资金安排、报账、支付、验收，"
                  "全部留痕签名；用于性能测试）", db_required=True)
    gen.add_argument("--towns", type=number, default=1127, help="镇数（默认 1127）")
    gen.add_argument("--projects", type=number, default=150_000, help="项目数（默认 150000）")
    gen.add_argument("--expenditures", type=number, default=400_000,
                     help="报账笔数（默认 400000；多数支付，少数驳回、冲销后重付或待支付）")
    gen.add_argument("--seed", type=number, default=1, help="随机种子")
    gen.add_argument("--quiet", action="store_true", help="不显示进度")
    command("stats", quick.cmd_stats, quick.STATS_HELP)

    town = commands.add_parser("town", help="乡镇：查看、设置镇类别、录入行政村").add_subparsers(
        dest="town_command", required=True, metavar="子命令", parser_class=ChineseArgumentParser)
    show = command("show", cmd_town_show, "查看乡镇信息", town)
    show.add_argument("code", help="乡镇 9 位区划代码")
    setcat = acting(command("set-category", cmd_town_set_category, "设置乡镇的镇类别与帮扶类型（系统管理员）", town),
                    "管理员密码")
    setcat.add_argument("code", help="乡镇 9 位区划代码")
    setcat.add_argument("category", help="重点帮扶镇 / 巩固提升镇 / 先行示范镇 / 无")
    setcat.add_argument("--helper-type", default="", help="珠三角帮扶 / 省直中直驻粤单位帮扶 / 属地市自行帮扶 / "
                                                        "属地县（市、区）自行组团帮扶")
    setcat.add_argument("--helper-unit", default="", help="帮扶单位，如“深圳市福田区”")
    vil = acting(command("add-villages", cmd_town_add_villages, "录入乡镇的行政村（系统管理员）", town), "管理员密码")
    vil.add_argument("code", help="乡镇 9 位区划代码")
    vil.add_argument("names", nargs="+", help="行政村名称，可写多个")
    imp = acting(command("import-categories", cmd_town_import_categories,
                         "从 CSV 批量设置镇类别（系统管理员；表头：town_code,category,helper_type,helper_unit）", town),
                 "管理员密码")
    imp.add_argument("file", type=Path, help="CSV 文件（UTF-8）")
    for module in (users, projects, money, reports, evaluation, budget, backups, exchange, imports):
        module.add_commands(commands, command, ChineseArgumentParser)
    return parser


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    return run(build_parser().parse_args(argv))
