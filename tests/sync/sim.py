"""A seeded simulation of sync: several laptops and the central store (in-process), random edits
made offline, random syncs, injected faults, then everyone syncs and the end state is checked
against a model of what every laptop did.

Faults (per HTTP request or per sync):

- ``drop``: the connection drops before the request reaches the server (``httpx.ConnectError``);
- ``lost``: the server handles (and commits) the request, the answer is lost (``httpx.ReadError``);
- ``dup``: the request reaches the server twice; the client sees the second answer;
- ``kill``: the client dies inside a pull, after a page was applied but before its transaction
  committed (the local transaction rolls back; the next sync must resume correctly).

The oracle. Every edit writes a value that no other edit writes (``<who:n>``), so a value names
its edit. After the final syncs (no faults, repeated until nothing moves):

- *lost*: an edit is present if the server's row holds its value, or a ``sync_conflict`` row on
  that row and field holds it (as client or server value), or it was *superseded*: some edit of
  the same row and field was made by a laptop that saw the value (its old value is this value).
  A journal note's title or body also counts as present in a fork of the note (``corrects_id``
  chain), which carries the value (the title gains a suffix). A created row must exist on the
  server; a finalised note must be finalised there; a soft delete must have set ``deleted_at``.
  An edit the server rejected is lost too (nothing in the simulation is legitimately refused).
- *duplicated*: a server row whose content repeats another's without a reason: a forked note
  that carries nothing its base does not (same body, same title plus the fork suffix), or two
  conflict records for the same row, field, client value and server value.
- *diverged*: a laptop row that differs from the server's (or is missing / extra) for the cases
  the laptop may see, after the final syncs; also a laptop with changes still in its outbox.
- *trespass*: after any successful sync, a laptop holds a row its user may not read at that
  moment: a row of a case not assigned to the user (a teamleder: to nobody of the team), or a
  person not linked to such a case. Assignments end at random steps (``revoke_rate``) and come
  back at the next sync; an edit refused meanwhile is sent again by the user at the end (the
  "Send igen" of the sync panel), so it must not be lost either. Exempt: rows the laptop itself
  still has waiting in its outbox (the user's unsent work is never thrown away), and a new
  person its laptop pushed before any case named it.

Same-field concurrent edits (two laptops change one field without either seeing the other's
value) are counted; each of the two must be present by the rule above without being superseded.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from models import services
from models.keyfile import KdfParams
from models.profile import DB_FILE, KEY_FILE
from models.schema import Case, CaseParty, ChangeEntry, JournalNote, Person
from models.vault import Vault
from sync import protocol as p
from sync.client import enrolment, writer
from sync.client import state as sync_state
from sync.client.keys import DEVICE_KEY, TOKEN_KEY, URL_KEY
from sync.client.replication import SyncClient
from sync.client.wire import local_rows
from sync.errors import ServerUnreachable
from sync.server.app import create_app
from sync.server.store import Store

PASSPHRASE = "grøn-cykel-hænger-lampe-7"
PASSWORD = "hemmelig-adgang-1"
# Loopback: the client refuses plain HTTP to anything else (the wire here is in-process).
BASE_URL = "http://127.0.0.1"
FORK_SUFFIX = " (anden version)"

#: The laptops a schedule may use: (laptop name, user). Two laptops of one user are allowed.
LAPTOPS: tuple[tuple[str, str], ...] = (
    ("anna1", "anna"),
    ("bo", "bo"),
    ("tina", "tina"),
    ("anna2", "anna"),
)
USERS = ("anna", "bo", "tina")
#: Values shared by every laptop: concurrent edits that happen to agree.
SHARED = ("Nord", "Syd", "Vest")
FAULTS = ("drop", "lost", "dup", "kill")


class Killed(Exception):
    """The client process died (raised inside a local pull transaction)."""


@dataclass
class Edit:
    laptop: str
    table: str
    row_id: str
    case_id: str
    column: str  # "" for an insert (the row must exist), "finalised_at", "deleted_at", …
    value: Any
    old: Any
    step: int
    mutation_ids: list[str] = field(default_factory=list)
    acked: bool = False
    rejected: bool = False


@dataclass
class Totals:
    schedules: int = 0
    steps: int = 0
    edits: int = 0
    syncs: int = 0
    failed_syncs: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    diverged: int = 0
    trespass: int = 0
    revoked: int = 0
    rejected: int = 0
    conflicts: int = 0
    forks: int = 0
    concurrent: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Totals) -> None:
        for name in (
            "schedules",
            "steps",
            "edits",
            "syncs",
            "failed_syncs",
            "lost",
            "duplicated",
            "diverged",
            "trespass",
            "revoked",
            "rejected",
            "conflicts",
            "forks",
            "concurrent",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.faults.update(other.faults)
        self.problems.extend(other.problems)

    @property
    def bad(self) -> int:
        return self.lost + self.duplicated + self.diverged + self.trespass

    def summary(self) -> str:
        faults = ", ".join(f"{k} {self.faults.get(k, 0)}" for k in FAULTS)
        return (
            f"schedules {self.schedules}, steps {self.steps}, edits {self.edits}, "
            f"syncs {self.syncs} ({self.failed_syncs} failed), "
            f"faults {sum(self.faults.values())} ({faults}), "
            f"lost {self.lost}, duplicated {self.duplicated}, diverged {self.diverged}, "
            f"trespass {self.trespass} ({self.revoked} assignments ended), "
            f"conflicts recorded {self.conflicts}, notes forked {self.forks}, "
            f"same-field concurrent edits {self.concurrent}"
        )


# -- the wire, with faults --------------------------------------------------------------------


class AppClient:
    """Calls the ASGI app in-process on one event loop (no sockets, no threads of our own)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        # One loop thread for the whole schedule, so the app's worker threads are reused.
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.loop.shutdown_default_executor(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def send(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        asyncio.run_coroutine_threadsafe(self.app(scope, receive, send), self.loop).result()
        return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


class FaultyTransport(httpx.BaseTransport):
    """Sends each request to the in-process app, unless a fault is planned for it."""

    def __init__(self, app_client: AppClient, counts: Counter[str]) -> None:
        self.app_client = app_client
        self.counts = counts
        self.choose: Callable[[httpx.Request], str | None] = lambda _r: None

    def _send(self, request: httpx.Request) -> httpx.Response:
        return self.app_client.send(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        fault = self.choose(request)
        if fault is not None:
            self.counts[fault] += 1
        if fault == "drop":
            raise httpx.ConnectError("dropped before the request", request=request)
        response = self._send(request)
        if fault == "lost":
            raise httpx.ReadError("dropped before the answer", request=request)
        if fault == "dup":
            response = self._send(request)
        return response


@contextmanager
def killing(after_pages: int) -> Iterator[None]:
    """Kill the client inside the pull transaction of page ``after_pages`` (0-based): rows of
    that page are written, then the process dies before COMMIT."""
    real = writer._apply
    calls = 0

    def dying(dbapi: Any, rows: Any, *, force: bool) -> Any:
        nonlocal calls
        result = real(dbapi, rows, force=force)
        calls += 1
        if calls > after_pages:
            raise Killed()
        return result

    writer._apply = dying
    try:
        yield
    finally:
        writer._apply = real


# -- templates (made once per process: argon2 and migrations are slow) ------------------------


@dataclass
class Template:
    root: Path
    tokens: dict[str, str]


_TEMPLATE: Template | None = None


def template() -> Template:
    """A store with the users and every laptop's device, and every laptop's vault signed in."""
    global _TEMPLATE
    if _TEMPLATE is not None:
        return _TEMPLATE
    root = Path(tempfile.mkdtemp(prefix="feltmappe-sim-", dir=_scratch()))
    store = Store.open(str(root / "central.db"))
    store.add_team("Team Syd")
    store.add_user("anna", PASSWORD, display_name="Anna Holm", team="Team Syd")
    store.add_user("bo", PASSWORD, display_name="Bo Lund", team="Team Syd")
    store.add_user("tina", PASSWORD, display_name="Tina Leder", team="Team Syd", role="teamleder")
    tokens: dict[str, str] = {}
    for name, user in LAPTOPS:
        _device, token = store.register_device(user, f"{name}s bærbare")
        tokens[name] = token
        vault = Vault.create(root / name, PASSPHRASE, user=user, kdf=KdfParams.fast())
        for key, value in (
            (URL_KEY, BASE_URL),
            (TOKEN_KEY, token),
            (DEVICE_KEY, _device),
        ):
            vault.set_setting(key, value)
        vault.close()
    store.close()
    _TEMPLATE = Template(root, tokens)
    return _TEMPLATE


# -- one laptop ---------------------------------------------------------------------------------


class Laptop:
    def __init__(self, world: World, name: str, user: str) -> None:
        self.world = world
        self.name = name
        self.user = user
        profile = world.tmp / name
        profile.mkdir()
        src = world.template.root / name
        for fname in (DB_FILE, KEY_FILE):
            shutil.copy2(src / fname, profile / fname)
        self.vault = Vault.open(profile, PASSPHRASE)
        self.transport = FaultyTransport(world.app_client, world.totals.faults)
        self.http = httpx.Client(base_url=BASE_URL, transport=self.transport)
        self.conn = enrolment.connection_for(self.vault, client=self.http)
        self.counter = 0

    def close(self) -> None:
        self.http.close()
        self.vault.close()

    def value(self, shared_ratio: float = 0.15) -> str:
        if self.world.rng.random() < shared_ratio:
            return self.world.rng.choice(SHARED)
        self.counter += 1
        return f"<{self.name}:{self.counter}>"


# -- one schedule -------------------------------------------------------------------------------


@dataclass
class Config:
    laptops: int = 3
    steps: int = 40
    fault_rate: float = 0.15
    kill_rate: float = 0.15
    faults: tuple[str, ...] = FAULTS
    #: Finalise journal notes (off: leaves out the finalised-note paths, see the bug report).
    finalise: bool = True
    #: Chance per step that an assignment ends (it comes back after the next sync).
    revoke_rate: float = 0.08


class World:
    def __init__(self, tmp: Path, seed: int, config: Config) -> None:
        self.tmp = tmp
        self.seed = seed
        self.config = config
        self.rng = random.Random(seed)
        self.totals = Totals(schedules=1)
        self.template = template()
        self.edits: list[Edit] = []
        self.step = 0
        self._stack = ExitStack()
        shutil.copy2(self.template.root / "central.db", tmp / "central.db")
        self.store = Store.open(str(tmp / "central.db"), migrate=False)
        self._stack.callback(self.store.close)
        self.app_client = AppClient(create_app(self.store).state.asgi)
        self._stack.callback(self.app_client.close)
        self.laptops: list[Laptop] = []
        for name, user in LAPTOPS[: config.laptops]:
            lap = Laptop(self, name, user)
            self._stack.callback(lap.close)
            self.laptops.append(lap)
        self.assigned: set[tuple[str, str]] = set()
        self.cases_seen: set[str] = set()

    def close(self) -> None:
        self._stack.close()

    # -- edits ---------------------------------------------------------------------------------

    def _record(self, lap: Laptop, before: int, edits: list[Edit]) -> None:
        rows = sorted({e.row_id for e in edits})
        with lap.vault.session() as s:
            # New entries, and the row's open entry an edit joined (the outbox coalesces).
            newest = (
                select(func.max(ChangeEntry.seq))
                .where(ChangeEntry.row_id.in_(rows))
                .group_by(ChangeEntry.row_id)
            )
            entries = list(
                s.scalars(
                    select(ChangeEntry)
                    .where((ChangeEntry.seq > before) | ChangeEntry.seq.in_(newest))
                    .order_by(ChangeEntry.seq)
                )
            )
        by_row: dict[str, list[str]] = {}
        for e in entries:
            by_row.setdefault(e.row_id, []).append(e.mutation_id)
        for edit in edits:
            edit.mutation_ids = by_row.get(edit.row_id, [])
            assert edit.mutation_ids, f"no outbox entry for {edit}"
        self.edits.extend(edits)
        self.totals.edits += len(edits)

    def _outbox_high(self, lap: Laptop) -> int:
        with lap.vault.session() as s:
            return int(s.scalar(select(func.coalesce(func.max(ChangeEntry.seq), 0))) or 0)

    def edit(self, lap: Laptop) -> None:
        rng = self.rng
        before = self._outbox_high(lap)
        made: list[Edit] = []
        with lap.vault.session() as s:
            cases = list(s.scalars(select(Case).where(Case.deleted_at.is_(None))))
            kind = rng.choice(
                [
                    *("create", "note", "draft", "draft", "finalise"),
                    *("case", "case", "person", "person", "delete"),
                ]
            )
            if not cases:
                kind = "create"
            if kind == "create":
                child, _ = services.create_person(s, first_name=lap.value(0), last_name="Jensen")
                case = services.create_case(s, child=child, opened_on=date(2026, 1, 5))
                for row, table in ((child, "person"), (case, "case")):
                    made.append(Edit(lap.name, table, row.id, case.id, "", None, None, self.step))
                party = s.scalar(select(CaseParty).where(CaseParty.case_id == case.id))
                assert party is not None
                made.append(Edit(lap.name, "case_party", party.id, case.id, "", None, None, 0))
                made[-1].step = self.step
                kind = "note" if rng.random() < 0.5 else "none"
                cases = [case]
            case = rng.choice(cases)
            drafts = [
                n
                for n in s.scalars(select(JournalNote).where(JournalNote.case_id == case.id))
                if n.finalised_at is None and n.deleted_at is None
            ]
            if kind == "finalise" and not self.config.finalise:
                kind = "draft"
            if kind in ("draft", "finalise") and not drafts:
                kind = "note"
            if kind == "note":
                title, body = lap.value(0), lap.value(0)
                note = services.add_note(s, case, title=title, body=body)
                made.append(Edit(lap.name, "journal_note", note.id, case.id, "", None, None, 0))
                for key, val in (("title", title), ("body", body)):
                    made.append(Edit(lap.name, "journal_note", note.id, case.id, key, val, None, 0))
            elif kind == "draft":
                note = rng.choice(drafts)
                title, body = note.title, note.body
                which = rng.choice(["title", "body", "both"])
                if which in ("title", "both"):
                    made.append(self._field(lap, note, case.id, "title", lap.value(0)))
                    title = made[-1].value
                if which in ("body", "both"):
                    made.append(self._field(lap, note, case.id, "body", lap.value(0)))
                    body = made[-1].value
                services.edit_draft(s, note, title=title, body=body)
            elif kind == "finalise":
                note = rng.choice(drafts)
                services.finalise_note(s, note)
                made.append(
                    Edit(lap.name, "journal_note", note.id, case.id, "finalised_at", True, None, 0)
                )
            elif kind == "case":
                key = rng.choice(["district", "team"])
                made.append(self._field(lap, case, case.id, key, lap.value()))
                services.update(s, case, **{key: made[-1].value})
            elif kind == "person":
                person = s.get(Person, case.child_id)
                assert person is not None
                key = rng.choice(["phone", "address"])
                made.append(self._field(lap, person, case.id, key, lap.value()))
                services.update(s, person, **{key: made[-1].value})
            elif kind == "delete":
                parties = list(
                    s.scalars(
                        select(CaseParty).where(
                            CaseParty.case_id == case.id, CaseParty.deleted_at.is_(None)
                        )
                    )
                )
                if parties:
                    party = rng.choice(parties)
                    services.soft_delete(s, party)
                    made.append(
                        Edit(lap.name, "case_party", party.id, case.id, "deleted_at", True, None, 0)
                    )
        # Setting a field to the value it has is no change (and leaves no outbox entry).
        made = [
            e for e in made if e.column in ("", "finalised_at", "deleted_at") or e.value != e.old
        ]
        for e in made:
            e.step = self.step
        if made:
            self._record(lap, before, made)

    def _field(self, lap: Laptop, row: Any, case_id: str, key: str, value: Any) -> Edit:
        table = row.__tablename__
        return Edit(lap.name, table, row.id, case_id, key, value, getattr(row, key), self.step)

    # -- syncs ---------------------------------------------------------------------------------

    def sync(self, lap: Laptop, *, faults: bool) -> bool:
        rng = self.rng
        cfg = self.config
        net = [f for f in cfg.faults if f != "kill"]
        if faults and net:

            def choose(_request: httpx.Request) -> str | None:
                return rng.choice(net) if rng.random() < cfg.fault_rate else None

            lap.transport.choose = choose
        else:
            lap.transport.choose = lambda _r: None
        page_size = rng.choice([1, 2, 3, 5, 50])
        batch = rng.choice([2, 5, 500])
        client = SyncClient(lap.vault, lap.conn, page_size=page_size, push_batch=batch)
        kill = faults and "kill" in cfg.faults and rng.random() < cfg.kill_rate
        self.totals.syncs += 1
        ok = True
        try:
            with ExitStack() as stack:
                if kill:
                    stack.enter_context(killing(rng.randrange(3)))
                try:
                    client.sync()
                except Killed:
                    self.totals.faults["kill"] += 1
                    ok = False
        except ServerUnreachable:
            ok = False
        finally:
            lap.transport.choose = lambda _r: None
        if not ok:
            self.totals.failed_syncs += 1
        else:
            self.check_access(lap)
        self._ack(lap)
        self._assign_all()
        return ok

    def _ack(self, lap: Laptop) -> None:
        with lap.vault.session() as s:
            outbox = {e.mutation_id: e.status for e in s.scalars(select(ChangeEntry))}
        for e in self.edits:
            if e.laptop != lap.name or e.acked:
                continue
            states = [outbox.get(m) for m in e.mutation_ids]
            # (A refused change sent again gets a new mutation id: its old ones are gone.)
            e.rejected = any(st == "rejected" for st in states)
            if all(st is None for st in states):
                e.acked = True

    def _assign_all(self) -> None:
        held = {(c, u) for c, u, _t in self.store.assignments()}
        # A case whose last assignment ended is remembered: it is given back too.
        self.cases_seen.update(c for c, _u in held)
        for case_id in sorted(self.cases_seen):
            for user in USERS:
                if (case_id, user) not in held:
                    self.store.assign(case_id, user)

    # -- the schedule --------------------------------------------------------------------------

    def run(self) -> Totals:
        rng = self.rng
        for step in range(1, self.config.steps + 1):
            self.step = step
            lap = rng.choice(self.laptops)
            if rng.random() < self.config.revoke_rate:
                self.revoke()
            if rng.random() < 0.6:
                self.edit(lap)
            else:
                self.sync(lap, faults=True)
        self.totals.steps += self.config.steps
        self.settle()
        self.check()
        return self.totals

    def revoke(self) -> None:
        held = self.store.assignments()
        if held:
            case_id, user, _at = self.rng.choice(held)
            self.store.unassign(case_id, user)
            self.cases_seen.add(case_id)
            self.totals.revoked += 1

    def settle(self) -> None:
        # The assignments are back; the user sends again what was refused meanwhile (also a
        # change refused after the row's refused insert, whose answer the store keeps).
        self._assign_all()
        for _round in range(6):
            for lap in self.laptops:
                sync_state.retry(lap.vault, [e.seq for e in sync_state.rejected(lap.vault)])
            before = self.store.high_water()
            for lap in self.laptops:
                if not self.sync(lap, faults=False):
                    self.problem("diverged", f"{lap.name}: a sync without faults failed")
            if self.store.high_water() == before:
                # Nothing new on the server in a whole round: one more round delivers it all.
                for lap in self.laptops:
                    self.sync(lap, faults=False)
                return
        self.problem("diverged", "the laptops never became quiet")

    # -- the oracle ----------------------------------------------------------------------------

    def problem(self, kind: str, detail: str) -> None:
        setattr(self.totals, kind, getattr(self.totals, kind) + 1)
        self.totals.problems.append(f"seed {self.seed}: {kind}: {detail}")

    def server_rows(self) -> dict[str, dict[str, Any]]:
        from sync.server.tables import Record

        with self.store.read() as s:
            return {
                r.id: {
                    "table": r.table_name,
                    "case_id": r.case_id,
                    "rev": r.rev,
                    "data": json.loads(r.data),
                }
                for r in s.scalars(select(Record))
            }

    def readable(self, user: str) -> tuple[set[str], set[str]]:
        """The cases and persons ``user`` may read now, by the rules, from the store's
        assignment and link tables (every user of the simulation is on Team Syd)."""
        from sync.server.tables import PersonLink

        held = self.store.assignments()
        cases = {c for c, u, _t in held if user in (u, "tina")}
        with self.store.read() as s:
            links = list(s.execute(select(PersonLink.person_id, PersonLink.case_id)))
        persons = {pid for pid, cid in links if cid in cases}
        linked = {pid for pid, _cid in links}
        return cases, persons | (set(self.server_rows()) - linked)

    def check_access(self, lap: Laptop) -> None:
        cases, persons = self.readable(lap.user)
        with lap.vault.session() as s:
            waiting = set(s.scalars(select(ChangeEntry.row_id)))
        for row_id, row in local_rows(lap.vault).items():
            if row_id in waiting:
                continue
            case_id = row.get("case_id")
            allowed = case_id in cases if case_id else row_id in persons
            if not allowed:
                self.problem(
                    "trespass", f"{lap.name} ({lap.user}) holds {row_id} of case {case_id}"
                )

    def check(self) -> None:
        rows = self.server_rows()
        conflicts = [r["data"] for r in rows.values() if r["table"] == p.CONFLICT_TABLE]
        self.totals.conflicts += len(conflicts)
        notes = {i: r["data"] for i, r in rows.items() if r["table"] == p.NOTE_TABLE}
        forks = [n for n in notes.values() if n.get("title", "").endswith(FORK_SUFFIX)]
        self.totals.forks += len(forks)
        self.check_lost(rows, conflicts, notes)
        self.check_duplicates(conflicts, notes)
        self.check_divergence(rows)

    def _present(
        self,
        e: Edit,
        rows: dict[str, dict[str, Any]],
        conflicts: list[dict[str, Any]],
        notes: dict[str, dict[str, Any]],
    ) -> bool:
        row = rows.get(e.row_id)
        if row is None:
            return False
        data = row["data"]
        if e.column == "":
            return True
        if e.column in ("finalised_at", "deleted_at"):
            return data.get(e.column) is not None
        if data.get(e.column) == e.value:
            return True
        for c in conflicts:
            if (
                c["row_id"] == e.row_id
                and c["field"] == e.column
                and e.value in (c["client_value"], c["server_value"])
            ):
                return True
        if e.table == p.NOTE_TABLE:
            for n in notes.values():
                if n.get("corrects_id") and _descends(n, e.row_id, notes):
                    got = n.get(e.column)
                    if got == e.value or (e.column == "title" and str(got).startswith(e.value)):
                        return True
        return False

    def check_lost(
        self,
        rows: dict[str, dict[str, Any]],
        conflicts: list[dict[str, Any]],
        notes: dict[str, dict[str, Any]],
    ) -> None:
        seen_as_old: set[tuple[str, str, Any]] = {
            (e.row_id, e.column, json.dumps(e.old)) for e in self.edits if e.column
        }
        # An edit of a forked note was made after seeing the version the fork carries: it
        # supersedes that version on the note the fork came from too.
        for e in self.edits:
            fork = notes.get(e.row_id)
            if not e.column or fork is None:
                continue
            old = e.old
            if e.column == "title" and isinstance(old, str) and old.endswith(FORK_SUFFIX):
                old = old[: -len(FORK_SUFFIX)]
            origin = fork.get("corrects_id")
            while origin:
                seen_as_old.add((origin, e.column, json.dumps(old)))
                origin = notes.get(origin, {}).get("corrects_id")
        by_field: dict[tuple[str, str], list[Edit]] = {}
        for e in self.edits:
            if e.rejected:
                self.totals.rejected += 1
                self.problem("lost", f"rejected by the server: {e}")
                continue
            if not e.acked:
                self.problem("lost", f"never acknowledged: {e}")
                continue
            if e.column in ("title", "body", "district", "team", "phone", "address"):
                by_field.setdefault((e.row_id, e.column), []).append(e)
                if (e.row_id, e.column, json.dumps(e.value)) in seen_as_old:
                    continue  # superseded by an edit made after seeing it
            if not self._present(e, rows, conflicts, notes):
                self.problem("lost", f"{e} (server: {rows.get(e.row_id, {}).get('data')})")
        # Same-field concurrent edits: different values, neither made after seeing the other.
        for edits in by_field.values():
            for i, a in enumerate(edits):
                for b in edits[i + 1 :]:
                    if a.laptop == b.laptop or a.value == b.value:
                        continue
                    if a.value == b.old or b.value == a.old or a.old != b.old:
                        continue
                    self.totals.concurrent += 1

    def check_duplicates(
        self, conflicts: list[dict[str, Any]], notes: dict[str, dict[str, Any]]
    ) -> None:
        seen: Counter[tuple[str, str, str, str]] = Counter()
        for c in conflicts:
            key = (
                c["row_id"],
                c["field"],
                json.dumps(c["client_value"]),
                json.dumps(c["server_value"]),
            )
            seen[key] += 1
        for key, count in seen.items():
            if count > 1:
                self.problem("duplicated", f"{count} conflict records for {key}")
        for n in notes.values():
            base = notes.get(n.get("corrects_id") or "")
            if base is None or not str(n.get("title", "")).endswith(FORK_SUFFIX):
                continue
            if (
                n.get("body") == base.get("body")
                and n["title"] == f"{base.get('title')}{FORK_SUFFIX}"
            ):
                self.problem(
                    "duplicated",
                    f"note {n['id']} is a fork of {base['id']} carrying nothing new "
                    f"(title {n['title']!r}, body {n['body']!r})",
                )

    def check_divergence(self, rows: dict[str, dict[str, Any]]) -> None:
        for lap in self.laptops:
            who = self.store.authenticate(self.template.tokens[lap.name])
            page = self.store.pull(who, 0, 10**6)
            theirs = {r["id"]: r for r in (json.loads(t) for t in page.rows)}
            mine = local_rows(lap.vault)
            with lap.vault.session() as s:
                waiting = int(s.scalar(select(func.count()).select_from(ChangeEntry)) or 0)
            if waiting:
                self.problem("diverged", f"{lap.name}: {waiting} changes left in the outbox")
            for row_id in sorted(set(theirs) | set(mine)):
                server = theirs.get(row_id)
                local = mine.get(row_id)
                if server is None or local is None:
                    where = "only on the laptop" if server is None else "missing on the laptop"
                    self.problem("diverged", f"{lap.name}: row {row_id} {where}")
                    continue
                diff = _differences(server["data"], local, server["rev"])
                if diff:
                    self.problem("diverged", f"{lap.name}: {server['table']} {row_id}: {diff}")


def _descends(note: dict[str, Any], ancestor: str, notes: dict[str, dict[str, Any]]) -> bool:
    seen = set()
    cur = note
    while cur.get("corrects_id") and cur["id"] not in seen:
        seen.add(cur["id"])
        if cur["corrects_id"] == ancestor:
            return True
        nxt = notes.get(cur["corrects_id"])
        if nxt is None:
            return False
        cur = nxt
    return False


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        try:
            return datetime.fromisoformat(a) == datetime.fromisoformat(b)
        except ValueError:
            return False
    return False


def _differences(server: dict[str, Any], local: dict[str, Any], rev: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if local.get("rev") != rev:
        out["rev"] = (rev, local.get("rev"))
    for key in set(server) | set(local):
        if key == "rev":
            continue
        if not _same(server.get(key), local.get(key)):
            out[key] = (server.get(key), local.get(key))
    return out


def _scratch() -> str | None:
    """A RAM disk when there is one: the simulation commits a lot, and fsync is the cost."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def run_schedule(seed: int, config: Config | None = None) -> Totals:
    with tempfile.TemporaryDirectory(prefix="sim-", dir=_scratch()) as tmp:
        world = World(Path(tmp), seed, config or Config())
        try:
            return world.run()
        finally:
            world.close()


def run_many(
    seeds: range | list[int], config_for: Callable[[random.Random], Config] | None = None
) -> Totals:
    totals = Totals()
    for seed in seeds:
        cfg = config_for(random.Random(seed)) if config_for else None
        totals.add(run_schedule(seed, cfg))
    return totals


def random_config(rng: random.Random) -> Config:
    return Config(laptops=rng.choice([2, 3, 3, 4]), steps=rng.choice([20, 40, 60]))


if __name__ == "__main__":  # pragma: no cover - a quick look
    t0 = time.perf_counter()
    result = run_many(range(5), random_config)
    print(result.summary(), f"{time.perf_counter() - t0:.1f} s")
    for line in result.problems[:40]:
        print(line)
