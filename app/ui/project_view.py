"""A project as a readable page (HTML for a `QTextBrowser`): state, changes since signing, every
signed field, the signatures and the spending. The main window's detail pane, the sign dialog and
the review dialog all show a project through this one renderer, so what a signer reads is exactly
what the library holds."""

from __future__ import annotations

from datetime import datetime
from html import escape

from app.models import ProjectStatus, format_percent, rate
from app.services.project_sheet import ProjectSheet

CHANGED = "#fff3c4"
STATUS_COLORS = {ProjectStatus.returned: "#b3261e", ProjectStatus.cancelled: "#777777",
                 ProjectStatus.approved: "#1e6b34", ProjectStatus.accepted: "#1e6b34"}


def local_time(moment: datetime) -> str:
    """A stored (aware, UTC) time as the office clock shows it."""
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def _table(rows: list[tuple[str, str]], header: tuple[str, ...] | None = None,
           shaded: set[str] = frozenset()) -> str:
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in header) if header else ""
    body = "".join(
        "<tr{}>{}</tr>".format(f" style='background:{CHANGED}'" if row[0] in shaded else "",
                               "".join(f"<td valign='top'>{escape(str(cell))}</td>" for cell in row))
        for row in rows)
    return (f"<table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse; border-color:#ccc' "
            f"width='100%'>{'<tr>' + head + '</tr>' if head else ''}{body}</table>")


def sheet_html(sheet: ProjectSheet, *, spending: bool = True) -> str:
    color = STATUS_COLORS.get(sheet.status, "#1f4e79")
    parts = [f"<h3 style='margin:2px 0'>{escape(sheet.name)}</h3>",
             f"<p>状态：<b style='color:{color}'>{sheet.status.label}</b>　内容版本：第 {sheet.content_version} 版"
             f"　项目编号：{sheet.id}</p>"]
    if sheet.status_reason:
        parts.append(f"<p style='color:#b3261e'><b>{sheet.reason_label}：</b>{escape(sheet.status_reason)}</p>")
    changed = {c.label for c in sheet.changes}
    if sheet.changes:
        parts.append("<p><b style='color:#9a6700'>签字后变更（与最近一次签字时的内容相比）：</b></p>")
        parts.append(_table([(c.label, c.before, c.after) for c in sheet.changes], ("栏目", "签字时", "现在")))
    if sheet.dates:
        parts.append("<p>" + "　".join(f"{label}：{day}" for label, day in sheet.dates) + "</p>")
    parts.append("<p><b>项目内容</b>" + ("（黄色为签字后改动的栏目）" if changed else "") + "</p>")
    parts.append(_table(sheet.lines, shaded=changed))
    if sheet.publicity:
        parts.append("<p><b>公示</b></p>")
        parts.append(_table(sheet.publicity, ("类型", "期间", "地点及结果")))
    parts.append("<p><b>签字</b></p>")
    if sheet.signatures:
        rows = [(s.role.label, s.signer, local_time(s.signed_at), f"第 {s.content_version} 版",
                 "有效" if s.void_reason is None else f"已作废：{s.void_reason}") for s in sheet.signatures]
        parts.append(_table(rows, ("身份", "签字人", "时间", "版本", "状态")))
    else:
        parts.append("<p style='color:#777'>尚无签字。</p>")
    if spending:
        parts.append(f"<p><b>资金</b>：项目金额 {sheet.amount.format_yuan()} 元，资金安排 {sheet.arranged.format_yuan()} 元，"
                     f"已支出 {sheet.spent.format_yuan()} 元，支出率 {format_percent(rate(sheet.spent, sheet.arranged))}</p>")
        if sheet.expenditures:
            rows = [(e.spent_on, e.voucher_no, e.payee, e.purpose, e.amount.format_yuan()) for e in sheet.expenditures]
            parts.append(_table(rows, ("日期", "凭证号", "收款单位（人）", "摘要", "金额（元）")))
    return "".join(parts)
