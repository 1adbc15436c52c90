"""The deadline facts read with Core queries (``models.deadlines.facts``) are the facts the ORM
gave, row for row and in the same order, and so give the same deadlines: a 120-case demo vault
made varied on purpose (simple undersøgelser, §138 stk. 2 feedback, tilsyn, acknowledgements,
exceptions and "met" marks, tombstones, a deleted and a closed case, a child without a birth
date, a wrong clock, a text too long, two follow-ups done the same day) is compared with the
per-case ORM path the loader replaced, for all cases, one case, one caseworker and several
moments and settings."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import demo, services
from models.deadlines import CaseFacts, Deadline, Standards, check_facts, compute
from models.deadlines.calendar import DK
from models.deadlines.engine import invalid_dates
from models.deadlines.facts import BY_ID, PER_CASE, load_facts
from models.deadlines.service import (
    _compute,
    acknowledge,
    all_deadlines,
    deadlines_for_case,
    except_deadline,
    meet_deadline,
)
from models.errors import ValidationError
from models.gc_pause import collector_paused
from models.keyfile import KdfParams
from models.schema import (
    Assessment,
    Case,
    FollowUp,
    Intervention,
    JournalNote,
    Meeting,
    Notification,
    Person,
    User,
)
from models.vault import Vault
from models.vocabulary import MeetingKind, NotifierKind, StepStatus
from tests.conftest import PASSPHRASE

NOW = datetime.combine(date(2026, 11, 20), time(10, 30), DK)
MOMENTS = [
    NOW,
    NOW + timedelta(days=45),  # later: more overdue, fewer in good time
    datetime.combine(date(2027, 3, 28), time(2, 30), UTC),  # the night summer time begins
]


# -- the path the loader replaced: ORM objects per case ----------------------------------------


def orm_facts(
    session: Session, case_ids: Sequence[str] | None = None, *, assigned_to: str | None = None
) -> list[CaseFacts]:
    """The former ``load_facts``: whole ORM rows, grouped by case."""
    query = select(Case, Person).join(Person, Person.id == Case.child_id)
    query = query.where(Case.deleted_at.is_(None))
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    if assigned_to is not None:
        query = query.where(Case.assigned_to == assigned_to)
    pairs = session.execute(query.order_by(Case.case_number)).all()
    ids = [case.id for case, _ in pairs]
    grouped: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for name, (cls, _record) in PER_CASE.items():
        where = [cls.deleted_at.is_(None)]
        if case_ids is not None or assigned_to is not None:
            where.append(cls.case_id.in_(ids))
        query = select(cls).where(*where)
        if name in BY_ID:
            query = query.order_by(cls.case_id, cls.id)
        for row in session.scalars(query):
            grouped[row.case_id][name].append(row)
    return [
        CaseFacts(
            case=case,
            child=child,
            **{name: tuple(grouped[case.id][name]) for name in PER_CASE},
        )
        for case, child in pairs
    ]


def orm_all_deadlines(
    facts: list[CaseFacts], now: datetime, standards: Standards | None = None
) -> list[Deadline]:
    """The former ``all_deadlines`` over ORM facts."""
    out: list[Deadline] = []
    for f in facts:
        try:
            check_facts(f, now)
        except ValidationError as exc:
            out.append(invalid_dates(f, exc))
            continue
        out.extend(compute(f, now, standards))
    return sorted(out, key=Deadline.sort_key)


def strict(deadlines: list[Deadline]) -> list[str]:
    """Equal and alike: ``repr`` shows each moment's zone too (``==`` compares instants)."""
    return [repr(d) for d in deadlines]


# -- a varied vault ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    profile: Path = tmp_path_factory.mktemp("facts") / "profil"
    vault = Vault.create(profile, PASSPHRASE, user="test.raadgiver", kdf=KdfParams.fast())
    try:
        demo.generate(vault, cases=120, seed=23, now=NOW)
        _vary(vault)
        yield vault
    finally:
        vault.close()


