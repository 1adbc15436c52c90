"""The editors of the form renderer (``desktop.form_view``): one widget per field type of
``models.forms`` (docs/forms.md), each giving its answer in the stored JSON shape (``value``) and
taking one back (``set_value``). A field's whole row and the repeatable group are in
``desktop.form_rows``. Nothing here knows a particular form."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from models.forms import Field, FieldType, IcsTriangle, YesNo

_DK = ZoneInfo("Europe/Copenhagen")

#: Shown after the label of a field that must be answered before the form is finalised.
REQUIRED_MARK = " *"
#: A choice field with at most this many choices shows radio buttons, else a drop-down list.
RADIO_CHOICES = 4
#: A long text is this many lines high: room to write, and a page of an ICS side still shows a
#: few fields at a time.
LONG_TEXT_LINES = 5
REASON_LINES = 3
HELP_COLOR = "#4a4a4a"


@dataclass(frozen=True)
class Party:
    """A party of the case, for person fields: ``role`` is the stored role, ``role_label`` its
    Danish name."""

    person_id: str
    name: str
    role: str
    role_label: str

    @property
    def text(self) -> str:
        return f"{self.name} ({self.role_label})" if self.role_label else self.name


@dataclass(frozen=True)
class EditorContext:
    """What editors need beyond their field: the case's parties and the ICS triangle."""

    parties: tuple[Party, ...]
    ics: IcsTriangle


# -- dates and times as the caseworker types them -----------------------------------------------

_DAY = re.compile(r"^(\d{1,2})[.\-/ ](\d{1,2})[.\-/ ](\d{4})$")
_TIME = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})$")


def parse_day(text: str) -> date | None:
    """``dd.mm.åååå`` (also with - or /, one-digit day and month, ``ddmmåååå``, or ISO)."""
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:2]}.{text[2:4]}.{text[4:]}"
    found = _DAY.match(text)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def parse_moment(text: str) -> datetime | None:
    """``dd.mm.åååå tt.mm`` (or ``kl. tt:mm``) in Danish time, as an aware datetime."""
    parts = text.strip().split(maxsplit=1)
    if len(parts) != 2:
        return None
    day, clock = parse_day(parts[0]), _TIME.match(parts[1].strip())
    if day is None or clock is None:
        return None
    try:
        return datetime.combine(day, time(int(clock[1]), int(clock[2])), tzinfo=_DK)
    except ValueError:
        return None


def day_text(answer: str) -> str:
    try:
        return date.fromisoformat(answer).strftime("%d.%m.%Y")
    except ValueError:
        return answer


def moment_text(answer: str) -> str:
    try:
        moment = datetime.fromisoformat(answer)
    except ValueError:
        return answer
    if moment.tzinfo is not None:
        moment = moment.astimezone(_DK)
    return moment.strftime("%d.%m.%Y %H.%M")


def _fit_lines(edit: QPlainTextEdit, lines: int) -> None:
    """Make ``edit`` ``lines`` lines of its font high (a longer text scrolls)."""
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)


# -- editors --------------------------------------------------------------------------------------


class FieldEditor(QWidget):
    """The editor of one field: ``value()`` is the answer (None when none is given)."""

    changed = Signal()

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = fld
        self.ctx = ctx
        self.setAccessibleName(fld.label)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        """The widget a label's mnemonic and "go to the field" focus."""
        return self

    def _emit(self, *_: object) -> None:
        self.changed.emit()


class TextEditor(FieldEditor):
    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit: QLineEdit | QPlainTextEdit
        if fld.type == FieldType.LONG_TEXT:
            edit = QPlainTextEdit(self)
            edit.setTabChangesFocus(True)  # Tab goes on to the next field
            _fit_lines(edit, LONG_TEXT_LINES)
            edit.textChanged.connect(self._emit)
            self.edit = edit
        else:
            line_edit = QLineEdit(self)
            line_edit.textChanged.connect(self._emit)
            self.edit = line_edit
        self.edit.setAccessibleName(fld.label)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def _text(self) -> str:
        return self.edit.text() if isinstance(self.edit, QLineEdit) else self.edit.toPlainText()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FontChange and isinstance(self.edit, QPlainTextEdit):
            _fit_lines(self.edit, LONG_TEXT_LINES)  # Ctrl++ / Ctrl+-
        super().changeEvent(event)

    def value(self) -> Any:
        text = self._text()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if text != self._text():
            if isinstance(self.edit, QLineEdit):
                self.edit.setText(text)
            else:
                self.edit.setPlainText(text)

    def focus_target(self) -> QWidget:
        return self.edit


