"""Text size for the whole app: Ctrl++ / Ctrl+- / Ctrl+0 (and the setting
``text_scale_percent``) scale the application font; every window follows, because screens never
fix a point size of their own (they make fonts bold or italic, never bigger). The size is kept in
the profile's plain settings, so the unlock screen has it too."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView

from models import settings

STEP_PERCENT = 10


#: Room beside a header's text: margins and the sort arrow.
HEADER_PADDING = 28


def fit_headers() -> None:
    """Widen every table column whose header text no longer fits (after the font grew)."""
    for widget in QApplication.allWidgets():
        if isinstance(widget, QHeaderView) and isinstance(widget.parent(), QAbstractItemView):
            fit_header(widget)


def fit_header(header: QHeaderView) -> None:
    """Make every section of a horizontal header at least as wide as its title (a stretched
    section is kept from shrinking below it too)."""
    model = header.model()
    if model is None or header.orientation() != Qt.Orientation.Horizontal:
        return
    metrics = QFontMetrics(header.font())
    widest = 0
    for section in range(header.count()):
        text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
        need = metrics.horizontalAdvance(text) + HEADER_PADDING
        widest = max(widest, need)
        if header.sectionResizeMode(section) == QHeaderView.ResizeMode.Stretch:
            continue
        if header.sectionSize(section) < need and not header.isSectionHidden(section):
            header.resizeSection(section, need)
    if header.stretchLastSection() and header.count():
        last = header.count() - 1
        text = str(model.headerData(last, Qt.Orientation.Horizontal) or "")
        header.setMinimumSectionSize(
            max(header.minimumSectionSize(), min(widest, metrics.horizontalAdvance(text) + 12))
        )


class TextSize(QObject):
    """Owns the application font's size. ``changed(percent)`` after every change."""

    changed = Signal(int)

    def __init__(self, profile: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        self._base = QFont(app.font())
        self._profile = profile
        self.percent = 100
        if profile is not None:
            self.set_percent(settings.get(profile, settings.TEXT_SCALE_PERCENT), save=False)

    def set_profile(self, profile: Path) -> None:
        """Another profile (the demo): its own text size."""
        self._profile = profile
        self.set_percent(settings.get(profile, settings.TEXT_SCALE_PERCENT), save=False)

    def set_percent(self, percent: int, *, save: bool = True) -> None:
        s = settings.TEXT_SCALE_PERCENT
        assert s.minimum is not None and s.maximum is not None
        percent = max(s.minimum, min(s.maximum, percent))
        font = QFont(self._base)
        if self._base.pointSizeF() > 0:
            font.setPointSizeF(self._base.pointSizeF() * percent / 100)
        else:
            font.setPixelSize(max(1, round(self._base.pixelSize() * percent / 100)))
        self._app.setFont(font)
        self.percent = percent
        # Widgets take the new font as they handle its change event: fit after that.
        QTimer.singleShot(0, fit_headers)
        if save and self._profile is not None and self._profile.is_dir():
            settings.put(self._profile, s, percent)
        self.changed.emit(percent)

    def bigger(self) -> None:
        self.set_percent(self.percent + STEP_PERCENT)

    def smaller(self) -> None:
        self.set_percent(self.percent - STEP_PERCENT)

    def reset(self) -> None:
        self.set_percent(100)
