"""A field's row in the form renderer (``FieldRow``: label with its required mark and buddy,
help text, editor, the answer as text when read-only, problems in red) and the repeatable group
(``GroupEditor``: items of the group's fields, "Tilføj punkt" and "Fjern"), over the editors of
``desktop.form_fields``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.form_fields import (
    HELP_COLOR,
    REQUIRED_MARK,
    ChoiceEditor,
    DateEditor,
    DimensionEditor,
    EditorContext,
    FieldEditor,
    MultiChoiceEditor,
    PersonEditor,
    ScaleEditor,
    TextEditor,
    YesNoEditor,
)
from desktop.widgets import ERROR_COLOR
from models.forms import Field, FieldType, display_answer
from models.forms.answers import holds


class GroupEditor(FieldEditor):
    """A repeatable group: items of the group's fields, each with "Fjern", and "Tilføj"."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        self.items: list[GroupItem] = []
        self.item_layout = QVBoxLayout()
        self.add_button = QPushButton("Tilføj punkt", self)
        self.add_button.setAccessibleName(f"Tilføj punkt: {fld.label}")
        self.add_button.clicked.connect(self.add_item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.item_layout)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def add_item(self) -> GroupItem:
        item = GroupItem(self, len(self.items))
        self.items.append(item)
        self.item_layout.addWidget(item)
        item.setVisible(self.isVisible())  # now, not on the next turn of the event loop
        self._numbered()
        if item.rows:
            item.rows[0].editor.focus_target().setFocus()
        self.changed.emit()
        return item

    def remove_item(self, item: GroupItem) -> None:
        self.items.remove(item)
        self.item_layout.removeWidget(item)
        item.hide()
        item.deleteLater()
        self._numbered()
        self.add_button.setFocus()
        self.changed.emit()

    def _numbered(self) -> None:
        for index, item in enumerate(self.items):
            item.set_number(index)
        limit = self.field.max_items
        self.add_button.setEnabled(limit is None or len(self.items) < limit)

    def value(self) -> Any:
        values = [item.value() for item in self.items]
        return values or None

    def set_value(self, value: Any) -> None:
        if value == self.value():
            return
        wanted = [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
        while len(self.items) > len(wanted):
            item = self.items.pop()
            self.item_layout.removeWidget(item)
            item.deleteLater()
        while len(self.items) < len(wanted):
            item = GroupItem(self, len(self.items))
            self.items.append(item)
            self.item_layout.addWidget(item)
        for item, answer in zip(self.items, wanted, strict=True):
            item.set_value(answer)
        self._numbered()

    def update_shown(self) -> None:
        for item in self.items:
            item.update_shown()

    def show_problems(self, problems: Mapping[tuple[int, str], list[str]]) -> None:
        """Problems by (item, sub-field)."""
        for index, item in enumerate(self.items):
            for row in item.rows:
                row.show_problems(problems.get((index, row.field.id), []))

    def focus_target(self) -> QWidget:
        if self.items and self.items[0].rows:
            return self.items[0].rows[0].editor.focus_target()
        return self.add_button


class GroupItem(QFrame):
    """One item of a repeatable group."""

    def __init__(self, group: GroupEditor, index: int) -> None:
        super().__init__(group)
        self.group = group
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.remove_button = QPushButton("Fjern", self)
        self.remove_button.clicked.connect(lambda: group.remove_item(self))
        self.rows = [FieldRow(sub, group.ctx, self) for sub in group.field.fields]
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        for row in self.rows:
            row.editor.changed.connect(self._changed)
            layout.addWidget(row)
        foot = QHBoxLayout()
        foot.addStretch(1)
        foot.addWidget(self.remove_button)
        layout.addLayout(foot)
        self.set_number(index)
        self.update_shown()

    def set_number(self, index: int) -> None:
        self.title.setText(f"Nr. {index + 1}")
        self.remove_button.setAccessibleName(f"Fjern nr. {index + 1}")

    def _changed(self) -> None:
        self.update_shown()
        self.group.changed.emit()

    def value(self) -> dict[str, Any]:
        return {r.field.id: v for r in self.rows if (v := r.editor.value()) is not None}

    def set_value(self, answer: Mapping[str, Any]) -> None:
        for row in self.rows:
            row.editor.set_value(answer.get(row.field.id))
        self.update_shown()

    def update_shown(self) -> None:
        answer = self.value()
        shown: set[str] = set()
        for row in self.rows:
            condition = row.field.show_if
            visible = condition is None or (condition.field in shown and holds(condition, answer))
            if visible:
                shown.add(row.field.id)
            row.setVisible(visible)


_EDITORS: dict[FieldType, type[FieldEditor]] = {
    FieldType.SHORT_TEXT: TextEditor,
    FieldType.LONG_TEXT: TextEditor,
    FieldType.DATE: DateEditor,
    FieldType.DATETIME: DateEditor,
    FieldType.CHOICE: ChoiceEditor,
    FieldType.MULTI_CHOICE: MultiChoiceEditor,
    FieldType.YES_NO: YesNoEditor,
    FieldType.PERSON: PersonEditor,
    FieldType.SCALE: ScaleEditor,
    FieldType.ICS_DIMENSION: DimensionEditor,
    FieldType.GROUP: GroupEditor,
}


def make_editor(fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> FieldEditor:
    return _EDITORS[fld.type](fld, ctx, parent)


class FieldRow(QWidget):
    """One field on the page: label (required mark, buddy), help, editor or, read-only, the
    answer as text (``display_answer``), and its problems in red."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = fld
        self.ctx = ctx
        self.read_only = False
        self.base_text = fld.label + (REQUIRED_MARK if fld.required else "")
        self.label = QLabel(self.base_text.replace("&", "&&"), self)
        self.label.setWordWrap(True)
        self.label.setObjectName("field_label")
        self.editor = make_editor(fld, ctx, self)
        self.editor.setObjectName(f"field_{fld.id}")
        self.label.setBuddy(self.editor.focus_target())
        self.help = QLabel(fld.help, self)
        self.help.setWordWrap(True)
        self.help.setObjectName("field_help")
        self.help.setTextFormat(Qt.TextFormat.PlainText)
        self.help.setStyleSheet(f"color: {HELP_COLOR};")
        self.help.setVisible(bool(fld.help))
        self.shown = QLabel(self)
        self.shown.setObjectName("field_answer")
        self.shown.setWordWrap(True)
        self.shown.setTextFormat(Qt.TextFormat.PlainText)
        self.shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shown.hide()
        self.problem = QLabel(self)
        self.problem.setObjectName("field_problem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.help)
        layout.addWidget(self.editor)
        layout.addWidget(self.shown)
        layout.addWidget(self.problem)

    def set_mnemonic(self, position: int | None) -> None:
        """Put the Alt letter before character ``position`` of the label (None: no letter)."""
        text = self.base_text
        if position is None:
            self.label.setText(text.replace("&", "&&"))
            return
        before, after = text[:position].replace("&", "&&"), text[position:].replace("&", "&&")
        self.label.setText(f"{before}&{after}")

    def set_read_only(self, read_only: bool) -> None:
        """Read-only: the answer as text (``display_answer``) instead of the editor."""
        self.read_only = read_only
        self.editor.setVisible(not read_only)
        self.shown.setVisible(read_only)
        self.show_answer()
        if read_only:
            self.show_problems([])

    def show_answer(self) -> None:
        if self.read_only:
            self.shown.setText(display_answer(self.field, self.editor.value(), self.ctx.ics))

    def show_problems(self, texts: Sequence[str]) -> None:
        """The problems of the answer (none for a read-only answer: it cannot be changed)."""
        shown = [] if self.read_only else list(dict.fromkeys(texts))
        self.problem.setText("\n".join(shown))
        self.problem.setVisible(bool(shown))
