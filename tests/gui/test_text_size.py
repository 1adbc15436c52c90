"""Text size: Vis → Større/Mindre/Normal tekst (Ctrl++, Ctrl+-, Ctrl+0) scale every window and are
kept in the profile; at 150 % nothing the user reads on the main screens is cut off."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot

from desktop.case_summary import CaseSummaryDialog
from models import settings
from tests.gui.conftest import Filled
from tests.gui.harness import Harness
from tests.gui.layout_check import clipped_texts


def point_size() -> float:
    return QApplication.font().pointSizeF()


def test_ctrl_plus_minus_zero_scale_the_app_and_are_kept(
    qtbot: QtBot, harness_for: Callable[..., Harness], locked: Path
) -> None:
    h = harness_for(locked)
    h.controller.start()
    h.unlock()
    window = h.window
    base = point_size()
    window.bigger_action.trigger()
    assert point_size() == base * 1.1
    window.bigger_action.trigger()
    assert h.controller.text_size.percent == 120
    window.smaller_action.trigger()
    assert h.controller.text_size.percent == 110
    assert settings.get(locked, settings.TEXT_SCALE_PERCENT) == 110  # kept in the profile
    assert [a.shortcut().toString() for a in (window.bigger_action, window.reset_text_action)] == [
        "Ctrl++",
        "Ctrl+0",
    ]
    window.reset_text_action.trigger()
    assert point_size() == base
    window.bigger_action.trigger()
    # The next start (its unlock screen included) has the size the user chose.
    again = harness_for(locked)
    assert again.controller.text_size.percent == 110
    again.controller.text_size.set_percent(100, save=False)


def laid_out(qtbot: QtBot, widget: QWidget) -> list[str]:
    """What is cut once the layouts have caught up with the new font (a busy machine may
    take longer than a frame: the status bar is laid out after the deadlines' first load)."""
    with contextlib.suppress(TimeoutError):
        qtbot.waitUntil(lambda: not clipped_texts(widget), timeout=1500)
    return clipped_texts(widget)


def test_nothing_is_cut_at_150_percent(
    qtbot: QtBot, harness_for: Callable[..., Harness], filled: Filled, tmp_path: Path
) -> None:
    profile = filled.vault.profile
    filled.vault.close()
    h = harness_for(profile)
    h.controller.start()
    h.unlock()
    window = h.window
    window.resize(1280, 800)
    problems: list[str] = []
    try:
        for percent in (100, 150):
            h.controller.text_size.set_percent(percent)
            for index in range(window.tabs.count()):
                window.tabs.setCurrentIndex(index)
                problems += [f"{percent}% main/{index}: {p}" for p in laid_out(qtbot, window)]
            window.grab().save(str(tmp_path / f"main_{percent}.png"))
            dialog = window.show_case(filled.case_ids["Anna Jensen"])
            assert isinstance(dialog, CaseSummaryDialog)
            dialog.resize(1100, 760)
            for index in range(dialog.tabs.count()):
                dialog.tabs.setCurrentIndex(index)
                problems += [f"{percent}% case/{index}: {p}" for p in laid_out(qtbot, dialog)]
            dialog.grab().save(str(tmp_path / f"case_{percent}.png"))
            dialog.close()
    finally:
        h.controller.text_size.set_percent(100, save=False)
    assert problems == [], "\n".join(problems)
