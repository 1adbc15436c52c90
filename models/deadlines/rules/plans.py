"""The deadlines of barnets plan, the ungeplan and ungestøtte (Barnets Lov §§91, 108, 111)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from models.dates import add_months
from models.deadlines.rules.base import (
    SUPPORT,
    Ctx,
    end_of_day,
    make,
    missing,
    placements_of,
    start_of_day,
)
from models.deadlines.types import (
    AnyPlan,
    Deadline,
)
from models.vocabulary import (
    DeadlineAckKind,
    LegalBasis,
    PlanKind,
    PlanStatus,
)

# -- plans ---------------------------------------------------------------------------------


def _approved(plans: Iterable[AnyPlan], kinds: tuple[PlanKind, ...]) -> list[AnyPlan]:
    return sorted(
        (
            p
            for p in plans
            if p.kind in kinds
            and p.approved_on is not None
            and p.status in (PlanStatus.GAELDENDE, PlanStatus.ERSTATTET)
        ),
        key=lambda p: p.approved_on,  # type: ignore[arg-type, return-value]
    )


def child_plan(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §91: barnets plan within 3 months of the decision on support. Mandatory for a
    placement (§91 stk. 2); for §32 support the municipality decides whether a plan is made
    (§91 stk. 1) — a decision not to make one is recorded as an exception with its reason.
    For a placement without consent (§47) the plan is made before the decision."""
    plans = _approved(c.facts.plans, (PlanKind.HANDLEPLAN, PlanKind.BARNETS_PLAN))
    for i in c.facts.interventions:
        if i.legal_basis not in SUPPORT:
            continue
        if i.decided_on is None:
            yield missing(c, "barnets_plan_3_maaneder", i.id, "afgørelsesdato", "Barnets plan")
            continue
        title: str | None = None
        if i.legal_basis == LegalBasis.BL47:
            due_day = i.decided_on
            window_start = add_months(i.decided_on, -c.std.plan_months)
            title = "Barnets plan før afgørelse om anbringelse uden samtykke"
        else:
            due_day = add_months(i.decided_on, c.std.plan_months)
            window_start = i.decided_on
            title = (
                None
                if (i.is_placement or i.legal_basis == LegalBasis.BL46)
                else ("Barnets plan – eller beslutning om ingen plan (§32)")
            )
        matching = [p for p in plans if p.decision_on == i.decided_on] or [
            p for p in plans if p.approved_on is not None and p.approved_on >= window_start
        ]
        done = matching[0].approved_on if matching else None
        yield make(
            c,
            "barnets_plan_3_maaneder",
            i.id,
            trigger=start_of_day(min(i.decided_on, due_day)),
            due=end_of_day(due_day),
            done_at=None if done is None else start_of_day(done),
            fulfilled_by="Barnets plan godkendt",
            title=title,
        )


def youth_plan(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §108: from 16, a decision on an ungeplan — within 3 months of the decision on
    support or of the 16th birthday (§108 stk. 3); mandatory when the young person is placed.
    For a placement without consent (§47) decided from 16, the ungeplan is made before the
    decision (§108 stk. 4), as barnets plan is (§91): due on the decision day."""
    support = [i for i in c.facts.interventions if i.legal_basis in SUPPORT]
    if not support:
        return
    born = c.facts.child.birth_date
    if born is None:
        if not c.facts.child.unborn:
            yield missing(c, "ungeplan_16_aar", c.facts.child.id, "barnets fødselsdato", "Ungeplan")
        return
    sixteen, eighteen = add_months(born, 16 * 12), add_months(born, 18 * 12)
    if c.today < add_months(sixteen, -12) or c.today >= eighteen:
        return
    relevant = [i for i in support if i.end_on is None or i.end_on >= sixteen]
    if not relevant:
        return
    decided = min((i.decided_on or i.start_on) for i in relevant)
    trigger = max(sixteen, decided)
    due_day = add_months(trigger, c.std.youth_plan_months)
    title: str | None = None
    without_consent = sorted(
        i.decided_on
        for i in relevant
        if i.legal_basis == LegalBasis.BL47 and i.decided_on is not None and i.decided_on >= sixteen
    )
    if without_consent and without_consent[0] <= due_day:
        due_day = without_consent[0]
        trigger = min(trigger, due_day)
        title = "Ungeplan før afgørelse om anbringelse uden samtykke"
    plans = _approved(c.facts.plans, (PlanKind.UNGEPLAN,))
    yield make(
        c,
        "ungeplan_16_aar",
        c.facts.child.id,
        trigger=start_of_day(trigger),
        due=end_of_day(due_day),
        done_at=None
        if not plans or plans[0].approved_on is None
        else start_of_day(plans[0].approved_on),
        fulfilled_by="Ungeplan godkendt",
        title=title,
    )


def youth_support_decision(c: Ctx) -> Iterator[Deadline]:
    """Barnets Lov §111 stk. 1: for a placed young person, the decision on ungestøtte (§§114–116
    and 120) is made at least 6 months before the placement ends at 18."""
    placements = [p for p in placements_of(c) if p.end_on is None or p.end_on >= c.today]
    if not placements:
        return
    born = c.facts.child.birth_date
    if born is None:
        yield missing(c, "ungestoette_18_aar", c.facts.child.id, "barnets fødselsdato", "Afgørelse")
        return
    eighteen = add_months(born, 18 * 12)
    if c.today < add_months(eighteen, -24) or c.today >= eighteen:
        return
    due_day = add_months(eighteen, -c.std.youth_support_decision_months_before_18)
    start = min(p.start_on for p in placements)
    decisions = sorted(
        i.decided_on
        for i in c.facts.interventions
        if i.legal_basis == LegalBasis.BL114 and i.decided_on is not None
    )
    acked = sorted(
        a.acknowledged_at
        for a in c.facts.acks
        if a.rule == "ungestoette_18_aar" and a.kind == DeadlineAckKind.KVITTERET
    )
    done = [start_of_day(decisions[0])] if decisions else []
    done += acked[:1]
    yield make(
        c,
        "ungestoette_18_aar",
        c.facts.child.id,
        trigger=start_of_day(min(start, due_day)),
        due=end_of_day(due_day),
        done_at=min(done) if done else None,
        fulfilled_by="Afgørelse om ungestøtte truffet",
    )
