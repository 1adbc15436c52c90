"""A municipality that works: deadlines that ran out long ago were met on time, so that the
few that are overdue now stand out (issue #11: "red means something")."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from models.demo.common import Ctx
from models.schema import Case, JournalNote, User
from models.vault import Vault
from models.vocabulary import NoteKind

#: Of the open deadlines, at most this share is left overdue (the most recent ones), so red in
#: the lists means something; older misses were met on time and the note says so.
OVERDUE_SHARE = 0.08
#: Only deadlines that ran out within this many days may stay overdue.
RECENT_OVERDUE_DAYS = 45
_MET_NOTES = (
    "Fristen er overholdt. Opfølgningen er gennemført som aftalt, og referatet ligger i sagen.",
    "Gennemført til tiden. Forældrene og barnet er orienteret, og næste skridt er aftalt.",
    "Opgaven er udført inden fristen; samarbejdspartnerne har fået besked.",
)


def settle_history(vault: Vault, ctx: Ctx, now: datetime, counts: Counter[str]) -> None:
    """A deadline that ran out long ago was met on time. For each, a journal note written
    before the deadline, and the deadline marked met by that note (a ``DeadlineAck``
    "opfyldt"). A handful of recent misses stay overdue."""
    from models.deadlines.service import all_deadlines, meet_deadline
    from models.deadlines.types import DeadlineStatus

    with vault.reading() as session:
        deadlines = all_deadlines(session, now)
        assignee = dict(
            session.execute(
                select(Case.id, User.username).join(User, User.id == Case.assigned_to)
            ).all()
        )
    open_ = [d for d in deadlines if d.is_open and d.status != DeadlineStatus.MANGLER]
    overdue = sorted(
        (d for d in open_ if d.status == DeadlineStatus.OVERSKREDET and d.due is not None),
        key=lambda d: (d.due, d.rule, d.subject_id or ""),
        reverse=True,
    )
    keep = max(1, int(OVERDUE_SHARE * len(open_)))
    recent = now - timedelta(days=RECENT_OVERDUE_DAYS)
    kept = [d for d in overdue if d.due is not None and d.due >= recent][:keep]
    settle = [d for d in overdue if d not in kept]
    if not settle:
        return
    with vault.session() as session:
        for d in settle:
            assert d.due is not None
            earliest = d.trigger or d.due - timedelta(days=14)
            span = max(0.0, (d.due - earliest).total_seconds())
            written = min(
                d.due - timedelta(hours=2), earliest + timedelta(seconds=span * ctx.rng.random())
            )
            written = max(written, earliest)
            case = session.get(Case, d.case_id)
            if case is None:
                continue
            note = JournalNote(
                id=ctx.uid(),
                case_id=case.id,
                title=f"{d.title} – gennemført",
                body=ctx.rng.choice(_MET_NOTES),
                author=assignee.get(case.id, vault.user),
                written_at=written,
                finalised_at=written + timedelta(minutes=ctx.rng.randint(10, 90)),
                kind=NoteKind.NOTAT,
            )
            session.add(note)
            session.flush()
            meet_deadline(session, case.id, d.rule, d.subject_id, "journal_note", note.id, now=now)
            counts["journal_note"] += 1
            counts["deadline_ack"] += 1
