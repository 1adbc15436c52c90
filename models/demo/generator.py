"""``generate``: the staff, a plan of stages, the cases built in batches and written through
the tracker (outbox and access log), the history settled, and the summary."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import services, settings
from models.deadlines.calendar import DK, local_date
from models.demo import texts
from models.demo.builder import CaseBuilder
from models.demo.common import (
    BATCH,
    DECIDED,
    EARLY,
    EXTRA_STAGES,
    STAGE_WEIGHTS,
    Ctx,
    Staff,
    dk,
)
from models.demo.history import settle_history
from models.demo.summary import DemoSummary
from models.errors import ValidationError
from models.schema import AuditEvent, Base, Case, ChangeEntry, Person, User
from models.vault import Vault
from models.vocabulary import CaseStage, NotifierKind, NotifierSector, UserRole


def _teams() -> list[tuple[str, tuple[str, ...]]]:
    return [(name, tuple(d)) for name, d in texts.get("places.teams").items()]


def _write(session: Session, builders: Sequence[CaseBuilder], counts: Counter[str]) -> None:
    """Three flushes per batch of cases, in foreign-key order (persons, then the case rows,
    then rows pointing at plans and meetings); the tracker adds outbox and audit rows."""
    phases: tuple[list[Base], ...] = ([], [], [])
    for b in builders:
        phases[0].extend(b.persons)
        phases[1].extend(b.rows)
        phases[1].extend(b.notes)
        phases[2].extend(b.late)
    for rows in phases:
        session.add_all(rows)
        session.flush()
        for row in rows:
            counts[type(row).__tablename__] += 1
    for b in builders:
        if b.correction:
            _correct(session, b, counts)


def _correct(session: Session, builder: CaseBuilder, counts: Counter[str]) -> None:
    """A correction of a finalised note goes through the service layer, as the app does it."""
    home_visit = texts.text("undersoegelse.home_visit.title")
    finals = [n for n in builder.notes if n.finalised_at is not None and n.title == home_visit]
    finals = finals or [n for n in builder.notes if n.finalised_at is not None]
    if not finals:
        return
    original = finals[0]
    day = dk(original.written_at.date())
    key = "home_visit" if original.title == home_visit else "other"
    body = texts.text(f"journal.correction.{key}").format(dato=day, titel=original.title)
    # The demo's notes follow its own "today", not the real clock.
    at = min(original.written_at + timedelta(days=1), builder.ctx.anchor - timedelta(minutes=5))
    note = services.correct_note(
        session,
        original,
        texts.text("journal.correction.title").format(dato=day),
        body,
        written_at=at,
        note_id=builder.ctx.uid(),
    )
    services.update(
        session,
        note,
        author=builder.worker.username,
        finalised_at=at + timedelta(minutes=5),
        kind=original.kind,
    )
    counts["journal_note"] += 1


def _staff(session: Session, vault: Vault, ctx: Ctx, counts: Counter[str]) -> None:
    """A handful of caseworkers and team leads; the vault's own user is one of the caseworkers.
    A vault that already has caseworkers keeps its staff, and the new cases go to them."""
    r = ctx.rng
    teams = _teams()
    users = session.scalars(select(User).order_by(User.username)).all()
    if any(u.role is UserRole.RAADGIVER for u in users):
        by_name = dict(teams)
        all_districts = tuple(dict.fromkeys(d for _t, ds in teams for d in ds))
        for u in users:
            own = tuple(r.sample(by_name.get(u.team, all_districts), k=1))
            staff = Staff(u.id, u.username, u.display_name, u.team or teams[0][0], own)
            if u.role is UserRole.RAADGIVER:
                ctx.caseworkers.append(staff)
            elif u.role is UserRole.TEAMLEDER:
                ctx.leads.append(staff)
        return
    taken = {u.username for u in users}
    wanted: list[tuple[str, str, UserRole, int]] = []
    if vault.user:
        wanted.append(
            (
                vault.user,
                settings.get(vault, settings.DISPLAY_NAME) or vault.user,
                UserRole.RAADGIVER,
                0,
            )
        )
    for i in range(6 - len(wanted)):
        wanted.append(("", ctx.name(), UserRole.RAADGIVER, (i + 1) % len(teams)))
    for i in range(2):
        wanted.append(("", ctx.name(), UserRole.TEAMLEDER, i))
    new: list[User] = []
    for given, name, role, team_no in wanted:
        initials = "".join(part[0] for part in name.split()[:3]).lower()
        username, n = given or initials, 1
        while username in taken:
            n += 1
            username = f"{initials}{n}"
        taken.add(username)
        team, districts = teams[team_no]
        user = User(
            id=ctx.uid(),
            username=username,
            display_name=name,
            initials=initials.upper(),
            role=role,
            team=team,
        )
        new.append(user)
        staff = Staff(user.id, username, name, team, tuple(r.sample(districts, k=r.choice((1, 2)))))
        (ctx.caseworkers if role is UserRole.RAADGIVER else ctx.leads).append(staff)
    session.add_all(new)
    session.flush()
    counts["user"] += len(new)


def _plan_stages(rng: random.Random, cases: int) -> list[CaseStage]:
    """Every stage at least once (from ten cases), a second case in the stages whose deadline
    variants the demo must show, the rest weighted like a real caseload."""
    base = list(CaseStage)
    if cases > len(base):
        base += list(EXTRA_STAGES)
    plan = base[:cases]
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    plan += rng.choices(stages, weights=weights, k=max(0, cases - len(plan)))
    rng.shuffle(plan)
    return plan


def _moment(today: date | None, now: datetime | None) -> tuple[date, datetime]:
    """The day and the moment of generation (see ``generate``), checked."""
    real_now = datetime.now(UTC)
    if now is None:
        if today is not None and today < local_date(real_now):
            now = datetime.combine(today, time(12, 0), DK).astimezone(UTC)
        else:
            now = real_now
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    today = today or local_date(now)
    if today > local_date(real_now) or now > real_now + timedelta(minutes=1):
        raise ValidationError("validation.future_date", field="today")
    if today != local_date(now):
        raise ValueError("today must be the Danish date of now")
    return today, now


def generate(
    vault: Vault,
    *,
    cases: int = 60,
    seed: int = 1,
    today: date | None = None,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill ``vault`` with ``cases`` invented cases. The same ``seed`` and ``today`` give the same
    rows (ids included) in an empty vault; a vault that already holds cases gets new ones.

    Nothing that happened lies after ``now`` (default: the real moment): "today" is the Danish
    date of ``now``, and what happened today happened before ``now`` (so a demo made at 00:05
    has no event at 05:00). A past ``today`` alone means noon of that day (Danish time);
    ``today`` must not lie after the real date (the service layer refuses future dates)."""
    today, now = _moment(today, now)
    if cases < 0:
        raise ValueError("cases must not be negative")
    # Faker (and its locale data) is loaded only when a demo is made, never by the app itself.
    from faker import Faker

    with vault.session() as session:
        before_changes = session.scalar(select(func.count()).select_from(ChangeEntry)) or 0
        before_audit = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        used_numbers = set(session.scalars(select(Case.case_number)))
        used_cpr = {c for c in session.scalars(select(Person.cpr)) if c}
    # A second run into the same vault must not reuse the first run's ids.
    rng = random.Random(f"{seed}:{len(used_numbers)}" if used_numbers else seed)
    fake = Faker("da_DK")
    fake.seed_instance(seed)
    ctx = Ctx(rng=rng, fake=fake, today=today, anchor=now.astimezone(UTC))
    ctx.used_numbers, ctx.used_cpr = used_numbers, used_cpr
    ctx.schools = [f"{w}skolen" for w in texts.texts("places.school_words")] + [
        f"{fake.city()} Skole" for _ in range(6)
    ]
    prefix = texts.text("places.daycare_prefix")
    ctx.daycares = [f"{prefix} {w}" for w in texts.texts("places.daycare_words")]
    ctx.clinics = list(texts.texts("places.clinics"))
    ctx.pending_notifiers = [
        (NotifierKind.FAGPERSON, NotifierSector.SKOLE),
        (NotifierKind.FAGPERSON, NotifierSector.DAGTILBUD),
        (NotifierKind.FAGPERSON, NotifierSector.SUNDHED),
        (NotifierKind.FAGPERSON, NotifierSector.POLITI),
        (NotifierKind.FAGPERSON, NotifierSector.SOCIALFORVALTNING),
        (NotifierKind.FAGPERSON, NotifierSector.ANDEN),
        (NotifierKind.BORGER, NotifierSector.FAMILIE),
        (NotifierKind.BORGER, NotifierSector.NABO),
        (NotifierKind.ANONYM, None),
    ]
    counts: Counter[str] = Counter()
    with vault.session() as session:
        _staff(session, vault, ctx, counts)

    stages = _plan_stages(rng, cases)
    seen: Counter[CaseStage] = Counter()
    variants = []
    for s in stages:
        variants.append(seen[s])
        seen[s] += 1
    # The special children: one or two unborn, two without a CPR number, corrected notes.
    unborn = [
        i
        for i, s in enumerate(stages)
        if s in (CaseStage.VURDERING, CaseStage.UNDERRETNINGSMOEDE) and variants[i] >= 1
    ][:1]
    unborn += [
        i for i, s in enumerate(stages) if s is CaseStage.UNDERSOEGELSE and variants[i] >= 3
    ][:1]
    if not unborn:
        unborn = [i for i, s in enumerate(stages) if s in EARLY][:1]
    no_cpr = [i for i, s in enumerate(stages) if s in EARLY[1:] + DECIDED[:2] and i not in unborn][
        :2
    ]
    corrections = [
        i
        for i, s in enumerate(stages)
        if s in (CaseStage.UNDERSOEGELSE, CaseStage.OPFOELGNING) and variants[i] == 0
    ]

    for start in range(0, cases, BATCH):
        with vault.session() as session:
            builders = []
            for i in range(start, min(start + BATCH, cases)):
                builder = CaseBuilder(
                    ctx,
                    stages[i],
                    variants[i],
                    unborn=i in unborn,
                    no_cpr=i in no_cpr,
                    correction=i in corrections,
                )
                builder.build()
                builders.append(builder)
            _write(session, builders, counts)

    settle_history(vault, ctx, now, counts)

    with vault.session() as session:
        counts["change_entry"] = (
            session.scalar(select(func.count()).select_from(ChangeEntry)) or 0
        ) - before_changes
        counts["audit_event"] = (
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        ) - before_audit
    from models.deadlines.service import all_deadlines
    from models.deadlines.types import DeadlineStatus

    with vault.reading() as session:
        statuses = Counter(d.status for d in all_deadlines(session, now))
    return DemoSummary(
        seed=seed,
        today=today,
        cases=cases,
        tables=dict(sorted(counts.items())),
        stages={s: seen[s] for s in CaseStage if seen[s]},
        deadlines={s: statuses[s] for s in DeadlineStatus if statuses[s]},
    )
