"""Bad input to the central store over real HTTP, with a valid device token: every answer is a
4xx with JSON ``{"error", "message"}`` (the message in Danish), never a 500, and a refused
request writes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from models import services
from models.schema import JournalNote
from sync import protocol as p
from sync.client.keys import TOKEN_KEY
from sync.server.app import MESSAGES
from sync.server.store import Store
from sync.server.tables import AppliedMutation, CaseAudit, Device, Record
from tests.sync.harness import PASSWORD, PG_URL, Laptop, running, store_at

DANISH = frozenset(MESSAGES.values())


@dataclass
class Seeded:
    http: httpx.Client
    store: Store
    case_id: str
    note_id: str
    note_rev: int


@pytest.fixture(scope="module", params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """One store and server for the module (every test leaves it as it found it, or checks
    exactly what it changed): Anna's laptop with one case (a child, a draft note) synced, and
    an HTTP client with her device's token."""
    if request.param == "pg" and not PG_URL:
        pytest.skip("FELTMAPPE_TEST_PG_URL is not set")
    tmp = tmp_path_factory.mktemp("bad_input")
    with store_at(request.param, tmp) as store, running(store) as server:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        anna = Laptop(tmp, "anna", server.url, "anna")
        try:
            with anna.vault.session() as s:
                child, _ = services.create_person(s, first_name="Mia", last_name="Jensen")
                case = services.create_case(s, child=child, opened_on=date(2026, 11, 2))
                note = services.add_note(s, case, title="Kladde", body="Skolen ringede.")
                case_id, note_id = case.id, note.id
            anna.sync()
            with anna.vault.session() as s:
                rev = s.get(JournalNote, note_id).rev  # type: ignore[union-attr]
            headers = {"Authorization": f"Bearer {anna.vault.setting(TOKEN_KEY)}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
                yield Seeded(http, store, case_id, note_id, rev)
        finally:
            anna.close()


def _counts(store: Store) -> tuple[int, ...]:
    with store.read() as s:
        counts = tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (Record, AppliedMutation, CaseAudit, Device)
        )
        body = s.scalars(select(Record.data).order_by(Record.id)).all()
    return (store.high_water(), *counts, hash(tuple(body)))


def _refused(response: httpx.Response, status: int | None = None, code: str | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body["error"], str) and body["error"]
    assert body["message"] in DANISH, body
    if code is not None:
        assert body["error"] == code, body


def _mutation(seeded: Seeded, **over: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        "mutation_id": str(uuid.uuid4()),
        "table": "journal_note",
        "row_id": seeded.note_id,
        "case_id": seeded.case_id,
        "op": "update",
        "base_rev": seeded.note_rev,
        "changes": {"body": ["Skolen ringede.", "Ændret."]},
    }
    m.update(over)
    return m


# -- refused as a whole: nothing written ------------------------------------------------------