class DateEditor(FieldEditor):
    """A date typed as dd.mm.åååå; what cannot be read is kept as typed (and is a problem)."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        self.moment = fld.type == FieldType.DATETIME
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(fld.label)
        self.edit.setPlaceholderText("dd.mm.åååå tt.mm" if self.moment else "dd.mm.åååå")
        sample = "00.00.0000 00.00" if self.moment else "00.00.0000"
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance(sample * 2))
        self.edit.textChanged.connect(self._emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.now_button = QPushButton("Nu" if self.moment else "I dag", self)
        self.now_button.setToolTip(
            "Indsæt tidspunktet lige nu" if self.moment else "Indsæt dagens dato"
        )
        self.now_button.clicked.connect(self._fill_now)
        layout.addWidget(self.now_button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)

    def _fill_now(self) -> None:
        now = datetime.now(_DK)
        self.edit.setText(now.strftime("%d.%m.%Y %H.%M" if self.moment else "%d.%m.%Y"))
        self.edit.setFocus()

    def value(self) -> Any:
        text = self.edit.text().strip()
        if not text:
            return None
        if self.moment:
            moment = parse_moment(text)
            return moment.isoformat(timespec="seconds") if moment else text
        day = parse_day(text)
        return day.isoformat() if day else text

    def set_value(self, value: Any) -> None:
        if value == self.value():
            return
        text = ""
        if isinstance(value, str):
            text = moment_text(value) if self.moment else day_text(value)
        self.edit.setText(text)

    def focus_target(self) -> QWidget:
        return self.edit


class ChoiceEditor(FieldEditor):
    """One choice: radio buttons for a few, a drop-down list for more."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo: QComboBox | None = None
        self.group: QButtonGroup | None = None
        self.buttons: list[QRadioButton] = []
        if len(fld.choices) <= RADIO_CHOICES:
            self.group = QButtonGroup(self)
            for choice in fld.choices:
                button = QRadioButton(choice.label.replace("&", "&&"), self)
                button.setProperty("choice", choice.value)
                self.group.addButton(button)
                self.buttons.append(button)
                layout.addWidget(button)
            self.group.buttonToggled.connect(self._emit)
        else:
            self.combo = QComboBox(self)
            self.combo.setAccessibleName(fld.label)
            self.combo.addItem("Vælg …", None)
            for choice in fld.choices:
                self.combo.addItem(choice.label, choice.value)
            self.combo.currentIndexChanged.connect(self._emit)
            layout.addWidget(self.combo, 0, Qt.AlignmentFlag.AlignLeft)

    def value(self) -> Any:
        if self.combo is not None:
            return self.combo.currentData()
        checked = self.group.checkedButton() if self.group else None
        return checked.property("choice") if checked is not None else None

    def set_value(self, value: Any) -> None:
        if value == self.value():
            return
        if self.combo is not None:
            index = self.combo.findData(value) if value is not None else 0
            self.combo.setCurrentIndex(max(index, 0))
            return
        _check_exclusive(self.group, self.buttons, lambda b: b.property("choice") == value)

    def focus_target(self) -> QWidget:
        if self.combo is not None:
            return self.combo
        checked = self.group.checkedButton() if self.group else None
        return checked or self.buttons[0]


def _check_exclusive(
    group: QButtonGroup | None,
    buttons: Sequence[QAbstractButton],
    which: Callable[[QAbstractButton], bool],
) -> None:
    """Check the button ``which`` picks, or none (an exclusive group cannot uncheck itself)."""
    if group is None:
        return
    group.setExclusive(False)
    for button in buttons:
        button.setChecked(which(button))
    group.setExclusive(True)


class MultiChoiceEditor(FieldEditor):
    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QCheckBox] = []
        for choice in fld.choices:
            box = QCheckBox(choice.label.replace("&", "&&"), self)
            box.setProperty("choice", choice.value)
            box.toggled.connect(self._emit)
            self.boxes.append(box)
            layout.addWidget(box)

    def value(self) -> Any:
        picked = [str(b.property("choice")) for b in self.boxes if b.isChecked()]
        return picked or None

    def set_value(self, value: Any) -> None:
        picked = set(value) if isinstance(value, list) else set()
        for box in self.boxes:
            box.setChecked(box.property("choice") in picked)

    def focus_target(self) -> QWidget:
        return self.boxes[0] if self.boxes else self


