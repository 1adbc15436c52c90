"""Render the first screens offscreen at 1366×768 (a common caseworker laptop) to PNG files in
this folder: the first-run dialog, the unlock dialog of the demo profile, the main window over a
60-case demo vault, a case summary, the "I dag" deadlines of the demo user's cases as the app
fills them, the "Opfyldt ved …" dialog, "Indstillinger" with a refused value, the form renderer
("Skemaer") on each form: an underretning, a børnefaglig undersøgelse, and an indledende
vurdering, a børnesamtale and a hjemmebesøg started with the tab's "Ny …" buttons, the case's
list of forms; the statusudtalelse, which no case row keeps (a school fills it in, it is printed
blank), drawn by the same renderer on its own; the main window, a case and
the forms at 150 % text size, and sync: the status bar, the "Forbind til central server" dialog
and the sync panel with a conflict and a rejected change (against a central store on 127.0.0.1
in the same temporary folder). Run from the repository root:

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_screenshots.py

The demo vault lives in a temporary folder and is deleted afterwards. The data is invented."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QSpinBox, QVBoxLayout, QWidget
from sqlalchemy import select

from desktop.app import DEMO_PASSPHRASE, configure_app
from desktop.case_forms import CaseFormsWidget
from desktop.case_list import CASE_ROLE
from desktop.connect_dialog import ConnectDialog
from desktop.deadline_actions import DeadlineActions
from desktop.documents import DocumentsDialog
from desktop.first_run import FirstRunDialog
from desktop.form_editor import FormEditor, load_parties
from desktop.form_fields import EditorContext
from desktop.form_view import FormView
from desktop.main_window import MainWindow
from desktop.settings_dialog import SettingsDialog
from desktop.unlock import UnlockDialog
from desktop.zoom import TextSize
from models import demo, services
from models.forms import default_library
from models.keyfile import KdfParams
from models.schema import Assessment, Case, JournalNote, Notification
from models.vault import Vault
from models.vocabulary import NotifierKind
from sync.client import enrolment
from sync.client.replication import SyncClient
from sync.server.run import ServerThread
from sync.server.store import Store

OUT = Path(__file__).parent
SIZE = (1366, 768)
DESKTOP = QColor("#3b4a5a")


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def on_desktop(widget: QWidget, name: str, behind: QWidget | None = None) -> Path:
    """Paint ``widget`` centred on a 1366×768 screen (over ``behind`` when given)."""
    settle()
    canvas = QPixmap(*SIZE)
    canvas.fill(DESKTOP)
    painter = QPainter(canvas)
    if behind is not None:
        painter.drawPixmap(0, 0, behind.grab())
    shot = widget.grab()
    painter.drawPixmap(QPoint((SIZE[0] - shot.width()) // 2, (SIZE[1] - shot.height()) // 2), shot)
    painter.end()
    path = OUT / f"{name}.png"
    canvas.save(str(path))
    return path


def main() -> int:
    app = QApplication(sys.argv[:1])
    configure_app(app)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        first_run = FirstRunDialog(Path(tmp) / "ny")
        first_run.show()
        first_run.name.setText("Mette Rasmussen")
        first_run.initials.setText("MR")
        first_run.passphrase.setText("grøn-cykel-hænger-lampe")
        first_run.repeat.setText("grøn-cykel")
        first_run.try_create()  # shows the refusal (the two passphrases differ)
        written.append(on_desktop(first_run, "first_run"))
        first_run.close()

        profile = Path(tmp) / "demo"
        vault = Vault.create(
            profile,
            DEMO_PASSPHRASE,
            user="demo.raadgiver",
            display_name="Demo Rådgiver",
            kdf=KdfParams.fast(),
        )
        demo.generate(vault, cases=60, seed=1)
        vault.close()

        unlock = UnlockDialog(profile, demo_passphrase=DEMO_PASSPHRASE)
        opened: list[Vault] = []
        unlock.unlocked.connect(opened.append)
        unlock.show()
        unlock.passphrase.setText("forkert-frase")
        unlock.try_unlock()  # shows the wrong-passphrase message in red
        written.append(on_desktop(unlock, "unlock"))
        unlock.passphrase.setText(DEMO_PASSPHRASE)
        unlock.try_unlock()
        (vault,) = opened

        window = MainWindow(vault, demo=True)
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(*SIZE)
        window.show()
        settle()
        path = OUT / "main_window.png"
        window.grab().save(str(path))
        written.append(path)

        assert window.case_list is not None
        first = window.case_list.proxy.index(0, 0).data(CASE_ROLE)
        summary = window.show_case(first.case_id)
        assert summary is not None
        written.append(on_desktop(summary, "case_summary", behind=window))
        # Each screen of the case window: journal, persons, home visit, timeline.
        for index, name in ((1, "journal"), (2, "persons"), (3, "home_visit"), (4, "timeline")):
            summary.resize(1100, 700)
            summary.tabs.setCurrentIndex(index)
            written.append(on_desktop(summary, name, behind=window))
        summary.tabs.setCurrentIndex(0)
        summary.close()

        # "Udskriv eller gem som PDF…" in a case with an underretning from a professional.
        with vault.reading() as s:
            with_receipt = s.scalar(
                select(Notification.case_id).where(
                    Notification.notifier_kind == NotifierKind.FAGPERSON
                )
            )
        if with_receipt is not None:
            summary = window.show_case(with_receipt)
            assert summary is not None and summary.documents_button is not None
            summary.documents_button.click()
            settle()
            documents = summary.findChild(DocumentsDialog)
            assert isinstance(documents, DocumentsDialog)
            written.append(on_desktop(documents, "documents", behind=summary))
            documents.close()
            summary.close()

        window.case_list.search.setText("an")
        settle()
        path = OUT / "main_window_search.png"
        window.grab().save(str(path))
        written.append(path)

        # "I dag" as the app fills it on unlock (in the background): nothing here fills it.
        window.case_list.search.clear()
        assert window.today is not None
        wait_until(lambda: window.today is not None and window.today.model.rowCount() > 0)
        window.tabs.setCurrentWidget(window.today)
        settle()
        path = OUT / "today.png"
        window.grab().save(str(path))
        written.append(path)

        # Acting on a deadline: "Opfyldt ved …" on the most urgent one.
        actions = window.today.actions_bar
        assert isinstance(actions, DeadlineActions)
        opened: list[QWidget] = []
        actions.dialog_opened.connect(opened.append)
        actions.meet_button.click()
        if opened:
            written.append(on_desktop(opened[-1], "deadline_met", behind=window))
            opened[-1].close()

        # Filer → Indstillinger, with an auto-lock time the registry refuses.
        window.settings_action.trigger()
        dialog = window.findChild(SettingsDialog)
        assert isinstance(dialog, SettingsDialog)
        auto_lock = dialog.editors["auto_lock_minutes"]
        assert isinstance(auto_lock, QSpinBox)
        auto_lock.selectAll()
        QTest.keyClicks(auto_lock, "0")
        dialog.try_accept()  # says why under the fields and saves nothing
        written.append(on_desktop(dialog, "settings", behind=window))
        dialog.reject()

        made: dict[str, tuple[str, str]] = {}
        written.extend(form_screens(window, vault, "", made))

        # The same screens at 150 % text size (Ctrl++ five times).
        window.tabs.setCurrentIndex(0)
        sizes = TextSize(None)
        sizes.set_percent(150, save=False)
        settle()
        path = OUT / "main_window_150.png"
        window.grab().save(str(path))
        written.append(path)
        summary = window.show_case(first.case_id)
        assert summary is not None
        summary.resize(1100, 700)
        written.append(on_desktop(summary, "case_summary_150", behind=window))
        summary.close()
        written.extend(form_screens(window, vault, "_150", made))
        sizes.set_percent(100, save=False)
        settle()

        window.drop_case_widgets()
        window.close()
        vault.close()
        written.extend(sync_screens(Path(tmp)))
    for path in written:
        print(path)
    return 0


def form_screens(
    window: MainWindow, vault: Vault, suffix: str, made: dict[str, tuple[str, str]]
) -> list[Path]:
    """The one form renderer in a case window's "Skemaer": an underretning from a professional
    being filled in ("Afslut" refused with what is missing, at 100 %), an undersøgelse on
    one side of the ICS triangle, a børnesamtale and a hjemmebesøg started with "Ny …" (at
    100 %; ``made`` keeps their rows for 150 %), and the two forms no case row keeps."""
    written: list[Path] = []
    with vault.reading() as s:
        # One from a professional that is still being assessed (else any from a professional).
        notification = s.scalar(
            select(Notification)
            .where(Notification.notifier_kind == NotifierKind.FAGPERSON)
            .order_by(Notification.assessed_at.is_not(None), Notification.received_at.desc())
        )
        assessment = s.scalar(select(Assessment).order_by(Assessment.started_on.desc()))
        cases = [
            (row.case_id, row.id, name)
            for row, name in ((notification, "underretning"), (assessment, "undersoegelse"))
            if row is not None
        ]
    for case_id, row_id, name in cases:
        summary = window.show_case(case_id)
        assert summary is not None
        summary.resize(1100, 700)
        forms = summary.findChild(CaseFormsWidget)
        assert isinstance(forms, CaseFormsWidget)
        summary.tabs.setCurrentWidget(forms)
        forms.select(row_id)
        editor = forms.open_selected()
        assert editor is not None
        view = editor.view
        answers = dict(view.answers())
        if name == "underretning":
            answers |= {
                "modtaget_hvordan": "mail",
                "bekymring_ics": [
                    {"dimension": "uddannelse", "tekst": "Kommer ofte for sent og er træt."},
                    {"dimension": "grundlaeggende_omsorg", "tekst": "Mangler madpakke."},
                ],
                "foraeldre_orienteret": {"value": False, "reason": ""},
            }
            view.set_answers(answers)
            view.show_section("bekymring")
            if not suffix:
                editor.ask_finalise()  # refused: the list of what is missing
                view.show_section("bekymring")
        else:
            answers |= {
                "sundhedsforhold_ressourcer": "Barnet er sundt og går til de planlagte undersøgelser.",
                "sundhedsforhold_bekymringer": "Ingen.",
                "sundhedsforhold_kilde": "Sundhedsplejen",
            }
            view.set_answers(answers)
            view.show_section("barnets_udvikling")
        written.append(on_desktop(summary, f"form_{name}{suffix}", behind=window))
        summary.close()
    if cases:
        for form_id in ("screening", "boernesamtale", "hjemmebesoeg"):
            written.append(meeting_form(window, cases[-1][0], form_id, suffix, made))
        # The case's list of forms, with the "Ny …" buttons.
        summary = window.show_case(cases[-1][0])
        assert summary is not None
        summary.resize(1100, 700)
        forms = summary.findChild(CaseFormsWidget)
        assert isinstance(forms, CaseFormsWidget)
        summary.tabs.setCurrentWidget(forms)
        forms.show_list()
        written.append(on_desktop(summary, f"form_list{suffix}", behind=window))
        summary.close()
    written.append(
        form_alone(window, vault, cases[0][0] if cases else None, "statusudtalelse", suffix)
    )
    return written


#: What the forms made with "Ny …" show: answers as a caseworker would give them, and the section.
MEETING_ANSWERS: dict[str, tuple[dict[str, object], str]] = {
    "screening": (
        {
            "grundlag": "Underretningen fra skolen (lærer Hansen) og en telefonsamtale med mor.",
            "tidligere_underretninger": {"value": False},
            "i_fare": {"value": False},
            "akut": {"value": False},
        },
        "sikkerhed",
    ),
    "boernesamtale": (
        {
            "sted": "Skolens mødelokale",
            "samtaleform": "samtale",
            "set_alene": {"value": True},
            "barnets_ord": "Fortæller, at hun godt kan lide at gå i skole, men at hun er træt om "
            "morgenen, fordi der er larm derhjemme om aftenen.",
            "barnets_oensker": "Vil gerne have, at mor og far holder op med at skændes.",
            "trivsel": 4,
        },
        "barnets_ord",
    ),
    "hjemmebesoeg": (
        {
            "holdt": {"value": True},
            "anmeldt": {"value": True},
            "barnet_set": {"value": True},
            "barnet_alene": {"value": False, "reason": "Barnet ville ikke tale uden mor."},
        },
        "besoeget",
    ),
}


def meeting_form(
    window: MainWindow, case_id: str, form_id: str, suffix: str, made: dict[str, tuple[str, str]]
) -> Path:
    """An indledende vurdering, a børnesamtale or a hjemmebesøg: made with the tab's "Ny …"
    button the first time, opened from the list after that."""
    summary = window.show_case(made[form_id][0] if form_id in made else case_id)
    assert summary is not None
    summary.resize(1100, 700)
    forms = summary.findChild(CaseFormsWidget)
    assert isinstance(forms, CaseFormsWidget)
    summary.tabs.setCurrentWidget(forms)
    editor: FormEditor | None
    if form_id in made:
        forms.select(made[form_id][1])
        editor = forms.open_selected()
    else:
        forms.new_buttons[form_id].click()  # the row is made on the writer, then opened
        wait_until(lambda: forms.editor is not None)
        editor = forms.editor
        assert editor is not None
        made[form_id] = (case_id, editor.opened.line.row_id)
    assert editor is not None
    answers, section = MEETING_ANSWERS[form_id]
    view = editor.view
    present = [{"person_id": p.person_id, "name": p.name} for p in view.ctx.parties[:2]]
    when = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    fields = editor.opened.form.fields
    meeting = {"til_stede": present, "tidspunkt": when.isoformat()}
    view.set_answers(
        {**view.answers(), **answers, **{k: v for k, v in meeting.items() if k in fields}}
    )
    view.show_section(section)
    path = on_desktop(summary, f"form_{form_id}{suffix}", behind=window)
    summary.close()
    return path


def form_alone(
    window: MainWindow, vault: Vault, case_id: str | None, form_id: str, suffix: str
) -> Path:
    """A form the app cannot open (no case row keeps its answers): the same renderer in a
    window of its own, as large as a case window, with a case's parties."""
    library = default_library()
    form = library.form(form_id)
    parties = ()
    if case_id is not None:
        with vault.reading() as s:
            parties = load_parties(s, case_id)
    holder = QWidget()
    holder.setWindowTitle(f"{form.title} – Feltmappe")
    layout = QVBoxLayout(holder)
    title = QLabel(f"{form.title} · {form.legal_basis}", holder)
    bold = title.font()
    bold.setBold(True)
    title.setFont(bold)
    title.setWordWrap(True)
    layout.addWidget(title)
    view = FormView(form, {}, EditorContext(parties, library.ics), parent=holder)
    layout.addWidget(view, 1)
    holder.resize(1100, 700)
    holder.show()
    view.show_section(form.sections[min(2, len(form.sections) - 1)].id)
    path = on_desktop(holder, f"form_{form_id}{suffix}", behind=window)
    holder.close()
    holder.deleteLater()
    return path


