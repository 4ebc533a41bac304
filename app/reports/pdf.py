"""A `Table` as an A4 PDF (reportlab): the WenQuanYi font embedded, margins after GB/T 9704, a bold
title, the heading block, the header rows repeated on every page, merged cells, long text wrapped
inside its cell, totals shaded, page numbers "— n —", then 说明 and signature lines."""

from __future__ import annotations

from pathlib import Path

from app.reports.table import HEADING, SUBTOTAL, TOTAL, Merge, Table, cell_text
from app.services.paths import FONT_PATH

FONT = "WenQuanYi"


def register_font() -> None:
    """WenQuanYi Micro Hei as a TrueType font (subfont 0 of the .ttc), so the PDF embeds it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))


def page_number(canvas, document) -> None:
    """"— n —" centred at the foot of every page."""
    from reportlab.lib.units import mm

    canvas.saveState()
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(canvas._pagesize[0] / 2, 15 * mm, f"— {document.page} —")  # this page's own size
    canvas.restoreState()


def bold_title(text: str, size: float, width: float):
    """A centred title drawn filled and stroked: the font has no bold face of its own."""
    from reportlab.platypus import Flowable

    class Title(Flowable):
        def wrap(self, available_width, available_height):
            self.lines = _split(text, size, width)
            return width, len(self.lines) * size * 1.5 + size * 0.5

        def draw(self):
            canvas = self.canv
            canvas.saveState()
            canvas.setFont(FONT, size)
            canvas.setLineWidth(size / 40)
            for n, line in enumerate(self.lines):
                text_object = canvas.beginText()
                text_object.setTextRenderMode(2)
                text_object.setFont(FONT, size)
                line_width = canvas.stringWidth(line, FONT, size)
                text_object.setTextOrigin((width - line_width) / 2, (len(self.lines) - n - 1) * size * 1.5 + size * 0.6)
                text_object.textLine(line)
                canvas.drawText(text_object)
            canvas.restoreState()

    return Title()


def _split(text: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for char in text:
        if line and stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = ""
        line += char
    return lines + [line]


def write_pdf(tables: Table | list[Table], path: Path) -> Path:
    """One document; several tables (one per city, say) each start on a new page, in the table's own
    orientation (a wide indicator table beside portrait ones). The paper is the first table's."""
    from reportlab.lib.pagesizes import A3, A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate

    register_font()
    tables = [tables] if isinstance(tables, Table) else tables
    paper = A3 if tables[0].paper == "A3" else A4
    templates, widths = {}, {}
    for wide in (False, True):  # margins after GB/T 9704, turned with the page
        page = landscape(paper) if wide else paper
        left, right, top, bottom = (37, 35, 28, 26) if wide else (28, 26, 37, 35)
        frame = Frame(left * mm, bottom * mm, page[0] - (left + right) * mm, page[1] - (top + bottom) * mm)
        widths[wide] = page[0] - (left + right) * mm
        templates[wide] = PageTemplate(id="landscape" if wide else "portrait", frames=[frame], pagesize=page,
                                       onPage=page_number)
    story = []
    for n, table in enumerate(tables):
        if n:
            story += [NextPageTemplate(templates[table.landscape].id), PageBreak()]
        story += _story(table, widths[table.landscape])
    first = tables[0].landscape
    document = BaseDocTemplate(str(path), pagesize=templates[first].pagesize, title=tables[0].title,
                               author="帮镇扶村台账", pageTemplates=[templates[first], templates[not first]])
    document.build(story)
    return path