class YesNoEditor(FieldEditor):
    """Ja/nej, with the reason ("hvorfor ikke") shown when the answer asks for one."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        self.yes = QRadioButton("Ja", self)
        self.no = QRadioButton("Nej", self)
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        self.group.buttonToggled.connect(self._toggled)
        row = QHBoxLayout()
        row.addWidget(self.yes)
        row.addWidget(self.no)
        row.addStretch(1)
        self.reason_label = QLabel(self.reason_text(fld), self)
        self.reason_label.setWordWrap(True)
        self.reason = QPlainTextEdit(self)
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(self.reason_text(fld))
        _fit_lines(self.reason, REASON_LINES)
        self.reason.textChanged.connect(self._emit)
        self.reason_label.setBuddy(self.reason)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason)
        self._show_reason()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FontChange:
            _fit_lines(self.reason, REASON_LINES)
        super().changeEvent(event)

    @staticmethod
    def reason_text(fld: Field) -> str:
        if fld.reason_label:
            return fld.reason_label
        return "Hvorfor ikke?" if fld.reason_when == YesNo.NO else "Begrundelse"

    def _answer(self) -> bool | None:
        if self.yes.isChecked():
            return True
        return False if self.no.isChecked() else None

    def asks_reason(self) -> bool:
        answer, when = self._answer(), self.field.reason_when
        return when is not None and answer is not None and answer == (when == YesNo.YES)

    def _show_reason(self) -> None:
        asks = self.asks_reason()
        self.reason_label.setVisible(asks)
        self.reason.setVisible(asks)

    def _toggled(self, _button: QAbstractButton, on: bool) -> None:
        if on:
            self._show_reason()
            self.changed.emit()

    def value(self) -> Any:
        answer = self._answer()
        if answer is None:
            return None
        if self.asks_reason():
            return {"value": answer, "reason": self.reason.toPlainText()}
        return {"value": answer}

    def set_value(self, value: Any) -> None:
        if value == self.value():
            return
        answer = value.get("value") if isinstance(value, Mapping) else None
        _check_exclusive(
            self.group,
            (self.yes, self.no),
            lambda b: answer is (b is self.yes) and answer is not None,
        )
        reason = value.get("reason") if isinstance(value, Mapping) else None
        self.reason.setPlainText(reason if isinstance(reason, str) else "")
        self._show_reason()

    def focus_target(self) -> QWidget:
        return self.no if self.no.isChecked() else self.yes


class PersonEditor(FieldEditor):
    """A party of the case picked from a list, or a name typed; several when ``multiple``."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        self.parties = self._fitting(ctx.parties)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo: QComboBox | None = None
        self.boxes: list[QCheckBox] = []
        self.others: QLineEdit | None = None
        if fld.multiple:
            self._add_boxes()
        else:
            self.combo = QComboBox(self)
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.setAccessibleName(fld.label)
            self._fill_combo()
            edit = self.combo.lineEdit()
            if edit is not None:
                edit.setPlaceholderText("Vælg en part, eller skriv et navn")
            self.combo.currentTextChanged.connect(self._emit)
            self.combo.setMinimumContentsLength(28)
            layout.addWidget(self.combo, 0, Qt.AlignmentFlag.AlignLeft)

    def _fitting(self, parties: Sequence[Party]) -> list[Party]:
        roles = self.field.roles
        return [p for p in parties if not roles or p.role in roles]

    def _fill_combo(self) -> None:
        assert self.combo is not None
        self.combo.addItem("", None)
        for party in self.parties:
            self.combo.addItem(party.text, party.person_id)

    def _add_boxes(self) -> None:
        """A box per party, then "Andre" (made after them: the Tab order is creation order)."""
        layout = self._layout
        for party in self.parties:
            box = QCheckBox(party.text.replace("&", "&&"), self)
            box.setProperty("person_id", party.person_id)
            box.toggled.connect(self._emit)
            self.boxes.append(box)
            layout.addWidget(box)
        self.others = QLineEdit(self)
        self.others.setAccessibleName(f"{self.field.label}: andre")
        self.others.setPlaceholderText("Andre: navne adskilt med komma")
        self.others.textChanged.connect(self._emit)
        layout.addWidget(self.others)

    def set_parties(self, parties: Sequence[Party]) -> None:
        """The case's parties changed (one added in "Personer" while the form is open): the
        list offers them now; what is picked or typed stays."""
        fitting = self._fitting(parties)
        if fitting == self.parties:
            return
        value = self.value()
        self.blockSignals(True)
        try:
            if self.combo is not None:
                text = self.combo.currentText()
                self.combo.clear()
                self.parties = fitting
                self._fill_combo()
                self.combo.setEditText(text)
                return
            had_focus = self.others is not None and self.others.hasFocus()
            for widget in [*self.boxes, self.others]:
                if widget is not None:
                    self._layout.removeWidget(widget)
                    widget.hide()
                    widget.deleteLater()
            self.boxes, self.others = [], None
            self.parties = fitting
            self._add_boxes()
            self.set_value(value)
            if had_focus and self.others is not None:
                self.others.setFocus()
        finally:
            self.blockSignals(False)

    def _party(self, text: str) -> Party | None:
        text = text.strip()
        return next((p for p in self.parties if text in (p.text, p.name)), None)

    def value(self) -> Any:
        if self.combo is not None:
            text = self.combo.currentText().strip()
            if not text:
                return None
            party = self._party(text)
            if party is not None:
                return {"person_id": party.person_id, "name": party.name}
            return {"person_id": None, "name": text}
        people: list[dict[str, Any]] = [
            {"person_id": p.person_id, "name": p.name}
            for p, box in zip(self.parties, self.boxes, strict=True)
            if box.isChecked()
        ]
        assert self.others is not None
        people += [
            {"person_id": None, "name": n.strip()}
            for n in self.others.text().split(",")
            if n.strip()
        ]
        return people or None

    def set_value(self, value: Any) -> None:
        if value == self.value():
            return
        people = [p for p in (value if isinstance(value, list) else [value]) if isinstance(p, dict)]
        if self.combo is not None:
            person = people[0] if people else {}
            party = next((p for p in self.parties if p.person_id == person.get("person_id")), None)
            self.combo.setEditText(party.text if party else str(person.get("name") or ""))
            return
        ids = {p.get("person_id") for p in people if p.get("person_id")}
        for party, box in zip(self.parties, self.boxes, strict=True):
            box.setChecked(party.person_id in ids)
        known = {p.person_id for p in self.parties}
        names = [str(p.get("name") or "") for p in people if p.get("person_id") not in known]
        assert self.others is not None
        self.others.setText(", ".join(n for n in names if n))

    def focus_target(self) -> QWidget:
        if self.combo is not None:
            return self.combo
        return self.boxes[0] if self.boxes else (self.others or self)


