"""The central store's logic, independent of HTTP: accounts and devices, access to cases, and the
sync itself (push: apply each mutation at most once, merging field by field; pull: pages of rows
in sequence order).

Every write takes the counter row first and holds it to commit, so sequence numbers follow
commit order on SQLite and on PostgreSQL alike: a reader that has seen ``seq`` N has seen every
committed change below N (see "Sync with the central store" in DESIGN.md)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.errors import FeltmappeError
from models.values import Problem
from models.vocabulary import UserRole
from sync import protocol as p
from sync.protocol import Status
from sync.server import throttle
from sync.server.tables import (
    AdminEvent,
    AppliedMutation,
    Assignment,
    CaseAudit,
    Counter,
    Device,
    LoginThrottle,
    PersonLink,
    Record,
    Team,
    User,
)

log = logging.getLogger("feltmappe.server")

_hasher = PasswordHasher()


class StoreError(FeltmappeError):
    """An expected problem in the store (admin CLI input, login); ``code`` names it."""

    code = "store"


class Unauthorized(StoreError):
    code = "auth.invalid_token"


class DeviceRevoked(StoreError):
    code = "auth.device_revoked"


class TooManyAttempts(StoreError):
    """Too many refused logins for this user or address: ``retry_after`` seconds to wait."""

    code = "auth.too_many_attempts"


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash suffices (no guessing to slow down);
    # passwords, which people choose, get Argon2.
    return hashlib.sha256(token.encode()).hexdigest()


def database_url(url: str) -> str:
    """A database URL or a file path, as SQLAlchemy wants it (psycopg 3 for PostgreSQL)."""
    if "://" not in url:
        return f"sqlite:///{url}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        from pathlib import Path

        from models.private_files import prepare_sqlite_file

        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if path.parent.is_dir():  # else SQLite says it cannot open the file, as before
                # The file holds CPR numbers in plaintext: 0600 (and an existing one tightened)
                # before SQLite first opens it, since its -wal and -shm take the file's mode.
                prepare_sqlite_file(path)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=32,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
            dbapi_conn.execute("PRAGMA synchronous = FULL")
            dbapi_conn.execute("PRAGMA busy_timeout = 30000")

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # A writer takes SQLite's write lock up front: writers queue instead of failing.
            writer = conn.get_execution_options().get("writer")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True)


@dataclass
class Principal:
    """Who is calling: the device's user, role and team, and the cases they may read and write."""

    user_id: str
    username: str
    role: str
    team: str | None
    device_id: str
    cases: set[str] = field(default_factory=set)


@dataclass
class Result:
    mutation_id: str
    status: Status
    rev: int | None = None
    reason: str = ""
    fields: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "mutation_id": self.mutation_id,
            "status": self.status.value,
            "rev": self.rev,
            "reason": self.reason or None,
            # A field name is echoed: one that is not valid Unicode must not break the answer.
            "fields": [
                f if f.isascii() else f.encode("utf-8", "replace").decode() for f in self.fields
            ],
        }


@dataclass
class Mutation:
    mutation_id: str
    table: str
    row_id: str
    case_id: str | None
    op: str
    base_rev: int
    changes: dict[str, list[Any]]

    def digest(self) -> str:
        """What the mutation asks for, as a SHA-256: a retry has the same digest."""
        body = [self.table, self.row_id, self.case_id, self.op, self.base_rev, self.changes]
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Page:
    rows: list[str]
    cursor: int
    more: bool

    def json_text(self, cases: Sequence[str] | None = None) -> str:
        body = ",".join(self.rows)
        extra = "" if cases is None else f',"cases":{json.dumps(list(cases))}'
        return (
            f'{{"changes":[{body}],"cursor":{self.cursor},"more":{str(self.more).lower()}{extra}}}'
        )


