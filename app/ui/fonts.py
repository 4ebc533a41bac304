"""Register the shipped CJK font so Chinese renders the same with or without system fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.services.paths import FONT_PATH


def install_app_font(app: QApplication, point_size: int = 10) -> str:
    """Make the shipped WenQuanYi Micro Hei the application font; returns its family name."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_PATH))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return app.font().family()
    app.setFont(QFont(families[0], point_size))
    return families[0]
