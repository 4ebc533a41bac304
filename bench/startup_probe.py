"""Run by bench_startup.py in a child process: `python -m app --smoke-test`'s steps, printing the
seconds since the parent launched the process (BENCH_T0, a time.time() stamp) after each step."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

T0 = float(os.environ["BENCH_T0"])


def mark(step: str) -> None:
    print(f"{step}\t{time.time() - T0:.4f}", flush=True)


def main() -> None:
    mark("interpreter up")
    from PySide6.QtWidgets import QApplication
    mark("PySide6 imported")
    app = QApplication(sys.argv[:1])
    mark("QApplication")
    from app.ui.startup import open_main_window
    mark("app imported")
    window = open_main_window(app, Path(sys.argv[1]))
    mark("main window built")
    window.show()
    app.processEvents()
    window.grab()
    mark("shown and rendered")
    window.release()


if __name__ == "__main__":
    main()
