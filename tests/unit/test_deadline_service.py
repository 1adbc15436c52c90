"""Deadlines from a real vault: a 20-case demo vault, the lists the screens show (all cases,
one case, one caseworker's), exceptions and acknowledgements as synced rows, and impossible
dates refused with an error naming the field instead of turned into a wrong deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import demo
from models.deadlines import Deadline, DeadlineStatus
from models.deadlines.service import (
    acknowledge,
    all_deadlines,
    deadlines_for_case,
    except_deadline,
)
from models.deadlines.types import STATUS_URGENCY
from models.errors import ValidationError
from models.schema import Assessment, Case, ChangeEntry, DeadlineAck, Notification
from models.vault import Vault
from models.vocabulary import AssessmentStatus, DeadlineAckKind, NotifierKind

TODAY = date(2025, 6, 2)
NOW = datetime.combine(TODAY, time(12, 0), UTC)


@pytest.fixture
def demo_vault(vault: Vault) -> Vault:
    demo.generate(vault, cases=20, seed=11, today=TODAY)
    return vault


def _open_overdue(session: Session) -> Deadline:
    """An overdue deadline with a subject (the one a caseworker would except)."""
    return next(
        d
        for d in all_deadlines(session, NOW)
        if d.status == DeadlineStatus.OVERSKREDET and d.subject_id is not None
    )


def _one(deadlines: list[Deadline], rule: str, subject_id: str | None) -> Deadline:
    (d,) = [d for d in deadlines if (d.rule, d.subject_id) == (rule, subject_id)]
    return d


# -- lists ----------------------------------------------------------------------------------


def test_all_deadlines_cover_many_cases_most_urgent_first(demo_vault: Vault) -> None:
    with demo_vault.session() as s:
        out = all_deadlines(s, NOW)
    assert len({d.case_id for d in out}) >= 12
    statuses = [d.status for d in out]
    assert DeadlineStatus.OVERSKREDET in statuses
    assert DeadlineStatus.SNART in statuses
    ranks = [STATUS_URGENCY[st] for st in statuses]
    assert ranks == sorted(ranks)
    last_overdue = max(i for i, st in enumerate(statuses) if st == DeadlineStatus.OVERSKREDET)
    first_soon = statuses.index(DeadlineStatus.SNART)
    assert last_overdue < first_soon
    if DeadlineStatus.OK in statuses:
        assert max(i for i, st in enumerate(statuses) if st == DeadlineStatus.SNART) < (
            statuses.index(DeadlineStatus.OK)
        )
    assert out == sorted(out, key=Deadline.sort_key)
    # Within one status, the earliest due first.
    overdue = [d.due for d in out if d.status == DeadlineStatus.OVERSKREDET]
    assert overdue == sorted(overdue)  # type: ignore[type-var]


def test_one_case_by_id_or_by_case_number(demo_vault: Vault) -> None:
    with demo_vault.session() as s:
        everything = all_deadlines(s, NOW)
        case_id = _open_overdue(s).case_id
        number = s.get(Case, case_id).case_number  # type: ignore[union-attr]
        by_id = deadlines_for_case(s, case_id, NOW)
        by_number = deadlines_for_case(s, number, NOW)
    assert by_id
    assert by_id == by_number
    assert by_id == [d for d in everything if d.case_id == case_id]


def test_assigned_to_keeps_one_caseworkers_cases(demo_vault: Vault) -> None:
    with demo_vault.session() as s:
        everything = all_deadlines(s, NOW)
        owner = {c.id: c.assigned_to for c in s.scalars(select(Case))}
        worker = owner[everything[0].case_id]
        assert worker is not None
        mine = all_deadlines(s, NOW, assigned_to=worker)
        nobody = all_deadlines(s, NOW, assigned_to="ingen-saadan-bruger")
    assert mine
    assert {d.case_id for d in mine} < {d.case_id for d in everything}
    assert all(owner[d.case_id] == worker for d in mine)
    assert mine == [d for d in everything if owner[d.case_id] == worker]
    assert nobody == []


# -- exceptions and acknowledgements ---------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_an_exception_needs_a_reason(demo_vault: Vault, reason: str) -> None:
    with demo_vault.session() as s:
        d = _open_overdue(s)
        with pytest.raises(ValidationError) as err:
            except_deadline(s, d.case_id, d.rule, d.subject_id, reason, at=NOW)
    assert err.value.code == "validation.required"
    assert err.value.params["field"] == "reason"


def test_an_exception_of_an_unknown_rule_is_refused(demo_vault: Vault) -> None:
    with demo_vault.session() as s:
        before = len(s.scalars(select(DeadlineAck)).all())
        d = _open_overdue(s)
        with pytest.raises(ValidationError) as err:
            except_deadline(s, d.case_id, "ingen_saadan_frist", d.subject_id, "Begrundelse")
        with pytest.raises(ValidationError) as err2:
            acknowledge(s, d.case_id, "ingen_saadan_frist", d.subject_id)
    assert err.value.code == err2.value.code == "deadline.unknown_rule"
    assert err.value.params["rule"] == "ingen_saadan_frist"
    with demo_vault.session() as s:
        assert len(s.scalars(select(DeadlineAck)).all()) == before


def test_an_exception_is_a_synced_row_and_the_deadline_shows_its_reason(
    demo_vault: Vault,
) -> None:
    reason = "Familien er flyttet til udlandet; sagen overgår."
    with demo_vault.session() as s:
        d = _open_overdue(s)
        ack = except_deadline(s, d.case_id, d.rule, d.subject_id, f"  {reason} ", at=NOW)
        ack_id = ack.id
    with demo_vault.session() as s:
        stored = s.get(DeadlineAck, ack_id)
        assert stored is not None
        assert (stored.case_id, stored.rule, stored.subject_id) == (
            d.case_id,
            d.rule,
            d.subject_id,
        )
        assert (stored.kind, stored.reason) == (DeadlineAckKind.UNDTAGET, reason)
        # Through the tracker: an outbox entry, so it reaches the server and other laptops.
        (entry,) = s.scalars(select(ChangeEntry).where(ChangeEntry.row_id == ack_id)).all()
        assert (entry.table, entry.op, entry.case_id) == ("deadline_ack", "insert", d.case_id)
        after = _one(deadlines_for_case(s, d.case_id, NOW), d.rule, d.subject_id)
        before_it = _one(
            deadlines_for_case(s, d.case_id, NOW - timedelta(minutes=1)), d.rule, d.subject_id
        )
    assert (after.status, after.reason) == (DeadlineStatus.UNDTAGET, reason)
    assert after.due == d.due
    assert before_it.status == DeadlineStatus.OVERSKREDET  # not before it was recorded


def test_an_acknowledgement_marks_the_deadline_seen(demo_vault: Vault) -> None:
    with demo_vault.session() as s:
        d = _open_overdue(s)
        assert not d.acknowledged
        ack = acknowledge(s, d.case_id, d.rule, d.subject_id, note="Set", at=NOW)
        assert ack.kind == DeadlineAckKind.KVITTERET
        after = _one(deadlines_for_case(s, d.case_id, NOW), d.rule, d.subject_id)
        assert s.scalars(select(ChangeEntry).where(ChangeEntry.row_id == ack.id)).one()
    assert after.acknowledged
    assert after.status == DeadlineStatus.OVERSKREDET  # seen is not done


def test_an_acknowledgement_without_a_time_is_stamped_now(demo_vault: Vault) -> None:
    with demo_vault.session() as s:
        d = _open_overdue(s)
        ack = acknowledge(s, d.case_id, d.rule, d.subject_id)
    assert abs(ack.acknowledged_at - datetime.now(UTC)) < timedelta(minutes=1)


# -- impossible dates --------------------------------------------------------------------------


def test_a_notification_received_in_the_future_is_refused_when_saved(demo_vault: Vault) -> None:
    """Impossible dates are refused at the service layer, and nothing is saved."""
    from models import services

    with demo_vault.session() as s:
        case_id = _open_overdue(s).case_id
        before = len(s.scalars(select(Notification).where(Notification.case_id == case_id)).all())
    with pytest.raises(ValidationError) as err, demo_vault.session() as s:
        services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=datetime.now(UTC) + timedelta(hours=2),
                notifier_kind=NotifierKind.BORGER,
            ),
        )
    assert err.value.code == "validation.future_date"
    assert err.value.params["table"] == "notification"
    assert err.value.params["field"] == "received_at"
    with demo_vault.session() as s:
        after = len(s.scalars(select(Notification).where(Notification.case_id == case_id)).all())
    assert after == before


def test_an_assessment_completed_before_it_started_is_refused_when_saved(demo_vault: Vault) -> None:
    from models import services

    with demo_vault.session() as s:
        case_id = _open_overdue(s).case_id
    with pytest.raises(ValidationError) as err, demo_vault.session() as s:
        services.add(
            s,
            Assessment(
                case_id=case_id,
                aware_on=date(2025, 3, 3),
                started_on=date(2025, 3, 10),
                status=AssessmentStatus.AFSLUTTET,
                completed_on=date(2025, 3, 7),
            ),
        )
    assert err.value.code == "validation.end_before_start"
    assert err.value.params["field"] == "completed_on"


def test_a_bad_row_from_sync_is_named_not_guessed(demo_vault: Vault) -> None:
    """A row that bypassed the save-time check (from the server, another device's clock) makes
    that case's deadlines refuse with the row and field named; the list of all deadlines shows
    one "mangler oplysninger" item for it and still every other case's deadlines."""
    from models import services
    from models.deadlines.engine import INVALID_DATES_RULE

    with demo_vault.session() as s:
        case_id = _open_overdue(s).case_id
    with demo_vault.session(sync_apply=True) as s:
        row_id = services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=NOW + timedelta(hours=2),
                notifier_kind=NotifierKind.BORGER,
            ),
        ).id
    with demo_vault.session() as s:
        with pytest.raises(ValidationError) as err:
            deadlines_for_case(s, case_id, NOW)
        assert err.value.code == "validation.future_date"
        assert err.value.params == {
            "table": "notification",
            "row_id": row_id,
            "field": "received_at",
        }
        everything = all_deadlines(s, NOW)
        bad = [d for d in everything if d.case_id == case_id]
        assert [d.rule for d in bad] == [INVALID_DATES_RULE]
        assert bad[0].status == DeadlineStatus.MANGLER
        assert bad[0].missing == ("notification.received_at: validation.future_date",)
        assert len({d.case_id for d in everything}) > 5
        # Once that moment has come, the same row is an ordinary underretning.
        later = deadlines_for_case(s, case_id, NOW + timedelta(hours=3))
    assert _one(later, "underretning_24_timer", row_id).status == DeadlineStatus.SNART


