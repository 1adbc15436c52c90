"""The "Indstillinger" dialog (after Picard's option pages, small): one editor per setting of the
registry in ``models.settings``, made from its type — a spin box with the limits for a whole
number, a combo box for a choice, a check box for yes/no, a line edit for text — with the
setting's Danish description beside it. OK checks every value through the registry and saves
nothing while one is refused; vault settings are written on the vault's writer thread, the text
size through ``desktop.zoom`` (it lives in the profile), and ``saved`` tells the app what changed,
so it takes effect at once."""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import error_text
from desktop.tasks import run_in_background
from desktop.widgets import ErrorLabel, show_error
from desktop.zoom import TextSize
from models import settings
from models.changes import ChangeSet
from models.errors import FeltmappeError, ValidationError
from models.settings import Place, Setting
from models.vault import Vault

log = logging.getLogger("feltmappe.settings")

#: The dialog's buttons hold these Alt letters; the settings' labels take others.
BUTTON_LETTERS = frozenset({"g"})
#: Settings whose change moves deadlines: every screen showing deadlines reads them again.
DEADLINE_SETTINGS = frozenset({settings.MUNICIPALITY.key})

#: The descriptions under the fields: dark grey, readable on the light palette (above 7:1).
HINT_COLOR = "#4d4d4d"

Editor = QSpinBox | QComboBox | QCheckBox | QLineEdit


class IntEditor(QSpinBox):
    """A spin box that keeps what was typed out of range (rather than quietly going back to the
    last good number when it loses focus or Enter is pressed), so OK can say what is wrong."""

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt name)
        typed, acceptable = self.lineEdit().text(), self.hasAcceptableInput()
        super().focusOutEvent(event)
        if not acceptable:
            self.lineEdit().setText(typed)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.hasAcceptableInput():
            event.ignore()  # to the dialog: its OK button refuses the number with a message
            return
        super().keyPressEvent(event)


def with_mnemonic(text: str, used: set[str]) -> str:
    """``text`` with an Alt letter not in ``used`` (which it joins); unchanged when none is free."""
    for i, char in enumerate(text):
        if char.isalpha() and char.casefold() not in used:
            used.add(char.casefold())
            return f"{text[:i]}&{text[i:]}"
    return text


def make_editor(setting: Setting[Any], parent: QWidget) -> Editor:
    """The editor for ``setting``'s type, with its limits or choices."""
    editor: Editor
    if setting.kind is bool:
        editor = QCheckBox(parent)
    elif setting.kind is int:
        editor = IntEditor(parent)
        editor.setRange(
            setting.minimum if setting.minimum is not None else -(2**31),
            setting.maximum if setting.maximum is not None else 2**31 - 1,
        )
        if setting.unit:
            editor.setSuffix(f" {setting.unit}")
    elif setting.options():
        editor = QComboBox(parent)
        for value, name in setting.options().items():
            editor.addItem(name, value)
    else:
        editor = QLineEdit(parent)
    editor.setObjectName(setting.key)
    editor.setToolTip(setting.description)
    editor.setAccessibleDescription(setting.description)
    return editor


def show_value(editor: Editor, setting: Setting[Any], value: Any) -> None:
    if isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QSpinBox):
        editor.setValue(int(value))
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(0, editor.findData(value)))
    else:
        editor.setText(settings.text(setting, value))


def typed_value(editor: Editor) -> Any:
    """What the editor holds, as the user left it (a number as typed: the registry checks it)."""
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        return editor.cleanText()
    if isinstance(editor, QComboBox):
        return editor.currentData()
    return editor.text()