BAD_PUSHES: dict[str, Callable[[Seeded], Any]] = {
    "not an object": lambda s: [],
    "null": lambda s: None,
    "mutations not a list": lambda s: {"mutations": "x"},
    "mutation not an object": lambda s: {"mutations": [[1, 2]]},
    "base_rev negative": lambda s: {"mutations": [_mutation(s, base_rev=-1)]},
    "base_rev a string": lambda s: {"mutations": [_mutation(s, base_rev="abc")]},
    "base_rev too big": lambda s: {"mutations": [_mutation(s, base_rev=2**80)]},
    "changes not a dict": lambda s: {"mutations": [_mutation(s, changes=[["a", "b"]])]},
    "change a string": lambda s: {"mutations": [_mutation(s, changes={"body": "Ændret."})]},
    "change a 1-list": lambda s: {"mutations": [_mutation(s, changes={"body": ["x"]})]},
    "change a 3-list": lambda s: {"mutations": [_mutation(s, changes={"body": [1, 2, 3]})]},
    "empty field name": lambda s: {"mutations": [_mutation(s, changes={"": [1, 2]})]},
    "mutation_id not a uuid": lambda s: {"mutations": [_mutation(s, mutation_id="abc")]},
    "row_id not a uuid": lambda s: {"mutations": [_mutation(s, row_id="123")]},
    "case_id not a uuid": lambda s: {"mutations": [_mutation(s, case_id="../etc")]},
    "row_id a number": lambda s: {"mutations": [_mutation(s, row_id=42)]},
    "unknown op": lambda s: {"mutations": [_mutation(s, op="drop")]},
    "missing op": lambda s: {"mutations": [{k: v for k, v in _mutation(s).items() if k != "op"}]},
    "missing changes": lambda s: {
        "mutations": [{k: v for k, v in _mutation(s).items() if k != "changes"}]
    },
    "extra field in mutation": lambda s: {"mutations": [_mutation(s, extra=1)]},
    "extra field in body": lambda s: {"mutations": [_mutation(s)], "cursor": 0},
    "table too long": lambda s: {"mutations": [_mutation(s, table="x" * 81)]},
    "audit with a bad date": lambda s: {
        "mutations": [],
        "audit": [{"id": str(uuid.uuid4()), "at": "x" * 41, "action": "view"}],
    },
    "audit at not a date": lambda s: {
        "mutations": [],
        "audit": [{"id": str(uuid.uuid4()), "at": "i går", "action": "view"}],
    },
    "audit at out of range in UTC": lambda s: {
        "mutations": [],
        "audit": [{"id": str(uuid.uuid4()), "at": "0001-01-01T00:00:00+14:00", "action": "x"}],
    },
    "audit action too long": lambda s: {
        "mutations": [],
        "audit": [{"id": str(uuid.uuid4()), "at": "2026-11-02T10:00:00+00:00", "action": "v" * 41}],
    },
    "audit action with NUL": lambda s: {
        "mutations": [],
        "audit": [{"id": str(uuid.uuid4()), "at": "2026-11-02T10:00:00+00:00", "action": "v\x00"}],
    },
    "audit not a uuid": lambda s: {
        "mutations": [],
        "audit": [{"id": "nope", "at": "2026-11-02T10:00:00+00:00", "action": "view"}],
    },
    # One good mutation next to a bad one: the request is refused and the good one not applied.
    "good next to bad": lambda s: {"mutations": [_mutation(s), _mutation(s, base_rev=-1)]},
    "too many mutations": lambda s: {
        "mutations": [_mutation(s) for _ in range(p.MAX_PUSH + 1)],
    },
}


@pytest.mark.parametrize("case", sorted(BAD_PUSHES))
def test_a_bad_push_is_refused_and_writes_nothing(seeded: Seeded, case: str) -> None:
    before = _counts(seeded.store)
    response = seeded.http.post("/v1/push", json=BAD_PUSHES[case](seeded))
    _refused(response, 422, "invalid_request")
    assert _counts(seeded.store) == before


BAD_BODIES: list[tuple[str, str, bytes]] = [
    ("/v1/push", "malformed", b'{"mutations": [}'),
    ("/v1/push", "truncated", b'{"mutations": ['),
    ("/v1/push", "not utf-8", b'{"mutations": ["\xff\xfe"]}'),
    ("/v1/push", "empty", b""),
    ("/v1/pull", "malformed", b"{cursor: 0}"),
    ("/v1/pull", "nan", b'{"cursor": NaN}'),
    ("/v1/rows", "malformed", b'{"ids": [1,'),
    ("/v1/login", "malformed", b'{"username": "anna",'),
]


@pytest.mark.parametrize(
    ("path", "what", "body"), BAD_BODIES, ids=[f"{a}-{b}" for a, b, _ in BAD_BODIES]
)
def test_malformed_json_is_refused(seeded: Seeded, path: str, what: str, body: bytes) -> None:
    before = _counts(seeded.store)
    response = seeded.http.post(path, content=body, headers={"Content-Type": "application/json"})
    # 422 when the text is not JSON; 400 when it is not even UTF-8 text.
    _refused(response, None, "invalid_request")
    assert _counts(seeded.store) == before


