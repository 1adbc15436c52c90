"""A municipality that works: deadlines that ran out long ago were met on time, so that the
few that are overdue now stand out (issue #11: "red means something")."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from math import floor

from sqlalchemy import select

from models.deadlines.calendar import local_date
from models.demo import texts
from models.demo.common import Ctx
from models.schema import Case, DeadlineAck, JournalNote, User
from models.vault import Vault
from models.vocabulary import DeadlineAckKind, NoteKind

#: Of the open deadlines, at most this share is left overdue (the most recent ones), so red in
#: the lists means something; older misses were met on time and the note says so.
OVERDUE_SHARE = 0.08
#: Only deadlines that ran out within this many days may stay overdue.
RECENT_OVERDUE_DAYS = 45


def settle_history(vault: Vault, ctx: Ctx, now: datetime, counts: Counter[str]) -> None:
    """Every deadline that ran out more than ``RECENT_OVERDUE_DAYS`` ago, and the older of the
    recent misses beyond ``OVERDUE_SHARE`` of the open deadlines, was met on time: a journal
    note of the fitting type (resources/demo/frister.toml), written before the deadline ran
    out, and the deadline marked met by it (a ``DeadlineAck`` "opfyldt", as
    ``deadlines.service.meet_deadline`` makes it, with an id from the run's seed). A second
    pass settles what meeting the first ones brought forward (the next opfølgning …)."""
    for _ in range(3):
        if not _settle_pass(vault, ctx, now, counts):
            return


def _settle_pass(vault: Vault, ctx: Ctx, now: datetime, counts: Counter[str]) -> int:
    from models.deadlines.service import all_deadlines
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
    # Kept / (the other open ones + kept) stays within the share once the rest are met.
    calm = len(open_) - len(overdue)
    keep = max(1, floor(OVERDUE_SHARE * calm / (1 - OVERDUE_SHARE)))
    recent = now - timedelta(days=RECENT_OVERDUE_DAYS)
    kept = [d for d in overdue if d.due is not None and d.due >= recent][:keep]
    settle = [d for d in overdue if d not in kept]
    rows: list[JournalNote | DeadlineAck] = []
    for d in settle:
        if d.due is None or d.case_id not in assignee:
            continue
        # On a working day between the trigger and the deadline, in working hours.
        latest = d.due - timedelta(hours=1)
        earliest = min(d.trigger or d.due - timedelta(days=14), latest)
        first, last = local_date(earliest), local_date(latest)
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        day = ctx.rng.choice([d for d in days if d.weekday() < 5] or days)
        written = min(max(ctx.ts(day), earliest), latest)
        entry = texts.get(f"frister.{d.rule}")
        note = JournalNote(
            id=ctx.uid(),
            case_id=d.case_id,
            title=str(entry["title"]),
            body=str(entry["body"]),
            author=assignee[d.case_id],
            written_at=written,
            finalised_at=min(written + timedelta(minutes=ctx.rng.randint(10, 90)), now),
            kind=NoteKind(entry["kind"]),
        )
        ack = DeadlineAck(
            id=ctx.uid(),
            case_id=d.case_id,
            rule=d.rule,
            subject_id=d.subject_id,
            kind=DeadlineAckKind.OPFYLDT,
            reason="",
            acknowledged_at=written,
            met_by_table="journal_note",
            met_by_id=note.id,
        )
        rows += [note, ack]
    with vault.session() as session:
        session.add_all([r for r in rows if isinstance(r, JournalNote)])
        session.flush()
        session.add_all([r for r in rows if isinstance(r, DeadlineAck)])
        session.flush()
    counts["journal_note"] += len(rows) // 2
    counts["deadline_ack"] += len(rows) // 2
    return len(rows) // 2
