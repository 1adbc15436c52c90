"""Persons are reached only through a case the caller may read *now* (over real HTTP, on SQLite
and PostgreSQL): naming somebody else's person in one's own case grants nothing, creating a
person grants nothing once its case is gone, and a pull never carries a person its cases do not
name through a granted link."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from models import services
from models.schema import Case, CaseParty, Person
from models.vocabulary import PartyRole
from sync.client import writer
from sync.client.keys import TOKEN_KEY
from sync.client.replication import SyncClient, SyncReport
from sync.client.wire import local_rows
from sync.errors import ServerUnreachable
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import Laptop, mutation

Make = Callable[[str, str], Laptop]


def _case_with_mother(lap: Laptop, child: str) -> tuple[str, str, str]:
    """A case for ``child`` with a mother (custody holder): (case id, child id, mother id)."""
    with lap.vault.session() as s:
        kid, _ = services.create_person(s, first_name=child, last_name="Jensen", cpr="0101101234")
        mother, _ = services.create_person(s, first_name="Sofie", last_name="Jensen")
        case = services.create_case(s, child=kid, opened_on=date(2026, 11, 2))
        services.add_party(s, case, mother, PartyRole.FORAELDREMYNDIGHED, has_custody=True)
        return case.id, kid.id, mother.id


class Api:
    """One device's raw HTTP access, as an attacker with a valid token would use it."""

    def __init__(self, server: ServerThread, lap: Laptop) -> None:
        token = lap.vault.setting(TOKEN_KEY)
        self.client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.client.post("/v1/push", json={"mutations": list(mutations)})
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = answer.json()["results"]
        return results

    def pull_ids(self) -> set[str]:
        ids: set[str] = set()
        cursor, more = 0, True
        while more:
            page = self.client.post("/v1/pull", json={"cursor": cursor, "limit": 1000}).json()
            ids.update(r["id"] for r in page["changes"])
            cursor, more = page["cursor"], page["more"]
        return ids

    def rows(self, *ids: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.client.post("/v1/rows", json={"ids": list(ids)}).json()[
            "rows"
        ]
        return rows

    def close(self) -> None:
        self.client.close()


def _insert(table: str, row_id: str, case_id: str | None, **values: Any) -> dict[str, Any]:
    return mutation("insert", table, row_id, case_id, **values)


def _update(
    table: str, row_id: str, case_id: str | None, rev: int, **values: Any
) -> dict[str, Any]:
    return mutation("update", table, row_id, case_id, rev, **values)


def _new_case_mutation(child_id: str) -> tuple[str, dict[str, Any]]:
    case_id = str(uuid.uuid4())
    return case_id, _insert(
        "case",
        case_id,
        case_id,
        case_number=f"X-{case_id[:8]}",
        child_id=child_id,
        opened_on="2026-11-30",
    )


def test_naming_a_foreign_person_in_ones_own_case_grants_nothing(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, carl = laptop("anna", "anna"), laptop("carl", "carl")
    case_a, child_a, mother_a = _case_with_mother(anna, "Mia")
    assert anna.sync().rejected == 0
    own_case, _, _ = _case_with_mother(carl, "Ella")
    assert carl.sync().rejected == 0
    api = Api(server, carl)
    try:
        # As the child of a new case of his own: refused, and the case is not made.
        case_x, make_case = _new_case_mutation(child_a)
        [result] = api.push(make_case)
        assert result["status"] == "rejected"
        assert result["reason"] == "sync.no_access"
        assert result["fields"] == ["child_id"]
        # As a party of his own case: refused.
        [result] = api.push(
            _insert(
                "case_party",
                str(uuid.uuid4()),
                own_case,
                person_id=mother_a,
                role=PartyRole.FORAELDER.value,
            )
        )
        assert (result["status"], result["reason"]) == ("rejected", "sync.no_access")
        # Nothing of Anna's family reaches Carl, by pull or by id.
        assert {child_a, mother_a, case_a}.isdisjoint(api.pull_ids())
        assert api.rows(child_a, mother_a) == []
        # And he cannot change them.
        [result] = api.push(_update("person", child_a, None, 1, cpr="0101109999"))
        assert (result["status"], result["reason"]) == ("rejected", "sync.no_access")
        assert case_x not in api.client.get("/v1/cases").json()["cases"]
    finally:
        api.close()
    carl.sync()
    with carl.vault.session() as s:
        assert s.get(Person, child_a) is None and s.get(Person, mother_a) is None
    # Anna's child is as she left it.
    anna.sync()
    with anna.vault.session() as s:
        kid = s.get(Person, child_a)
        assert kid is not None and kid.cpr == "010110-1234"


def test_a_person_readable_through_one_case_may_be_named_in_another(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna = laptop("anna", "anna")
    case_a, _child, mother = _case_with_mother(anna, "Mia")
    assert anna.sync().rejected == 0
    # A sibling's case with the same mother, made on the same laptop: allowed.
    with anna.vault.session() as s:
        kid, _ = services.create_person(s, first_name="Oscar", last_name="Jensen")
        case = services.create_case(s, child=kid, opened_on=date(2026, 11, 3))
        services.add_party(
            s, case, s.get(Person, mother), PartyRole.FORAELDREMYNDIGHED, has_custody=True
        )
        case_b = case.id
    report = anna.sync()
    assert report.rejected == 0
    # Bo is given only the sibling's case: he receives the mother through it.
    bo = laptop("bo", "bo")
    store.assign(case_b, "bo")
    bo.sync()
    with bo.vault.session() as s:
        assert s.get(Person, mother) is not None
        assert s.get(Case, case_a) is None
        assert {p.case_id for p in s.scalars(select(CaseParty))} == {case_b}


def test_the_first_pusher_does_not_own_a_person_for_ever(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna = laptop("anna", "anna")
    case_a, child, mother = _case_with_mother(anna, "Mia")
    assert anna.sync().rejected == 0
    api = Api(server, anna)
    try:
        assert len(api.rows(child, mother)) == 2
        store.unassign(case_a, "anna")
        assert api.rows(child, mother) == []
        assert {child, mother}.isdisjoint(api.pull_ids())
        [result] = api.push(_update("person", child, None, 1, cpr="0101109999"))
        assert (result["status"], result["reason"]) == ("rejected", "sync.no_access")
    finally:
        api.close()
    bo = laptop("bo", "bo")
    store.assign(case_a, "bo")
    bo.sync()
    with bo.vault.session() as s:
        kid = s.get(Person, child)
        assert kid is not None and kid.cpr == "010110-1234"


def test_a_person_pushed_before_its_case_is_its_makers_until_the_case_comes(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """New persons are created by their first case: the laptop may push the person in one
    batch and the case in the next; nobody else may name or read it meanwhile."""
    anna, carl = laptop("anna", "anna"), laptop("carl", "carl")
    carl.sync()
    person_id = str(uuid.uuid4())
    anna_api, carl_api = Api(server, anna), Api(server, carl)
    try:
        [made] = anna_api.push(
            _insert("person", person_id, None, first_name="Liva", last_name="Holm")
        )
        assert made["status"] == "applied"
        # Carl, who learnt the id, can neither name it nor read it.
        _case_x, steal = _new_case_mutation(person_id)
        [refused] = carl_api.push(steal)
        assert (refused["status"], refused["reason"]) == ("rejected", "sync.no_access")
        assert carl_api.rows(person_id) == []
        # Anna's next batch: her case names the person.
        case_id, make_case = _new_case_mutation(person_id)
        [result] = anna_api.push(make_case)
        assert result["status"] == "applied"
        assert person_id in anna_api.pull_ids()
        # Once it has a case, the person is reached only through it.
        store.unassign(case_id, "anna")
        assert anna_api.rows(person_id) == []
    finally:
        anna_api.close()
        carl_api.close()


def test_a_person_named_before_it_exists_is_not_given_to_the_namer(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    """An id learnt from an export, named in a foreign case before its owner's laptop pushes
    the person: when the person arrives, that blind link gives the namer nothing."""
    anna, carl = laptop("anna", "anna"), laptop("carl", "carl")
    carl.sync()
    person_id = str(uuid.uuid4())
    anna_api, carl_api = Api(server, anna), Api(server, carl)
    try:
        case_x, steal = _new_case_mutation(person_id)
        [named] = carl_api.push(steal)
        assert named["status"] == "applied"  # a case of his own, naming an unknown id
        [made] = anna_api.push(
            _insert(
                "person", person_id, None, first_name="Liva", last_name="Holm", cpr="0101101234"
            )
        )
        assert made["status"] == "applied"
        assert carl_api.rows(person_id) == []
        assert person_id not in carl_api.pull_ids()
        [changed] = carl_api.push(_update("person", person_id, None, 1, cpr="0101109999"))
        assert (changed["status"], changed["reason"]) == ("rejected", "sync.no_access")
        assert case_x in carl_api.client.get("/v1/cases").json()["cases"]
    finally:
        anna_api.close()
        carl_api.close()


def test_a_case_leaves_the_laptop_even_if_no_pull_ever_finished_for_it(
    laptop: Make, store: Store, monkeypatch: Any
) -> None:
    """Found by the simulation's trespass check: a case made here whose pull failed, and a
    newly assigned case whose first pull was killed half-way, both stayed on the laptop for
    ever once their assignment ended."""
    anna, bo = laptop("anna", "anna"), laptop("bo", "bo")
    made_here, _, _ = _case_with_mother(anna, "Mia")

    def offline(self: SyncClient, report: SyncReport) -> None:
        raise ServerUnreachable()

    with monkeypatch.context() as m:
        m.setattr(SyncClient, "pull", offline)
        with contextlib.suppress(ServerUnreachable):
            anna.sync()  # the push reaches the store, the pull does not
    store.unassign(made_here, "anna")
    report = anna.sync()
    assert report.removed_cases == [made_here]
    with anna.vault.session() as s:
        assert s.get(Case, made_here) is None

    # Bo's first pull of a new case dies after its first page was applied.
    given, _, _ = _case_with_mother(bo, "Noah")
    bo.sync()
    store.assign(given, "anna")
    real = writer.apply_rows
    pages = 0

    def dying(vault: Any, rows: Any, settings: Any, **kw: Any) -> None:
        nonlocal pages
        pages += 1
        if pages == 2:
            raise ServerUnreachable()
        real(vault, rows, settings, **kw)

    with monkeypatch.context() as m:
        m.setattr(writer, "apply_rows", dying)
        with contextlib.suppress(ServerUnreachable):
            SyncClient(anna.vault, anna.conn, page_size=1).sync()
    assert any(r.get("case_id") == given for r in local_rows(anna.vault).values())
    store.unassign(given, "anna")
    anna.sync()
    assert not any(r.get("case_id") == given for r in local_rows(anna.vault).values())


def test_a_case_access_log_is_written_only_by_those_who_hold_or_held_the_case(
    laptop: Make, store: Store, server: ServerThread
) -> None:
    anna, carl = laptop("anna", "anna"), laptop("carl", "carl")
    case_a, _, _ = _case_with_mother(anna, "Mia")
    anna.sync()
    carl.sync()

    def event(case_id: str) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "case_id": case_id,
            "at": "2026-12-01T10:00:00+00:00",
            "action": "vist",
        }

    def push_audit(lap: Laptop, *events: dict[str, Any]) -> None:
        api = Api(server, lap)
        try:
            answer = api.client.post("/v1/push", json={"mutations": [], "audit": list(events)})
            assert answer.status_code == 200, answer.text
        finally:
            api.close()

    before = {a.id for a in store.case_audit(case_a, limit=1000)}
    forged = event(case_a)
    push_audit(carl, forged)
    own = event(case_a)
    push_audit(anna, own)
    store.unassign(case_a, "anna")
    late = event(case_a)  # viewed while she held it, delivered after
    push_audit(anna, late)
    logged = {a.id for a in store.case_audit(case_a, limit=1000)} - before
    assert logged == {own["id"], late["id"]}
    # Events may come before the batch that creates their case: a case unknown to the store.
    coming = str(uuid.uuid4())
    early = event(coming)
    push_audit(carl, early)
    assert [a.id for a in store.case_audit(coming)] == [early["id"]]
