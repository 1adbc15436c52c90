"""The demo never makes something happen after the moment it is generated: at 00:05, 09:00 and
23:55 Danish time (and on the night summer time begins), for several seeds, every moment and
date of an event is at or before "now" (issue #11: `feltmappe demo --seed 7` failed shortly
after midnight with "Datoen ligger i fremtiden")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import demo
from models.deadlines.calendar import DK, local_date
from models.deadlines.service import all_deadlines
from models.deadlines.types import STATUS_LABELS, DeadlineStatus
from models.demo import texts
from models.keyfile import KdfParams
from models.schema import (
    Agreement,
    Assessment,
    Base,
    Case,
    DeadlineAck,
    FollowUp,
    Intervention,
    JournalNote,
    Meeting,
    Notification,
    Person,
    Plan,
    ScaleReading,
)
from models.validation import check_row
from models.vault import Vault
from models.vocabulary import NoteKind
from tests.conftest import PASSPHRASE

#: The columns that record something that happened (planned meetings, review days, expected
#: births, hearing deadlines, the start and end of a decided indsats may lie ahead).
EVENTS: dict[type[Base], tuple[str, ...]] = {
    Notification: ("received_at", "assessed_at", "receipt_sent_on", "feedback_sent_on"),
    Assessment: ("aware_on", "started_on", "preliminary_on", "completed_on"),
    Plan: ("decision_on", "approved_on"),
    FollowUp: (
        "child_conversation_on",
        "meeting_on",
        "written_plan_on",
        "hearing_sent_on",
        "decided_on",
    ),
    Meeting: ("held_at",),
    JournalNote: ("written_at", "finalised_at"),
    ScaleReading: ("rated_at",),
    Intervention: ("decided_on", "assessed_on", "evaluated_on"),
    Agreement: ("signed_on", "last_follow_up_on"),
    DeadlineAck: ("acknowledged_at",),
    Case: ("opened_on",),
    Person: ("birth_date",),
}

MOMENTS = [
    datetime.combine(date(2026, 11, 20), time(0, 5), DK),
    datetime.combine(date(2026, 11, 20), time(9, 0), DK),
    datetime.combine(date(2026, 11, 20), time(23, 55), DK),
    datetime.combine(date(2026, 3, 29), time(0, 5), DK),  # summer time begins at 02:00
    datetime.combine(date(2026, 10, 25), time(23, 55), DK),  # summer time ended at 03:00
]


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.create(tmp_path / "profil", PASSPHRASE, user="demo.raadgiver", kdf=KdfParams.fast())
    try:
        yield v
    finally:
        v.close()


def late_events(vault: Vault, now: datetime) -> list[str]:
    today = local_date(now)
    late: list[str] = []
    with vault.reading() as s:
        for cls, fields in EVENTS.items():
            name = cls.__tablename__
            for row in s.scalars(select(cls)):
                for field in fields:
                    value = getattr(row, field)
                    if isinstance(value, datetime):
                        if value > now:
                            late.append(f"{name}.{field} {value.isoformat()}")
                    elif value is not None and value > today:
                        late.append(f"{name}.{field} {value.isoformat()}")
                check_row(row, now)  # what the service layer would refuse
    return late


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%Y-%m-%d_%H%M"))
@pytest.mark.parametrize("seed", [1, 7, 42, 99])
def test_no_event_lies_after_the_moment_of_generation(
    fresh: Vault, seed: int, now: datetime
) -> None:
    demo.generate(fresh, cases=16, seed=seed, now=now)
    assert late_events(fresh, now) == []


def test_a_past_day_alone_means_noon_of_that_day(fresh: Vault) -> None:
    demo.generate(fresh, cases=12, seed=7, today=date(2026, 11, 20))
    assert late_events(fresh, datetime.combine(date(2026, 11, 20), time(12, 0), DK)) == []


@pytest.mark.parametrize(
    ("seed", "now"),
    [
        (1, datetime.combine(date(2026, 11, 20), time(10, 0), DK)),
        (7, datetime.combine(date(2026, 3, 29), time(0, 5), DK)),
        (42, datetime.combine(date(2026, 11, 20), time(23, 55), DK)),
    ],
    ids=lambda v: v.strftime("%Y-%m-%d_%H%M") if isinstance(v, datetime) else str(v),
)
def test_red_means_something(fresh: Vault, seed: int, now: datetime) -> None:
    """With 60 cases, at most a tenth of the open deadlines are overdue, and some are due
    within the week, so the colours in the lists mean something; the summary counts them."""
    summary = demo.generate(fresh, cases=60, seed=seed, now=now)
    with fresh.reading() as s:
        deadlines = all_deadlines(s, now)
    open_ = [d for d in deadlines if d.is_open and d.status != DeadlineStatus.MANGLER]
    overdue = [d for d in open_ if d.status == DeadlineStatus.OVERSKREDET]
    soon = [d for d in open_ if d.status == DeadlineStatus.SNART]
    assert open_
    assert 0 < len(overdue) <= 0.10 * len(open_), (len(overdue), len(open_))
    assert soon
    assert summary.deadlines[DeadlineStatus.OVERSKREDET] == len(overdue)
    lines = summary.lines()
    assert "Frister:" in lines
    for status, count in Counter(d.status for d in deadlines).items():
        assert summary.deadlines[status] == count
        assert f"  {STATUS_LABELS[status]}: {count}" in lines
    # What was met long ago was met by a note written before the deadline ran out.
    with fresh.reading() as s:
        marks = s.scalars(select(DeadlineAck).where(DeadlineAck.met_by_id.is_not(None))).all()
        assert marks
        weekdays = [
            s.get(JournalNote, m.met_by_id).written_at.astimezone(DK).weekday() < 5  # type: ignore[union-attr]
            for m in marks
        ]
        assert sum(weekdays) >= 0.9 * len(weekdays)  # on working days, but for a weekend window
        for mark in marks:
            note = s.get(JournalNote, mark.met_by_id)
            assert note is not None and note.finalised_at is not None
            assert note.written_at == mark.acknowledged_at
            assert note.kind is NoteKind(texts.get(f"frister.{mark.rule}.kind"))


def _history(vault: Vault) -> list[tuple[Any, ...]]:
    with vault.reading() as s:
        acks = s.execute(
            select(
                DeadlineAck.id,
                DeadlineAck.rule,
                DeadlineAck.subject_id,
                DeadlineAck.acknowledged_at,
                DeadlineAck.met_by_id,
            )
        ).all()
        notes = s.execute(
            select(JournalNote.id, JournalNote.title, JournalNote.kind, JournalNote.written_at)
        ).all()
    return sorted(tuple(a) for a in acks) + sorted(tuple(n) for n in notes)


def test_history_is_the_same_for_the_same_seed_and_moment(fresh: Vault, tmp_path: Path) -> None:
    """Deterministic per seed, the deadlines met after the fact included (ids and all)."""
    now = datetime.combine(date(2026, 11, 20), time(9, 0), DK)
    demo.generate(fresh, cases=16, seed=7, now=now)
    other = Vault.create(
        tmp_path / "anden", PASSPHRASE, user="demo.raadgiver", kdf=KdfParams.fast()
    )
    try:
        demo.generate(other, cases=16, seed=7, now=now)
        assert _history(fresh) == _history(other)
    finally:
        other.close()
