"""The one form renderer (DESIGN.md "Forms as data"): ``FormView`` draws any ``models.forms.Form``
with its answers: the sections as a list at the side with how complete each is, one page per
section with its fields (``desktop.form_fields``), ``show_if`` conditions, help texts and the
problems of the answers in Danish. It knows no particular form and writes nothing: the screen
around it (``desktop.case_forms``) saves, finalises and keeps drafts.

Keyboard: Tab follows the form (section list, then the page's fields in form order, then
"Næste afsnit"); every field label is its editor's buddy, and the labels of the page shown get
Alt letters that no other visible control of the window uses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from desktop.form_fields import (
    HELP_COLOR,
    REQUIRED_MARK,
    EditorContext,
    FieldEditor,
    Party,
    PersonEditor,
)
from desktop.form_rows import FieldRow, GroupEditor
from models.forms import (
    AnswerProblem,
    Form,
    Missing,
    Section,
    SectionProgress,
    section_progress,
    validate_answers,
    visible_fields,
)
from models.forms.messages import answer_text

#: The mark of a section whose required answers are all given.
COMPLETE_MARK = "✓"
REQUIRED_LEGEND = f"Felter med{REQUIRED_MARK} skal udfyldes, før skemaet kan afsluttes."
MISSING_TEXT = answer_text("validation.required")
SECTION_ROLE = Qt.ItemDataRole.UserRole + 1
NEXT_SECTION = "&Næste afsnit"
#: How wide (in characters) the section list may grow for its titles and counts: at 150 % the
#: undersøgelse's longest title with its count and mark stays on one line.
NAV_CHARS = 42


def progress_text(progress: SectionProgress) -> str:
    """ "Modtagelse  1/2", or with the complete mark: "Vurdering  5/5 ✓"."""
    text = progress.section.title
    if progress.required:
        text += f"  {progress.answered}/{progress.required}"
    if progress.complete and progress.required:
        text += f" {COMPLETE_MARK}"
    return text


def mnemonic_letter(text: str) -> str | None:
    """The Alt letter of a text with ``&`` (None without one)."""
    plain = text.replace("&&", "")
    index = plain.find("&")
    if index < 0 or index + 1 >= len(plain) or plain[index + 1].isspace():
        return None
    return plain[index + 1].casefold()


def pick_mnemonic(text: str, taken: set[str]) -> int | None:
    """Where the Alt letter of ``text`` goes: a word's first letter if free, else any free
    letter; None when every letter of the text is taken."""
    starts = [
        i for i, ch in enumerate(text) if ch.isalpha() and (i == 0 or not text[i - 1].isalpha())
    ]
    rest = [i for i, ch in enumerate(text) if ch.isalpha() and i not in starts]
    for index in starts + rest:
        if text[index].casefold() not in taken:
            return index
    return None


def window_mnemonics(top: QWidget, outside: QWidget | None = None) -> set[str]:
    """The Alt letters used by visible controls of ``top`` (not inside ``outside``)."""
    used: set[str] = set()
    texts: list[str] = []
    if isinstance(top, QMainWindow):
        texts += [a.text() for a in top.menuBar().actions()]
    for w in top.findChildren(QWidget):
        if not w.isVisible() or (outside is not None and outside.isAncestorOf(w)):
            continue
        if (isinstance(w, QLabel) and w.buddy() is not None) or isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QGroupBox) and w.isCheckable():
            texts.append(w.title())
        elif isinstance(w, QTabBar):
            texts += [w.tabText(i) for i in range(w.count())]
    for text in texts:
        letter = mnemonic_letter(text)
        if letter is not None:
            used.add(letter)
    return used


class SectionPage(QScrollArea):
    """One section: its title and help, then its fields (grouped by ICS dimension when the
    section goes through a side of the triangle), then "Næste afsnit"."""

    def __init__(self, section: Section, ctx: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields, not the page
        body = QWidget(self)
        body.setObjectName("section_body")
        layout = QVBoxLayout(body)
        title = QLabel(section.title, body)
        title.setObjectName("section_title")
        font = title.font()
        font.setBold(True)  # bold, never bigger: the text size is the user's (desktop.zoom)
        title.setFont(font)
        title.setWordWrap(True)
        layout.addWidget(title)
        if section.help:
            help_label = QLabel(section.help, body)
            help_label.setObjectName("section_help")
            help_label.setWordWrap(True)
            help_label.setTextFormat(Qt.TextFormat.PlainText)
            help_label.setStyleSheet(f"color: {HELP_COLOR};")
            layout.addWidget(help_label)
        self.rows: list[FieldRow] = []
        self.headings: dict[str, QLabel] = {}
        for fld in section.fields:
            if (
                fld.ics is not None
                and fld.ics not in self.headings
                and ctx.ics.has_dimension(fld.ics)
            ):
                heading = QLabel(ctx.ics.dimension(fld.ics).label, body)
                heading.setObjectName("dimension_heading")
                bold = heading.font()
                bold.setBold(True)
                heading.setFont(bold)
                heading.setContentsMargins(0, 10, 0, 0)
                self.headings[fld.ics] = heading
                layout.addWidget(heading)
            row = FieldRow(fld, ctx, body)
            self.rows.append(row)
            layout.addWidget(row)
        layout.addStretch(1)
        self.next_button = QPushButton(NEXT_SECTION, body)
        self.next_button.setObjectName("next_section")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        self.setWidget(body)

    def update_headings(self) -> None:
        for dimension, heading in self.headings.items():
            heading.setVisible(
                any(r.field.ics == dimension and not r.isHidden() for r in self.rows)
            )


class FormView(QWidget):
    """Draws ``form`` with ``answers``. ``parties`` (person ids) and ``now`` go to validation;
    ``changed`` is emitted after every change the user makes."""

    changed = Signal()
    #: The section shown changed (its id).
    section_shown = Signal(str)

    def __init__(
        self,
        form: Form,
        answers: Mapping[str, Any],
        ctx: EditorContext,
        *,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        self.ctx = ctx
        self._clock = clock or (lambda: datetime.now(UTC))
        self._quiet = 0
        self._show_missing = False
        self._read_only_sections: set[str] = set()
        self._extra: dict[str, Any] = {}

        self.nav = QListWidget(self)
        self.nav.setObjectName("sections")
        self.nav.setAccessibleName("Afsnit")
        self.nav.setWordWrap(True)
        self.nav.setTabKeyNavigation(False)
        self.pages = QStackedWidget(self)
        self.section_pages: list[SectionPage] = []
        self.rows: dict[str, FieldRow] = {}
        for section in form.sections:
            page = SectionPage(section, ctx, self.pages)
            page.next_button.clicked.connect(self.next_section)
            self.pages.addWidget(page)
            self.section_pages.append(page)
            item = QListWidgetItem(section.title)
            item.setData(SECTION_ROLE, section.id)
            self.nav.addItem(item)
            for row in page.rows:
                self.rows[row.field.id] = row
                row.editor.changed.connect(self._edited)
        self.nav.currentRowChanged.connect(self._nav_moved)
        self.legend = QLabel(REQUIRED_LEGEND, self)
        self.legend.setObjectName("required_legend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"color: {HELP_COLOR};")

        nav_box = QVBoxLayout()
        nav_label = QLabel("&Afsnit", self)
        nav_label.setBuddy(self.nav)
        nav_box.addWidget(nav_label)
        nav_box.addWidget(self.nav, 1)
        nav_box.addWidget(self.legend)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(nav_box, 0)
        layout.addWidget(self.pages, 1)
        #: Where Tab goes after the page's last field and "Næste afsnit" (the screen's buttons).
        self.after_page: list[QWidget] = []
        self._visible: tuple[frozenset[str], tuple[int, ...]] | None = None
        self._fit_nav()
        self.set_answers(answers)
        self.nav.setCurrentRow(0)
        # Problems of the field being typed into wait until the focus leaves it.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    # -- answers ------------------------------------------------------------------------------

    def answers(self) -> dict[str, Any]:
        """The answers as stored: every field with an answer, shown or hidden (a hidden answer
        is kept), and answers to fields the form no longer has, as they were."""
        out = dict(self._extra)
        for field_id, row in self.rows.items():
            value = row.editor.value()
            if value is not None:
                out[field_id] = value
        return out

    def set_answers(self, answers: Mapping[str, Any]) -> None:
        self._quiet += 1
        try:
            self._extra = {k: v for k, v in answers.items() if k not in self.rows}
            for field_id, row in self.rows.items():
                row.editor.set_value(answers.get(field_id))
                row.show_answer()
        finally:
            self._quiet -= 1
        self.refresh()

    def _edited(self) -> None:
        if self._quiet:
            return
        self.refresh()
        self.changed.emit()

    def _item_counts(self) -> tuple[int, ...]:
        return tuple(
            len(r.editor.items) for r in self.rows.values() if isinstance(r.editor, GroupEditor)
        )

    # -- state ---------------------------------------------------------------------------------

    def progress(self) -> list[SectionProgress]:
        return section_progress(
            self.form,
            self.answers(),
            parties=self._party_ids(),
            ics=self.ctx.ics,
            now=self._clock(),
        )

    def problems(self) -> list[AnswerProblem]:
        return validate_answers(
            self.form,
            self.answers(),
            parties=self._party_ids(),
            ics=self.ctx.ics,
            now=self._clock(),
        )

    def set_parties(self, parties: Sequence[Party]) -> None:
        """The case's parties now (a party added while the form is open): the person fields
        offer them, and validation knows them; the answers stay as they are."""
        parties = tuple(parties)
        if parties == self.ctx.parties:
            return
        self.ctx = replace(self.ctx, parties=parties)
        self._quiet += 1
        try:
            for editor in self.findChildren(FieldEditor):
                editor.ctx = self.ctx
                if isinstance(editor, PersonEditor):
                    editor.set_parties(parties)
            for row in self.findChildren(FieldRow):
                row.ctx = self.ctx
                row.label.setBuddy(row.editor.focus_target())
        finally:
            self._quiet -= 1
        self._visible = None  # new boxes: the Alt letters are given again
        self.refresh()

    def _party_ids(self) -> Collection[str]:
        return {p.person_id for p in self.ctx.parties}

    def refresh(self) -> None:
        """Conditions, the sections' completeness and the problems, from the answers now."""
        answers = self.answers()
        progress = self.progress()
        shown_sections = {p.section.id for p in progress if p.visible}
        shown = visible_fields(self.form, answers)
        for page in self.section_pages:
            for row in page.rows:
                row.setVisible(row.field.id in shown)
                if isinstance(row.editor, GroupEditor):
                    row.editor.update_shown()
            page.update_headings()
        for index, p in enumerate(progress):
            item = self.nav.item(index)
            item.setText(progress_text(p))
            item.setHidden(p.section.id not in shown_sections)
            tip = f"{p.answered} af {p.required} påkrævede svar" if p.required else ""
            if p.section.after_finalise:
                tip = (tip + "\n" if tip else "") + "Kan udfyldes, efter skemaet er afsluttet."
            item.setToolTip(tip)
        current = self.nav.currentItem()
        if current is not None and current.isHidden():
            self.nav.setCurrentRow(next(i for i, p in enumerate(progress) if p.visible))
        self._show_problems(progress)
        visible = (frozenset(shown), self._item_counts())
        if visible != self._visible:
            # A field or a group's item came or went: its Alt letter.
            self._visible = visible
            self._assign_mnemonics()

    def show_problems_now(self) -> bool:
        """Every answer's problems at once, the field being typed in too (after "Gem"): True
        if there are any."""
        progress = self.progress()
        self._show_problems(progress, typing_too=True)
        return any(problem.code != "form.unknown_field" for p in progress for problem in p.problems)

    def _show_problems(
        self, progress: Sequence[SectionProgress], *, typing_too: bool = False
    ) -> None:
        focus = None if typing_too else QApplication.focusWidget()
        texts: dict[str, list[str]] = defaultdict(list)
        items: dict[str, dict[tuple[int, str], list[str]]] = defaultdict(lambda: defaultdict(list))
        for p in progress:
            for problem in p.problems:
                if problem.code == "form.unknown_field":
                    continue
                if problem.item is not None and problem.sub_field is not None:
                    items[problem.field][(problem.item, problem.sub_field)].append(problem.text)
                else:
                    texts[problem.field].append(problem.text)
            if self._show_missing and not p.section.after_finalise:
                for missing in p.missing:
                    if missing.item is not None and missing.sub_field is not None:
                        items[missing.field][(missing.item, missing.sub_field)].append(MISSING_TEXT)
                    else:
                        texts[missing.field].append(MISSING_TEXT)
        for field_id, row in self.rows.items():
            typing = focus is not None and row.isAncestorOf(focus) and not self._show_missing
            if not typing:
                row.show_problems(texts.get(field_id, []))
            if isinstance(row.editor, GroupEditor):
                row.editor.show_problems(items.get(field_id, {}))

    def _focus_moved(self, old: QWidget | None, _new: QWidget | None) -> None:
        if old is not None and self.isVisible() and self.isAncestorOf(old):
            self._show_problems(self.progress())

    def show_missing(self, missing: Iterable[Missing]) -> None:
        """After a refused "Afslut": mark what is missing (until it is given) and go to the
        first section with something missing."""
        self._show_missing = True
        self.refresh()
        first = next(iter(missing), None)
        if first is not None:
            self.show_section(first.section)
            row = self.rows.get(first.field)
            if row is not None:
                page = self.current_page()
                page.ensureWidgetVisible(row)
                row.editor.focus_target().setFocus()

    def set_read_only(self, read_only: bool, *, except_sections: Collection[str] = ()) -> None:
        """A finalised form: every section shows its answers as text, but ``except_sections``
        (filled in after finalising) stay editable."""
        self._read_only_sections = (
            {s.id for s in self.form.sections if s.id not in except_sections}
            if read_only
            else set()
        )
        for page in self.section_pages:
            frozen = page.section.id in self._read_only_sections
            for row in page.rows:
                row.set_read_only(frozen)
        self.legend.setVisible(not read_only)
        self._assign_mnemonics()

    def is_read_only(self, section_id: str) -> bool:
        return section_id in self._read_only_sections

    # -- sections --------------------------------------------------------------------------------

    def current_section(self) -> str:
        return self.form.sections[max(self.pages.currentIndex(), 0)].id

    def current_page(self) -> SectionPage:
        return self.section_pages[max(self.pages.currentIndex(), 0)]

    def show_section(self, section_id: str) -> None:
        for index, section in enumerate(self.form.sections):
            if section.id == section_id and not self.nav.item(index).isHidden():
                self.nav.setCurrentRow(index)
                return

    def next_section(self) -> None:
        """To the next visible section, with the focus on its first field."""
        for index in range(self.nav.currentRow() + 1, self.nav.count()):
            if not self.nav.item(index).isHidden():
                self.nav.setCurrentRow(index)
                self.focus_first_field()
                return

    def focus_first_field(self) -> None:
        for row in self.current_page().rows:
            if row.isVisibleTo(self.current_page()) and not row.read_only:
                row.editor.focus_target().setFocus()
                return

    def _nav_moved(self, index: int) -> None:
        if index < 0:
            return
        self.pages.setCurrentIndex(index)
        page = self.section_pages[index]
        page.verticalScrollBar().setValue(0)
        last = not any(not self.nav.item(i).isHidden() for i in range(index + 1, self.nav.count()))
        page.next_button.setVisible(not last)
        self._assign_mnemonics()
        self.section_shown.emit(page.section.id)

    # -- keyboard --------------------------------------------------------------------------------

    def tab_stops(self) -> list[QWidget]:
        """Where Tab goes, in order: the section list, the page's fields in form order (a
        radio group once: its checked button, else its first), "Næste afsnit", then
        ``after_page`` (the screen's buttons)."""
        page = self.current_page()
        stops: list[QWidget] = [self.nav]
        for row in page.rows:
            if not row.isHidden() and not row.read_only:
                stops += _focusable(row)
        stops += [page.next_button, *self.after_page]
        return [w for w in stops if w.isVisible() and w.isEnabled()]

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802 (Qt names)
        """Tab and Shift+Tab follow the form (``tab_stops``), whatever order the widgets were
        made in (a group's item added later, a reason shown for an answer)."""
        stops = self.tab_stops()
        here = QApplication.focusWidget()
        while here is not None and here not in stops and self.isAncestorOf(here):
            here = here.parentWidget()
        if here in stops:
            index = stops.index(here) + (1 if next else -1)
            if 0 <= index < len(stops):
                target = stops[index]
                reason = (
                    Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
                )
                target.setFocus(reason)
                if self.current_page().isAncestorOf(target):
                    self.current_page().ensureWidgetVisible(target)
                return True
        return super().focusNextPrevChild(next)

    def _assign_mnemonics(self) -> None:
        if not self.isVisible():
            return
        page = self.current_page()
        taken = window_mnemonics(self.window(), outside=page)
        taken.add(mnemonic_letter(NEXT_SECTION) or "")
        for row in page.rows:
            if row.isHidden() or row.read_only:
                row.set_mnemonic(None)
                continue
            position = pick_mnemonic(row.base_text, taken)
            row.set_mnemonic(position)
            if position is not None:
                taken.add(row.base_text[position].casefold())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        QTimer.singleShot(0, self._assign_mnemonics)  # once the window around it is shown

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FontChange:
            self._fit_nav()  # Ctrl++ / Ctrl+-: the section titles' width
        super().changeEvent(event)

    def _fit_nav(self) -> None:
        metrics = self.nav.fontMetrics()
        widest = max(
            (
                metrics.horizontalAdvance(f"{s.title}  00/00 {COMPLETE_MARK}")
                for s in self.form.sections
            ),
            default=120,
        )
        self.nav.setMinimumWidth(min(widest + 32, metrics.averageCharWidth() * NAV_CHARS))
        self.nav.setMaximumWidth(max(widest + 32, metrics.averageCharWidth() * NAV_CHARS))


def _focusable(row: FieldRow) -> list[QWidget]:
    """The widgets of a field row that take the focus, in the order they are laid out (a
    group: each item's fields and its "Fjern", then "Tilføj punkt")."""
    editor = row.editor
    if isinstance(editor, GroupEditor):
        out: list[QWidget] = []
        for item in editor.items:
            for sub in item.rows:
                if not sub.isHidden():
                    out += _focusable(sub)
            out.append(item.remove_button)
        return [*out, editor.add_button]
    window = row.window()
    return [
        w
        for w in editor.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.focusProxy() is None
        and w.window() is window
        and _radio_stop(w)
    ]


def _radio_stop(widget: QWidget) -> bool:
    """A radio button of an exclusive group is a Tab stop when it is the checked one, or the
    first when none is (the arrow keys move within the group)."""
    if not isinstance(widget, QRadioButton):
        return True
    group = widget.group()
    if group is None or not group.exclusive():
        return True
    checked = group.checkedButton()
    return widget is checked if checked is not None else widget is group.buttons()[0]
