"""Replication: push (apply each mutation at most once, merging field by field, see
``sync.server.apply``) and pull (pages of rows in sequence order, bounded in rows and in size),
and the rows a caller may read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.protocol import Status
from sync.server.apply import Apply, Mutation, Page, Result
from sync.server.db import Database, Principal, log, now
from sync.server.tables import (
    AppliedMutation,
    Assignment,
    CaseAudit,
    PersonLink,
    Record,
)

#: A row as a pull page sends it: (table, id, case id, revision, sequence number, document).
_ROW_COLUMNS = (Record.table_name, Record.id, Record.case_id, Record.rev, Record.seq, Record.data)


class Replication(Database):
    """The sync itself, over the accounts' ``Principal``."""

    #: Most characters of row documents in one pull page (see ``MAX_PAGE_CHARS``).
    page_chars: int = p.MAX_PAGE_CHARS

    def accessible(self, who: Principal) -> list[str]:
        return sorted(who.cases)

    def push(
        self, who: Principal, mutations: Sequence[Mutation], audit: Sequence[dict[str, Any]] = ()
    ) -> list[Result]:
        """Apply ``mutations`` in order, each at most once; one answer per mutation."""
        results: list[Result] = []
        with self.write() as (s, seq):
            conn = s.connection()
            ids = list({m.mutation_id for m in mutations})
            # A stored answer with what it answered: the same id with other content (another
            # device, a bug) is no retry and must not silently get the first one's answer.
            answered: dict[str, tuple[Result, str | None, str]] = {}
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(
                        AppliedMutation.mutation_id,
                        AppliedMutation.status,
                        AppliedMutation.rev,
                        AppliedMutation.reason,
                        AppliedMutation.fields,
                        AppliedMutation.digest,
                        AppliedMutation.device_id,
                    ).where(AppliedMutation.mutation_id.in_(ids[start : start + 500]))
                )
                for mid, status, rev, reason, fields, digest, device in rows:
                    result = Result(mid, Status(status), rev, reason, json.loads(fields))
                    answered[mid] = (result, digest, device)
            applier = Apply(s, seq, who)
            applier.prefetch([m.row_id for m in mutations if m.mutation_id not in answered])
            new: list[dict[str, Any]] = []
            at = now()
            for m in mutations:
                digest = m.digest()
                if m.mutation_id in answered:
                    stored, stored_digest, device = answered[m.mutation_id]
                    same = digest == stored_digest if stored_digest else device == who.device_id
                    if same:
                        results.append(stored)
                    else:
                        log.warning("a mutation id was sent again with other content")
                        results.append(
                            Result(m.mutation_id, Status.REJECTED, reason="sync.mutation_id_reused")
                        )
                    continue
                applier.begin()
                try:
                    result = applier.run(m)
                except (ValueError, TypeError, KeyError, AttributeError):
                    applier.abort()
                    log.exception("a mutation could not be applied")
                    result = Result(m.mutation_id, Status.REJECTED, reason="sync.server_error")
                else:
                    if result.status is Status.REJECTED:
                        applier.drop()
                    else:
                        applier.keep()
                answered[m.mutation_id] = (result, digest, who.device_id)
                new.append(
                    {
                        "mutation_id": m.mutation_id,
                        "device_id": who.device_id,
                        "status": result.status.value,
                        "rev": result.rev,
                        "reason": result.reason,
                        "fields": json.dumps(result.fields),
                        "at": at,
                        "digest": digest,
                    }
                )
                results.append(result)
            applier.flush()
            if new:
                conn.execute(insert(AppliedMutation), new)
            self._store_audit(s, who, audit)
        return results

    def _store_audit(self, s: Session, who: Principal, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        ids = [e["id"] for e in events]
        known = set(s.scalars(select(CaseAudit.id).where(CaseAudit.id.in_(ids))))
        # A device logs only what its user did in cases they hold or once held (an event may
        # arrive after the assignment ended), or in a case the store does not know yet (events
        # may come before the batch that creates the case): a case's access log is not for
        # others to fill.
        allowed = set(who.cases)
        asked = {str(e["case_id"]) for e in events if e.get("case_id")} - allowed
        if asked:
            holders: dict[str, set[str]] = {}
            for case_id, user_id in s.execute(
                select(Assignment.case_id, Assignment.user_id).where(Assignment.case_id.in_(asked))
            ):
                holders.setdefault(case_id, set()).add(user_id)
            allowed.update(c for c in asked if who.user_id in holders.get(c, {who.user_id}))
        received = now()
        rows = []
        foreign = 0
        for e in events:
            if e.get("case_id") and e["case_id"] not in allowed:
                foreign += 1
                continue
            if e["id"] in known:
                continue
            known.add(e["id"])
            at = datetime.fromisoformat(e["at"])
            rows.append(
                {
                    "id": e["id"],
                    "case_id": e.get("case_id"),
                    "at": at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at,
                    # The device's user is who acted, whatever the event says.
                    "username": who.username,
                    "device_id": who.device_id,
                    "action": e["action"],
                    "entity": e.get("entity") or "",
                    "entity_id": e.get("entity_id"),
                    "received_at": received,
                }
            )
        if foreign:
            log.warning(
                "%d audit events for cases the device's user never held were dropped", foreign
            )
        if rows:
            s.connection().execute(insert(CaseAudit), rows)

    def pull(
        self, who: Principal, cursor: int, limit: int, cases: Sequence[str] | None = None
    ) -> Page:
        """Rows of ``cases`` (default: every case ``who`` may read), and the persons they name,
        changed after ``cursor``, in sequence order."""
        wanted = who.cases if cases is None else who.cases.intersection(cases)
        if not wanted:
            return Page([], cursor, False)
        with self.read() as s:
            linked = select(PersonLink.person_id).where(PersonLink.case_id.in_(wanted))
            visible = or_(
                Record.case_id.in_(wanted),
                (Record.table_name == p.PERSON_TABLE) & Record.id.in_(linked),
            )
            # First the page's sequence numbers and sizes only (sorting narrow rows), then the
            # rows in that range by the sequence index: sorting whole documents made pages slow.
            # A page ends at ``limit`` rows or ``page_chars`` characters of documents, whichever
            # comes first (but holds at least one row), so its size is bounded in bytes too.
            sized = s.execute(
                select(Record.seq, func.coalesce(Record.size, func.length(Record.data)))
                .where(Record.seq > cursor, visible)
                .order_by(Record.seq)
                .limit(limit)
            ).all()
            if not sized:
                return Page([], cursor, False)
            seqs: list[int] = []
            total = 0
            for seq, size in sized:
                total += int(size or 0)
                if seqs and total > self.page_chars:
                    break
                seqs.append(seq)
            query = (
                select(*_ROW_COLUMNS)
                .where(Record.seq >= seqs[0], Record.seq <= seqs[-1], visible)
                .order_by(Record.seq)
            )
            rows = list(s.execute(query).all())
            last = rows[-1][4] if rows else cursor
            rows.extend(self._named_persons(s, rows, wanted))
        out = [
            f'{{"table":"{t}","id":"{i}","case_id":{json.dumps(c)},"rev":{r},"seq":{q},"data":{d}}}'
            for t, i, c, r, q, d in rows
        ]
        return Page(out, last, len(sized) == limit or len(seqs) < len(sized))

    def _named_persons(self, s: Session, rows: Sequence[Any], wanted: set[str]) -> list[Any]:
        """The persons that rows of a page name, when the page does not hold them: a page is
        then whole by itself (a child comes with its case, even if the child was edited later
        and so sorts later). A device that has the person already skips it by its revision."""
        named: set[str] = set()
        present = {i for t, i, *_ in rows if t == p.PERSON_TABLE}
        for table, _i, case_id, _r, _q, data in rows:
            keys = p.person_columns(table) if table in p.CASE_TABLE_NAMES else ()
            if keys and case_id in wanted:
                doc = json.loads(data)
                named.update(str(doc[k]) for k in keys if doc.get(k))
        missing = sorted(named - present)
        if not missing:
            return []
        found: list[Any] = []
        for start in range(0, len(missing), 500):
            found.extend(
                s.execute(
                    select(*_ROW_COLUMNS).where(
                        Record.id.in_(missing[start : start + 500]),
                        Record.table_name == p.PERSON_TABLE,
                        # Only through a link: a row that names an id does not grant it.
                        Record.id.in_(
                            select(PersonLink.person_id).where(PersonLink.case_id.in_(wanted))
                        ),
                    )
                ).all()
            )
        return found

    def rows(self, who: Principal, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The current rows ``ids`` that ``who`` may read (unknown or foreign ids are left out)."""
        with self.read() as s:
            found = list(s.scalars(select(Record).where(Record.id.in_(list(ids)))))
            out = []
            for rec in found:
                if rec.case_id is not None and rec.case_id not in who.cases:
                    continue
                if rec.case_id is None and not _person_readable(s, who, rec):
                    continue
                out.append(
                    {
                        "table": rec.table_name,
                        "id": rec.id,
                        "case_id": rec.case_id,
                        "rev": rec.rev,
                        "seq": rec.seq,
                        "data": json.loads(rec.data),
                    }
                )
        return out

    def high_water(self) -> int:
        with self.read() as s:
            return int(s.scalar(select(func.coalesce(func.max(Record.seq), 0))) or 0)


def _person_readable(s: Session, who: Principal, rec: Record) -> bool:
    """A person is read only through a case ``who`` may read now (having pushed it once gives
    nothing: see docs/security.md)."""
    linked = s.scalars(select(PersonLink.case_id).where(PersonLink.person_id == rec.id))
    return any(c in who.cases for c in linked)
