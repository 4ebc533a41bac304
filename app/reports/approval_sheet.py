"""The 双签审批表 on paper: one A4 page per project (a batch is one PDF, each project on its own page):
the project's facts, its 绩效目标, the 乡镇主要负责人's and the 驻镇帮扶工作队队长's 意见 boxes side by side
and the county's 审定 box (each with the signer, the date and the key's fingerprint, or blank lines
for a hand signature where nobody has signed in the program yet), and a QR code carrying the sheet's
code (services.approval_sheets), printed in text beside it so it can be typed in too."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from app.models import UserRole
from app.reports.pdf import FONT, bold_title, escape, page_number, register_font
from app.services.approval_sheets import ApprovalSheet, indicator_rows

TITLE = "驻镇帮镇扶村项目双签审批表"
OPINION = {UserRole.town_leader: "乡镇党委书记（主要负责人）意见", UserRole.team_leader: "驻镇帮扶工作队队长意见"}
LONG = ("建设内容及规模", "联农带农机制", "受益对象", "建设地点", "对应任务清单", "涉及行政村", "项目名称")


def _beijing(moment: datetime) -> str:
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone(timedelta(hours=8))).strftime(
        "%Y年%m月%d日")


def write_sheets(sheets: list[ApprovalSheet], path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    register_font()
    width = A4[0] - 48 * mm
    story = []
    for n, sheet in enumerate(sheets):
        story += ([PageBreak()] if n else []) + _sheet(sheet, width)
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=25 * mm, rightMargin=23 * mm, topMargin=20 * mm,
                      bottomMargin=22 * mm, title=TITLE, author="帮镇扶村台账").build(
        story, onFirstPage=page_number, onLaterPages=page_number)
    return path


def _sheet(sheet: ApprovalSheet, width: float) -> list:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11.5)
    label = ParagraphStyle("label", parent=cell, alignment=1)
    small = ParagraphStyle("small", parent=cell, fontSize=7.5, leading=10)
    head = ParagraphStyle("head", parent=cell, fontSize=10, leading=14)

    def p(text: str, style=cell):
        return Paragraph(escape(text), style)

    grid = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
                       ("RIGHTPADDING", (0, 0), (-1, -1), 4)])
    short = [(k, v) for k, v in sheet.lines if k not in LONG]
    rows, shaded = [], []
    for k, v in sheet.lines:
        if k == "项目名称":
            rows.append([p(k, label), p(v), "", ""])
    for left, right in zip(short[0::2], short[1::2] + [("", "")] * (len(short) % 2)):
        shaded.append(("BACKGROUND", (2, len(rows)), (2, len(rows)), colors.HexColor("#F0F0F0")))
        rows.append([p(left[0], label), p(left[1]), p(right[0], label), p(right[1])])
    spans = [("SPAN", (1, n), (3, n)) for n, row in enumerate(rows) if row[2] == ""]
    for k, v in sheet.lines:
        if k in LONG and k != "项目名称":
            spans.append(("SPAN", (1, len(rows)), (3, len(rows))))
            rows.append([p(k, label), p(v), "", ""])
    rows.append([p("绩效目标", label), p("；".join(indicator_rows(sheet)) or "（未填写）"), "", ""])
    spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
    facts = Table(rows, colWidths=[width * f for f in (0.19, 0.31, 0.19, 0.31)])
    facts.setStyle(TableStyle(grid.getCommands() + spans + shaded +
                              [("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F0F0F0"))]))

    def box(title: str, role: UserRole, agreed: str) -> list:
        signed = sheet.signatures.get(role)
        if signed is None:
            body = [p(title, head), Spacer(1, 9 * mm), p("签字：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日")]
        else:
            body = [p(title, head), Spacer(1, 1 * mm), p(agreed), Spacer(1, 2 * mm),
                    p(f"签字：{signed.name}（电子签名）　日期：{_beijing(signed.signed_at)}"),
                    p(f"签名密钥指纹：{signed.fingerprint}", small)]
        return body

    opinions = Table([[box(OPINION[UserRole.town_leader], UserRole.town_leader, "同意。"),
                       box(OPINION[UserRole.team_leader], UserRole.team_leader, "同意。")]],
                     colWidths=[width / 2, width / 2])
    opinions.setStyle(TableStyle(grid.getCommands() + [("VALIGN", (0, 0), (-1, -1), "TOP")]))
    approved = sheet.signatures.get(UserRole.county_reviewer)
    agreed = f"同意审定入库（审定日期 {sheet.approved_on.isoformat()}）。" if approved and sheet.approved_on else "同意审定入库。"
    qr = QrCodeWidget(sheet.code, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 28 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    check = Table([[drawing, [p("扫描二维码或输入校验码，可核对本表与系统数据是否一致（bangzhen verify-sheet）。", small),
                              p(f"校验码：{sheet.code}", small)]]], colWidths=[side + 2 * mm, width * 0.45 - side - 2 * mm])
    check.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
    county = Table([[box("县级审定意见", UserRole.county_reviewer, agreed), check]], colWidths=[width * 0.55, width * 0.45])
    county.setStyle(TableStyle(grid.getCommands() + [("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [bold_title(TITLE, 16, width), Spacer(1, 1 * mm),
            p(f"项目编号：{sheet.uuid}　　内容版本：第 {sheet.content_version} 版　　状态：{sheet.status.label}", small),
            Spacer(1, 2 * mm), facts, opinions, county]