def test_a_moment_before_the_case_s_events_gets_the_deadlines_as_they_stood(
    demo_vault: Vault,
) -> None:
    """`feltmappe deadlines --case X --now <earlier>`: asked about a moment before some of the
    case's events (``present`` is the real clock), the answer is the deadlines as they stood,
    not "a date in the future". Before the case was opened there were none. A date after the
    real present is still impossible, and still named."""
    from models import services
    from models.deadlines.engine import INVALID_DATES_RULE

    present = datetime.now(UTC)
    with demo_vault.session() as s:
        case_id = _open_overdue(s).case_id
        before = deadlines_for_case(s, case_id, NOW)
        opened_on = s.get_one(Case, case_id).opened_on
    with demo_vault.session() as s:
        later = services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=NOW + timedelta(days=3),
                notifier_kind=NotifierKind.BORGER,
            ),
        ).id
    with demo_vault.session() as s:
        # Received three days after NOW: at NOW it had not come, so it gives no deadline.
        assert deadlines_for_case(s, case_id, NOW, present=present) == before
        mine = [d for d in all_deadlines(s, NOW, present=present) if d.case_id == case_id]
        assert sorted(mine, key=Deadline.sort_key) == before
        assert INVALID_DATES_RULE not in {d.rule for d in mine}
        # Three days later it has come and has its deadlines.
        after = deadlines_for_case(s, case_id, NOW + timedelta(days=3, hours=1), present=present)
        assert _one(after, "underretning_24_timer", later).status == DeadlineStatus.SNART
        # Before the case was opened: no deadlines, and no error.
        day_before = datetime.combine(opened_on - timedelta(days=1), time(9), UTC)
        assert deadlines_for_case(s, case_id, day_before, present=present) == []
        assert (
            deadlines_for_case(s, case_id, datetime(2000, 1, 1, tzinfo=UTC), present=present) == []
        )
    with demo_vault.session(sync_apply=True) as s:
        wrong_clock = services.add(
            s,
            Notification(
                case_id=case_id,
                received_at=present + timedelta(hours=2),
                notifier_kind=NotifierKind.BORGER,
            ),
        ).id
    with demo_vault.session() as s, pytest.raises(ValidationError) as err:
        deadlines_for_case(s, case_id, NOW, present=present)
    assert err.value.code == "validation.future_date"
    assert err.value.params["row_id"] == wrong_clock