BAD_PULLS: dict[str, Any] = {
    "cursor a string": {"cursor": "abc"},
    "cursor negative": {"cursor": -1},
    "cursor a float": {"cursor": 1.5},
    "cursor missing": {},
    "limit zero": {"cursor": 0, "limit": 0},
    "limit too big": {"cursor": 0, "limit": p.MAX_PAGE + 1},
    "cases not a list": {"cursor": 0, "cases": "all"},
    "case not a uuid": {"cursor": 0, "cases": ["x"]},
    "extra field": {"cursor": 0, "since": 1},
    "not an object": [0],
}


@pytest.mark.parametrize("case", sorted(BAD_PULLS))
def test_a_bad_pull_is_refused(seeded: Seeded, case: str) -> None:
    before = _counts(seeded.store)
    _refused(seeded.http.post("/v1/pull", json=BAD_PULLS[case]), 422, "invalid_request")
    assert _counts(seeded.store) == before


@pytest.mark.parametrize(
    "body",
    [
        {"ids": ["nope"]},
        {"ids": "x"},
        {},
        {"ids": [], "more": 1},
        {"ids": [str(uuid.uuid4())] * 1001},
    ],
    ids=["not-uuid", "not-list", "missing", "extra", "too-many"],
)
def test_a_bad_rows_request_is_refused(seeded: Seeded, body: Any) -> None:
    _refused(seeded.http.post("/v1/rows", json=body), 422, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        {"username": "anna"},
        {"username": "anna", "password": "hemmelig-adgang-1", "device_name": "x", "role": "admin"},
        {"username": "", "password": "x", "device_name": "x"},
        {"username": 1, "password": 2, "device_name": 3},
        {"username": "anna\x00", "password": "hemmelig-adgang-1", "device_name": "x"},
        {"username": "anna", "password": "hemmelig-adgang-1", "device_name": "pc\x00"},
    ],
    ids=["missing", "extra", "empty", "types", "nul-username", "nul-device"],
)
def test_a_bad_login_is_refused_and_makes_no_device(seeded: Seeded, body: Any) -> None:
    before = _counts(seeded.store)
    _refused(seeded.http.post("/v1/login", json=body), 422, "invalid_request")
    assert _counts(seeded.store) == before


# -- too large ---------------------------------------------------------------------------------


def _big_push(seeded: Seeded) -> bytes:
    filler = "x" * (p.MAX_BODY_BYTES + 1024)
    body = {"mutations": [_mutation(seeded, changes={"body": ["Skolen ringede.", filler]})]}
    return json.dumps(body).encode()


def test_an_oversized_body_is_refused_by_its_length(seeded: Seeded) -> None:
    before = _counts(seeded.store)
    data = _big_push(seeded)
    assert len(data) > p.MAX_BODY_BYTES
    response = seeded.http.post(
        "/v1/push", content=data, headers={"Content-Type": "application/json"}
    )
    _refused(response, 413, "too_large")
    assert _counts(seeded.store) == before


