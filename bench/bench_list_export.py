"""A list of 1.5 M payments (the province's 389,761, four times over) exported to Excel the way the program exports any list
(app.reports.listing.write_list_xlsx: the rows as shown, amounts turned back into exact numbers with
their format) against the same rows written by openpyxl's write-only mode with the values already
typed, and by xlsxwriter's constant_memory mode when it is installed (otherwise said and skipped).
Each writer runs in its own process, which reports its seconds and its peak RSS; the goal is the
program at least as fast as the faster baseline (≥ 1.0×) with RSS flat under 300 MB."""

from __future__ import annotations

import multiprocessing
import resource
import sqlite3
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.common import OUT, parse_args, province_db

HEADERS = ("凭证号", "支付日期", "项目", "乡镇", "金额（元）", "资金来源", "收款人")
REPEAT = 4  # the realistic year has 389,761 payments; the goal is stated for 1.5 M rows
QUERY = ("SELECT e.voucher_no, e.spent_on, p.name, t.name, e.amount, e.source, e.payee FROM expenditure e "
         "JOIN project p ON p.id = e.project_id JOIN town t ON t.id = p.town_id ORDER BY e.id")


def _rows(path: Path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        for _ in range(REPEAT):
            yield from conn.execute(QUERY)


def _shown(path: Path):
    """The rows as a list shows them: amounts in 元 with thousands separators."""
    for voucher, day, project, town, fen, source, payee in _rows(path):
        yield [voucher, day, project, town, _yuan(fen), source or "", payee]


def _yuan(fen: int) -> str:
    whole, part = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole:,}.{part:02d}"


def _typed(path: Path):
    for voucher, day, project, town, fen, source, payee in _rows(path):
        yield [voucher, day, project, town, Decimal(fen).scaleb(-2), source or "", payee]


def program(db: Path, out: Path) -> None:
    from app.reports.listing import write_list_xlsx
    write_list_xlsx(out, "支付明细", HEADERS, _shown(db))


def openpyxl_write_only(db: Path, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    book = Workbook(write_only=True)
    sheet = book.create_sheet("支付明细")
    sheet.append(["支付明细"])
    sheet.append(list(HEADERS))
    for row in _typed(db):
        amount = WriteOnlyCell(sheet, row[4])
        amount.number_format = "#,##0.00"
        row[4] = amount
        sheet.append(row)
    book.save(out)


def xlsxwriter_constant_memory(db: Path, out: Path) -> None:
    import xlsxwriter
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("支付明细")
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, ["支付明细"])
    sheet.write_row(1, 0, list(HEADERS))
    for n, row in enumerate(_typed(db), start=2):
        sheet.write_row(n, 0, row[:4])
        sheet.write_number(n, 4, float(row[4]), money)  # xlsxwriter writes numbers as doubles
        sheet.write_row(n, 5, row[5:])
    book.close()


def _run(name: str, db: str, out: str, results) -> None:
    start = time.perf_counter()
    globals()[name](Path(db), Path(out))
    results.put((name, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> None:
    db = province_db(parse_args(__doc__).fresh)
    with sqlite3.connect(db) as conn:
        rows = REPEAT * conn.execute("SELECT count(*) FROM expenditure").fetchone()[0]
    writers = ["program", "openpyxl_write_only"]
    try:
        import xlsxwriter  # noqa: F401
        writers.append("xlsxwriter_constant_memory")
    except ImportError:
        print("xlsxwriter is not installed: its baseline is skipped (pip install xlsxwriter to include it)")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    seconds = {}
    for name in writers:
        out = OUT / f"list_{name}.xlsx"
        worker = context.Process(target=_run, args=(name, str(db), str(out), results))
        worker.start()
        worker.join()
        name, elapsed, rss = results.get()
        seconds[name] = elapsed
        print(f"{name:28s} {elapsed:7.1f} s  {rows / elapsed:9,.0f} rows/s  peak RSS {rss:6.0f} MB  "
              f"{out.stat().st_size / 1e6:6.1f} MB file", flush=True)
    fastest = min(seconds[name] for name in writers if name != "program")
    print(f"program ÷ faster baseline: {fastest / seconds['program']:.2f}× the speed (goal ≥ 1.0×); {rows:,} rows")


if __name__ == "__main__":
    sys.exit(main())