class ScaleEditor(FieldEditor):
    """A number on a scale (0–10), one radio button per number, the end labels at its ends."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        if fld.low_label:
            low = QLabel(fld.low_label, self)
            low.setObjectName("low_label")
            layout.addWidget(low)
        for number in range(fld.minimum, fld.maximum + 1):
            button = QRadioButton(str(number), self)
            button.setAccessibleName(f"{fld.label}: {number}")
            self.group.addButton(button, number)
            self.buttons.append(button)
            layout.addWidget(button)
        if fld.high_label:
            high = QLabel(fld.high_label, self)
            high.setObjectName("high_label")
            layout.addWidget(high)
        layout.addStretch(1)
        self.group.buttonToggled.connect(self._emit)

    def value(self) -> Any:
        checked = self.group.checkedId()
        return checked if self.group.checkedButton() is not None else None

    def set_value(self, value: Any) -> None:
        if value != self.value():
            _check_exclusive(self.group, self.buttons, lambda b: self.group.id(b) == value)

    def focus_target(self) -> QWidget:
        return self.group.checkedButton() or self.buttons[0]


class DimensionEditor(FieldEditor):
    """One ICS dimension from a list grouped by the triangle's sides (a side is a heading)."""

    def __init__(self, fld: Field, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(fld, ctx, parent)
        self.combo = QComboBox(self)
        self.combo.setAccessibleName(fld.label)
        model = QStandardItemModel(self.combo)
        model.appendRow(QStandardItem("Vælg dimension …"))
        for side in ctx.ics.sides:
            if fld.sides and side.id not in fld.sides:
                continue
            heading = QStandardItem(side.label)
            heading.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
            font = QFont(self.combo.font())
            font.setBold(True)
            heading.setFont(font)
            model.appendRow(heading)
            for dimension in side.dimensions:
                item = QStandardItem(f"    {dimension.label}")
                item.setData(dimension.id, Qt.ItemDataRole.UserRole)
                item.setToolTip(side.label)
                model.appendRow(item)
        self.combo.setModel(model)
        self.combo.currentIndexChanged.connect(self._emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        self.setFocusProxy(self.combo)

    def value(self) -> Any:
        return self.combo.currentData(Qt.ItemDataRole.UserRole)

    def set_value(self, value: Any) -> None:
        if value == self.value():
            return
        index = self.combo.findData(value, Qt.ItemDataRole.UserRole) if value else 0
        self.combo.setCurrentIndex(max(index, 0))

    def focus_target(self) -> QWidget:
        return self.combo
