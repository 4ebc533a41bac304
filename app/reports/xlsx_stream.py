"""A workbook of one sheet written straight as SpreadsheetML, row by row into the zip: for lists of a
province's size (1.5 M payments), where building a cell object per value, as openpyxl does even in
its write-only mode, costs more than everything else. Memory stays flat: each row is text the moment
it is added, and the zip entry is a stream.

What it writes is the small, safe subset of the format that Excel, WPS and LibreOffice all read:
inline strings (no shared-string table to keep), numbers with a built-in or a few custom number
formats, a bold title and header, column widths, frozen panes, the header row repeated on printed
pages, landscape A4. Characters XML 1.0 cannot carry (control codes) are dropped.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
# Cell styles: 0 plain, 1 the title, 2 a header cell; number formats get theirs as they first appear.
_FIXED_XFS = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
              '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
              '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
              '<alignment horizontal="center"/></xf>')


def column_letter(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    return escape(_BAD_XML.sub("", value))


class SheetWriter:
    """`with SheetWriter(path, sheet_name, widths) as sheet: sheet.title(...); sheet.header(...); sheet.row(...)`.
    Row values: str (text), int or Decimal (numbers, with a number format given per cell), None (empty)."""

    def __init__(self, path: Path, name: str, widths: list[float]) -> None:
        self.path, self.name, self.widths = path, name, widths
        self._formats: dict[str, int] = {}   # number format → style index
        self._custom: dict[str, int] = {}    # number format → custom numFmtId
        self._letters = [column_letter(n) for n in range(len(widths))]
        self._rows = 0

    def __enter__(self) -> SheetWriter:
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(f'<col min="{n}" max="{n}" width="{width:.1f}" customWidth="1"/>'
                       for n, width in enumerate(self.widths, 1))
        self._put('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                  '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                  '<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" '
                  'state="frozen"/></sheetView></sheetViews>'
                  f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>')
        return self

    def _put(self, text: str) -> None:
        self._sheet.write(text.encode("utf-8"))

    def _style(self, number_format: str) -> int:
        style = self._formats.get(number_format)
        if style is None:
            if number_format not in BUILTIN_FORMATS:
                self._custom[number_format] = 164 + len(self._custom)
            style = self._formats[number_format] = len(_FIXED_XFS) + len(self._formats)
        return style

    def row(self, values: list, formats: list[str] | None = None, style: int = 0) -> None:
        """One row; `formats[n]` is the number format of a number in column n ("General" for none)."""
        self._rows += 1
        r = self._rows
        cells = []
        for n, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{self._letters[n] if n < len(self._letters) else column_letter(n)}{r}"
            if isinstance(value, str):
                own = f' s="{style}"' if style else ""
                cells.append(f'<c r="{ref}"{own} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>')
            else:
                number_format = formats[n] if formats else "General"
                own = f' s="{self._style(number_format)}"' if number_format != "General" else ""
                cells.append(f'<c r="{ref}"{own}><v>{value if not isinstance(value, Decimal) else format(value, "f")}</v></c>')
        self._put(f'<row r="{r}">{"".join(cells)}</row>')

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self._finish()
        finally:
            if not self._sheet.closed:
                self._sheet.close()
            self._zip.close()

    def _finish(self) -> None:
        self._put('</sheetData><pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
                  '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')
        self._sheet.close()
        name = escape(_BAD_XML.sub("", self.name), {'"': "&quot;"})  # an attribute value
        reference = _text(self.name.replace("'", "''"))                # a quoted sheet name in a formula
        parts = {
            "[Content_Types].xml":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
            "_rels/.rels":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
                f'<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">\'{reference}\'!$2:$2'
                '</definedName></definedNames></workbook>',
            "xl/_rels/workbook.xml.rels":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'worksheet" Target="worksheets/sheet1.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'styles" Target="styles.xml"/></Relationships>',
            "xl/styles.xml": self._styles(),
        }
        for part, text in parts.items():
            self._zip.writestr(part, text)

    def _styles(self) -> str:
        custom = "".join(f'<numFmt numFmtId="{number}" formatCode="{_text(code)}"/>'
                         for code, number in self._custom.items())
        xfs = list(_FIXED_XFS) + [
            f'<xf numFmtId="{BUILTIN_FORMATS.get(code, self._custom.get(code, 0))}" fontId="0" fillId="0" '
            f'borderId="0" xfId="0" applyNumberFormat="1"/>' for code in self._formats]
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + (f'<numFmts count="{len(self._custom)}">{custom}</numFmts>' if custom else "")
                + '<fonts count="3"><font><sz val="11"/><name val="宋体"/></font>'
                  '<font><b/><sz val="14"/><name val="宋体"/></font><font><b/><sz val="11"/><name val="宋体"/></font></fonts>'
                  '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                  '<fill><patternFill patternType="gray125"/></fill></fills>'
                  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                  f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
