"""The project table at province scale (offscreen Qt): "load ids" is `ProjectTableModel.set_filter`
on the province (150,000 ids); "scroll to row 140,000" is data() for all 7 columns of a row whose
block is not loaded yet (one block query); "neighbouring row" is the next row, already cached.
Each of 5 runs starts from a fresh set_filter, which empties the row cache; best and median in ms."""

from __future__ import annotations

import os
import sys
import time

from bench.common import Timing, parse_args, province_db

ROW = 140_000


def main() -> None:
    db = province_db(parse_args(__doc__).fresh)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.services.database import connect
    from app.services.regions import RegionRef
    from app.ui.project_model import ProjectTableModel

    app = QApplication(sys.argv[:1])  # alive until the end, like the program's own
    engine = connect(db)
    model = ProjectTableModel(engine)

    def row_text(row: int) -> list:
        return [model.data(model.index(row, column)) for column in range(model.columnCount())]

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    runs = []
    for _ in range(6):  # the first run warms up and is not counted
        runs.append((timed(lambda: model.set_filter(RegionRef.province())),
                     timed(lambda: row_text(ROW)), timed(lambda: row_text(ROW + 1))))
    load, far, near = zip(*runs[1:])
    sample = row_text(ROW)
    engine.dispose()

    print(f"project table, province: {model.rowCount():,} rows; row {ROW:,} (from 0) = {sample}")
    print(f"  load ids (set_filter)          {Timing(list(load)).ms()}")
    print(f"  scroll to row {ROW:,} (7 cols) {Timing(list(far)).ms()}")
    print(f"  neighbouring row (cached)      {Timing(list(near)).ms()}")


if __name__ == "__main__":
    main()
