"""Signing in, attacked (SQLite and PostgreSQL): the same work for an unknown user as for a known
one, back-off per user and per address (429 with Retry-After, even for the right password while
waiting), no admin-log row per refused login, and Argon2 outside the store's write lock."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from desktop.messages import error_text
from sync import errors
from sync.client import enrolment
from sync.server import throttle
from sync.server.admin import main as admin_main
from sync.server.run import ServerThread
from sync.server.store import Mutation, Store, TooManyAttempts, Unauthorized
from tests.sync.harness import PASSWORD

WRONG = "forkert-adgang-9"


class CountingHasher(PasswordHasher):
    """Argon2 as the store uses it, counting the password checks."""

    def __init__(self) -> None:
        super().__init__()
        self.verified = 0
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(20)
        return super().verify(hash, password)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 9, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def hasher(store: Store) -> CountingHasher:
    counting = CountingHasher()
    store.hasher = counting
    return counting


@pytest.fixture
def clock(store: Store) -> Clock:
    fixed = Clock()
    store.clock = fixed
    return fixed


def _login(store: Store, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return store.login(username, password, "bærbar", address=address)


def test_an_unknown_user_costs_one_password_check_like_a_known_one(
    store: Store, hasher: CountingHasher, clock: Clock
) -> None:
    for name in ("anna", "ukendt-bruger"):
        before = hasher.verified
        with pytest.raises(Unauthorized):
            _login(store, name, WRONG)
        assert hasher.verified == before + 1, name
    # A deactivated user too (and the right password does not help).
    store.set_user("bo", active=False)
    before = hasher.verified
    with pytest.raises(Unauthorized):
        _login(store, "bo", PASSWORD)
    assert hasher.verified == before + 1


def test_a_user_waits_after_five_refusals_even_with_the_right_password(
    store: Store, hasher: CountingHasher, clock: Clock
) -> None:
    for n in range(throttle.USER_FREE):
        with pytest.raises(Unauthorized):
            _login(store, "anna", WRONG, address=f"10.0.0.{n}")
    checks = hasher.verified
    with pytest.raises(TooManyAttempts) as caught:
        _login(store, "anna", PASSWORD, address="10.0.1.1")
    assert caught.value.params["retry_after"] == 1
    assert hasher.verified == checks  # refused before any password check
    # Each further refusal doubles the wait.
    clock.advance(1)
    with pytest.raises(Unauthorized):
        _login(store, "anna", WRONG, address="10.0.1.2")
    with pytest.raises(TooManyAttempts) as caught:
        _login(store, "anna", PASSWORD)
    assert caught.value.params["retry_after"] == 2
    # Other users sign in meanwhile.
    assert _login(store, "bo", PASSWORD)[2].username == "bo"
    # After the wait the right password works and clears the count.
    clock.advance(2)
    assert _login(store, "anna", PASSWORD)[2].username == "anna"
    assert all(key != throttle.user_key(_id(store, "anna")) for key in _keys(store))


def test_waiting_is_capped_and_forgotten_after_a_quiet_quarter(
    store: Store, hasher: CountingHasher, clock: Clock
) -> None:
    assert throttle.wait_after(4, 5) == timedelta(0)
    assert throttle.wait_after(5, 5) == timedelta(seconds=1)
    assert throttle.wait_after(9, 5) == timedelta(seconds=16)
    assert throttle.wait_after(100, 5) == timedelta(minutes=15)
    for _ in range(throttle.USER_FREE):
        with pytest.raises(Unauthorized):
            _login(store, "anna", WRONG)
        clock.advance(60)
    clock.advance(16 * 60)
    with pytest.raises(Unauthorized):  # counted afresh: no wait after one refusal
        _login(store, "anna", WRONG)
    assert _login(store, "anna", PASSWORD)[2].username == "anna"


def test_an_address_waits_after_twenty_refusals_whatever_names_it_tries(
    store: Store, hasher: CountingHasher, clock: Clock
) -> None:
    for n in range(throttle.ADDRESS_FREE):
        with pytest.raises(Unauthorized):
            _login(store, f"gæt-{n}", WRONG, address="192.0.2.7")
    with pytest.raises(TooManyAttempts):
        _login(store, "anna", PASSWORD, address="192.0.2.7")
    assert _login(store, "anna", PASSWORD, address="192.0.2.8")[2].username == "anna"
    # Attempted names are never stored: not in the throttle, not in the admin trail.
    stored = " ".join(_keys(store)) + " ".join(
        f"{e.actor} {e.subject} {e.detail}" for e in store.admin_events(1000)
    )
    assert "gæt" not in stored
    assert not [e for e in store.admin_events(1000) if e.action == "login_refused"]


def test_a_lockout_is_logged_once_and_an_administrator_can_lift_it(
    store: Store, hasher: CountingHasher, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(throttle.USER_FREE + 2):
        with pytest.raises((Unauthorized, TooManyAttempts)):
            _login(store, "anna", WRONG)
        clock.advance(0.5)
    locked = [e for e in store.admin_events(100) if e.action == "login_locked"]
    assert [(e.subject) for e in locked] == ["anna"]
    assert store.lockouts()[0][0] in ("anna", "adresse 10.0.0.1")
    assert store.unlock_login("anna") is True
    assert _login(store, "anna", PASSWORD)[2].username == "anna"


def test_the_admin_command_lists_and_lifts_lockouts(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "central.db")
    store = Store.open(db)
    try:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        for _ in range(throttle.USER_FREE):
            with pytest.raises(Unauthorized):
                store.login("anna", WRONG, "bærbar", address="10.0.0.1")
    finally:
        store.close()
    assert admin_main(["--db", db, "bruger", "spaerringer"]) == 0
    listed = capsys.readouterr().out
    assert "anna" in listed and "adresse 10.0.0.1" in listed
    assert admin_main(["--db", db, "bruger", "laas-op", "anna"]) == 0
    assert "kan logge på igen" in capsys.readouterr().out
    assert admin_main(["--db", db, "bruger", "laas-op", "anna"]) == 0
    assert "ingen forkerte forsøg" in capsys.readouterr().out


def test_over_http_a_waiting_login_gets_429_with_retry_after(
    store: Store, server: ServerThread, clock: Clock, tmp_path: Any
) -> None:
    body = {"username": "anna", "password": WRONG, "device_name": "bærbar"}
    for _ in range(throttle.USER_FREE):
        answer = httpx.post(f"{server.url}/v1/login", json=body, timeout=10)
        assert answer.status_code == 401
    answer = httpx.post(f"{server.url}/v1/login", json={**body, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 429, answer.text
    assert answer.headers["Retry-After"] == "1"
    assert answer.json() == {
        "error": "auth.too_many_attempts",
        "message": "For mange forkerte forsøg. Vent lidt, og prøv igen.",
        "retry_after": 1,
    }
    # The laptop says it in Danish.
    from models.keyfile import KdfParams
    from models.vault import Vault

    vault = Vault.create(tmp_path / "lap", "grøn-cykel-hænger-lampe-7", kdf=KdfParams.fast())
    try:
        with pytest.raises(errors.TooManyAttempts) as caught:
            enrolment.connect(vault, server.url, "anna", PASSWORD, "bærbar")
        assert error_text(caught.value) == (
            "For mange forkerte forsøg med adgangskoden. Vent 1 sekund, og prøv igen."
        )
        assert not enrolment.is_connected(vault)
    finally:
        vault.close()


def test_a_password_check_does_not_hold_the_write_lock(
    store: Store, hasher: CountingHasher
) -> None:
    """While a login's Argon2 runs (held here on a gate), a push goes through."""
    _device, token = store.register_device("bo", "test")
    who = store.authenticate(token)
    hasher.gate = threading.Event()
    outcome: dict[str, Any] = {}

    def sign_in() -> None:
        try:
            outcome["login"] = store.login("anna", PASSWORD, "bærbar", address="10.0.0.1")
        except Exception as exc:  # reported below
            outcome["error"] = exc

    worker = threading.Thread(target=sign_in)
    worker.start()
    try:
        assert hasher.entered.wait(20)
        person = str(uuid.uuid4())
        [result] = store.push(
            who,
            [
                Mutation(
                    str(uuid.uuid4()),
                    "person",
                    person,
                    None,
                    "insert",
                    0,
                    {"first_name": [None, "Mia"]},
                )
            ],
        )
        assert result.status.value == "applied"
        assert worker.is_alive()  # the login is still in its password check
    finally:
        hasher.gate.set()
        worker.join(20)
    assert "error" not in outcome, outcome
    assert outcome["login"][2].username == "anna"


def _keys(store: Store) -> list[str]:
    from sync.server.tables import LoginThrottle

    with store.read() as s:
        return [row.key for row in s.query(LoginThrottle)]


def _id(store: Store, username: str) -> str:
    return next(u.id for u in store.users() if u.username == username)
