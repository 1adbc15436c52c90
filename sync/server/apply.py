"""Applying one push's mutations inside its writing transaction: access per mutation, value
checks, insert or per-field merge with conflicts, forks of journal notes, and the links that
give persons to cases. Nothing here speaks HTTP."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from models.values import Problem
from models.vocabulary import UserRole
from sync import answers
from sync import protocol as p
from sync.protocol import Status
from sync.server.db import Principal, Seq, iso_utc, now
from sync.server.tables import (
    Assignment,
    PersonLink,
    Record,
)


@dataclass
class Result:
    mutation_id: str
    status: Status
    rev: int | None = None
    reason: str = ""
    fields: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "mutation_id": self.mutation_id,
            "status": self.status.value,
            "rev": self.rev,
            "reason": self.reason or None,
            # A field name is echoed: one that is not valid Unicode must not break the answer.
            "fields": [
                f if f.isascii() else f.encode("utf-8", "replace").decode() for f in self.fields
            ],
        }


@dataclass
class Mutation:
    mutation_id: str
    table: str
    row_id: str
    case_id: str | None
    op: str
    base_rev: int
    changes: dict[str, list[Any]]

    def digest(self) -> str:
        """What the mutation asks for, as a SHA-256: a retry has the same digest."""
        body = [self.table, self.row_id, self.case_id, self.op, self.base_rev, self.changes]
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Page:
    rows: list[str]
    cursor: int
    more: bool

    def json_text(self, cases: Sequence[str] | None = None) -> str:
        body = ",".join(self.rows)
        extra = "" if cases is None else f',"cases":{json.dumps(list(cases))}'
        return (
            f'{{"changes":[{body}],"cursor":{self.cursor},"more":{str(self.more).lower()}{extra}}}'
        )


@dataclass
class Rec:
    """A record as one push sees it (read once, kept current as the push writes)."""

    id: str
    table_name: str
    case_id: str | None
    rev: int
    seq: int
    data: dict[str, Any]
    owner: str


def _answer(value: Any) -> Any:
    """One question's answer as a conflict records it (no answer: null)."""
    return None if value is answers.ABSENT else value


def _locked_questions(data: dict[str, Any]) -> Callable[[str], bool] | None:
    """Whether a question of the stored row's form may no longer change (the form is finalised
    and the question is outside its after-finalise sections); None when the form is not
    finalised or not known to this store."""
    from models.forms.service import form_of, is_finalised

    row = SimpleNamespace(**data)
    try:
        form = form_of(row)  # type: ignore[arg-type]
    except Exception:  # an unknown form (version): the store cannot tell, it does not guess
        return None
    if form is None or not is_finalised(form, row):
        return None
    open_ids = {f.id for s in form.sections if s.after_finalise for f in s.fields}
    return lambda question: question not in open_ids


def _old_problem(col: Any, old: Any) -> Problem | None:
    # The old value may be null where the column is not (a row's first values).
    return None if old is None else p.value_problem(col, old)


def _dumps_value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True)


def _dumps(data: dict[str, Any]) -> str:
    # Danish letters stay letters: a note of 1 KB is not sent as 1.5 KB of escapes.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


_DELETE_LINK = delete(PersonLink).where(
    PersonLink.person_id == bindparam("b_person"), PersonLink.case_id == bindparam("b_case")
)

_UPDATE_RECORD = (
    update(Record)
    .where(Record.id == bindparam("b_id"))
    .values(
        rev=bindparam("b_rev"),
        seq=bindparam("b_seq"),
        data=bindparam("b_data"),
        size=bindparam("b_size"),
        changed_at=bindparam("b_at"),
    )
)


