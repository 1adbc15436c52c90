"""Accounts of the central store: teams, users (Argon2 passwords), case assignments, devices
with their tokens, signing in (with back-off, see ``sync.server.throttle``) and the callers'
access to cases; the admin trail and the devices' access log."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from models.vocabulary import UserRole
from sync.server import throttle
from sync.server.db import (
    Database,
    DeviceRevoked,
    Principal,
    StoreError,
    TooManyAttempts,
    Unauthorized,
    now,
    token_hash,
)
from sync.server.tables import (
    AdminEvent,
    Assignment,
    CaseAudit,
    Device,
    LoginThrottle,
    Record,
    Team,
    User,
)

_hasher = PasswordHasher()


class Accounts(Database):
    """Who may do what. Password hashing and the clock of the login back-off are attributes, so
    a test can put in its own."""

    hasher: PasswordHasher = _hasher
    clock: Callable[[], datetime] = staticmethod(now)
    _stand_in: str | None = None

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
