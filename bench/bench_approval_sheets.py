"""双签审批表 pages per second on the province: the program (each project's sheet read from the database,
its content hashed and its signatures looked up, then laid out by app.reports.approval_sheet) against
raw reportlab drawing the same page from the same strings on a canvas (the facts in a two-column grid,
the three opinion boxes, the QR code and its text; no data access, no paragraph layout). 200 signed
projects, best of 3 each; the goal is the program at ≥ 0.8× the raw pages/s."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from app.models import Project, ProjectStatus
from app.reports.approval_sheet import OPINION, TITLE
from app.reports.export import export_sheets
from app.reports.pdf import FONT, register_font
from app.services.approval_sheets import approval_sheet, indicator_rows
from app.services.database import connect, unit_of_work
from bench.common import parse_args, province_db

PAGES = 200


def program(engine, ids: list[int], out: Path) -> None:
    with unit_of_work(engine) as session:
        sheets = [approval_sheet(session, project_id) for project_id in ids]
    export_sheets(sheets, out)


def raw(sheets, out: Path) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(out), pagesize=A4)
    width, height = A4
    for number, sheet in enumerate(sheets, 1):
        canvas.setFont(FONT, 16)
        canvas.drawCentredString(width / 2, height - 25 * mm, TITLE)
        canvas.setFont(FONT, 8.5)
        y = height - 35 * mm
        for label, value in sheet.lines + [("绩效目标", "；".join(indicator_rows(sheet)))]:
            canvas.rect(25 * mm, y - 2 * mm, width - 48 * mm, 6 * mm)
            canvas.drawString(27 * mm, y, label)
            canvas.drawString(60 * mm, y, value[:60])
            y -= 6 * mm
        for n, role in enumerate(OPINION):
            signed = sheet.signatures.get(role)
            canvas.rect(25 * mm + n * 81 * mm, y - 30 * mm, 81 * mm, 30 * mm)
            canvas.drawString(27 * mm + n * 81 * mm, y - 5 * mm, OPINION[role])
            if signed is not None:
                canvas.drawString(27 * mm + n * 81 * mm, y - 15 * mm, f"签字：{signed.name}  {signed.fingerprint}")
        y -= 65 * mm
        qr = QrCodeWidget(sheet.code, barLevel="M")
        x0, y0, x1, y1 = qr.getBounds()
        side = 28 * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(qr)
        renderPDF.draw(drawing, canvas, 120 * mm, y)
        canvas.drawString(27 * mm, y, f"校验码：{sheet.code}"[:90])
        canvas.drawCentredString(width / 2, 15 * mm, f"— {number} —")
        canvas.showPage()
    canvas.save()


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    engine = connect(path)
    register_font()
    with unit_of_work(engine) as session:
        ids = list(session.scalars(select(Project.id).where(Project.status == ProjectStatus.approved)
                                   .order_by(Project.id).limit(PAGES)))
        sheets = [approval_sheet(session, project_id) for project_id in ids]
    with tempfile.TemporaryDirectory() as folder:
        timings = {}
        for name, run in (("program", lambda out: program(engine, ids, out)), ("raw reportlab", lambda out: raw(sheets, out)),
                          ("program", lambda out: program(engine, ids, out))):
            best = min(_timed(run, Path(folder) / f"{name}.pdf") for _ in range(3))
            timings[name] = min(best, timings.get(name, best))
        for name, seconds in timings.items():
            print(f"{name:14s} {len(ids) / seconds:7.1f} pages/s  ({seconds:.2f} s for {len(ids)} pages)")
    ratio = timings["raw reportlab"] / timings["program"]
    print(f"program ÷ raw: {ratio:.2f}× the pages/s (goal ≥ 0.8×)")


def _timed(run, out: Path) -> float:
    start = time.perf_counter()
    run(out)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