def _story(table: Table, width: float) -> list:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer
    from reportlab.platypus import Table as PdfTable

    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
    right = ParagraphStyle("right", parent=body, alignment=2)
    size = 9 if len(table.columns) <= 8 else 8 if len(table.columns) <= 10 else 7.5
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=size, leading=size * 1.3, alignment=1)
    left = ParagraphStyle("left", parent=cell, alignment=0)
    number = ParagraphStyle("number", parent=cell, alignment=2)

    def style_of(value, column) -> ParagraphStyle:
        return number if column.right_aligned(value) else left if column.left_aligned else cell

    total_width = sum(column.width for column in table.columns)
    widths = [width * column.width / total_width for column in table.columns]
    cells = [[(text, cell) for text in header] for header in table.header]
    for body_row in table.rows:
        cells.append([(cell_text(value, column), style_of(value, column))
                      for value, column in zip(body_row.cells, table.columns)])
    kinds = ["header"] * len(table.header) + [body_row.kind for body_row in table.rows]
    grid = _grid_class()(cells, kinds, list(table.merges), len(table.header), widths, size)
    story = [bold_title(table.title, 16, width), Spacer(1, 2 * mm)]
    story += [Paragraph(escape(line), body) for line in table.heading]
    if table.unit:
        story.append(Paragraph(escape(table.unit), right))
    story += [Spacer(1, 1 * mm), grid]
    if table.notes:
        story.append(Spacer(1, 3 * mm))
        story += [Paragraph(escape(note), body) for note in table.notes]
    if table.signatures:
        signed = PdfTable([[Paragraph(escape(line), body) for line in table.signatures]],
                          colWidths=[width / len(table.signatures)] * len(table.signatures))
        story += [Spacer(1, 8 * mm), signed]
    return story


_GRID = None


def _grid_class():
    """The reportlab Table the returns are drawn with (made once, on first use: reportlab loads lazily)."""
    global _GRID
    if _GRID is None:
        _GRID = _make_grid_class()
    return _GRID


def _make_grid_class():
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    class Grid(Table):
        """A table whose merged cells may run over a page break, as the seeds print them: reportlab will not
        split a table inside a merge, so this table splits itself, merges each part on its own page and
        prints a merged value again at the top of the continuation; the header rows start every page."""

        def __init__(self, cells, kinds, merges, header_rows, widths, size):
            self.cells, self.kinds, self.merges = cells, kinds, merges
            self.header_rows, self.widths, self.size = header_rows, widths, size
            super().__init__([[Paragraph(escape(text), style) if text else "" for text, style in row] for row in cells],
                             colWidths=widths, repeatRows=header_rows)
            style = [("FONT", (0, 0), (-1, -1), FONT, size), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                     ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                     ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
            shade = {"header": "#EEEEEE", HEADING: "#EEEEEE", TOTAL: "#F4F4F4", SUBTOTAL: "#F4F4F4"}
            style += [("BACKGROUND", (0, n), (-1, n), colors.HexColor(shade[kind]))
                      for n, kind in enumerate(kinds) if kind in shade]
            style += [("SPAN", (m.col, m.row), (m.col + m.cols - 1, m.row + m.rows - 1)) for m in merges]
            self.setStyle(TableStyle(style))

        def split(self, available_width, available_height):
            self.wrap(available_width, available_height)
            fit, used = 0, 0.0
            for height in self._rowHeights:
                if used + height > available_height:
                    break
                used, fit = used + height, fit + 1
            if fit >= len(self.cells):
                return [self]
            while fit > self.header_rows:  # a clipped merge may need more room than its rows: check
                first = self._part(self.header_rows, fit)
                if first.wrap(available_width, available_height)[1] <= available_height:
                    return [first, self._part(fit, len(self.cells))]
                fit -= 1
            return []

        def _part(self, start: int, end: int):
            """The header rows and body rows [start, end), merges clipped to them."""
            head = self.header_rows
            rows = [list(row) for row in self.cells[:head] + self.cells[start:end]]
            merges = [m for m in self.merges if m.row < head]
            for m in self.merges:
                top, bottom = max(m.row, start), min(m.row + m.rows, end)
                if m.row < head or top >= bottom:
                    continue
                row = head + top - start
                merges.append(Merge(row, m.col, bottom - top, m.cols))
                if m.row < start:  # a merge continued from the page before: its value again
                    rows[row][m.col] = self.cells[m.row][m.col]
            return Grid(rows, self.kinds[:head] + self.kinds[start:end], merges, head, self.widths, self.size)

    return Grid


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
