"""Fixtures for the sync tests: ``store`` runs on SQLite, and on PostgreSQL when
FELTMAPPE_TEST_PG_URL is set (skipped cleanly otherwise)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from models.vocabulary import UserRole
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import PASSWORD, PG_URL, Laptop, running, store_at


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "pg" and not PG_URL:
        pytest.skip("FELTMAPPE_TEST_PG_URL is not set")
    with store_at(request.param, tmp_path) as s:
        s.add_team("Team Syd")
        s.add_user("anna", PASSWORD, display_name="Anna Holm", team="Team Syd")
        s.add_user("bo", PASSWORD, display_name="Bo Lund", team="Team Syd")
        s.add_user("carl", PASSWORD, display_name="Carl Berg")
        s.add_user(
            "tina", PASSWORD, display_name="Tina Leder", team="Team Syd", role=UserRole.TEAMLEDER
        )
        s.add_user("ida", PASSWORD, display_name="Ida Drift", role=UserRole.ADMIN)
        yield s


@pytest.fixture
def server(store: Store) -> Iterator[ServerThread]:
    with running(store) as srv:
        yield srv


@pytest.fixture
def laptop(tmp_path: Path, server: ServerThread) -> Iterator[Callable[[str, str], Laptop]]:
    made: list[Laptop] = []

    def make(name: str, username: str) -> Laptop:
        lap = Laptop(tmp_path, name, server.url, username)
        made.append(lap)
        return lap

    yield make
    for lap in made:
        lap.close()