def wait_until(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    settle()


def wait_for_sync(window: MainWindow) -> None:
    deadline = time.monotonic() + 60
    while window.sync.running and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    settle()


def sync_screens(tmp: Path) -> list[Path]:
    """A laptop signed in to a central store, with one conflict (a colleague changed the same
    field), one rejected change (the case was taken from the user) and a note not yet sent."""
    written: list[Path] = []
    password = "hemmelig-adgang-1"  # noqa: S105 - invented, for the screenshots only
    store = Store.open(str(tmp / "central.db"))
    store.add_user("demo.raadgiver", password, display_name="Demo Rådgiver")
    store.add_user("bo", password, display_name="Bo Lund")
    with ServerThread(store) as server:
        profile = tmp / "synk"
        vault = Vault.create(
            profile,
            DEMO_PASSPHRASE,
            user="demo.raadgiver",
            display_name="Demo Rådgiver",
            kdf=KdfParams.fast(),
        )
        demo.generate(vault, cases=20, seed=2)

        # Before connecting: the dialog, filled in as a caseworker would.
        window = MainWindow(vault, demo=True)
        window.resize(*SIZE)
        window.show()
        settle()
        dialog = window.show_connect()
        assert isinstance(dialog, ConnectDialog)
        dialog.url.setText("https://feltmappe.kommune.dk")
        dialog.username.setText("demo.raadgiver")
        dialog.password.setText("adgangskode")
        dialog.device.setText("Bærbar MR-2041")
        dialog.error.show_text("Forkert brugernavn eller adgangskode til den centrale server.")
        written.append(on_desktop(dialog, "sync_connect", behind=window))
        dialog.close()
        window.drop_case_widgets()
        window.close()

        enrolment.connect(vault, server.url, "demo.raadgiver", password, "Bærbar MR-2041")
        conn = enrolment.connection_for(vault)
        SyncClient(vault, conn).sync()
        with vault.session() as s:
            first, second = list(s.scalars(select(Case).order_by(Case.case_number).limit(2)))
            first_id, second_id = first.id, second.id
            note = s.scalars(select(JournalNote).where(JournalNote.case_id == second_id)).first()
            if note is None:
                note = services.add_note(s, second, title="Samtale med mor", body="Aftalt møde.")
            note_id = note.id
        SyncClient(vault, conn).sync()
        conn.close()

        # A colleague changes the same field; the case is taken from the user meanwhile.
        store.assign(first_id, "bo")
        bo = Vault.create(tmp / "bo", DEMO_PASSPHRASE, user="bo", kdf=KdfParams.fast())
        enrolment.connect(bo, server.url, "bo", password, "Bos bærbare")
        bo_conn = enrolment.connection_for(bo)
        SyncClient(bo, bo_conn).sync()
        with bo.session() as s:
            services.update(s, services.get(s, Case, first_id), district="Vesterbro")
        SyncClient(bo, bo_conn).sync()
        bo_conn.close()
        bo.close()
        with vault.session() as s:
            services.update(s, services.get(s, Case, first_id), district="Valby")
            held = s.get(JournalNote, note_id)
            assert held is not None
            if held.finalised_at is None:
                services.edit_draft(s, held, title=held.title, body=held.body + " Rettet.")
            else:
                services.add_note(s, second, title="Opfølgning", body="Ringet til skolen.")
        store.unassign(second_id, "demo.raadgiver")
        # A value written before the store checked values (an older store, say): the laptop
        # keeps that row out and lists it under "Modtaget med fejl".
        _poison_child(store, first_id)

        window = MainWindow(vault, demo=True)
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(*SIZE)
        window.show()
        window.sync_action.trigger()
        wait_for_sync(window)
        with vault.session() as s:  # typed after the sync: waits for the next one
            case = services.get(s, Case, first_id)
            services.add_note(s, case, title="Hjemmebesøg", body="Mor og barn var hjemme.")
        window.sync.refresh()
        settle()
        path = OUT / "sync_status.png"
        window.grab().save(str(path))
        written.append(path)
        window.show_sync_panel()
        assert window.sync_panel is not None
        window.sync_panel.conflicts.selectRow(0)
        settle()
        path = OUT / "sync_panel.png"
        window.grab().save(str(path))
        written.append(path)
        window.drop_case_widgets()
        window.close()
        vault.close()
    store.close()
    return written


def _poison_child(store: Store, case_id: str) -> None:
    import json

    from sqlalchemy import update

    from sync.server.tables import Record

    with store.write() as (s, seq):
        case = s.get(Record, case_id)
        assert case is not None
        child = s.get(Record, json.loads(case.data)["child_id"])
        assert child is not None
        doc = json.loads(child.data)
        doc.update(birth_date="20160101", rev=child.rev + 1)
        s.execute(
            update(Record)
            .where(Record.id == child.id)
            .values(data=json.dumps(doc), rev=child.rev + 1, seq=seq.next())
        )


if __name__ == "__main__":
    sys.exit(main())
