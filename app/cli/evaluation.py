"""绩效自评 from the command line: `bangzhen evaluation form` writes the evaluation form (the saved one,
or a template for a new one), `evaluation import` saves a filled form as a signed act, `evaluation show`
prints the scores. The returns are `bangzhen report level1-scores|indicator-scores|target-completion|
self-evaluation`."""

from __future__ import annotations

from pathlib import Path

from app.cli.common import acting, as_user, group, parse_date, reading
from app.services import evaluation, evaluation_form
from app.services.money.funds import find_fund
from app.services.regions import find_region


@reading
def cmd_form(session, args) -> None:
    fund, region = find_fund(session, args.fund), find_region(session, args.scope)
    saved = evaluation.evaluation_for(session, fund.id, region.code)
    rows = (evaluation_form.form_rows(saved.items) if saved is not None
            else evaluation_form.template_rows(session, fund, region, args.scheme))
    written = evaluation_form.write_form(args.out, rows)
    what = "已填报的评分表" if saved is not None else "空白评分表（过程指标与当年绩效目标）"
    print(f"已导出{region.name}“{fund.name}”的{what}：{written}（{len(rows)} 行）")


@as_user
def cmd_import(session, user, args, _password) -> None:
    fund, region = find_fund(session, args.fund), find_region(session, args.scope)
    saved = evaluation.evaluation_for(session, fund.id, region.code)
    items = evaluation_form.items_from_rows(args.scheme, evaluation_form.read_form(args.file))
    goal = args.goal if args.goal is not None else (saved.overall_goal if saved else "")
    note = args.note if args.note is not None else (saved.note if saved else "")
    saved = evaluation.save_evaluation(session, user, fund.id, region.code, as_of=parse_date(args.as_of),
                                       scheme=args.scheme, items=items, overall_goal=goal, note=note)
    result = evaluation.score(session, saved)
    print(f"已保存{region.name}“{fund.name}”的绩效自评：{len(items)} 项指标，"
          f"得分 {evaluation.points_text(result.total)} 分，等级“{result.grade}”。")


@reading
def cmd_show(session, args) -> None:
    fund, region = find_fund(session, args.fund), find_region(session, args.scope)
    saved = evaluation.evaluation_for(session, fund.id, region.code)
    if saved is None:
        print(f"{region.name}尚未填报“{fund.name}”的绩效自评（bangzhen evaluation form 导出评分表，填好后 import）。")
        return
    result = evaluation.score(session, saved)
    print(f"{region.name}“{fund.name}”绩效自评（{result.scheme.label}；评价基准日 {saved.as_of}）")
    for scored in result.items:
        item = scored.item
        line = (f"{'  ' * (item.level - 1)}{item.name}  分值 {evaluation.points_text(scored.weight)}  "
                f"得分 {evaluation.points_text(scored.score)}")
        if scored.actual or item.target_text:
            line += f"  指标值 {item.target_text or '—'}  完成值 {scored.actual or '—'}"
        print(line)
        if item.reason:
            print(f"{'  ' * item.level}原因：{item.reason}")
        if item.measure == evaluation.SPENDING_RATE:
            rate = evaluation.spending_rate(session, result.fund, result.region, saved.as_of)
            hint = evaluation.proportional_score(scored.weight, rate)
            print(f"{'  ' * item.level}（参考：按支出率比例计为 {evaluation.points_text(hint)} 分；得分由评价人判定）")
    print(f"总分 {evaluation.points_text(result.total)} 分，绩效等级“{result.grade}”。")


def add_commands(commands, command, parser_class) -> None:
    ev = group(commands, parser_class, "evaluation", "绩效自评：导出评分表、导入评分、查看得分")
    scope = {"default": "44", "help": "评价地区代码：全省 44、地市 4 位、县区 6 位（默认 44）"}
    schemes = "；".join(f"{key}：{scheme.label}" for key, scheme in evaluation.SCHEMES.items())
    form = command("form", cmd_form, "导出评分表（已填报的，或新的空白表），CSV 或 xlsx", ev)
    form.add_argument("--fund", required=True, help="资金编号或名称")
    form.add_argument("--scope", **scope)
    form.add_argument("--scheme", choices=evaluation.SCHEMES, default="seed", help=f"评分方案（新表用）：{schemes}")
    form.add_argument("--out", type=Path, required=True, metavar="文件", help="保存为 .csv 或 .xlsx")
    imp = acting(command("import", cmd_import, "导入填好的评分表并保存（市、县、省财政）", ev))
    imp.add_argument("file", type=Path, help="评分表（.csv 或 .xlsx）")
    imp.add_argument("--fund", required=True, help="资金编号或名称")
    imp.add_argument("--scope", **scope)
    imp.add_argument("--as-of", required=True, help="评价基准日，如 2021-12-31")
    imp.add_argument("--scheme", choices=evaluation.SCHEMES, default="seed", help=f"评分方案：{schemes}")
    imp.add_argument("--goal", help="总体绩效目标（不填则保留原有的）")
    imp.add_argument("--note", help="表2-3 的说明（不填则保留原有的）")
    show = command("show", cmd_show, "查看绩效自评的分值、得分与等级", ev)
    show.add_argument("--fund", required=True, help="资金编号或名称")
    show.add_argument("--scope", **scope)

