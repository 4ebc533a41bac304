"""Qt's own words in Chinese: the standard buttons (确定/取消/是/否), the calendar's month and day names,
the file dialogs. Qt ships these translations (qtbase_zh_CN.qm, in PySide6's translations folder); the
program only has to load them and set the default locale to zh_CN before its first window."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

CHINA = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
_installed: list[QTranslator] = []  # a translator must outlive the application's use of it


def install_chinese(app: QApplication) -> bool:
    """Load Qt's Chinese translation into `app` (once) and make zh_CN the default locale; False when the
    translation file is missing (the standard buttons then stay in English, nothing else changes)."""
    QLocale.setDefault(CHINA)
    if _installed:
        return True
    translator = QTranslator(app)
    if not translator.load(CHINA, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True
