"""The deadlines of a børnefaglig undersøgelse (Barnets Lov §20 and local standards)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from models.dates import add_months
from models.deadlines.calendar import local_date
from models.deadlines.rules.base import (
    Ctx,
    end_of_day,
    excepted,
    first_held_after,
    make,
    missing,
    start_of_day,
)
from models.deadlines.types import (
    Deadline,
    DeadlineStatus,
)
from models.vocabulary import (
    AssessmentStatus,
    MeetingKind,
)

# -- børnefaglig undersøgelse -----------------------------------------------------------


def assessment_deadline(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §20 stk. 3: the børnefaglig undersøgelse is completed within 4 months of the
    municipality becoming aware that the child may need support (calendar months: 31 October +
    4 months = 28/29 February). If that is impossible, a foreløbig vurdering is made at 4 months
    and the undersøgelse is completed "snarest" (days: local standard)."""
    for a in c.facts.assessments:
        due_day = add_months(a.aware_on, c.std.assessment_months)
        completed = a.completed_on
        if completed is None and a.status == AssessmentStatus.AFSLUTTET:
            yield missing(
                c, "undersoegelse_4_maaneder", a.id, "afslutningsdato", "Undersøgelsen afsluttet"
            )
            continue
        done = None if completed is None else start_of_day(completed)
        by = "Undersøgelsen afsluttet"
        if (
            (completed is None or completed > due_day)
            and a.preliminary_on is not None
            and a.preliminary_on <= due_day
        ):
            done, by = start_of_day(a.preliminary_on), "Foreløbig vurdering efter 4 måneder"
            yield make(
                c,
                "undersoegelse_snarest",
                a.id,
                trigger=start_of_day(a.preliminary_on),
                due=end_of_day(
                    a.preliminary_on + timedelta(days=c.std.assessment_after_preliminary_days)
                ),
                done_at=None if completed is None else start_of_day(completed),
                fulfilled_by="Undersøgelsen afsluttet",
            )
        yield make(
            c,
            "undersoegelse_4_maaneder",
            a.id,
            trigger=start_of_day(a.aware_on),
            due=end_of_day(due_day),
            done_at=done,
            fulfilled_by=by,
        )


def simple_assessment(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Slagelse 2017 status: "6-ugers børnefaglig undersøgelse"): an undersøgelse
    marked simple (``is_simple``) is completed within 6 weeks of its start
    (``simple_assessment_weeks``; 0 switches it off), never later than the law's 4 months
    (Barnets Lov §20 stk. 3, its own deadline beside this one). Completed without a day: the
    4-month rule reports it missing, nothing is guessed here."""
    weeks = c.std.simple_assessment_weeks
    if weeks <= 0:
        return
    for a in c.facts.assessments:
        if not a.is_simple or (a.completed_on is None and a.status == AssessmentStatus.AFSLUTTET):
            continue
        due_day = min(
            a.started_on + timedelta(weeks=weeks), add_months(a.aware_on, c.std.assessment_months)
        )
        yield make(
            c,
            "undersoegelse_simpel_6_uger",
            a.id,
            trigger=start_of_day(a.started_on),
            due=end_of_day(due_day),
            done_at=None if a.completed_on is None else start_of_day(a.completed_on),
            fulfilled_by="Undersøgelsen afsluttet",
        )


def home_visit(c: Ctx) -> Iterator[Deadline]:
    """Local standard (Slagelse 2008 standards, section 2 "Hjemmebesøg"; not a paragraph of the
    law — §20 stk. 2 is about starting an undersøgelse): a børnefaglig undersøgelse includes at
    least one hjemmebesøg; if none happened, the reason is documented (then the deadline is
    excepted with that reason). The visit is a hjemmebesøg registered as a meeting, or the day
    the undersøgelse's own form records (``home_visit_on``), whichever came first."""
    for a in c.facts.assessments:
        due_day = add_months(a.aware_on, c.std.assessment_months)
        if a.completed_on is not None:
            due_day = min(due_day, a.completed_on)
        start = start_of_day(a.started_on)
        visits = [first_held_after(c, MeetingKind.HJEMMEBESOEG, start)]
        if a.home_visit_on is not None and a.home_visit_on >= a.started_on:
            visits.append(start_of_day(a.home_visit_on))
        visit = min((v for v in visits if v is not None), default=None)
        if visit is not None and a.completed_on is not None and local_date(visit) > a.completed_on:
            visit = None  # after the undersøgelse was finished: it does not count (a late one does)
        d = make(
            c,
            "hjemmebesoeg_undersoegelse",
            a.id,
            trigger=start,
            due=end_of_day(due_day),
            done_at=visit,
            fulfilled_by="Hjemmebesøg registreret",
        )
        if d.status != DeadlineStatus.OPFYLDT and a.no_home_visit_reason.strip():
            d = excepted(d, a.no_home_visit_reason.strip())
        yield d
