"""The service layer: every read and write the GUI, the CLI and sync make goes through here.

Functions take a tracked session from ``Vault.session()``; the tracker (``models.tracking``)
adds the outbox entries and the access log in the same transaction. No SQL outside this layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from models.cpr import parse_cpr
from models.dates import age_on
from models.errors import ImmutableRecord, NotFound, ValidationError
from models.schema import (
    AuditEvent,
    Case,
    CaseParty,
    Intervention,
    JournalNote,
    Person,
    Relation,
    Synced,
    User,
    utcnow,
)
from models.vocabulary import (
    AuditAction,
    CaseStage,
    NoteKind,
    PartyRole,
    RelationKind,
    RelationQuality,
)

T = TypeVar("T", bound=Synced)


# -- generic ---------------------------------------------------------------------------


def get(session: Session, cls: type[T], row_id: str, *, include_deleted: bool = False) -> T:
    obj = session.get(cls, row_id)
    if obj is None or (obj.deleted_at is not None and not include_deleted):
        raise NotFound(table=cls.__tablename__, row_id=row_id)  # type: ignore[attr-defined]
    return obj


def add(session: Session, obj: T) -> T:
    """Add a new row; the tracker stamps it and writes its outbox entry and audit event."""
    session.add(obj)
    session.flush()
    return obj


#: Kept by the tracker and sync. ``case_id`` is the sync partition: moving a row to another case
#: would leave it behind on the server and on every other laptop.
_MANAGED_FIELDS = frozenset({"id", "case_id", "rev", "updated_at", "updated_by"})


def update(session: Session, obj: T, **fields: Any) -> T:
    """Change fields of a row. JSON fields must be given as new values (never mutated in place)."""
    mapper_keys = {a.key for a in obj.__mapper__.column_attrs}  # type: ignore[attr-defined]
    for key, value in fields.items():
        if key not in mapper_keys or key in _MANAGED_FIELDS:
            raise ValidationError("validation.unknown_field", field=key)
        setattr(obj, key, value)
    session.flush()
    return obj


def soft_delete(session: Session, obj: Synced) -> None:
    """Tombstone a row (rows are never hard-deleted: sync must carry the deletion)."""
    if obj.deleted_at is None:
        obj.deleted_at = utcnow()
        session.flush()


# -- persons ----------------------------------------------------------------------------


def person_values(
    first_name: str,
    last_name: str,
    cpr: str | None,
    birth_date: date | None,
    unborn: bool,
    expected_date: date | None,
) -> tuple[dict[str, Any], list[str]]:
    """Checked values of a person: a CPR number is validated (real date, century) and gives
    birth date and sex; the warnings hold "cpr.modulus11" when the modulus-11 check fails."""
    warnings: list[str] = []
    first_name = first_name.strip()
    if not first_name and not unborn:
        raise ValidationError("validation.required", field="first_name")
    sex = None
    if cpr:
        parsed = parse_cpr(cpr)
        cpr, sex = parsed.number, parsed.sex
        if birth_date is not None and birth_date != parsed.birth_date:
            raise ValidationError("cpr.birth_date_mismatch", field="birth_date")
        birth_date = parsed.birth_date
        if not parsed.modulus11_ok:
            warnings.append("cpr.modulus11")
    if unborn and (cpr or birth_date):
        raise ValidationError("validation.unborn_with_birth", field="unborn")
    if birth_date is not None and birth_date > date.today():
        raise ValidationError("validation.future_date", field="birth_date")
    values = {
        "first_name": first_name or "Ufødt barn",
        "last_name": last_name.strip(),
        "cpr": cpr or None,
        "birth_date": birth_date,
        "sex": sex,
        "unborn": unborn,
        "expected_date": expected_date if unborn else None,
    }
    return values, warnings


def create_person(
    session: Session,
    first_name: str,
    last_name: str = "",
    *,
    cpr: str | None = None,
    birth_date: date | None = None,
    unborn: bool = False,
    expected_date: date | None = None,
    **extra: Any,
) -> tuple[Person, list[str]]:
    """Create a person. A CPR number is validated (real date, century) and gives birth date and
    sex; the returned warnings hold "cpr.modulus11" when the modulus-11 check fails (allowed)."""
    values, warnings = person_values(first_name, last_name, cpr, birth_date, unborn, expected_date)
    if not unborn:
        values.pop("expected_date")
        values["expected_date"] = expected_date
    person = Person(**values, **extra)
    add(session, person)
    return person, warnings


#: What of a person may be edited besides the checked identity fields.
PERSON_CONTACT_FIELDS = ("phone", "address", "email", "note")


def edit_person(
    session: Session,
    person: Person,
    *,
    first_name: str,
    last_name: str = "",
    cpr: str | None = None,
    birth_date: date | None = None,
    unborn: bool = False,
    expected_date: date | None = None,
    **contact: str,
) -> list[str]:
    """Change every field of an existing person, checked as when created; returns warnings."""
    unknown = set(contact) - set(PERSON_CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not a person field: {sorted(unknown)}")
    values, warnings = person_values(first_name, last_name, cpr, birth_date, unborn, expected_date)
    values.update({k: v.strip() for k, v in contact.items()})
    update(session, person, **values)
    return warnings


def party_role(value: PartyRole | str | None) -> PartyRole:
    """The role chosen for a party: there is no default (a "Tolk" must not become a parent
    because nobody chose), so an empty choice is refused as ``validation.required``."""
    if not value:
        raise ValidationError("validation.required", field="role")
    return PartyRole(value)


def edit_party(
    session: Session,
    party: CaseParty,
    *,
    role: PartyRole | str | None,
    has_custody: bool,
    party_rights: bool | None = None,
    note: str | None = None,
) -> CaseParty:
    """A party's role in the case, custody, party rights and note (``None``: rights and note
    stay). Custody is one concept: the flag (the old role "forældremyndighedsindehaver" is
    written as a parent with custody), and a custody holder always has party rights."""
    role, has_custody = _one_custody(party_role(role), has_custody)
    if party_rights is None:
        party_rights = party.party_rights or default_party_rights(role, has_custody=has_custody)
    fields: dict[str, Any] = {
        "role": role,
        "has_custody": has_custody,
        "party_rights": party_rights or has_custody,
    }
    if note is not None:
        fields["note"] = note.strip()
    return update(session, party, **fields)


def edit_case_party(
    session: Session,
    case_id: str,
    party_id: str,
    *,
    role: PartyRole | str | None,
    has_custody: bool,
    party_rights: bool | None = None,
    party_note: str | None = None,
    **person_fields: Any,
) -> tuple[CaseParty, Person, list[str]]:
    """Change a party of ``case_id`` and its person in one go (Personer's "Ret"): the person's
    fields as ``edit_person``, the party's as ``edit_party``. The case's child keeps its role.
    A person belongs to no one case, so the tracker has no case to log a change of the person
    under: it is logged here, in the access log of the case it was changed from."""
    party = get(session, CaseParty, party_id)
    if party.case_id != case_id:
        raise NotFound(table="case_party", row_id=party_id)
    case = get(session, Case, case_id)
    person = get(session, Person, party.person_id)
    if person.id == case.child_id:
        role = PartyRole.BARN
    fields = ("first_name", "last_name", *PERSON_CONTACT_FIELDS, "cpr", "birth_date", "unborn")
    before = {f: getattr(person, f) for f in fields}
    warnings = edit_person(session, person, **person_fields)
    edit_party(
        session,
        party,
        role=role,
        has_custody=has_custody,
        party_rights=party_rights,
        note=party_note,
    )
    if person.case_id is None and any(getattr(person, f) != v for f, v in before.items()):
        record_access(session, case_id, AuditAction.AENDRET, entity="person", entity_id=person.id)
    return party, person, warnings


def _one_custody(role: PartyRole, has_custody: bool) -> tuple[PartyRole, bool]:
    if role == PartyRole.FORAELDREMYNDIGHED:
        return PartyRole.FORAELDER, True
    return role, has_custody


# -- cases ------------------------------------------------------------------------------


def next_case_number(session: Session, year: int) -> str:
    """One past the highest number of the year (tombstoned cases included). Not a count: with
    gaps (numbers made elsewhere, imported cases) a count would hand out a number in use."""
    prefix = f"{year}-"
    numbers = session.scalars(
        select(Case.case_number).where(Case.case_number.like(prefix + "%"))
    ).all()
    suffixes = (n[len(prefix) :] for n in numbers)
    highest = max((int(x) for x in suffixes if x.isascii() and x.isdigit()), default=0)
    return f"{prefix}{highest + 1:05d}"


def create_case(
    session: Session,
    child: Person,
    *,
    opened_on: date,
    case_number: str | None = None,
    assigned_to: str | None = None,
    team: str = "",
    district: str = "",
    stage: CaseStage = CaseStage.UNDERRETNING,
) -> Case:
    """Open a case about ``child``; the child becomes the case's first party (role barn)."""
    if opened_on > date.today():
        raise ValidationError("validation.future_date", field="opened_on")
    case = Case(
        case_number=case_number or next_case_number(session, opened_on.year),
        child_id=child.id,
        stage=stage,
        assigned_to=assigned_to,
        team=team,
        district=district,
        opened_on=opened_on,
    )
    add(session, case)
    add_party(session, case, child, PartyRole.BARN)
    return case


def default_party_rights(role: PartyRole, *, has_custody: bool) -> bool:
    """Custody holders and the child are parties (partshøring, Forvaltningsloven §19)."""
    return has_custody or role in (PartyRole.BARN, PartyRole.FORAELDREMYNDIGHED)


def add_party(
    session: Session,
    case: Case,
    person: Person,
    role: PartyRole,
    *,
    has_custody: bool = False,
    party_rights: bool | None = None,
    note: str = "",
) -> CaseParty:
    """A person's role in the case. Custody holders and the child have party rights by default.
    Custody is the flag: the old role "forældremyndighedsindehaver" becomes a parent with it."""
    role, has_custody = _one_custody(party_role(role), has_custody)
    if party_rights is None:
        party_rights = default_party_rights(role, has_custody=has_custody)
    return add(
        session,
        CaseParty(
            case_id=case.id,
            person_id=person.id,
            role=role,
            has_custody=has_custody,
            party_rights=party_rights or has_custody,
            note=note.strip(),
        ),
    )


def add_relation(
    session: Session,
    case: Case,
    a: Person,
    b: Person,
    kind: RelationKind,
    quality: RelationQuality | None = None,
    note: str = "",
) -> Relation:
    if a.id == b.id:
        raise ValidationError("validation.relation_self", field="to_person_id")
    return add(
        session,
        Relation(
            case_id=case.id,
            from_person_id=a.id,
            to_person_id=b.id,
            kind=kind,
            quality=quality,
            note=note,
        ),
    )


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list: what a caseworker scans for, no more."""

    case_id: str
    case_number: str
    child_name: str
    cpr: str | None
    birth_date: date | None
    age: int | None
    stage: CaseStage
    assigned_to: str | None
    team: str
    opened_on: date


def list_cases(session: Session, today: date | None = None) -> list[CaseRow]:
    """All open (not deleted) cases with their child, in case-number order. Not audited: the
    list shows no more than the case register; opening a case is what is logged."""
    today = today or date.today()
    rows = session.execute(
        select(
            Case.id,
            Case.case_number,
            Person.first_name,
            Person.last_name,
            Person.cpr,
            Person.birth_date,
            Case.stage,
            Case.assigned_to,
            Case.team,
            Case.opened_on,
        )
        .join(Person, Person.id == Case.child_id)
        .where(Case.deleted_at.is_(None))
        .order_by(Case.case_number)
    ).all()
    return [
        CaseRow(
            case_id=r[0],
            case_number=r[1],
            child_name=f"{r[2]} {r[3]}".strip(),
            cpr=r[4],
            birth_date=r[5],
            age=age_on(r[5], today) if r[5] else None,
            stage=r[6],
            assigned_to=r[7],
            team=r[8],
            opened_on=r[9],
        )
        for r in rows
    ]


def find_case(session: Session, ref: str) -> Case:
    """A case by id or case number."""
    case = session.get(Case, ref)
    if case is None:
        case = session.scalar(select(Case).where(Case.case_number == ref))
    if case is None or case.deleted_at is not None:
        raise NotFound(table="case", row_id=ref)
    return case


def open_case(session: Session, case_id: str) -> Case:
    """The case, for showing it to the user: writes a "vist" audit event."""
    case = find_case(session, case_id)
    record_access(session, case.id, AuditAction.VIST)
    return case


def case_parties(session: Session, case_id: str) -> list[tuple[CaseParty, Person]]:
    rows = session.execute(
        select(CaseParty, Person)
        .join(Person, Person.id == CaseParty.person_id)
        .where(CaseParty.case_id == case_id, CaseParty.deleted_at.is_(None))
        .order_by(CaseParty.role, Person.first_name)
    ).all()
    return [(r[0], r[1]) for r in rows]


# -- access log -------------------------------------------------------------------------


def record_access(
    session: Session, case_id: str, action: AuditAction, entity: str = "case", entity_id: str = ""
) -> AuditEvent:
    """Log a view, print or export of a case (changes are logged by the tracker itself)."""
    event = AuditEvent(
        case_id=case_id,
        user=session.info.get("user", ""),
        device=session.info.get("device", ""),
        action=action,
        entity=entity,
        entity_id=entity_id or case_id,
    )
    session.add(event)
    session.flush()
    return event


#: The access-log entity of a revealed CPR number ("Vis CPR").
CPR_ENTITY = "person_cpr"


def reveal_cpr(session: Session, case_id: str, person_id: str) -> str:
    """The full CPR number of a person of the case, for "Vis CPR": the reveal is logged (who,
    when, whose number), since a list shows only the birth-date part."""
    case = find_case(session, case_id)
    person = get(session, Person, person_id)
    named = {p.id for _, p in case_parties(session, case.id)} | {case.child_id}
    if person.id not in named:
        raise NotFound(table="person", row_id=person_id)
    record_access(session, case.id, AuditAction.VIST, entity=CPR_ENTITY, entity_id=person.id)
    return person.cpr or ""


def audit_log(session: Session, case_id: str) -> Sequence[AuditEvent]:
    """Who has looked at or changed the case, oldest first ("hvem har kigget på min sag")."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.at)
    if session.get_bind().dialect.name == "sqlite":
        # Events of one transaction can share a timestamp (Windows' clock ticks in ~16 ms);
        # the vault's insertion order breaks the tie.
        query = query.order_by(literal_column("audit_event.rowid"))
    return session.scalars(query).all()


# -- journal ----------------------------------------------------------------------------


def add_note(
    session: Session,
    case: Case,
    title: str,
    body: str,
    *,
    written_at: datetime | None = None,
    corrects_id: str | None = None,
    note_id: str | None = None,
    kind: NoteKind = NoteKind.NOTAT,
) -> JournalNote:
    """A new draft journal note (``corrects_id``: the finalised note it corrects, if any;
    ``note_id``: an id made elsewhere, e.g. by an import or the demo generator; ``kind``: what
    it records, a conversation, a phone call, a meeting …)."""
    return add(
        session,
        JournalNote(
            id=note_id,
            case_id=case.id,
            title=title.strip(),
            body=body,
            author=session.info.get("user", ""),
            written_at=written_at or utcnow(),
            corrects_id=corrects_id,
            kind=NoteKind(kind),
        ),
    )


def edit_draft(
    session: Session, note: JournalNote, *, title: str, body: str, kind: NoteKind | None = None
) -> JournalNote:
    if note.finalised_at is not None:
        raise ImmutableRecord(table="journal_note", row_id=note.id)
    fields: dict[str, Any] = {"title": title.strip(), "body": body}
    if kind is not None:
        fields["kind"] = NoteKind(kind)
    return update(session, note, **fields)


def finalise_note(session: Session, note: JournalNote) -> JournalNote:
    """Make a note a record: from now on it is never edited (the database enforces it too)."""
    if note.finalised_at is not None:
        return note
    if not note.body.strip():
        raise ValidationError("validation.required", field="body")
    return update(session, note, finalised_at=utcnow())


def correct_note(
    session: Session,
    original: JournalNote,
    title: str,
    body: str,
    *,
    written_at: datetime | None = None,
    note_id: str | None = None,
) -> JournalNote:
    """A correction is a new note that points at the finalised one it corrects."""
    if original.finalised_at is None:
        raise ValidationError("journal.correct_draft", field="corrects_id")
    # Born pointing at the original: one insert in the outbox, not an insert and an update.
    case = get(session, Case, original.case_id or "")
    return add_note(
        session, case, title, body, corrects_id=original.id, written_at=written_at, note_id=note_id
    )


def notes_for_case(session: Session, case_id: str) -> Sequence[JournalNote]:
    return session.scalars(
        select(JournalNote)
        .where(JournalNote.case_id == case_id, JournalNote.deleted_at.is_(None))
        .order_by(JournalNote.written_at)
    ).all()


@dataclass(frozen=True)
class NoteRow:
    """One note as the journal lists it: plain values, no ORM object (``note_rows``)."""

    note_id: str
    title: str
    body: str
    kind: NoteKind
    author: str
    written_at: datetime
    updated_at: datetime
    finalised_at: datetime | None
    corrects_id: str | None


def note_rows(session: Session, case_id: str) -> list[NoteRow]:
    """The case's notes, oldest first, read as columns (one Core query, no identity map): what
    the journal's list and search need, without building 500 ORM objects."""
    t = JournalNote.__table__.c
    found = session.execute(
        select(
            t.id,
            t.title,
            t.body,
            t.kind,
            t.author,
            t.written_at,
            t.updated_at,
            t.finalised_at,
            t.corrects_id,
        )
        .where(t.case_id == case_id, t.deleted_at.is_(None))
        .order_by(t.written_at)
    )
    return [NoteRow(*r) for r in found]


def user_names(session: Session) -> dict[str, str]:
    """Usernames → display names of the municipality's users known to this vault."""
    t = User.__table__.c
    found = session.execute(select(t.username, t.display_name).where(t.deleted_at.is_(None)))
    return {username: name for username, name in found if name}


def active_interventions(session: Session, case_id: str, today: date) -> Sequence[Intervention]:
    """The case's indsatser running on ``today`` (started, not ended), oldest first."""
    return session.scalars(
        select(Intervention)
        .where(
            Intervention.case_id == case_id,
            Intervention.deleted_at.is_(None),
            Intervention.start_on <= today,
            (Intervention.end_on.is_(None)) | (Intervention.end_on >= today),
        )
        .order_by(Intervention.start_on)
    ).all()