def test_my_deadlines_are_the_vault_users_cases(demo_vault: Vault) -> None:
    """The "I dag" source: deadlines of the cases assigned to the profile's own user."""
    from models.deadlines.service import my_deadlines
    from models.schema import User

    with demo_vault.session() as s:
        me = s.scalar(select(User).where(User.username == demo_vault.user))
        assert me is not None, "the demo makes the vault's user one of the caseworkers"
        mine = my_deadlines(s, NOW, None, demo_vault.user)
        cases = set(s.scalars(select(Case.id).where(Case.assigned_to == me.id)))
        assert mine
        assert {d.case_id for d in mine} <= cases
        assert my_deadlines(s, NOW, None, "ingen.saadan.bruger") == []


def test_standards_follow_the_vaults_municipality_and_the_users_file(demo_vault: Vault) -> None:
    from models.deadlines.service import USER_SETTINGS_FILE, standards_for
    from models.deadlines.standards import DeadlineSettingError

    assert standards_for(demo_vault).municipality == "Standard"
    demo_vault.set_setting("municipality", "halsnaes")
    assert standards_for(demo_vault).municipality == "Halsnæs"
    (demo_vault.profile / USER_SETTINGS_FILE).write_text("[frister]\nsoon_days = 3\n", "utf-8")
    assert standards_for(demo_vault).soon_days == 3
    (demo_vault.profile / USER_SETTINGS_FILE).write_text(
        "[frister]\nassessment_months = 6\n", "utf-8"
    )
    with pytest.raises(DeadlineSettingError) as err:
        standards_for(demo_vault)
    assert err.value.code == "deadline.setting_looser_than_law"
    assert err.value.params["rule"] == "undersoegelse_4_maaneder"