def test_an_oversized_body_without_a_length_is_refused(seeded: Seeded) -> None:
    before = _counts(seeded.store)
    data = _big_push(seeded)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    response = seeded.http.post(
        "/v1/push", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    _refused(response, 413, "too_large")
    assert _counts(seeded.store) == before
    # The server is still well afterwards.
    assert seeded.http.get("/v1/cases").json() == {"cases": [seeded.case_id]}


def test_a_chunked_body_under_the_limit_is_accepted(seeded: Seeded) -> None:
    data = json.dumps({"mutations": [_fresh_update(seeded)]}).encode()

    def chunks() -> Iterator[bytes]:
        yield data[:10]
        yield data[10:]

    response = seeded.http.post(
        "/v1/push", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "applied"


# -- addresses, methods, protocol -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/nope", 404, "not_found"),
        ("POST", "/v2/push", 404, "not_found"),
        ("GET", "/", 404, "not_found"),
        ("GET", "/v1/push", 405, "method_not_allowed"),
        ("DELETE", "/v1/cases", 405, "method_not_allowed"),
        ("PUT", "/v1/pull", 405, "method_not_allowed"),
        ("PATCH", "/v1/login", 405, "method_not_allowed"),
    ],
)
def test_unknown_paths_and_methods(
    seeded: Seeded, method: str, path: str, status: int, code: str
) -> None:
    before = _counts(seeded.store)
    response = seeded.http.request(method, path, json={"cursor": 0})
    _refused(response, status, code)
    if status == 405:  # says what is allowed (RFC 9110)
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed & {"GET", "POST"}, response.headers
    assert _counts(seeded.store) == before


@pytest.mark.parametrize("path", ["/v1/push", "/v1/pull"])
def test_a_newer_protocol_is_refused(seeded: Seeded, path: str) -> None:
    before = _counts(seeded.store)
    body = {"mutations": [_mutation(seeded)]} if path == "/v1/push" else {"cursor": 0}
    response = seeded.http.post(path, json=body, headers={p.PROTOCOL_HEADER: "99"})
    _refused(response, 400, "protocol.unsupported")
    response = seeded.http.post(path, json=body, headers={p.PROTOCOL_HEADER: "0"})
    _refused(response, 400, "protocol.unsupported")
    response = seeded.http.post(path, json=body, headers={p.PROTOCOL_HEADER: "abc"})
    _refused(response, 422, "invalid_request")
    assert _counts(seeded.store) == before


# -- refused mutation by mutation ---------------------------------------------------------------


def _fresh_update(seeded: Seeded) -> dict[str, Any]:
    """An update of the note that applies whatever earlier tests did to it."""
    (row,) = seeded.http.post("/v1/rows", json={"ids": [seeded.note_id]}).json()["rows"]
    return _mutation(
        seeded, base_rev=row["rev"], changes={"body": [row["data"]["body"], str(uuid.uuid4())]}
    )


def _push_one(seeded: Seeded, **over: Any) -> dict[str, Any]:
    response = seeded.http.post("/v1/push", json={"mutations": [_mutation(seeded, **over)]})
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return dict(result)


@pytest.mark.parametrize(
    ("over", "reason", "fields"),
    [
        ({"row_id": "00000000-0000-4000-8000-000000000000"}, "sync.unknown_row", []),
        ({"op": "delete", "row_id": str(uuid.UUID(int=7))}, "sync.unknown_row", []),
        ({"table": "no_such_table"}, "sync.unknown_table", []),
        ({"table": "user"}, None, []),  # the store's own accounts: ignored, not applied
        ({"changes": {"shoe_size": [None, 44]}}, "sync.unknown_field", ["shoe_size"]),
        ({"changes": {"body": ["Skolen ringede.", 42]}}, "sync.bad_value", ["body"]),
        ({"changes": {"body": ["Skolen ringede.", None]}}, "sync.bad_value", ["body"]),
        ({"changes": {"written_at": [None, "i går"]}}, "sync.bad_value", ["written_at"]),
        (
            {"changes": {"written_at": [None, "2026-11-02T10:00:00"]}},
            "sync.bad_value",
            ["written_at"],
        ),
        ({"changes": {"title": [None, ["a"]]}}, "sync.bad_value", ["title"]),
        (
            {"changes": {"case_id": [None, str(uuid.UUID(int=9))]}},
            "sync.case_mismatch",
            ["case_id"],
        ),
        ({"case_id": str(uuid.UUID(int=9))}, "sync.case_mismatch", []),
        ({"case_id": None}, "sync.case_mismatch", []),
    ],
    ids=[
        "unknown-row",
        "delete-unknown-row",
        "unknown-table",
        "server-managed",
        "unknown-field",
        "int-for-text",
        "null-for-text",
        "bad-datetime",
        "naive-datetime",
        "list-for-text",
        "moves-case",
        "wrong-case",
        "no-case",
    ],
)
def test_a_bad_mutation_is_rejected_on_its_own(
    seeded: Seeded, over: dict[str, Any], reason: str | None, fields: list[str]
) -> None:
    before = _counts(seeded.store)
    result = _push_one(seeded, **over)
    if reason is None:
        assert result["status"] == "noop"
    else:
        assert result["status"] == "rejected", result
        assert result["reason"] == reason
        assert result["fields"] == fields
    after = _counts(seeded.store)
    # Only the answer is remembered (so a retry gets the same one); no row changed.
    assert after[0] == before[0] and after[1] == before[1] and after[-1] == before[-1]
    assert after[2] == before[2] + 1