class SettingsDialog(QDialog):
    """``saved(dict)``: the settings that changed (key → typed value), after OK."""

    saved = Signal(object)

    def __init__(
        self, vault: Vault, text_size: TextSize | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self._text_size = text_size
        self.setWindowTitle("Indstillinger")
        self.editors: dict[str, Editor] = {}
        self._current: dict[str, Any] = {}

        # Label | editor, with the description under the editor across the field column.
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        used = set(BUTTON_LETTERS)
        for setting in settings.REGISTRY.values():
            editor = make_editor(setting, self)
            label = QLabel(with_mnemonic(f"{setting.label or setting.key}:", used), self)
            label.setBuddy(editor)
            label.setToolTip(setting.description)
            help_text = QLabel(setting.description, self)
            help_text.setWordWrap(True)
            help_text.setTextFormat(Qt.TextFormat.PlainText)
            help_text.setStyleSheet(f"color: {HINT_COLOR};")
            line = QHBoxLayout()
            line.addWidget(editor)
            if not isinstance(editor, QLineEdit):
                line.addStretch(1)  # a number or a choice keeps its own width
            field = QVBoxLayout()
            field.setSpacing(2)
            field.addLayout(line)
            field.addWidget(help_text)
            form.addRow(label, field)
            self.editors[setting.key] = editor
            self._current[setting.key] = self._stored(setting)
            show_value(editor, setting, self._current[setting.key])

        self.error = ErrorLabel(self)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton("OK", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.cancel_button = buttons.addButton("Annuller", QDialogButtonBox.ButtonRole.RejectRole)
        self.defaults_button = buttons.addButton(
            "&Gendan standard", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.defaults_button.setToolTip(
            "Sæt alle felter til standardværdierne (gemmes først, når du trykker OK)"
        )
        self.ok_button.clicked.connect(self.try_accept)
        self.cancel_button.clicked.connect(self.reject)
        self.defaults_button.clicked.connect(self.restore_defaults)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # Wide enough for the descriptions at any text size (they wrap at most once or twice).
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 100)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if not event.spontaneous():
            self._fit_height(shrink=True)

    def _fit_height(self, *, shrink: bool = False) -> None:
        """Qt reckons a window's height before the descriptions (and the message) are wrapped
        at its width: make it as tall as they need."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height() or (shrink and need > 0):
            self.resize(self.width(), need)

    def _stored(self, setting: Setting[Any]) -> Any:
        if setting is settings.TEXT_SCALE_PERCENT and self._text_size is not None:
            return self._text_size.percent  # what is shown now (the profile may have none)
        where = self._vault.profile if setting.place is Place.PROFILE else self._vault
        return settings.get(where, setting)

    def restore_defaults(self) -> None:
        for key, editor in self.editors.items():
            setting = settings.REGISTRY[key]
            show_value(editor, setting, setting.default)
        self.error.clear_error()

    def values(self) -> tuple[dict[str, Any], list[tuple[str, ValidationError]]]:
        """Every editor's value checked by the registry; the refusals by key, in form order."""
        values: dict[str, Any] = {}
        refused: list[tuple[str, ValidationError]] = []
        for key, editor in self.editors.items():
            setting = settings.REGISTRY[key]
            try:
                values[key] = setting.parse(typed_value(editor))
            except ValidationError as err:
                named = ValidationError(err.code, **{**err.params, "name": setting.label or key})
                refused.append((key, named))
        return values, refused

    def try_accept(self) -> bool:
        """Save and close; with a refused value, say why next to the buttons and save nothing."""
        values, refused = self.values()
        if refused:
            self.error.show_text("\n".join(error_text(err) for _key, err in refused))
            self._fit_height()
            editor = self.editors[refused[0][0]]
            editor.setFocus()
            if isinstance(editor, QSpinBox | QLineEdit):
                editor.selectAll()
            return False
        self.error.clear_error()
        changed = {k: v for k, v in values.items() if v != self._current[k]}
        self._save(changed)
        self._current.update(changed)
        log.info("%d settings changed", len(changed))
        self.saved.emit(changed)
        self.accept()
        return True

    def _save(self, changed: dict[str, Any]) -> None:
        in_vault = [
            (settings.REGISTRY[k], v)
            for k, v in changed.items()
            if settings.REGISTRY[k].place is Place.VAULT
        ]
        for key, value in changed.items():
            setting = settings.REGISTRY[key]
            if setting.place is not Place.PROFILE:
                continue
            if setting is settings.TEXT_SCALE_PERCENT and self._text_size is not None:
                self._text_size.set_percent(value)  # shown at once, kept in the profile
            else:
                settings.put(self._vault.profile, setting, value)
        if not in_vault:
            return
        vault = self._vault
        moves_deadlines = any(s.key in DEADLINE_SETTINGS for s, _v in in_vault)

        def write() -> None:
            for setting, value in in_vault:
                settings.put(vault, setting, value)
            if moves_deadlines:
                # The settings table is quiet; a new municipality changes every deadline.
                vault.changes.announce(ChangeSet(everything=True))

        # On the writer thread; the GUI does not wait. A failure is told in the window behind.
        owner = self.parentWidget()
        run_in_background(
            lambda: vault.writer.run(write),
            lambda _result: None,
            lambda exc: _save_failed(owner, exc),
        )


def _save_failed(owner: QWidget | None, exc: BaseException) -> None:
    if isinstance(exc, FeltmappeError):
        # The window may have gone meanwhile (locked): then the message stands alone.
        show_error(owner if owner is not None and shiboken6.isValid(owner) else None, exc)
    else:
        log.error("settings not saved: %s", type(exc).__name__)
