"""Back-off for refused logins, per user and per client address, kept in the store's database
(several store instances behind one load balancer share it).

The numbers (documented in docs/security.md):

- after ``USER_FREE`` (5) refused logins a known user waits 1 second before the next try, and
  each further refusal doubles the wait, to at most ``MAX_WAIT`` (15 minutes);
- after ``ADDRESS_FREE`` (20) refused logins from one client address, whatever names it tried,
  that address waits the same way;
- a key that has been quiet for ``FORGET_AFTER`` (15 minutes) starts counting afresh, and a
  successful login clears its user's count.

While a key waits, a login is refused (HTTP 429, ``Retry-After``) without checking the password:
a guesser learns nothing and costs the store nothing. Unknown user names are never stored: they
count only against the address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.tables import LoginThrottle

USER_FREE: Final = 5
ADDRESS_FREE: Final = 20
FIRST_WAIT: Final = timedelta(seconds=1)
MAX_WAIT: Final = timedelta(minutes=15)
FORGET_AFTER: Final = timedelta(minutes=15)


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


def address_key(address: str) -> str:
    return f"addr:{address[:90]}"


def _free(key: str) -> int:
    return USER_FREE if key.startswith("user:") else ADDRESS_FREE


def wait_after(failures: int, free: int) -> timedelta:
    """How long a key waits after its ``failures``-th failure (none up to ``free``)."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 20)
    wait: timedelta = min(FIRST_WAIT * (2**doublings), MAX_WAIT)
    return wait


@dataclass(frozen=True)
class Blocked:
    key: str
    until: datetime

    def seconds(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def blocked(s: Session, keys: list[str], now: datetime) -> Blocked | None:
    """The key that must still wait, if any (the longest wait)."""
    found = None
    for row in s.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        until = row.blocked_until
        if until is not None and until > now and (found is None or until > found.until):
            found = Blocked(row.key, until)
    return found


def record_failure(s: Session, keys: list[str], now: datetime) -> list[str]:
    """Count a refused login against ``keys``; returns the keys whose waiting starts now."""
    rows = {r.key: r for r in s.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))}
    started = []
    for key in keys:
        row = rows.get(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_at=now, blocked_until=None)
            s.add(row)
        elif now - row.last_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_at = now
        wait = wait_after(row.failures, _free(key))
        if wait:
            if row.failures == _free(key):
                started.append(key)
            row.blocked_until = now + wait
    return started


def clear(s: Session, key: str) -> bool:
    """Forget a key's failures (a successful login, or an administrator's unlock)."""
    found = s.get(LoginThrottle, key)
    if found is None:
        return False
    s.delete(found)
    return True