def _vary(vault: Vault) -> None:
    with vault.reading() as s:
        cases = list(s.scalars(select(Case).order_by(Case.case_number)))
        assessments = list(s.scalars(select(Assessment).order_by(Assessment.id)))
        runs = list(
            s.scalars(
                select(FollowUp).where(FollowUp.decided_on.is_not(None)).order_by(FollowUp.id)
            )
        )
        deadlines = orm_all_deadlines(orm_facts(s), NOW)
        note_of = {n.case_id: n.id for n in s.scalars(select(JournalNote))}
    open_ = [d for d in deadlines if d.is_open and d.subject_id is not None]
    assert len(open_) > 12 and len(assessments) > 10 and len(runs) > 3
    with vault.session() as s:
        for a in assessments[::3]:  # simple undersøgelser (migration 0006)
            services.update(s, s.get_one(Assessment, a.id), is_simple=True)
        for d in open_[0:4]:
            acknowledge(s, d.case_id, d.rule, d.subject_id, at=NOW - timedelta(days=1))
        for d in open_[4:8]:
            except_deadline(s, d.case_id, d.rule, d.subject_id, "Dokumenteret undtagelse", at=NOW)
        for d in open_[8:12]:
            if d.case_id in note_of:
                meet_deadline(
                    s, d.case_id, d.rule, d.subject_id, "journal_note", note_of[d.case_id], now=NOW
                )
        services.soft_delete(s, s.get_one(Case, cases[0].id))
        services.update(s, s.get_one(Case, cases[1].id), closed_on=NOW.date() - timedelta(days=3))
        gone = s.scalars(select(Notification).where(Notification.case_id == cases[2].id)).first()
        if gone is not None:
            services.soft_delete(s, gone)
        meeting = s.scalars(select(Meeting).where(Meeting.held_at.is_not(None))).first()
        assert meeting is not None
        services.soft_delete(s, meeting)
    with vault.session(sync_apply=True) as s:
        # What the save-time check would refuse, arriving from another device.
        child = s.get_one(Person, cases[3].child_id)
        child.birth_date = None
        child.unborn = False
        s.add(
            Notification(
                case_id=cases[4].id,
                received_at=NOW + timedelta(days=400),  # a wrong clock
                notifier_kind=NotifierKind.FAGPERSON,
            )
        )
        s.add(
            Notification(
                case_id=cases[5].id,
                received_at=NOW - timedelta(days=9),
                notifier_kind=NotifierKind.FAGPERSON,
                notifier_name="x" * 5000,  # longer than the column holds
                feedback_sent_on=NOW.date() - timedelta(days=2),
            )
        )
        s.get_one(Intervention, _any_id(s, Intervention, cases[6:])).title = "y" * 400
        first = s.get_one(FollowUp, runs[0].id)
        twin = FollowUp(
            case_id=first.case_id,
            due_on=first.due_on,
            decided_on=first.decided_on,
            child_conversation=StepStatus.UDFOERT,
            meeting=StepStatus.UDFOERT,
            written_plan=StepStatus.UDFOERT,
            hearing=StepStatus.UDFOERT,
            hearing_sent_on=first.decided_on,
            evidence={"hearing": {"comments_received_on": str(first.decided_on)}},
        )
        s.add(twin)  # done the same day: which run is "last" follows the rows' order


def _any_id(s: Session, cls: Any, cases: list[Case]) -> str:
    ids = [c.id for c in cases]
    row = s.scalars(select(cls).where(cls.case_id.in_(ids), cls.deleted_at.is_(None))).first()
    assert row is not None
    return str(row.id)


# -- the comparisons --------------------------------------------------------------------------


def assert_same_facts(core: list[CaseFacts], orm: list[CaseFacts]) -> None:
    assert [f.case.id for f in core] == [f.case.id for f in orm]
    for c, o in zip(core, orm, strict=True):
        for name in ("case", "child", *PER_CASE):
            core_rows = getattr(c, name) if name in PER_CASE else (getattr(c, name),)
            orm_rows = getattr(o, name) if name in PER_CASE else (getattr(o, name),)
            assert [r.id for r in core_rows] == [r.id for r in orm_rows], name
            for record, row in zip(core_rows, orm_rows, strict=True):
                assert record.__tablename__ == row.__tablename__
                for field in record._fields:
                    assert getattr(record, field) == getattr(row, field), (name, field)


def test_the_vault_is_varied(varied: Vault) -> None:
    with varied.reading() as s:
        facts = load_facts(s)
        deadlines = all_deadlines(s, NOW)
    rules = {d.rule for d in deadlines}
    for rule in (
        "tilbagemelding_underretter",
        "undersoegelse_simpel_6_uger",
        "tilsyn_2_om_aaret",
        "kvittering_underretter",
        "ugyldige_datoer",
        "loebende_opfoelgning",
        "partshoering_svar",
    ):
        assert rule in rules
    assert any(d.acknowledged for d in deadlines)
    assert any(d.fulfilled_by.startswith("Markeret opfyldt") for d in deadlines)
    assert {d.reason for d in deadlines} >= {"Dokumenteret undtagelse"}
    assert any(f.child.birth_date is None for f in facts)
    assert any(f.case.closed_on is not None for f in facts)
    # A text longer than its column moves no deadline (it is refused where it is saved, pushed,
    # received or imported): that case's deadlines are counted, none reports the text.
    assert not any("validation.too_long" in m for d in deadlines for m in d.missing)
    with varied.reading() as s:
        long_named = s.scalars(
            select(Notification.id).where(func.length(Notification.notifier_name) > 200)
        ).one()
    assert {d.rule for d in deadlines if d.subject_id == long_named} >= {
        "underretning_24_timer",
        "tilbagemelding_underretter",
    }


