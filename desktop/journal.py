"""The journal of one case (journalnotater): a list of notes and an editor whose draft is saved a
few seconds after the last keystroke, on focus-out, on hide/close and on ``flush()``, so a crash,
a flat battery or auto-lock loses at most the last few seconds of typing. All writes go through
``models.services``; a refused save keeps the text in the editor and says why in Danish."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.ops import Writes
from desktop.widgets import ErrorLabel, ask_to_confirm
from models import services
from models.changes import ChangeSet
from models.errors import FeltmappeError
from models.schema import Case, JournalNote, new_id
from models.vault import Vault
from models.vocabulary import NOTE_KIND_LABELS, NoteKind
from sync.client import state as sync_state

SessionFactory = Callable[[], AbstractContextManager[Session]]

NOTE_ROLE = Qt.ItemDataRole.UserRole + 1
CONFIRM_FINALISE = "Når notatet er afsluttet, kan det ikke ændres. Afslut?"
NOT_SAVED = "Ikke gemt endnu"
SAVING = "Gemmer …"
UNTITLED = "(uden overskrift)"


def _local(value: datetime) -> datetime:
    """Stored datetimes are UTC; the caseworker reads local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def format_datetime(value: datetime) -> str:
    d = _local(value)  # (no strftime: the list formats 500 of these when it opens)
    return f"{d.day:02d}.{d.month:02d}.{d.year} {d.hour:02d}:{d.minute:02d}"


def saved_text(value: datetime, now: datetime | None = None) -> str:
    """ "Gemt kl. 14:03:27" today, with the date when the draft was last saved on another day."""
    local = _local(value)
    today = _local(now or datetime.now(UTC)).date()
    if local.date() == today:
        return f"Gemt kl. {local:%H:%M:%S}"
    return f"Gemt {local:%d.%m.%Y} kl. {local:%H:%M:%S}"


@dataclass(frozen=True)
class _Unsaved:
    """What a refused save was writing, to put back into the editor."""

    note_id: str
    is_new: bool
    title: str
    body: str
    kind: NoteKind


@dataclass(frozen=True)
class NoteView:
    """What the journal shows of one note, copied out of the session."""

    note_id: str
    title: str
    body: str
    written_at: datetime
    updated_at: datetime
    finalised_at: datetime | None
    corrects_id: str | None
    corrects_title: str
    corrected: bool
    kind: NoteKind = NoteKind.NOTAT
    author: str = ""  # the author's name (or username when the name is not known)

    @property
    def finalised(self) -> bool:
        return self.finalised_at is not None

    @property
    def state(self) -> str:
        state = "Afsluttet" if self.finalised else "Kladde"
        if self.corrects_id:
            state += f" · Rettelse til »{self.corrects_title or UNTITLED}«"
        if self.corrected:
            state += " · rettet senere"
        return state

    @property
    def list_text(self) -> str:
        """Two lines: the title (one line, elided by the list), then type, time, author, state."""
        who = f" · {self.author}" if self.author else ""
        title = " ".join(self.title.split()) or UNTITLED  # a synced title may hold line breaks
        return (
            f"{title}\n{NOTE_KIND_LABELS[self.kind]} · "
            f"{format_datetime(self.written_at)}{who} · {self.state}"
        )

    @property
    def search_text(self) -> str:
        """What the search looks in, case-folded (so "FRAVÆR" finds "fravær")."""
        return " ".join(
            (self.title, self.body, NOTE_KIND_LABELS[self.kind], self.author)
        ).casefold()

    def matches(self, words: list[str]) -> bool:
        """Every word is in the title, the text, the type or the author (case-blind)."""
        hay = self.search_text
        return all(word in hay for word in words)