class Store:
    """The central store on one database (a SQLite file or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: Password hashing and the clock of login back-off (tests put in their own).
        self.hasher = _hasher
        self.clock = now
        self._stand_in: str | None = None
        #: Most characters of row documents in one pull page (see ``MAX_PAGE_CHARS``).
        self.page_chars = p.MAX_PAGE_CHARS
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(engine.execution_options(writer=True), expire_on_commit=False)
        # SQLite has one writer at a time and waits for its lock by polling; writers of this
        # process queue on a lock instead, in order and without sleeping.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        from sync.server import migrations

        engine = make_engine(url)
        if migrate:
            with engine.connect() as conn:
                migrations.upgrade(conn)
                conn.commit()
        if engine.dialect.name == "sqlite":
            # Fresh statistics, so the planner reads pull pages by the sequence index.
            # PostgreSQL's autovacuum keeps its own; SQLite's are only made when asked.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- units of work -----------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[tuple[Session, _Seq]]:
        """A writing transaction holding the counter row until commit."""
        with self._write_lock, self._writer() as session, session.begin():
            counter = session.execute(
                select(Counter).where(Counter.name == "seq").with_for_update()
            ).scalar_one()
            seq = _Seq(counter.value)
            yield session, seq
            if seq.value != counter.value:
                counter.value = seq.value

    # -- accounts (the admin CLI) ------------------------------------------------------

    def _event(self, s: Session, actor: str, action: str, subject: str, detail: str = "") -> None:
        s.add(AdminEvent(at=now(), actor=actor, action=action, subject=subject, detail=detail))

    def add_team(self, name: str, *, actor: str = "admin") -> None:
        name = name.strip()
        if not name:
            raise StoreError("store.team_name_missing")
        with self.write() as (s, _):
            if s.get(Team, name) is not None:
                raise StoreError("store.team_exists", team=name)
            s.add(Team(name=name, created_at=now()))
            self._event(s, actor, "team_created", name)

    def teams(self) -> list[str]:
        with self.read() as s:
            return list(s.scalars(select(Team.name).order_by(Team.name)))

    def add_user(
        self,
        username: str,
        password: str,
        *,
        display_name: str = "",
        role: str = UserRole.RAADGIVER.value,
        team: str | None = None,
        actor: str = "admin",
    ) -> str:
        username = username.strip()
        if not username or len(username) > 80 or any(c.isspace() for c in username):
            raise StoreError("store.username_invalid", username=username)
        if role not in {r.value for r in UserRole}:
            raise StoreError("store.role_invalid", role=role)
        if len(password) < 10:
            raise StoreError("store.password_short")
        with self.write() as (s, _):
            if team is not None and s.get(Team, team) is None:
                raise StoreError("store.team_unknown", team=team)
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise StoreError("store.user_exists", username=username)
            user_id = str(uuid.uuid4())
            s.add(
                User(
                    id=user_id,
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    team=team,
                    password_hash=_hasher.hash(password),
                    active=True,
                    created_at=now(),
                )
            )
            self._event(s, actor, "user_created", username, f"rolle={role} team={team or ''}")
        return user_id

    def set_password(self, username: str, password: str, *, actor: str = "admin") -> None:
        if len(password) < 10:
            raise StoreError("store.password_short")
        with self.write() as (s, _):
            user = self._user(s, username)
            user.password_hash = _hasher.hash(password)
            self._event(s, actor, "password_set", username)

    def set_user(
        self,
        username: str,
        *,
        role: str | None = None,
        team: str | None = None,
        active: bool | None = None,
        actor: str = "admin",
    ) -> None:
        with self.write() as (s, _):
            user = self._user(s, username)
            if role is not None:
                if role not in {r.value for r in UserRole}:
                    raise StoreError("store.role_invalid", role=role)
                user.role = role
            if team is not None:
                if team and s.get(Team, team) is None:
                    raise StoreError("store.team_unknown", team=team)
                user.team = team or None
            if active is not None:
                user.active = active
                if not active:
                    # A user who leaves takes no case data along: every device is revoked.
                    s.execute(
                        update(Device)
                        .where(Device.user_id == user.id, Device.revoked_at.is_(None))
                        .values(revoked_at=now())
                    )
            self._event(
                s, actor, "user_changed", username, f"rolle={user.role} team={user.team or ''}"
            )

    def users(self) -> list[User]:
        with self.read() as s:
            return list(s.scalars(select(User).order_by(User.username)))

    def _user(self, s: Session, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise StoreError("store.user_unknown", username=username)
        return user

    def assign(self, case_id: str, username: str, *, actor: str = "admin") -> None:
        with self.write() as (s, _):
            user = self._user(s, username)
            if _active_assignment(s, case_id, user.id) is not None:
                raise StoreError("store.already_assigned", case=case_id, username=username)
            s.add(Assignment(case_id=case_id, user_id=user.id, started_at=now()))
            self._event(s, actor, "case_assigned", case_id, username)

    def unassign(self, case_id: str, username: str, *, actor: str = "admin") -> None:
        with self.write() as (s, _):
            user = self._user(s, username)
            found = _active_assignment(s, case_id, user.id)
            if found is None:
                raise StoreError("store.not_assigned", case=case_id, username=username)
            found.ended_at = now()
            self._event(s, actor, "case_unassigned", case_id, username)

    def find_case(self, ref: str) -> str:
        """A case id from its id or its case number (sagsnummer)."""
        with self.read() as s:
            if s.get(Record, ref) is not None:
                return ref
            for rec in s.scalars(select(Record).where(Record.table_name == "case")):
                if json.loads(rec.data).get("case_number") == ref:
                    return rec.id
            if s.scalar(select(Assignment.id).where(Assignment.case_id == ref).limit(1)):
                return ref
        raise StoreError("store.case_unknown", case=ref)

    def assignments(self, username: str | None = None) -> list[tuple[str, str, datetime]]:
        with self.read() as s:
            query = (
                select(Assignment.case_id, User.username, Assignment.started_at)
                .join(User, User.id == Assignment.user_id)
                .where(Assignment.ended_at.is_(None))
                .order_by(User.username, Assignment.started_at)
            )
            if username:
                query = query.where(User.username == username)
            return [(c, u, t) for c, u, t in s.execute(query)]

    # -- devices -----------------------------------------------------------------------

    def register_device(self, username: str, name: str, *, actor: str = "admin") -> tuple[str, str]:
        """A new device for ``username``: returns (device id, token). The token is shown once."""
        with self.write() as (s, _):
            user = self._user(s, username)
            if not user.active:
                raise StoreError("store.user_inactive", username=username)
            device_id, token = self._new_device(s, user, name)
            self._event(s, actor, "device_registered", device_id, f"{username}: {name}")
        return device_id, token

    def _new_device(self, s: Session, user: User, name: str) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        device_id = str(uuid.uuid4())
        s.add(
            Device(
                id=device_id,
                user_id=user.id,
                name=name.strip()[:200] or "enhed",
                token_hash=token_hash(token),
                created_at=now(),
            )
        )
        return device_id, token

    def login(
        self, username: str, password: str, device_name: str, *, address: str = ""
    ) -> tuple[str, str, User]:
        """A caseworker signs a laptop in with their password: a new device and its token.

        The password is checked outside any write lock (Argon2 takes ~100 ms of CPU), and an
        unknown or inactive user costs the same check against a stand-in hash, so the answer's
        time does not tell whether a name exists. Refused logins are counted per user and per
        address (``sync.server.throttle``); a key that must wait is refused before any check."""
        moment = self.clock()
        with self.read() as s:
            user = s.scalar(select(User).where(User.username == username))
            keys = [throttle.address_key(address)]
            if user is not None:
                keys.insert(0, throttle.user_key(user.id))
            waiting = throttle.blocked(s, keys, moment)
        if waiting is not None:
            raise TooManyAttempts(retry_after=waiting.seconds(moment))
        known = user is not None and user.active
        stored = user.password_hash if user is not None and known else self._stand_in_hash()
        try:
            ok = self.hasher.verify(stored, password) and known
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            with self.write() as (s, _):
                for key in throttle.record_failure(s, keys, self.clock()):
                    if key.startswith("user:") and user is not None:
                        # Once per lockout, for a known user only: never an attempted name.
                        self._event(s, "login", "login_locked", user.username)
            raise Unauthorized("auth.bad_credentials")
        assert user is not None
        rehashed = self.hasher.hash(password) if self.hasher.check_needs_rehash(stored) else None
        with self.write() as (s, _):
            fresh = s.get(User, user.id)
            if fresh is None or not fresh.active:
                raise Unauthorized("auth.bad_credentials")
            throttle.clear(s, throttle.user_key(user.id))
            device_id, token = self._new_device(s, fresh, device_name)
            self._event(s, username, "device_login", device_id, device_name[:200])
            if rehashed is not None and fresh.password_hash == stored:
                fresh.password_hash = rehashed
            user = fresh
        return device_id, token, user

    def _stand_in_hash(self) -> str:
        """A hash with the hasher's parameters, for checking passwords of unknown users."""
        if self._stand_in is None:
            self._stand_in = self.hasher.hash(secrets.token_urlsafe(16))
        return self._stand_in

    def unlock_login(self, username: str, *, actor: str = "admin") -> bool:
        """Forget a user's refused logins (an administrator's help to a locked-out user)."""
        with self.write() as (s, _):
            user = self._user(s, username)
            cleared = throttle.clear(s, throttle.user_key(user.id))
            self._event(s, actor, "login_unlocked", username)
        return cleared

    def lockouts(self) -> list[tuple[str, int, datetime | None]]:
        """Throttled keys: (user name or address, refused logins, waiting until)."""
        with self.read() as s:
            names = dict(s.execute(select(User.id, User.username)).all())
            out = []
            for row in s.scalars(select(LoginThrottle).order_by(LoginThrottle.last_at.desc())):
                kind, _, ident = row.key.partition(":")
                who = names.get(ident, "?") if kind == "user" else f"adresse {ident}"
                out.append((who, row.failures, row.blocked_until))
            return out

    def revoke_device(self, device_id: str, *, actor: str = "admin") -> None:
        with self.write() as (s, _):
            device = s.get(Device, device_id)
            if device is None:
                raise StoreError("store.device_unknown", device=device_id)
            if device.revoked_at is None:
                device.revoked_at = now()
            self._event(s, actor, "device_revoked", device_id)

    def devices(self, username: str | None = None) -> list[tuple[Device, str]]:
        with self.read() as s:
            query = select(Device, User.username).join(User, User.id == Device.user_id)
            if username:
                query = query.where(User.username == username)
            return [(d, u) for d, u in s.execute(query.order_by(User.username, Device.created_at))]

    def authenticate(self, token: str) -> Principal:
        """The caller of a request, with the cases they may see; raises for a bad token."""
        with self.read() as s:
            found = s.execute(
                select(Device, User)
                .join(User, User.id == Device.user_id)
                .where(Device.token_hash == token_hash(token))
            ).one_or_none()
            if found is None:
                raise Unauthorized()
            device, user = found
            if device.revoked_at is not None:
                revoked = True
            else:
                revoked = False
                principal = Principal(user.id, user.username, user.role, user.team, device.id)
                principal.cases = _readable_cases(s, principal)
                stale = (
                    device.last_seen_at is None
                    or (now() - device.last_seen_at).total_seconds() > 60
                )
        if revoked:
            with self.write() as (s, _):
                told = s.get(Device, found[0].id)
                if told is not None and told.wipe_told_at is None:
                    told.wipe_told_at = now()
                    self._event(s, found[1].username, "device_told_to_wipe", told.id)
            raise DeviceRevoked()
        if stale:
            with self._write_lock, self._writer() as s, s.begin():
                s.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now()))
        return principal

    # -- audit -------------------------------------------------------------------------

    def admin_events(self, limit: int = 100) -> list[AdminEvent]:
        with self.read() as s:
            return list(s.scalars(select(AdminEvent).order_by(AdminEvent.id.desc()).limit(limit)))

    def case_audit(self, case_id: str | None = None, limit: int = 100) -> list[CaseAudit]:
        with self.read() as s:
            query = select(CaseAudit).order_by(CaseAudit.at.desc()).limit(limit)
            if case_id:
                query = query.where(CaseAudit.case_id == case_id)
            return list(s.scalars(query))

    # -- sync --------------------------------------------------------------------------

    def accessible(self, who: Principal) -> list[str]:
        return sorted(who.cases)

    def push(
        self, who: Principal, mutations: Sequence[Mutation], audit: Sequence[dict[str, Any]] = ()
    ) -> list[Result]:
        """Apply ``mutations`` in order, each at most once; one answer per mutation."""
        results: list[Result] = []
        with self.write() as (s, seq):
            conn = s.connection()
            ids = list({m.mutation_id for m in mutations})
            # A stored answer with what it answered: the same id with other content (another
            # device, a bug) is no retry and must not silently get the first one's answer.
            answered: dict[str, tuple[Result, str | None, str]] = {}
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(
                        AppliedMutation.mutation_id,
                        AppliedMutation.status,
                        AppliedMutation.rev,
                        AppliedMutation.reason,
                        AppliedMutation.fields,
                        AppliedMutation.digest,
                        AppliedMutation.device_id,
                    ).where(AppliedMutation.mutation_id.in_(ids[start : start + 500]))
                )
                for mid, status, rev, reason, fields, digest, device in rows:
                    result = Result(mid, Status(status), rev, reason, json.loads(fields))
                    answered[mid] = (result, digest, device)
            applier = _Apply(s, seq, who)
            applier.prefetch([m.row_id for m in mutations if m.mutation_id not in answered])
            new: list[dict[str, Any]] = []
            at = now()
            for m in mutations:
                digest = m.digest()
                if m.mutation_id in answered:
                    stored, stored_digest, device = answered[m.mutation_id]
                    same = digest == stored_digest if stored_digest else device == who.device_id
                    if same:
                        results.append(stored)
                    else:
                        log.warning("a mutation id was sent again with other content")
                        results.append(
                            Result(m.mutation_id, Status.REJECTED, reason="sync.mutation_id_reused")
                        )
                    continue
                applier.begin()
                try:
                    result = applier.run(m)
                except (ValueError, TypeError, KeyError, AttributeError):
                    applier.abort()
                    log.exception("a mutation could not be applied")
                    result = Result(m.mutation_id, Status.REJECTED, reason="sync.server_error")
                else:
                    if result.status is Status.REJECTED:
                        applier.drop()
                    else:
                        applier.keep()
                answered[m.mutation_id] = (result, digest, who.device_id)
                new.append(
                    {
                        "mutation_id": m.mutation_id,
                        "device_id": who.device_id,
                        "status": result.status.value,
                        "rev": result.rev,
                        "reason": result.reason,
                        "fields": json.dumps(result.fields),
                        "at": at,
                        "digest": digest,
                    }
                )
                results.append(result)
            applier.flush()
            if new:
                conn.execute(insert(AppliedMutation), new)
            self._store_audit(s, who, audit)
        return results

    def _store_audit(self, s: Session, who: Principal, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        ids = [e["id"] for e in events]
        known = set(s.scalars(select(CaseAudit.id).where(CaseAudit.id.in_(ids))))
        # A device logs only what its user did in cases they hold or once held (an event may
        # arrive after the assignment ended), or in a case the store does not know yet (events
        # may come before the batch that creates the case): a case's access log is not for
        # others to fill.
        allowed = set(who.cases)
        asked = {str(e["case_id"]) for e in events if e.get("case_id")} - allowed
        if asked:
            holders: dict[str, set[str]] = {}
            for case_id, user_id in s.execute(
                select(Assignment.case_id, Assignment.user_id).where(Assignment.case_id.in_(asked))
            ):
                holders.setdefault(case_id, set()).add(user_id)
            allowed.update(c for c in asked if who.user_id in holders.get(c, {who.user_id}))
        received = now()
        rows = []
        foreign = 0
        for e in events:
            if e.get("case_id") and e["case_id"] not in allowed:
                foreign += 1
                continue
            if e["id"] in known:
                continue
            known.add(e["id"])
            at = datetime.fromisoformat(e["at"])
            rows.append(
                {
                    "id": e["id"],
                    "case_id": e.get("case_id"),
                    "at": at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at,
                    # The device's user is who acted, whatever the event says.
                    "username": who.username,
                    "device_id": who.device_id,
                    "action": e["action"],
                    "entity": e.get("entity") or "",
                    "entity_id": e.get("entity_id"),
                    "received_at": received,
                }
            )
        if foreign:
            log.warning(
                "%d audit events for cases the device's user never held were dropped", foreign
            )
        if rows:
            s.connection().execute(insert(CaseAudit), rows)

    def pull(
        self, who: Principal, cursor: int, limit: int, cases: Sequence[str] | None = None
    ) -> Page:
        """Rows of ``cases`` (default: every case ``who`` may read), and the persons they name,
        changed after ``cursor``, in sequence order."""
        wanted = who.cases if cases is None else who.cases.intersection(cases)
        if not wanted:
            return Page([], cursor, False)
        with self.read() as s:
            linked = select(PersonLink.person_id).where(PersonLink.case_id.in_(wanted))
            visible = or_(
                Record.case_id.in_(wanted),
                (Record.table_name == p.PERSON_TABLE) & Record.id.in_(linked),
            )
            # First the page's sequence numbers and sizes only (sorting narrow rows), then the
            # rows in that range by the sequence index: sorting whole documents made pages slow.
            # A page ends at ``limit`` rows or ``page_chars`` characters of documents, whichever
            # comes first (but holds at least one row), so its size is bounded in bytes too.
            sized = s.execute(
                select(Record.seq, func.coalesce(Record.size, func.length(Record.data)))
                .where(Record.seq > cursor, visible)
                .order_by(Record.seq)
                .limit(limit)
            ).all()
            if not sized:
                return Page([], cursor, False)
            seqs: list[int] = []
            total = 0
            for seq, size in sized:
                total += int(size or 0)
                if seqs and total > self.page_chars:
                    break
                seqs.append(seq)
            query = (
                select(
                    Record.table_name,
                    Record.id,
                    Record.case_id,
                    Record.rev,
                    Record.seq,
                    Record.data,
                )
                .where(Record.seq >= seqs[0], Record.seq <= seqs[-1], visible)
                .order_by(Record.seq)
            )
            rows = list(s.execute(query).all())
            last = rows[-1][4] if rows else cursor
            rows.extend(self._named_persons(s, rows, wanted))
        out = [
            f'{{"table":"{t}","id":"{i}","case_id":{json.dumps(c)},"rev":{r},"seq":{q},"data":{d}}}'
            for t, i, c, r, q, d in rows
        ]
        return Page(out, last, len(sized) == limit or len(seqs) < len(sized))

    def _named_persons(self, s: Session, rows: Sequence[Any], wanted: set[str]) -> list[Any]:
        """The persons that rows of a page name, when the page does not hold them: a page is
        then whole by itself (a child comes with its case, even if the child was edited later
        and so sorts later). A device that has the person already skips it by its revision."""
        named: set[str] = set()
        present = {i for t, i, *_ in rows if t == p.PERSON_TABLE}
        for table, _i, case_id, _r, _q, data in rows:
            keys = p.person_columns(table) if table in p.CASE_TABLE_NAMES else ()
            if keys and case_id in wanted:
                doc = json.loads(data)
                named.update(str(doc[k]) for k in keys if doc.get(k))
        missing = sorted(named - present)
        if not missing:
            return []
        found: list[Any] = []
        for start in range(0, len(missing), 500):
            found.extend(
                s.execute(
                    select(
                        Record.table_name,
                        Record.id,
                        Record.case_id,
                        Record.rev,
                        Record.seq,
                        Record.data,
                    ).where(
                        Record.id.in_(missing[start : start + 500]),
                        Record.table_name == p.PERSON_TABLE,
                        # Only through a link: a row that names an id does not grant it.
                        Record.id.in_(
                            select(PersonLink.person_id).where(PersonLink.case_id.in_(wanted))
                        ),
                    )
                ).all()
            )
        return found

    def rows(self, who: Principal, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The current rows ``ids`` that ``who`` may read (unknown or foreign ids are left out)."""
        with self.read() as s:
            found = list(s.scalars(select(Record).where(Record.id.in_(list(ids)))))
            out = []
            for rec in found:
                if rec.case_id is not None and rec.case_id not in who.cases:
                    continue
                if rec.case_id is None and not _person_readable(s, who, rec):
                    continue
                out.append(
                    {
                        "table": rec.table_name,
                        "id": rec.id,
                        "case_id": rec.case_id,
                        "rev": rec.rev,
                        "seq": rec.seq,
                        "data": json.loads(rec.data),
                    }
                )
        return out

    def high_water(self) -> int:
        with self.read() as s:
            return int(s.scalar(select(func.coalesce(func.max(Record.seq), 0))) or 0)


class _Seq:
    """Sequence numbers handed out inside one writing transaction."""

    def __init__(self, value: int) -> None:
        self.value = value

    def next(self) -> int:
        self.value += 1
        return self.value


def _active_assignment(s: Session, case_id: str, user_id: str) -> Assignment | None:
    return s.scalar(
        select(Assignment).where(
            Assignment.case_id == case_id,
            Assignment.user_id == user_id,
            Assignment.ended_at.is_(None),
        )
    )


def _readable_cases(s: Session, who: Principal) -> set[str]:
    """A rådgiver reads and writes the cases assigned to them; a teamleder also the cases of
    everyone on their team; an admin manages accounts and sees no case data."""
    if who.role == UserRole.ADMIN.value:
        return set()
    active = select(Assignment.case_id).where(Assignment.ended_at.is_(None))
    if who.role == UserRole.TEAMLEDER.value and who.team:
        members = select(User.id).where(User.team == who.team)
        query = active.where(
            or_(Assignment.user_id == who.user_id, Assignment.user_id.in_(members))
        )
    else:
        query = active.where(Assignment.user_id == who.user_id)
    return set(s.scalars(query))


def _person_readable(s: Session, who: Principal, rec: Record) -> bool:
    """A person is read only through a case ``who`` may read now (having pushed it once gives
    nothing: see docs/security.md)."""
    linked = s.scalars(select(PersonLink.case_id).where(PersonLink.person_id == rec.id))
    return any(c in who.cases for c in linked)


@dataclass
class _Rec:
    """A record as one push sees it (read once, kept current as the push writes)."""

    id: str
    table_name: str
    case_id: str | None
    rev: int
    seq: int
    data: dict[str, Any]
    owner: str


def _old_problem(col: Any, old: Any) -> Problem | None:
    # The old value may be null where the column is not (a row's first values).
    return None if old is None else p.value_problem(col, old)


def _dumps(data: dict[str, Any]) -> str:
    # Danish letters stay letters: a note of 1 KB is not sent as 1.5 KB of escapes.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


_DELETE_LINK = delete(PersonLink).where(
    PersonLink.person_id == bindparam("b_person"), PersonLink.case_id == bindparam("b_case")
)

_UPDATE_RECORD = (
    update(Record)
    .where(Record.id == bindparam("b_id"))
    .values(
        rev=bindparam("b_rev"),
        seq=bindparam("b_seq"),
        data=bindparam("b_data"),
        size=bindparam("b_size"),
        changed_at=bindparam("b_at"),
    )
)


class _Apply:
    """The mutations of one push, inside its transaction (which holds the counter row, so no
    other writer runs meanwhile). A mutation's writes are staged and kept only when it was
    applied to the end; the kept writes go to the database in a few statements per push: a
    push of 50 changes must take milliseconds."""

    def __init__(self, s: Session, seq: _Seq, who: Principal) -> None:
        self.s = s
        self.conn = s.connection()
        self.seq = seq
        self.who = who
        self.records: dict[str, _Rec | None] = {}
        self.links: dict[str, set[str]] = {}
        self.case_numbers: set[str] | None = None
        self.staged: list[tuple[str, dict[str, Any]]] = []
        self.kept: dict[str, list[dict[str, Any]]] = {
            "insert": [],
            "update": [],
            "unlink": [],
            "link": [],
            "assign": [],
        }
        #: Links (person, case) this push removed (not yet flushed).
        self.unlinked: set[tuple[str, str]] = set()

    # -- staging -----------------------------------------------------------------------

    def begin(self) -> None:
        self.staged = []

    def keep(self) -> None:
        for kind, params in self.staged:
            self.kept[kind].append(params)
        self.staged = []

    def drop(self) -> None:
        """A refused mutation: what it staged (an assignment of a new case) is not written."""
        for kind, params in self.staged:
            if kind == "assign":
                self.who.cases.discard(params["case_id"])
            elif kind == "link":
                self.links.get(params["case_id"], set()).discard(params["person_id"])
            elif kind == "unlink":
                self.unlinked.discard((params["b_person"], params["b_case"]))
        self.staged = []

    def abort(self) -> None:
        """A mutation failed half-way (a bug): its writes are dropped; what the push kept so far
        is written, and everything is read again from the database."""
        for kind, params in self.staged:
            if kind == "assign":
                self.who.cases.discard(params["case_id"])
        self.staged = []
        self.flush()
        self.records.clear()
        self.links.clear()
        self.unlinked.clear()
        self.case_numbers = None

    def flush(self) -> None:
        kept = self.kept
        if kept["insert"]:
            self.conn.execute(insert(Record), kept["insert"])
        if kept["update"]:
            self.conn.execute(_UPDATE_RECORD, kept["update"])
        if kept["unlink"]:
            self.conn.execute(_DELETE_LINK, kept["unlink"])
        if kept["link"]:
            self.conn.execute(insert(PersonLink), kept["link"])
        if kept["assign"]:
            self.conn.execute(insert(Assignment), kept["assign"])
        for rows in kept.values():
            rows.clear()

    def prefetch(self, ids: Sequence[str]) -> None:
        wanted = [i for i in set(ids) if i not in self.records]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for i in chunk:
                self.records[i] = None
            rows = self.conn.execute(
                select(
                    Record.id,
                    Record.table_name,
                    Record.case_id,
                    Record.rev,
                    Record.seq,
                    Record.data,
                    Record.owner,
                ).where(Record.id.in_(chunk))
            )
            for rid, table, case_id, rev, seq, data, owner in rows:
                self.records[rid] = _Rec(rid, table, case_id, rev, seq, json.loads(data), owner)

    def record(self, row_id: str) -> _Rec | None:
        if row_id not in self.records:
            self.prefetch([row_id])
        return self.records[row_id]

    def reject(self, m: Mutation, reason: str, fields: Sequence[str] = ()) -> Result:
        return Result(m.mutation_id, Status.REJECTED, reason=reason, fields=list(fields))

    def run(self, m: Mutation) -> Result:
        if m.table in p.SERVER_MANAGED:
            # The account list is the store's own; a laptop's local copy is not pushed.
            return Result(m.mutation_id, Status.NOOP, reason="sync.server_managed")
        if m.table not in p.TABLES:
            return self.reject(m, "sync.unknown_table")
        cols = p.columns(m.table)
        changes = dict(m.changes)
        for key in ("id", "case_id", "rev"):
            change = changes.pop(key, None)
            wanted = {"id": m.row_id, "case_id": m.case_id, "rev": None}[key]
            if change is not None and key != "rev" and change[1] != wanted:
                return self.reject(m, "sync.case_mismatch", [key])
        unknown = sorted(k for k in changes if k not in cols)
        if unknown:
            return self.reject(m, "sync.unknown_field", unknown)
        if m.op == p.Op.INSERT.value:
            # The outbox records an insert before the database fills in column defaults.
            for key, (old, new) in list(changes.items()):
                default = p.default_value(cols[key])
                if new is None and default is not None:
                    changes[key] = [old, default]
        # Old values are checked too: a conflict keeps them, and every laptop receives it.
        problems = {
            k: problem
            for k, (old, new) in changes.items()
            if (problem := p.value_problem(cols[k], new) or _old_problem(cols[k], old))
        }
        if problems:
            return self.reject(m, p.problem_reason(problems.values()), sorted(problems))
        rec = self.record(m.row_id)
        if rec is not None and rec.table_name != m.table:
            return self.reject(m, "sync.unknown_row")
        refused = self.check_access(m, rec, changes)
        if refused:
            return self.reject(m, refused)
        if m.table in p.CASE_TABLE_NAMES and m.case_id:
            names = self.refused_names(m, m.case_id, changes)
            if names:
                return self.reject(m, "sync.no_access", names)
        if rec is None:
            if m.op != p.Op.INSERT.value:
                return self.reject(m, "sync.unknown_row")
            return self.insert(m, cols, changes)
        return self.merge(m, rec, changes)

    # -- access ----------------------------------------------------------------------

    def linked_cases(self, person_id: str) -> set[str]:
        """The cases that name a person: in the database, and staged by this push."""
        found = set(
            self.conn.execute(
                select(PersonLink.case_id).where(PersonLink.person_id == person_id)
            ).scalars()
        )
        found.update(c for c, persons in self.links.items() if person_id in persons)
        return {c for c in found if (person_id, c) not in self.unlinked}

    def person_writable(self, rec: _Rec) -> bool:
        """A person is read and written only through a case the caller may write now. A new
        person is created by its first case: until a case names it, only its maker may touch
        it (a laptop may push the person in one batch and its case in the next)."""
        linked = self.linked_cases(rec.id)
        if linked:
            return not linked.isdisjoint(self.who.cases)
        return rec.owner == self.who.user_id

    def refused_names(self, m: Mutation, case_id: str, changes: dict[str, list[Any]]) -> list[str]:
        """The fields of a case row that name a person the caller may not reach: naming a
        person in a case of one's own must not be a way to read or change them."""
        refused = []
        for key in p.person_columns(m.table):
            change = changes.get(key)
            person_id = change[1] if change else None
            if not isinstance(person_id, str) or person_id in self.case_links(case_id):
                continue
            person = self.record(person_id)
            if person is None:
                # Not in the store yet: the link is harmless, since the person's maker takes
                # over only links to cases they may write when the person arrives.
                continue
            if person.table_name != p.PERSON_TABLE or not self.person_writable(person):
                refused.append(key)
        return refused

    def case_links(self, case_id: str) -> set[str]:
        linked = self.links.get(case_id)
        if linked is None:
            linked = set(
                self.conn.execute(
                    select(PersonLink.person_id).where(PersonLink.case_id == case_id)
                ).scalars()
            )
            self.links[case_id] = linked
        return linked

    def check_access(
        self, m: Mutation, rec: _Rec | None, changes: dict[str, list[Any]]
    ) -> str | None:
        who = self.who
        if who.role == UserRole.ADMIN.value:
            return "sync.no_access"
        if m.table not in p.CASE_TABLE_NAMES:  # a person
            if rec is None or self.person_writable(rec):
                return None
            return "sync.no_access"
        case_id = rec.case_id if rec is not None else m.case_id
        if rec is not None and m.case_id != rec.case_id:
            return "sync.case_mismatch"
        if not case_id:
            return "sync.case_missing"
        if m.table == p.CONFLICT_TABLE and (
            rec is None or set(changes) - p.CONFLICT_RESOLUTION_FIELDS
        ):
            return "sync.read_only"
        if case_id in who.cases:
            return None
        if m.table == "case" and rec is None and m.row_id == case_id:
            # A case made on a laptop (a new underretning): it is assigned to its maker,
            # unless somebody else holds it already.
            taken = self.conn.execute(
                select(Assignment.id).where(Assignment.case_id == case_id).limit(1)
            ).scalar()
            if taken is not None:
                return "sync.no_access"
            self.staged.append(
                ("assign", {"case_id": case_id, "user_id": who.user_id, "started_at": now()})
            )
            who.cases.add(case_id)
            return None
        return "sync.no_access"

    # -- writes ----------------------------------------------------------------------

    def meta(self, data: dict[str, Any], rev: int) -> None:
        data["rev"] = rev
        data["updated_by"] = self.who.username
        data["updated_at"] = _iso(now())

    def add_record(self, table: str, data: dict[str, Any]) -> _Rec:
        rec = _Rec(
            data["id"], table, data.get("case_id"), 1, self.seq.next(), data, self.who.user_id
        )
        self.staged.append(
            (
                "insert",
                {
                    "id": rec.id,
                    "table_name": table,
                    "case_id": rec.case_id,
                    "rev": 1,
                    "seq": rec.seq,
                    "data": (text := _dumps(data)),
                    "size": len(text),
                    "owner": rec.owner,
                    "changed_at": now(),
                },
            )
        )
        self.records[rec.id] = rec
        return rec

    def save(self, rec: _Rec) -> None:
        rec.seq = self.seq.next()
        self.staged.append(
            (
                "update",
                {
                    "b_id": rec.id,
                    "b_rev": rec.rev,
                    "b_seq": rec.seq,
                    "b_data": (text := _dumps(rec.data)),
                    "b_size": len(text),
                    "b_at": now(),
                },
            )
        )

    def insert(self, m: Mutation, cols: dict[str, Any], changes: dict[str, list[Any]]) -> Result:
        # A column the laptop did not send (an older laptop's row) gets the column's default.
        data: dict[str, Any] = {key: p.default_value(col) for key, col in cols.items()}
        data.update({k: new for k, (_old, new) in changes.items()})
        data["id"] = m.row_id
        data["case_id"] = m.case_id if m.table in p.CASE_TABLE_NAMES else None
        missing = sorted(
            k
            for k, col in cols.items()
            if data[k] is None and not col.nullable and k not in ("rev", "updated_at", "updated_by")
        )
        if missing:
            return self.reject(m, "sync.bad_value", missing)
        if m.table == "case":
            data["case_number"] = self.unique_case_number(str(data["case_number"]))
        if m.table == p.PERSON_TABLE:
            self.drop_blind_links(m.row_id)
        self.meta(data, 1)
        self.add_record(m.table, data)
        self.link_persons(m.table, data)
        return Result(m.mutation_id, Status.APPLIED, rev=1)

    def drop_blind_links(self, person_id: str) -> None:
        """A case may name a person the store does not have yet (the id was learnt from an
        export, say). When the person arrives, links from cases its maker may not write are
        removed: naming an id blindly must not be a way to receive the person later."""
        for case_id in self.linked_cases(person_id) - self.who.cases:
            self.unlinked.add((person_id, case_id))
            self.links.get(case_id, set()).discard(person_id)
            self.staged.append(("unlink", {"b_person": person_id, "b_case": case_id}))

    def unique_case_number(self, number: str) -> str:
        """Two laptops may number a new case alike offline; the later one gets a suffix."""
        if self.case_numbers is None:
            self.case_numbers = {
                json.loads(d).get("case_number")
                for d in self.conn.execute(
                    select(Record.data).where(Record.table_name == "case")
                ).scalars()
            }
        candidate, n = number, 1
        while candidate in self.case_numbers:
            n += 1
            candidate = f"{number}-{n}"
        self.case_numbers.add(candidate)
        return candidate

    def merge(self, m: Mutation, rec: _Rec, changes: dict[str, list[Any]]) -> Result:
        cur = rec.data
        if m.table == p.NOTE_TABLE and cur.get("finalised_at"):
            # A finalised note never changes and never conflicts: what arrives after it was
            # finalised is kept as a new draft that points back to it.
            # Finalising it again (a second laptop, offline) changes nothing of its content.
            effective = {
                k: new
                for k, (_old, new) in changes.items()
                if k not in ("finalised_at", "updated_at", "updated_by") and cur.get(k) != new
            }
            if not effective:
                return Result(m.mutation_id, Status.NOOP, rev=rec.rev)
            self.fork_note(cur, effective, by=self.who.username)
            return Result(m.mutation_id, Status.APPLIED, rev=rec.rev, reason="sync.note_forked")
        if m.table == p.CONFLICT_TABLE and cur.get("resolved_at"):
            return Result(m.mutation_id, Status.NOOP, rev=rec.rev, reason="sync.already_resolved")
        apply: dict[str, Any] = {}
        conflicts: list[str] = []
        for key, (old, new) in changes.items():
            current = cur.get(key)
            if current == new:
                continue
            if current == old or (rec.rev == m.base_rev and m.op != p.Op.INSERT.value):
                apply[key] = new
            else:
                conflicts.append(key)
        reason = ""
        if m.table == p.NOTE_TABLE and conflicts:
            # A note is one person's text: two versions are never merged word by word. The
            # arriving version takes the note; the one it displaces is kept as a new draft.
            self.fork_note(dict(cur), {}, by=str(cur.get("updated_by") or ""))
            apply.update({k: changes[k][1] for k in conflicts})
            conflicts = []
            reason = "sync.note_forked"
        if not apply and not conflicts:
            return Result(m.mutation_id, Status.NOOP, rev=rec.rev)
        server_user = str(cur.get("updated_by") or "")
        server_values = {key: cur.get(key) for key in conflicts}
        if apply:
            cur.update(apply)
            rec.rev += 1
            self.meta(cur, rec.rev)
            self.save(rec)
            self.link_persons(m.table, cur)
        for key in conflicts:
            self.record_conflict(m, rec, key, server_values[key], server_user)
        if conflicts:
            return Result(
                m.mutation_id,
                Status.CONFLICT,
                rev=rec.rev,
                reason="sync.conflict",
                fields=conflicts,
            )
        return Result(m.mutation_id, Status.APPLIED, rev=rec.rev, reason=reason)

    def record_conflict(
        self, m: Mutation, rec: _Rec, key: str, server_value: Any, server_user: str
    ) -> None:
        old, new = m.changes[key]
        case_id = rec.case_id
        if case_id is None:  # a person: the conflict travels with a case that names them
            linked = self.linked_cases(rec.id)
            case_id = next((c for c in linked if c in self.who.cases), None)
        moment = _iso(now())
        self.add_record(
            p.CONFLICT_TABLE,
            {
                "id": str(uuid.uuid4()),
                "case_id": case_id,
                "rev": 1,
                "updated_at": moment,
                "updated_by": self.who.username,
                "deleted_at": None,
                "table_name": m.table,
                "row_id": rec.id,
                "field": key,
                "base_value": old,
                "server_value": server_value,
                "client_value": new,
                "client_user": self.who.username,
                "server_user": server_user,
                "detected_at": moment,
                "resolved_at": None,
                "resolution": None,
                "resolved_by": None,
            },
        )

    def fork_note(self, base: dict[str, Any], overrides: dict[str, Any], *, by: str) -> str:
        note_id = str(uuid.uuid4())
        data = {**base, **overrides}
        title = str(data.get("title") or "Notat")
        data.update(
            id=note_id,
            finalised_at=None,
            corrects_id=base["id"],
            title=f"{title} (anden version)"[:300],
            author=by or str(data.get("author") or ""),
        )
        self.meta(data, 1)
        self.add_record(p.NOTE_TABLE, data)
        return note_id

    def link_persons(self, table: str, data: dict[str, Any]) -> None:
        case_id = data.get("case_id")
        if table not in p.CASE_TABLE_NAMES or not case_id or table == p.CONFLICT_TABLE:
            return
        keys = p.person_columns(table)
        if not keys:
            return
        linked = self.case_links(case_id)
        for key in keys:
            person_id = data.get(key)
            if not person_id or person_id in linked:
                continue
            linked.add(person_id)
            self.staged.append(("link", {"person_id": person_id, "case_id": case_id}))
            person = self.record(person_id)
            if person is not None:
                # Readers of this case may be past the person's sequence number: move it on
                # (the revision stays, so a device that has the person skips it).
                self.save(person)