def test_unknown_row_ids_are_just_not_returned(seeded: Seeded) -> None:
    unknown = str(uuid.uuid4())
    response = seeded.http.post("/v1/rows", json={"ids": [unknown, seeded.note_id]})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["rows"]] == [seeded.note_id]
    response = seeded.http.post("/v1/rows", json={"ids": [unknown]})
    assert response.json() == {"rows": []}


def test_a_bad_value_does_not_stop_the_good_mutations_next_to_it(seeded: Seeded) -> None:
    high = seeded.store.high_water()
    good, bad = _fresh_update(seeded), _mutation(seeded, changes={"title": [None, 7]})
    response = seeded.http.post("/v1/push", json={"mutations": [bad, good]})
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["rejected", "applied"]
    assert seeded.store.high_water() == high + 1


# -- unpaired surrogates -------------------------------------------------------------------------

SURROGATE = "\ud800"

SURROGATE_BODIES: dict[str, tuple[str, Callable[[Seeded], Any]]] = {
    "login username": (
        "/v1/login",
        lambda s: {"username": f"an{SURROGATE}na", "password": "x", "device_name": "pc"},
    ),
    "login password": (
        "/v1/login",
        lambda s: {"username": "anna", "password": SURROGATE, "device_name": "pc"},
    ),
    "login device": (
        "/v1/login",
        lambda s: {"username": "anna", "password": "hemmelig-adgang-1", "device_name": SURROGATE},
    ),
    "table": ("/v1/push", lambda s: {"mutations": [_mutation(s, table=f"journal{SURROGATE}")]}),
    "field name": (
        "/v1/push",
        lambda s: {"mutations": [_mutation(s, changes={f"bo{SURROGATE}dy": ["a", "b"]})]},
    ),
    "audit action": (
        "/v1/push",
        lambda s: {
            "audit": [
                {"id": str(uuid.uuid4()), "at": "2026-11-02T10:00:00+00:00", "action": SURROGATE}
            ]
        },
    ),
    "extra key": ("/v1/push", lambda s: {"mutations": [], SURROGATE: 1}),
    "row id": ("/v1/rows", lambda s: {"ids": [SURROGATE]}),
}


@pytest.mark.parametrize("case", sorted(SURROGATE_BODIES))
def test_an_unpaired_surrogate_outside_values_is_refused_whole(seeded: Seeded, case: str) -> None:
    """(In a value it rejects that mutation alone: tests/sync/test_poison.py.)"""
    path, body = SURROGATE_BODIES[case]
    before = _counts(seeded.store)
    # Written as a careless client would: a lone surrogate as a \\u escape.
    content = json.dumps(body(seeded), ensure_ascii=True)
    response = seeded.http.post(path, content=content, headers={"Content-Type": "application/json"})
    _refused(response, 422, "invalid_request")
    assert _counts(seeded.store) == before
