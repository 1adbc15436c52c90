"""Acting on a deadline, from "I dag" and the case overview: mark it met by pointing at what met
it (a journal note or a held meeting), except it with a required reason, acknowledge it, or
undo any of these. Each is a synced ``DeadlineAck`` with author and time (written through
``models.deadlines.service``); the screens refresh through the change broadcast."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ops import Writes
from desktop.widgets import ErrorLabel, show_error
from models.deadlines.calendar import DK
from models.deadlines.service import (
    MetByCandidate,
    acknowledge,
    acks_for,
    except_deadline,
    meet_deadline,
    met_by_candidates,
    withdraw_ack,
)
from models.deadlines.types import Deadline
from models.errors import FeltmappeError
from models.vault import Vault
from models.vocabulary import DEADLINE_ACK_KIND_LABELS, MET_BY_LABELS, DeadlineAckKind

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
NO_CANDIDATES = (
    "Sagen har endnu ingen journalnotater eller afholdte møder. Skriv notatet i sagens journal "
    "først, og markér så fristen som opfyldt."
)


def _moment(candidate: MetByCandidate) -> str:
    if candidate.moment is None:
        return ""
    return f"{candidate.moment.astimezone(DK):%d.%m.%Y kl. %H.%M}"


class _DeadlineDialog(QDialog):
    """A small window-modal dialog about one deadline; ``done_ok`` after the write."""

    def __init__(self, vault: Vault, deadline: Deadline, title: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self._writes = Writes(vault, self)
        self.deadline = deadline
        heading = QLabel(deadline.title, self)
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.error = ErrorLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addWidget(heading)

    def finish_layout(self, ok_text: str) -> None:
        self.body.addWidget(self.error)
        self.body.addWidget(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(ok_text)

    def write(self, op: Callable[..., object]) -> None:
        """Hand the change to the vault's writer; the dialog closes when it is written, or
        shows why not (what was typed stays)."""
        d = self.deadline
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._writes.run(
            lambda s: op(s, d.case_id, d.rule, d.subject_id),
            lambda _: self.accept(),
            self.error.show_error,
            busy=[ok],
        )

    def _save(self) -> None:
        raise NotImplementedError


class MeetDialog(_DeadlineDialog):
    """ "Opfyldt ved …": choose the note or meeting that met the deadline."""

    def __init__(self, vault: Vault, deadline: Deadline, parent: QWidget | None = None):
        super().__init__(vault, deadline, "Markér fristen som opfyldt", parent)
        with vault.reading() as s:
            candidates = met_by_candidates(s, deadline.case_id)
        label = QLabel("&Opfyldt ved:", self)
        self.choices = QListWidget(self)
        self.choices.setObjectName("met_by")
        label.setBuddy(self.choices)
        for c in candidates:
            item = QListWidgetItem(f"{_moment(c)} · {c.what} · {c.title}".strip(" ·"))
            item.setData(ROW_ROLE, c)
            self.choices.addItem(item)
        if candidates:
            self.choices.setCurrentRow(0)
        self.comment = QLineEdit(self)
        self.comment.setObjectName("comment")
        self.comment.setPlaceholderText("Bemærkning (valgfri)")
        self.body.addWidget(label)
        self.body.addWidget(self.choices)
        if not candidates:
            self.error.show_text(NO_CANDIDATES)
        self.body.addWidget(self.comment)
        self.finish_layout("Markér som opfyldt")
        self.resize(520, 360)

    def _save(self) -> None:
        item = self.choices.currentItem()
        chosen = item.data(ROW_ROLE) if item is not None else None
        if not isinstance(chosen, MetByCandidate):
            self.error.show_text(NO_CANDIDATES if not self.choices.count() else "Vælg et notat.")
            return
        note = self.comment.text()
        self.write(
            lambda s, case, rule, subject: meet_deadline(
                s, case, rule, subject, chosen.table, chosen.row_id, note=note
            )
        )


class ExceptDialog(_DeadlineDialog):
    """ "Undtag": the deadline does not apply, with the documented reason (required)."""

    def __init__(self, vault: Vault, deadline: Deadline, parent: QWidget | None = None):
        super().__init__(vault, deadline, "Undtag fristen", parent)
        label = QLabel("&Begrundelse (skal udfyldes):", self)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setTabChangesFocus(True)
        label.setBuddy(self.reason)
        self.body.addWidget(label)
        self.body.addWidget(self.reason)
        self.finish_layout("Undtag fristen")
        self.resize(480, 260)

    def _save(self) -> None:
        reason = self.reason.toPlainText()
        self.write(lambda s, case, rule, subject: except_deadline(s, case, rule, subject, reason))


class WithdrawDialog(_DeadlineDialog):
    """ "Fortryd": take back an acknowledgement, exception or "opfyldt" mark."""

    def __init__(self, vault: Vault, deadline: Deadline, parent: QWidget | None = None):
        super().__init__(vault, deadline, "Fortryd markering af fristen", parent)
        with vault.reading() as s:
            acks = acks_for(s, deadline.case_id, deadline.rule, deadline.subject_id)
            rows = [
                (a.id, self._describe(a.kind, a.met_by_table, a.reason, a.updated_by)) for a in acks
            ]
        self.choices = QListWidget(self)
        self.choices.setObjectName("acks")
        for ack_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(ROW_ROLE, ack_id)
            self.choices.addItem(item)
        if rows:
            self.choices.setCurrentRow(len(rows) - 1)
        else:
            self.error.show_text("Fristen er ikke markeret; der er intet at fortryde.")
        self.body.addWidget(QLabel("Markeringen der fortrydes:", self))
        self.body.addWidget(self.choices)
        self.finish_layout("Fortryd markeringen")
        self.resize(480, 260)

    @staticmethod
    def _describe(kind: DeadlineAckKind, table: str | None, reason: str, by: str) -> str:
        text = DEADLINE_ACK_KIND_LABELS[kind]
        if kind == DeadlineAckKind.OPFYLDT and table:
            text += f" ved {MET_BY_LABELS.get(table, table)}"
        if reason:
            text += f": {reason}"
        return f"{text} ({by})" if by else text

    def _save(self) -> None:
        item = self.choices.currentItem()
        ack_id = item.data(ROW_ROLE) if item is not None else None
        if not isinstance(ack_id, str):
            self.reject()
            return
        self.write(lambda s, *_: withdraw_ack(s, ack_id))


class DeadlineActions(QWidget):
    """A row of buttons acting on the deadline ``current()`` returns (None: all disabled)."""

    #: A dialog was opened (tests reach it through this).
    dialog_opened = Signal(object)

    def __init__(
        self, vault: Vault, current: Callable[[], Deadline | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self._writes = Writes(vault, self)
        self._current = current
        self.meet_button = QPushButton("Opfyldt v&ed…", self)
        self.meet_button.setToolTip("Markér fristen som opfyldt ved et notat eller et møde")
        self.except_button = QPushButton("&Undtag…", self)
        self.except_button.setToolTip("Fristen gælder ikke: angiv begrundelsen")
        self.ack_button = QPushButton("Kv&ittér", self)
        self.ack_button.setToolTip("Markér at du har set fristen")
        self.withdraw_button = QPushButton("Fo&rtryd…", self)
        self.withdraw_button.setToolTip("Fortryd en markering af fristen")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in (self.meet_button, self.except_button, self.ack_button):
            layout.addWidget(button)
        layout.addStretch(1)
        layout.addWidget(self.withdraw_button)
        self.meet_button.clicked.connect(lambda: self._open(MeetDialog))
        self.except_button.clicked.connect(lambda: self._open(ExceptDialog))
        self.withdraw_button.clicked.connect(lambda: self._open(WithdrawDialog))
        self.ack_button.clicked.connect(self._acknowledge)
        self.update_enabled()

    def update_enabled(self) -> None:
        deadline = self._current()
        is_open = deadline is not None and deadline.is_open
        self.meet_button.setEnabled(is_open)
        self.except_button.setEnabled(is_open)
        self.ack_button.setEnabled(is_open and deadline is not None and not deadline.acknowledged)
        self.withdraw_button.setEnabled(deadline is not None)

    def _open(self, kind: Callable[[Vault, Deadline, QWidget], _DeadlineDialog]) -> None:
        deadline = self._current()
        if deadline is None:
            return
        try:
            dialog = kind(self._vault, deadline, self.window())
        except FeltmappeError as err:
            show_error(self, err)
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _acknowledge(self) -> None:
        d = self._current()
        if d is None:
            return
        self._writes.run(
            lambda s: acknowledge(s, d.case_id, d.rule, d.subject_id),
            lambda _: self.update_enabled(),  # the change broadcast refreshes the lists
            lambda err: show_error(self, err),
            busy=[self.ack_button],
        )
