"""`python -m app`: open the program's main window on a database (the default one, created with the
demo county on first start when none exists) after the login. `--smoke-test` renders the window
once, read-only without a login, and exits."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app import APP_NAME


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app", description=f"{APP_NAME}（图形界面）")
    parser.add_argument("--db", type=Path, help="数据库文件（默认：用户数据目录中的 bangzhen.sqlite）")
    parser.add_argument("--smoke-test", action="store_true", help="打开主窗口、渲染一次后退出（安装检查用）")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
          and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        # Without a display Qt aborts with a misleading hint about missing xcb libraries.
        print("错误：没有图形显示（未设置 DISPLAY 或 WAYLAND_DISPLAY）。请在桌面环境中运行，"
              "或用 --smoke-test 检查安装。", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.ui.login import sign_in
    from app.ui.startup import StartupError, open_main_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    sys.excepthook = _report_unexpected
    try:
        window = open_main_window(app, args.db, sign_in=None if args.smoke_test else sign_in)
    except StartupError as error:
        print(f"错误：{error.user_message}", file=sys.stderr)
        if not args.smoke_test:
            QMessageBox.critical(None, APP_NAME, error.user_message)
        return error.exit_code
    if window is None:
        return 0  # the login was closed
    window.show()
    if not args.smoke_test:
        window.start_housekeeping()  # today's backup and the integrity check, in the background
    if args.smoke_test:
        app.processEvents()
        image = window.grab()
        window.release()
        print(f"smoke test ok: {image.width()}x{image.height()}, {window.model.rowCount()} projects")
        return 0 if not image.isNull() else 1
    code = app.exec()
    window.release()
    return code


def _report_unexpected(kind, error, trace) -> None:
    """Last line of defence in the GUI: a Chinese message for the user, the traceback for the log."""
    import traceback

    from PySide6.QtWidgets import QMessageBox

    from app.errors import BangzhenError

    if isinstance(error, BangzhenError):
        QMessageBox.warning(None, APP_NAME, error.user_message)
        return
    traceback.print_exception(kind, error, trace, file=sys.stderr)
    QMessageBox.critical(None, APP_NAME, f"程序内部错误：{type(error).__name__}: {error}\n"
                                         "操作未完成。请将此信息反馈给技术支持。")


if __name__ == "__main__":
    sys.exit(main())
