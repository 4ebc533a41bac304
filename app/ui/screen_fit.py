"""Opening windows at a size the screen can hold. Offices run 1366×768 laptops, where a task bar leaves
about 1366×728 and a window's title bar and borders take some 40 pixels more: a window opens at its
designed size only where that fits, and its layout must be able to shrink that far (forms too long
for it scroll instead)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME = QSize(16, 40)  # what a window's borders and title bar add around its content


def fitted(designed: QSize, available: QSize) -> QSize:
    """`designed`, but no larger than the screen's free area `available` less the window's frame."""
    return designed.boundedTo(available - FRAME)


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize `widget` to width×height, or less where its screen's free area is smaller."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    widget.resize(fitted(QSize(width, height), screen.availableGeometry().size()) if screen else QSize(width, height))