def load_notes(
    sessions: SessionFactory, case_id: str, names: dict[str, str] | None = None
) -> list[NoteView]:
    """The case's notes, newest first. Authors by name: the vault's users, then ``names``
    (usernames → names the store sent, and this laptop's own); else the username."""
    with sessions() as session:
        rows = services.note_rows(session, case_id)
        known = services.user_names(session)
    known.update(names or {})
    titles = {r.note_id: r.title for r in rows}
    corrected = {r.corrects_id for r in rows if r.corrects_id}
    views = [
        NoteView(
            note_id=r.note_id,
            title=r.title,
            body=r.body,
            written_at=r.written_at,
            updated_at=r.updated_at,
            finalised_at=r.finalised_at,
            corrects_id=r.corrects_id,
            corrects_title=titles.get(r.corrects_id or "", ""),
            corrected=r.note_id in corrected,
            kind=NoteKind(r.kind) if r.kind else NoteKind.NOTAT,
            author=known.get(r.author, r.author),
        )
        for r in reversed(rows)
    ]
    return views


class JournalWidget(QWidget):
    """Journal notes of one case. ``vault`` may be a ``Vault`` or any callable that returns a
    session context (``vault.session``); the widget never keeps a session open between saves."""

    #: Emitted with the note id after every successful save (for the lead's status bar, tests).
    saved = Signal(str)

    def __init__(
        self,
        vault: Vault | SessionFactory,
        case_id: str,
        *,
        autosave_ms: int = 3000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._writes = Writes(vault, self)  # saves run on the vault's writer thread
        # The list is read with sessions that never wait for the writer (a sync's page).
        self._reads: SessionFactory = vault.reading if isinstance(vault, Vault) else vault
        self._names: Callable[[], dict[str, str]] = (
            (lambda: sync_state.display_names(vault)) if isinstance(vault, Vault) else dict
        )
        self._user = (vault.user or "") if isinstance(vault, Vault) else ""
        self.case_id = case_id
        self._note_id: str | None = None  # the note in the editor; None: a new, unsaved draft
        self._finalised = False
        self._dirty = False
        self._loading = False
        self._notes: list[NoteView] = []
        self._by_id: dict[str, NoteView] = {}
        self._hay: dict[str, str] = {}  # note id → its search text, made at the first search
        self._known: dict[str, str] = {}  # usernames → names, as last read
        self._confirm: QMessageBox | None = None

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(autosave_ms)
        self._timer.timeout.connect(self.save)

        self.notes = QListWidget(self)
        self.notes.setObjectName("notes")
        self.notes.setAccessibleName("Journalnotater")
        self.notes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.notes.setAlternatingRowColors(True)
        # Every row is two lines (a long title is elided; its tooltip has it whole): with
        # uniform sizes the list lays out 500 notes without measuring each one.
        self.notes.setWordWrap(False)
        self.notes.setUniformItemSizes(True)
        self.notes.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.notes.setSpacing(2)
        self.notes.itemClicked.connect(self._on_item_clicked)
        self.notes.itemActivated.connect(self._on_item_clicked)  # Enter on the list
        self.search = QLineEdit(self)
        self.search.setObjectName("journal_search")
        self.search.setPlaceholderText("Søg i journalen (titel, tekst, type, forfatter)")
        self.search.setAccessibleName("Søg i journalen")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        self.kind = QComboBox(self)
        self.kind.setObjectName("kind")
        self.kind.setAccessibleName("Notattype")
        for code, label in NOTE_KIND_LABELS.items():
            self.kind.addItem(label, code)
        self.kind.currentIndexChanged.connect(self._on_edited)

        self.title = QLineEdit(self)
        self.title.setObjectName("title")
        self.title.setPlaceholderText("Overskrift")
        self.title.setAccessibleName("Overskrift")
        self.title.setMaxLength(300)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("body")
        self.body.setAccessibleName("Notat")
        self.body.setPlaceholderText("Skriv notatet her. Kladden gemmes automatisk.")
        self.title.textChanged.connect(self._on_edited)
        self.body.textChanged.connect(self._on_edited)
        for editor in (self.title, self.body):
            editor.installEventFilter(self)

        self.author = QLabel(self)
        self.author.setObjectName("author")
        self.author.setTextFormat(Qt.TextFormat.PlainText)
        self.status = QLabel(NOT_SAVED, self)
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.error = ErrorLabel(self)

        self.new_button = QPushButton("Nyt notat", self)
        self.new_button.setObjectName("new")
        self.new_button.clicked.connect(self.new_note)
        self.finalise_button = QPushButton("Afslut notat", self)
        self.finalise_button.setObjectName("finalise")
        self.finalise_button.clicked.connect(self.ask_finalise)
        self.correct_button = QPushButton("Ret notat", self)
        self.correct_button.setObjectName("correct")
        self.correct_button.clicked.connect(self.correct)

        heading = QLabel("Journal", self)
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading)
        left_layout.addWidget(self._label("&Søg", self.search))
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.notes, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.correct_button)
        buttons.addWidget(self.finalise_button)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        title_column = QVBoxLayout()
        title_column.addWidget(self._label("O&verskrift", self.title))
        title_column.addWidget(self.title)
        kind_column = QVBoxLayout()
        kind_column.addWidget(self._label("T&ype", self.kind))
        kind_column.addWidget(self.kind)
        top.addLayout(title_column, 3)
        top.addLayout(kind_column, 1)
        right_layout.addLayout(top)
        right_layout.addWidget(self._label("&Notat", self.body))
        right_layout.addWidget(self.body, 1)
        state = QHBoxLayout()
        state.addWidget(self.author)
        state.addStretch(1)
        state.addWidget(self.status)
        right_layout.addLayout(state)
        right_layout.addWidget(self.error)
        right_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        # The list is read when the journal is first shown (a case opens on its overview).
        self._stale = True
        self._update_buttons()
        self._show_author(None)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)  # Alt+V / Alt+Y / Alt+N jump to the field
        return label

    # -- state the user sees --------------------------------------------------------------

    @property
    def note_id(self) -> str | None:
        return self._note_id

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _filter(self, text: str = "") -> None:
        words = (text or self.search.text()).casefold().split()
        if not words and not self._hay:
            return  # nothing was ever hidden
        if words and not self._hay:
            self._hay = {v.note_id: v.search_text for v in self._notes}
        hay = self._hay
        for row in range(self.notes.count()):
            item = self.notes.item(row)
            found = hay.get(str(item.data(NOTE_ROLE)), "")
            item.setHidden(not all(word in found for word in words))

    def on_changes(self, changes: ChangeSet) -> None:
        """Notes of this case changed elsewhere (a sync, another window): the list follows,
        keeping selection and scroll. The note in the editor takes the new version only when
        nothing typed is waiting; typed text is never overwritten."""
        ours = changes.touches_case(self.case_id) and changes.touches("journal_note")
        if not (ours or changes.touches("user")):  # a user row: a colleague's name
            return
        if not self.isVisible():
            self._stale = True  # read again when shown
            return
        if self._dirty:
            self.refresh()
            return
        self.refresh()
        view = self._view(self._note_id)
        if view is not None and (view.title, view.body, view.kind) != (
            self.title.text(),
            self.body.toPlainText(),
            self.kind.currentData(),
        ):
            self._show(view)

    def refresh(self) -> None:
        """Reload the list, keeping the note in the editor selected and the scroll position.
        When the same notes are listed in the same order, only changed texts are set."""
        self._stale = False
        try:
            names = self._names()
            self._notes = load_notes(self._reads, self.case_id, names)
        except FeltmappeError as err:
            self.error.show_error(err)
            return
        self._known = names
        self._by_id = {v.note_id: v for v in self._notes}
        self._hay = {}
        notes = self.notes
        same = notes.count() == len(self._notes) and all(
            notes.item(row).data(NOTE_ROLE) == view.note_id for row, view in enumerate(self._notes)
        )
        if same:
            for row, view in enumerate(self._notes):
                item = notes.item(row)
                if item.text() != view.list_text:
                    item.setText(view.list_text)
                    item.setToolTip(self._tooltip(view))
        else:
            # The note at the top of the view stays there (a note arriving above it included).
            edge = notes.spacing() + 1  # (inside the first row, not in the gap above it)
            top = notes.itemAt(QPoint(edge, edge))
            top_id = top.data(NOTE_ROLE) if top is not None else None
            notes.setUpdatesEnabled(False)
            try:
                notes.clear()
                for view in self._notes:
                    item = QListWidgetItem(view.list_text, notes)
                    item.setData(NOTE_ROLE, view.note_id)
                    item.setToolTip(self._tooltip(view))
                    if view.note_id == self._note_id:
                        item.setSelected(True)
                        notes.setCurrentItem(item)
            finally:
                notes.setUpdatesEnabled(True)
            if top_id is not None:
                notes.doItemsLayout()  # (the list lays out later; the scroll range is needed now)
                for row, view in enumerate(self._notes):
                    if view.note_id == top_id:
                        notes.scrollToItem(
                            notes.item(row), QAbstractItemView.ScrollHint.PositionAtTop
                        )
                        break
        self._filter()
        if self._note_id is None or self._note_id in self._by_id:
            self._show_author(self._by_id.get(self._note_id or ""))

    @staticmethod
    def _tooltip(view: NoteView) -> str:
        return f"{view.title or UNTITLED}\n{view.state}"

    def _view(self, note_id: str | None) -> NoteView | None:
        return self._by_id.get(note_id or "")

    def _show_author(self, view: NoteView | None) -> None:
        """Who wrote the note in the editor (a new note: this laptop's user)."""
        name = view.author if view is not None else self._known.get(self._user, self._user)
        self.author.setText(f"Skrevet af: {name}" if name else "")

    def _update_buttons(self) -> None:
        read_only = self._finalised
        self.title.setReadOnly(read_only)
        self.body.setReadOnly(read_only)
        self.kind.setEnabled(not read_only)
        self.finalise_button.setEnabled(not read_only)
        self.correct_button.setEnabled(read_only)

    def _show(self, view: NoteView | None) -> None:
        """Put a note (or an empty new draft) in the editor without marking it changed."""
        self._timer.stop()
        self._loading = True
        try:
            self.title.setText(view.title if view else "")
            self.body.setPlainText(view.body if view else "")
            kind = view.kind if view else NoteKind.NOTAT
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        finally:
            self._loading = False
        self._note_id = view.note_id if view else None
        self._finalised = bool(view and view.finalised)
        self._dirty = False
        self.error.clear_error()
        self._show_author(view)
        if view is None:
            self.status.setText(NOT_SAVED)
        elif view.finalised_at is not None:
            self.status.setText(f"Afsluttet {format_datetime(view.finalised_at)}")
        else:
            self.status.setText(saved_text(view.updated_at))
        self._update_buttons()

    # -- saving ---------------------------------------------------------------------------

    def _on_edited(self) -> None:
        if self._loading or self._finalised:
            return
        self._dirty = True
        self.status.setText(SAVING)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FocusOut and watched in (self.title, self.body):
            self.save()
        return super().eventFilter(watched, event)

    def flush(self) -> bool:
        """Save now (before locking or closing). False when the save was refused; the text is
        then still in the editor and the reason is shown."""
        return self.save()

    def save(self) -> bool:
        """Hand the draft to the writer if it changed (an empty new draft is not saved). The
        answer comes later (``_saved`` / ``_not_saved``); False only when the editor cannot be
        saved at all (the vault is locked), the text then stays in the editor."""
        self._timer.stop()
        if not self._dirty or self._finalised:
            return True
        title, body = self.title.text(), self.body.toPlainText()
        kind = NoteKind(self.kind.currentData() or NoteKind.NOTAT)
        if self._note_id is None and not title.strip() and not body.strip():
            self._dirty = False
            self.status.setText(NOT_SAVED)
            return True
        is_new = self._note_id is None
        note_id = self._note_id or new_id()  # known now: later saves edit the same note
        self._note_id = note_id
        self._dirty = False
        refused: list[FeltmappeError] = []

        def write(session: Session) -> datetime:
            if is_new:
                case = services.get(session, Case, self.case_id)
                note = services.add_note(session, case, title, body, kind=kind, note_id=note_id)
            else:
                note = services.get(session, JournalNote, note_id)
                services.edit_draft(session, note, title=title, body=body, kind=kind)
            return note.updated_at

        def failed(err: FeltmappeError) -> None:
            refused.append(err)
            self._not_saved(_Unsaved(note_id, is_new, title, body, kind), err)

        self._writes.run(write, lambda saved_at: self._saved(note_id, saved_at), failed)
        return not refused

    def _saved(self, note_id: str, saved_at: datetime) -> None:
        if note_id == self._note_id and not self._dirty:
            self.error.clear_error()
            self.status.setText(saved_text(saved_at))
        self.refresh()
        self.saved.emit(note_id)

    def _not_saved(self, unsaved: _Unsaved, err: FeltmappeError) -> None:
        """A save was refused (disk full, the note finalised on another laptop …): the text
        comes back into the editor, marked unsaved, with the reason; nothing typed is lost."""
        if unsaved.note_id != self._note_id:
            self.save()  # what is in the editor now is kept too
            view = None if unsaved.is_new else self._view(unsaved.note_id)
            self._show(view)
            self._loading = True
            try:
                self.title.setText(unsaved.title)
                self.body.setPlainText(unsaved.body)
                self.kind.setCurrentIndex(max(0, self.kind.findData(unsaved.kind)))
            finally:
                self._loading = False
        if unsaved.is_new and unsaved.note_id == self._note_id:
            self._note_id = None  # the note was never created: the next save creates it
        self._dirty = True
        self.error.show_error(err, prefix="Notatet er ikke gemt. ")
        self.status.setText(NOT_SAVED)

    # -- actions --------------------------------------------------------------------------

    def new_note(self) -> None:
        if not self.save():
            return
        self._show(None)
        self.notes.clearSelection()
        self.title.setFocus()

    def open_note(self, note_id: str) -> bool:
        """Show a note of the list in the editor (after saving the current draft)."""
        if note_id == self._note_id:
            return True
        if not self.save():
            self._select(self._note_id)
            return False
        self.refresh()
        view = self._view(note_id)
        if view is None:
            return False
        self._show(view)
        self._select(note_id)
        return True

    def _select(self, note_id: str | None) -> None:
        self.notes.clearSelection()
        for row in range(self.notes.count()):
            item = self.notes.item(row)
            if item.data(NOTE_ROLE) == note_id:
                item.setSelected(True)
                self.notes.setCurrentItem(item)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.open_note(str(item.data(NOTE_ROLE)))

    def ask_finalise(self) -> None:
        """Save, then ask before making the note a record (non-blocking, window-modal)."""
        if self._finalised or not self.save():
            return
        if self._note_id is None:
            self.error.show_text("Skriv notatet, før det afsluttes.")
            return
        self._confirm = ask_to_confirm(
            self,
            "Afslut notat",
            CONFIRM_FINALISE,
            "Afslut notat",
            name="confirm_finalise",
            on_answer=self._on_confirmed,
        )

    def _on_confirmed(self, yes: bool) -> None:
        self._confirm = None
        if yes:
            self.finalise()

    def finalise(self) -> bool:
        """Finalise the note in the editor (no question asked; ``ask_finalise`` asks). The
        draft is saved first; the writer runs the two in that order."""
        if self._finalised or not self.save() or self._note_id is None:
            return False
        note_id = self._note_id

        def write(session: Session) -> None:
            services.finalise_note(session, services.get(session, JournalNote, note_id))

        def done(_: None) -> None:
            self.refresh()
            if self._note_id == note_id and not self._dirty:
                self._show(self._view(note_id))

        def failed(err: FeltmappeError) -> None:
            self._update_buttons()
            self.error.show_error(err, prefix="Notatet kan ikke afsluttes. ")

        # Nothing more is typed into a note on its way to becoming a record.
        self.title.setReadOnly(True)
        self.body.setReadOnly(True)
        self.kind.setEnabled(False)
        self._writes.run(write, done, failed)
        return True

    def correct(self) -> bool:
        """Start a correction of the finalised note in the editor: a new draft linked to it."""
        if not self._finalised or self._note_id is None:
            return False
        original = self._view(self._note_id)
        title = f"Rettelse til: {original.title if original else ''}".strip()
        note_id = self._note_id

        def write(session: Session) -> str:
            note = services.get(session, JournalNote, note_id)
            return services.correct_note(session, note, title, "").id

        def done(correction_id: str) -> None:
            self.refresh()
            if self._note_id == note_id and not self._dirty:
                self._show(self._view(correction_id))
                self._select(correction_id)
                self.body.setFocus()

        def failed(err: FeltmappeError) -> None:
            self.error.show_error(err, prefix="Rettelsen kan ikke oprettes. ")

        self._writes.run(write, done, failed)
        return True

    # -- leaving --------------------------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt name)
        self.save()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        self.save()
        super().closeEvent(event)