class Apply:
    """The mutations of one push, inside its transaction (which holds the counter row, so no
    other writer runs meanwhile). A mutation's writes are staged and kept only when it was
    applied to the end; the kept writes go to the database in a few statements per push: a
    push of 50 changes must take milliseconds."""

    def __init__(self, s: Session, seq: Seq, who: Principal) -> None:
        self.s = s
        self.conn = s.connection()
        self.seq = seq
        self.who = who
        self.records: dict[str, Rec | None] = {}
        self.links: dict[str, set[str]] = {}
        self.case_numbers: set[str] | None = None
        self.staged: list[tuple[str, dict[str, Any]]] = []
        self.kept: dict[str, list[dict[str, Any]]] = {
            "insert": [],
            "update": [],
            "unlink": [],
            "link": [],
            "assign": [],
        }
        #: Unresolved conflicts per row, as read and as recorded by this push.
        self.conflicts: dict[str, set[tuple[str, str, str]]] = {}
        #: Links (person, case) this push removed (not yet flushed).
        self.unlinked: set[tuple[str, str]] = set()

    # -- staging -----------------------------------------------------------------------

    def begin(self) -> None:
        self.staged = []

    def keep(self) -> None:
        for kind, params in self.staged:
            self.kept[kind].append(params)
        self.staged = []

    def drop(self) -> None:
        """A refused mutation: what it staged (an assignment of a new case) is not written."""
        for kind, params in self.staged:
            if kind == "assign":
                self.who.cases.discard(params["case_id"])
            elif kind == "link":
                self.links.get(params["case_id"], set()).discard(params["person_id"])
            elif kind == "unlink":
                self.unlinked.discard((params["b_person"], params["b_case"]))
        self.staged = []

    def abort(self) -> None:
        """A mutation failed half-way (a bug): its writes are dropped; what the push kept so far
        is written, and everything is read again from the database."""
        for kind, params in self.staged:
            if kind == "assign":
                self.who.cases.discard(params["case_id"])
        self.staged = []
        self.flush()
        self.records.clear()
        self.links.clear()
        self.unlinked.clear()
        self.conflicts.clear()
        self.case_numbers = None

    def flush(self) -> None:
        kept = self.kept
        if kept["insert"]:
            self.conn.execute(insert(Record), kept["insert"])
        if kept["update"]:
            self.conn.execute(_UPDATE_RECORD, kept["update"])
        if kept["unlink"]:
            self.conn.execute(_DELETE_LINK, kept["unlink"])
        if kept["link"]:
            self.conn.execute(insert(PersonLink), kept["link"])
        if kept["assign"]:
            self.conn.execute(insert(Assignment), kept["assign"])
        for rows in kept.values():
            rows.clear()

    def prefetch(self, ids: Sequence[str]) -> None:
        wanted = [i for i in set(ids) if i not in self.records]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for i in chunk:
                self.records[i] = None
            rows = self.conn.execute(
                select(
                    Record.id,
                    Record.table_name,
                    Record.case_id,
                    Record.rev,
                    Record.seq,
                    Record.data,
                    Record.owner,
                ).where(Record.id.in_(chunk))
            )
            for rid, table, case_id, rev, seq, data, owner in rows:
                self.records[rid] = Rec(rid, table, case_id, rev, seq, json.loads(data), owner)

    def record(self, row_id: str) -> Rec | None:
        if row_id not in self.records:
            self.prefetch([row_id])
        return self.records[row_id]

    def reject(self, m: Mutation, reason: str, fields: Sequence[str] = ()) -> Result:
        return Result(m.mutation_id, Status.REJECTED, reason=reason, fields=list(fields))

    def run(self, m: Mutation) -> Result:
        if m.table in p.SERVER_MANAGED:
            # The account list is the store's own; a laptop's local copy is not pushed.
            return Result(m.mutation_id, Status.NOOP, reason="sync.server_managed")
        if m.table not in p.TABLES:
            return self.reject(m, "sync.unknown_table")
        cols = p.columns(m.table)
        changes = dict(m.changes)
        for key in ("id", "case_id", "rev"):
            change = changes.pop(key, None)
            wanted = {"id": m.row_id, "case_id": m.case_id, "rev": None}[key]
            if change is not None and key != "rev" and change[1] != wanted:
                return self.reject(m, "sync.case_mismatch", [key])
        unknown = sorted(k for k in changes if k not in cols)
        if unknown:
            return self.reject(m, "sync.unknown_field", unknown)
        if m.op == p.Op.INSERT.value:
            # The outbox records an insert before the database fills in column defaults.
            for key, (old, new) in list(changes.items()):
                default = p.default_value(cols[key])
                if new is None and default is not None:
                    changes[key] = [old, default]
        # Old values are checked too: a conflict keeps them, and every laptop receives it.
        problems = {
            k: problem
            for k, (old, new) in changes.items()
            if (problem := p.value_problem(cols[k], new) or _old_problem(cols[k], old))
        }
        if problems:
            return self.reject(m, p.problem_reason(problems.values()), sorted(problems))
        rec = self.record(m.row_id)
        if rec is not None and rec.table_name != m.table:
            return self.reject(m, "sync.unknown_row")
        refused = self.check_access(m, rec, changes)
        if refused:
            return self.reject(m, refused)
        if m.table in p.CASE_TABLE_NAMES and m.case_id:
            names = self.refused_names(m, m.case_id, changes)
            if names:
                return self.reject(m, "sync.no_access", names)
        if rec is None:
            if m.op != p.Op.INSERT.value:
                return self.reject(m, "sync.unknown_row")
            return self.insert(m, cols, changes)
        return self.merge(m, rec, changes)

    # -- access ----------------------------------------------------------------------

    def linked_cases(self, person_id: str) -> set[str]:
        """The cases that name a person: in the database, and staged by this push."""
        found = set(
            self.conn.execute(
                select(PersonLink.case_id).where(PersonLink.person_id == person_id)
            ).scalars()
        )
        found.update(c for c, persons in self.links.items() if person_id in persons)
        return {c for c in found if (person_id, c) not in self.unlinked}

    def person_writable(self, rec: Rec) -> bool:
        """A person is read and written only through a case the caller may write now. A new
        person is created by its first case: until a case names it, only its maker may touch
        it (a laptop may push the person in one batch and its case in the next)."""
        linked = self.linked_cases(rec.id)
        if linked:
            return not linked.isdisjoint(self.who.cases)
        return rec.owner == self.who.user_id

    def refused_names(self, m: Mutation, case_id: str, changes: dict[str, list[Any]]) -> list[str]:
        """The fields of a case row that name a person the caller may not reach: naming a
        person in a case of one's own must not be a way to read or change them."""
        refused = []
        for key in p.person_columns(m.table):
            change = changes.get(key)
            person_id = change[1] if change else None
            if not isinstance(person_id, str) or person_id in self.case_links(case_id):
                continue
            person = self.record(person_id)
            if person is None:
                # Not in the store yet: the link is harmless, since the person's maker takes
                # over only links to cases they may write when the person arrives.
                continue
            if person.table_name != p.PERSON_TABLE or not self.person_writable(person):
                refused.append(key)
        return refused

    def case_links(self, case_id: str) -> set[str]:
        linked = self.links.get(case_id)
        if linked is None:
            linked = set(
                self.conn.execute(
                    select(PersonLink.person_id).where(PersonLink.case_id == case_id)
                ).scalars()
            )
            self.links[case_id] = linked
        return linked

    def check_access(
        self, m: Mutation, rec: Rec | None, changes: dict[str, list[Any]]
    ) -> str | None:
        who = self.who
        if who.role == UserRole.ADMIN.value:
            return "sync.no_access"
        if m.table not in p.CASE_TABLE_NAMES:  # a person
            if rec is None or self.person_writable(rec):
                return None
            return "sync.no_access"
        case_id = rec.case_id if rec is not None else m.case_id
        if rec is not None and m.case_id != rec.case_id:
            return "sync.case_mismatch"
        if not case_id:
            return "sync.case_missing"
        if m.table == p.CONFLICT_TABLE and (
            rec is None or set(changes) - p.CONFLICT_RESOLUTION_FIELDS
        ):
            return "sync.read_only"
        if case_id in who.cases:
            return None
        if m.table == "case" and rec is None and m.row_id == case_id:
            # A case made on a laptop (a new underretning): it is assigned to its maker,
            # unless somebody else holds it already.
            taken = self.conn.execute(
                select(Assignment.id).where(Assignment.case_id == case_id).limit(1)
            ).scalar()
            if taken is not None:
                return "sync.no_access"
            self.staged.append(
                ("assign", {"case_id": case_id, "user_id": who.user_id, "started_at": now()})
            )
            who.cases.add(case_id)
            return None
        return "sync.no_access"

    # -- writes ----------------------------------------------------------------------

    def meta(self, data: dict[str, Any], rev: int) -> None:
        data["rev"] = rev
        data["updated_by"] = self.who.username
        data["updated_at"] = iso_utc(now())

    def add_record(self, table: str, data: dict[str, Any]) -> Rec:
        rec = Rec(
            data["id"], table, data.get("case_id"), 1, self.seq.next(), data, self.who.user_id
        )
        self.staged.append(
            (
                "insert",
                {
                    "id": rec.id,
                    "table_name": table,
                    "case_id": rec.case_id,
                    "rev": 1,
                    "seq": rec.seq,
                    "data": (text := _dumps(data)),
                    "size": len(text),
                    "owner": rec.owner,
                    "changed_at": now(),
                },
            )
        )
        self.records[rec.id] = rec
        return rec

    def save(self, rec: Rec) -> None:
        rec.seq = self.seq.next()
        self.staged.append(
            (
                "update",
                {
                    "b_id": rec.id,
                    "b_rev": rec.rev,
                    "b_seq": rec.seq,
                    "b_data": (text := _dumps(rec.data)),
                    "b_size": len(text),
                    "b_at": now(),
                },
            )
        )

    def insert(self, m: Mutation, cols: dict[str, Any], changes: dict[str, list[Any]]) -> Result:
        # A column the laptop did not send (an older laptop's row) gets the column's default.
        data: dict[str, Any] = {key: p.default_value(col) for key, col in cols.items()}
        data.update({k: new for k, (_old, new) in changes.items()})
        data["id"] = m.row_id
        data["case_id"] = m.case_id if m.table in p.CASE_TABLE_NAMES else None
        missing = sorted(
            k
            for k, col in cols.items()
            if data[k] is None and not col.nullable and k not in ("rev", "updated_at", "updated_by")
        )
        if missing:
            return self.reject(m, "sync.bad_value", missing)
        if m.table == "case":
            data["case_number"] = self.unique_case_number(str(data["case_number"]))
        if m.table == p.PERSON_TABLE:
            self.drop_blind_links(m.row_id)
        self.meta(data, 1)
        self.add_record(m.table, data)
        self.link_persons(m.table, data)
        return Result(m.mutation_id, Status.APPLIED, rev=1)

    def drop_blind_links(self, person_id: str) -> None:
        """A case may name a person the store does not have yet (the id was learnt from an
        export, say). When the person arrives, links from cases its maker may not write are
        removed: naming an id blindly must not be a way to receive the person later."""
        for case_id in self.linked_cases(person_id) - self.who.cases:
            self.unlinked.add((person_id, case_id))
            self.links.get(case_id, set()).discard(person_id)
            self.staged.append(("unlink", {"b_person": person_id, "b_case": case_id}))

    def unique_case_number(self, number: str) -> str:
        """Two laptops may number a new case alike offline; the later one gets a suffix."""
        if self.case_numbers is None:
            self.case_numbers = {
                json.loads(d).get("case_number")
                for d in self.conn.execute(
                    select(Record.data).where(Record.table_name == "case")
                ).scalars()
            }
        candidate, n = number, 1
        while candidate in self.case_numbers:
            n += 1
            candidate = f"{number}-{n}"
        self.case_numbers.add(candidate)
        return candidate

    def merge(self, m: Mutation, rec: Rec, changes: dict[str, list[Any]]) -> Result:
        cur = rec.data
        if m.table == p.NOTE_TABLE and cur.get("finalised_at"):
            # A finalised note never changes and never conflicts: what arrives after it was
            # finalised is kept as a new draft that points back to it.
            # Finalising it again (a second laptop, offline) changes nothing of its content.
            effective = {
                k: new
                for k, (_old, new) in changes.items()
                if k not in ("finalised_at", "updated_at", "updated_by") and cur.get(k) != new
            }
            if not effective:
                return Result(m.mutation_id, Status.NOOP, rev=rec.rev)
            self.fork_note(cur, effective, by=self.who.username)
            return Result(m.mutation_id, Status.APPLIED, rev=rec.rev, reason="sync.note_forked")
        if m.table == p.CONFLICT_TABLE and cur.get("resolved_at"):
            return Result(m.mutation_id, Status.NOOP, rev=rec.rev, reason="sync.already_resolved")
        apply: dict[str, Any] = {}
        conflicts: list[str] = []
        #: Conflicting questions of form answers: field "answers.<id>" → (base, stored, mine).
        per_question: dict[str, tuple[Any, Any, Any]] = {}
        for key, (old, new) in changes.items():
            current = cur.get(key)
            if current == new:
                continue
            if current == old:
                apply[key] = new
            elif answers.is_answers(key, old, new, current):
                # Even at the store's revision: a laptop's answers may differ from the store's
                # (a refused change of its own keeps its value), and replacing the whole object
                # would drop a colleague's answer it never saw.
                merged, clashes = answers.merge_answers(old, new, current)
                if merged != current:
                    # Each side within the limits, the merge of both may not be: every
                    # laptop would quarantine the row.
                    problem = p.value_problem(p.columns(m.table)[key], merged)
                    if problem:
                        return self.reject(m, p.problem_reason([problem]), [key])
                    apply[key] = merged
                for question, values in clashes.items():
                    per_question[answers.answer_field(question)] = values
            elif rec.rev == m.base_rev and m.op != p.Op.INSERT.value:
                apply[key] = new
            else:
                conflicts.append(key)
        if answers.ANSWERS in apply and m.base_rev != rec.rev:
            self.keep_finalised(cur, changes[answers.ANSWERS][0], apply, per_question)
        reason = ""
        if m.table == p.NOTE_TABLE and conflicts:
            # A note is one person's text: two versions are never merged word by word. The
            # arriving version takes the note; the one it displaces is kept as a new draft.
            self.fork_note(dict(cur), {}, by=str(cur.get("updated_by") or ""))
            apply.update({k: changes[k][1] for k in conflicts})
            conflicts = []
            reason = "sync.note_forked"
        if not apply and not conflicts and not per_question:
            return Result(m.mutation_id, Status.NOOP, rev=rec.rev)
        server_user = str(cur.get("updated_by") or "")
        server_values = {key: cur.get(key) for key in conflicts}
        if apply:
            cur.update(apply)
            rec.rev += 1
            self.meta(cur, rec.rev)
            self.save(rec)
            self.link_persons(m.table, cur)
        for key in conflicts:
            self.record_conflict(m, rec, key, server_values[key], server_user)
        for key, (base, stored, mine) in per_question.items():
            self.record_conflict(
                m, rec, key, _answer(stored), server_user, base=_answer(base), mine=_answer(mine)
            )
        if conflicts or per_question:
            return Result(
                m.mutation_id,
                Status.CONFLICT,
                rev=rec.rev,
                reason="sync.conflict",
                fields=conflicts + sorted(per_question),
            )
        return Result(m.mutation_id, Status.APPLIED, rev=rec.rev, reason=reason)

    def keep_finalised(
        self,
        cur: dict[str, Any],
        old: Any,
        apply: dict[str, Any],
        per_question: dict[str, tuple[Any, Any, Any]],
    ) -> None:
        """A form finalised on the store since the laptop last saw the row takes answers only
        in its after-finalise sections (as on the desktop): another question changed offline
        is a conflict of that question, and the finalised answer stands until someone chooses."""
        locked = _locked_questions(cur)
        if not locked:
            return
        stored = cur.get(answers.ANSWERS) or {}
        base = old if isinstance(old, dict) else {}
        wanted = dict(apply[answers.ANSWERS])
        for question in sorted(set(stored) | set(wanted)):
            now = wanted.get(question, answers.ABSENT)
            was = stored.get(question, answers.ABSENT)
            if now == was or not locked(question):
                continue
            per_question[answers.answer_field(question)] = (
                base.get(question, answers.ABSENT),
                was,
                now,
            )
            if was is answers.ABSENT:
                wanted.pop(question, None)
            else:
                wanted[question] = was
        if wanted == stored:
            del apply[answers.ANSWERS]
        else:
            apply[answers.ANSWERS] = wanted

    def record_conflict(
        self,
        m: Mutation,
        rec: Rec,
        key: str,
        server_value: Any,
        server_user: str,
        *,
        base: Any = None,
        mine: Any = None,
    ) -> None:
        """Record one field's conflict (for one question of form answers, ``key`` is
        ``answers.<id>`` and ``base``/``mine`` are that question's answers)."""
        old, new = m.changes.get(key, (base, mine))
        case_id = rec.case_id
        if case_id is None:  # a person: the conflict travels with a case that names them
            linked = self.linked_cases(rec.id)
            case_id = next((c for c in linked if c in self.who.cases), None)
        # Two laptops that chose the same value against the same stored one wait for one
        # decision, not two identical ones.
        same = (key, _dumps_value(new), _dumps_value(server_value))
        pending = self.open_conflicts(rec.id, case_id)
        if same in pending:
            return
        pending.add(same)
        moment = iso_utc(now())
        self.add_record(
            p.CONFLICT_TABLE,
            {
                "id": str(uuid.uuid4()),
                "case_id": case_id,
                "rev": 1,
                "updated_at": moment,
                "updated_by": self.who.username,
                "deleted_at": None,
                "table_name": m.table,
                "row_id": rec.id,
                "field": key,
                "base_value": old,
                "server_value": server_value,
                "client_value": new,
                "client_user": self.who.username,
                "server_user": server_user,
                "detected_at": moment,
                "resolved_at": None,
                "resolution": None,
                "resolved_by": None,
            },
        )

    def open_conflicts(self, row_id: str, case_id: str | None) -> set[tuple[str, str, str]]:
        """(field, client value, server value) of the row's unresolved conflicts."""
        found = self.conflicts.get(row_id)
        if found is None:
            found = set()
            query = select(Record.data).where(Record.table_name == p.CONFLICT_TABLE)
            query = query.where(Record.case_id == case_id if case_id else Record.case_id.is_(None))
            for text in self.conn.execute(query).scalars():
                doc = json.loads(text)
                if doc.get("row_id") == row_id and not doc.get("resolved_at"):
                    found.add(
                        (
                            str(doc.get("field")),
                            _dumps_value(doc.get("client_value")),
                            _dumps_value(doc.get("server_value")),
                        )
                    )
            self.conflicts[row_id] = found
        return found

    def fork_note(self, base: dict[str, Any], overrides: dict[str, Any], *, by: str) -> str:
        note_id = str(uuid.uuid4())
        data = {**base, **overrides}
        title = str(data.get("title") or "Notat")
        data.update(
            id=note_id,
            finalised_at=None,
            corrects_id=base["id"],
            title=f"{title} (anden version)"[:300],
            author=by or str(data.get("author") or ""),
        )
        self.meta(data, 1)
        self.add_record(p.NOTE_TABLE, data)
        return note_id

    def link_persons(self, table: str, data: dict[str, Any]) -> None:
        case_id = data.get("case_id")
        if table not in p.CASE_TABLE_NAMES or not case_id or table == p.CONFLICT_TABLE:
            return
        keys = p.person_columns(table)
        if not keys:
            return
        linked = self.case_links(case_id)
        for key in keys:
            person_id = data.get(key)
            if not person_id or person_id in linked:
                continue
            linked.add(person_id)
            self.staged.append(("link", {"person_id": person_id, "case_id": case_id}))
            person = self.record(person_id)
            if person is not None:
                # Readers of this case may be past the person's sequence number: move it on
                # (the revision stays, so a device that has the person skips it).
                self.save(person)
