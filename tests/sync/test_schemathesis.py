"""Property-based tests of the central store's HTTP interface from its own OpenAPI schema
(``/v1/openapi.json``), with schemathesis against a live server and a valid device token: no
answer is a 5xx, every status code is documented, and every answer matches its declared schema
and content type. Bounded (a fixed number of examples per operation, derandomized) so it runs in
seconds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.core.result import Err

from models import services
from sync import protocol as p
from sync.client.keys import TOKEN_KEY
from sync.server.store import Store
from tests.sync.harness import PASSWORD, PG_URL, Laptop, running, store_at

EXAMPLES = 25
CHECKS: list[Any] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_schema_conformance,
    response_headers_conformance,
    unsupported_method,
]


@dataclass
class Live:
    url: str
    token: str
    store: Store


@pytest.fixture(scope="module", params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """A running store with one caseworker whose laptop has synced a case (so pulls and row
    look-ups find something), and her device's token."""
    if request.param == "pg" and not PG_URL:
        pytest.skip("FELTMAPPE_TEST_PG_URL is not set")
    tmp = tmp_path_factory.mktemp("schemathesis")
    with store_at(request.param, tmp) as store, running(store) as server:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        anna = Laptop(tmp, "anna", server.url, "anna")
        try:
            with anna.vault.session() as s:
                child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
                case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
                services.add_note(s, case, title="Kladde", body="Skolen ringede.")
            anna.sync()
            yield Live(server.url, anna.vault.setting(TOKEN_KEY), store)
        finally:
            anna.close()


def _run(strategy: Any, check: Callable[[Any], None]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @given(case=strategy)
    def one(case: Any) -> None:
        check(case)

    one()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_documented_contract(live: Live, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/v1/openapi.json", timeout=10)
    auth = {"Authorization": f"Bearer {live.token}"}
    # Valid input uses the protocol this code speaks, so requests reach the store itself;
    # invalid input may vary the header too.
    fixed = (
        {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)} if mode is GenerationMode.POSITIVE else None
    )
    checks = CHECKS + (
        [negative_data_rejection] if mode is GenerationMode.NEGATIVE else [positive_data_acceptance]
    )
    seen: list[str] = []
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"the schema does not load: {result.err()}")
        operation = result.ok()
        seen.append(operation.label)
        params = {h.name for h in operation.headers} if operation.headers else set()
        headers = {k: v for k, v in (fixed or {}).items() if k in params} or None
        strategy = operation.as_strategy(generation_mode=mode, headers=headers)

        def check(case: Any, label: str = operation.label) -> None:
            response = case.call_and_validate(
                base_url=live.url, headers=auth, checks=checks, timeout=30
            )
            statuses.setdefault(label, set()).add(response.status_code)

        try:
            _run(strategy, check)
        except hypothesis.errors.Unsatisfiable:
            # An operation without input (GET /v1/status) has no invalid input to send.
            assert mode is GenerationMode.NEGATIVE, operation.label
        except Exception as exc:  # collected, reported together below
            failures.append(f"{operation.label}: {exc}")
    assert sorted(seen) == sorted(
        [
            "GET /v1/status",
            "POST /v1/login",
            "GET /v1/me",
            "GET /v1/cases",
            "GET /v1/names",
            "POST /v1/push",
            "POST /v1/pull",
            "POST /v1/rows",
        ]
    )
    assert not failures, "\n\n".join(failures)
    if mode is GenerationMode.POSITIVE:
        # The token opened the authenticated operations: valid input got through to the store.
        for label in (
            "GET /v1/me",
            "GET /v1/cases",
            "GET /v1/names",
            "POST /v1/push",
            "POST /v1/pull",
        ):
            assert 200 in statuses[label], (label, statuses[label])
        assert statuses["POST /v1/login"] <= {200, 401, 429}
    else:
        assert all(code < 500 for codes in statuses.values() for code in codes), statuses
