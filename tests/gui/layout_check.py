"""What a user would see cut off: labels, buttons, tab titles and table headers whose text does
not fit where it is drawn (used at 100 % and 150 % text size)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTabBar,
    QWidget,
)


def _visible(w: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0


def clipped_texts(top: QWidget) -> list[str]:
    """Descriptions of every visible text in ``top`` that does not fit its widget."""
    out: list[str] = []
    for w in [top, *top.findChildren(QWidget)]:
        if not _visible(w):
            continue
        name = w.objectName() or type(w).__name__
        if isinstance(w, QLabel) and w.text() and not w.wordWrap() and w.pixmap().isNull():
            if w.textFormat() == Qt.TextFormat.RichText:
                continue
            need = w.fontMetrics().horizontalAdvance(w.text().split("\n")[0].replace("&", ""))
            room = w.contentsRect().width() - 2 * w.margin() - max(0, w.indent())
            if need > room + 1:
                out.append(f"label {name}: {w.text()[:40]!r} needs {need}px, has {room}px")
        elif isinstance(w, QAbstractButton) and w.text():
            if w.sizeHint().width() > w.width() + 1:
                out.append(
                    f"button {name}: {w.text()!r} needs {w.sizeHint().width()}px, has {w.width()}px"
                )
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                text = w.tabText(i).replace("&", "")
                need = QFontMetrics(w.font()).horizontalAdvance(text)
                if need > w.tabRect(i).width():
                    out.append(f"tab {text!r} cut")
        elif isinstance(w, QHeaderView) and isinstance(w.parent(), QAbstractItemView):
            model = w.model()
            if model is None or w.orientation() != Qt.Orientation.Horizontal:
                continue
            metrics = QFontMetrics(w.font())
            for section in range(w.count()):
                if w.isSectionHidden(section) or w.sectionSize(section) == 0:
                    continue
                text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
                need = metrics.horizontalAdvance(text) + 8
                if need > w.sectionSize(section):
                    out.append(
                        f"header {text!r} needs {need}px, has {w.sectionSize(section)}px ({name})"
                    )
    return out