def test_core_facts_are_the_orm_facts(varied: Vault) -> None:
    with varied.reading() as s:
        assert_same_facts(load_facts(s), orm_facts(s))
        ids = [c.id for c in s.scalars(select(Case))]
        assert_same_facts(load_facts(s, ids[::7]), orm_facts(s, ids[::7]))
        assert load_facts(s, []) == []


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.date().isoformat())
@pytest.mark.parametrize("municipality", ["standard", "halsnaes", "slagelse"])
def test_all_deadlines_are_those_of_the_orm_path(
    varied: Vault, now: datetime, municipality: str
) -> None:
    from models.deadlines.standards import load

    standards = load(municipality)
    with varied.reading() as s:
        expected = orm_all_deadlines(orm_facts(s), now, standards)
        assert strict(all_deadlines(s, now, standards)) == strict(expected)
    closed = replace(standards, closed_on_optional_holidays=True, soon_days=14)
    with varied.reading() as s:
        expected = orm_all_deadlines(orm_facts(s), now, closed)
        assert strict(all_deadlines(s, now, closed)) == strict(expected)


def test_one_case_is_as_the_orm_path(varied: Vault) -> None:
    """Every case alone, as the case window and `feltmappe deadlines --case` ask: the same
    deadlines, or the same error naming the same row and field."""
    with varied.reading() as s:
        orm = orm_facts(s)
        for facts in orm:
            try:
                check_facts(facts, NOW)
            except ValidationError as exc:
                with pytest.raises(ValidationError) as err:
                    deadlines_for_case(s, facts.case.id, NOW)
                assert (err.value.code, err.value.params) == (exc.code, exc.params)
                continue
            expected = compute(facts, NOW)
            assert strict(deadlines_for_case(s, facts.case.id, NOW)) == strict(expected)


def test_one_caseworkers_cases_and_a_moment_in_the_past(varied: Vault) -> None:
    """`assigned_to` ("I dag") and `present` (`--now` before the present) on the new facts."""
    earlier = NOW - timedelta(days=120)
    with varied.reading() as s:
        users = list(s.scalars(select(User.id)))
        assert users
        for user in users:
            orm = orm_facts(s, assigned_to=user)
            assert_same_facts(load_facts(s, assigned_to=user), orm)
            assert strict(all_deadlines(s, NOW, assigned_to=user)) == strict(
                orm_all_deadlines(orm, NOW)
            )
        expected: list[Deadline] = []
        for facts in orm_facts(s):
            try:
                check_facts(facts, NOW)
            except ValidationError as exc:
                expected.append(invalid_dates(facts, exc))
                continue
            expected.extend(_compute(facts, earlier, NOW, None))
        got = all_deadlines(s, earlier, present=NOW)
        assert strict(got) == strict(sorted(expected, key=Deadline.sort_key))


def test_the_whole_vault_read_from_sqlite_gives_what_the_orm_query_gives(tmp_path: Path) -> None:
    """Every case's rows are read on the driver's cursor and converted per column type; a
    subset goes through SQLAlchemy's result processing. Both must give equal records."""
    with Vault.create(tmp_path / "p", PASSPHRASE, user="t", kdf=KdfParams.fast()) as vault:
        demo.generate(vault, cases=30, seed=3, today=date(2026, 11, 25))
        with vault.session() as s:
            everything = load_facts(s)
            ids = [f.case.id for f in everything]
            by_ids = load_facts(s, ids)
    assert len(everything) == 30
    assert everything == by_ids
    kinds = {type(v) for f in everything for m in f.meetings for v in (m.kind, m.held_at)}
    assert datetime in kinds and MeetingKind in kinds  # converted, not SQLite's text


def test_the_collector_pause_nests_and_restores() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_the_engines_columns_are_read_from_covering_indexes(varied: Vault) -> None:
    """The underretninger, undersøgelser and meetings of every case are read from an index of
    exactly the columns the engine's records have (vault 0010): a field added to a record and
    not to its index would read every row's pages again."""
    from models.deadlines.facts import _raw_statement
    from models.schema import Base

    for name in ("notifications", "assessments", "meetings"):
        cls, record = PER_CASE[name]
        index = next(
            i for i in Base.metadata.tables[cls.__tablename__].indexes if "deadline_facts" in i.name
        )
        assert [c.name for c in index.columns] == list(record._fields), name
        sql, _converters = _raw_statement(name)
        with varied.reading() as s:
            plan = " ".join(
                str(r) for r in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            )
        assert f"INDEX {index.name}" in plan, plan
