"""The central store's HTTP interface (FastAPI), versioned under ``/v1``, its OpenAPI schema at
``/v1/openapi.json``. Every error is JSON ``{"error": code, "message": Danish text}`` with a 4xx
status; nothing is written for a request that is refused."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync import protocol as p
from sync.server.store import (
    DeviceRevoked,
    Mutation,
    Principal,
    Store,
    StoreError,
    TooManyAttempts,
    Unauthorized,
)

log = logging.getLogger("feltmappe.server")

Id = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
]
#: No NUL characters: PostgreSQL cannot store them in text, so they would fail as a 500.
_PRINTABLE = r"^[^\x00]*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=_PRINTABLE)]


def _moment(value: str) -> str:
    """An ISO 8601 moment the store can turn into UTC (checked here, kept as text)."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("not an ISO 8601 date and time") from None
    return value


#: What the store accepts as a moment, said in the schema too (RFC 3339 with a zone, years
#: 1850–2199, as ``models.values`` has them); the calendar (30 February) is checked after it.
_MOMENT = (
    r"^(18[5-9]\d|19\d\d|2[01]\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
Moment = Annotated[
    str,
    StringConstraints(max_length=40, pattern=_MOMENT),
    AfterValidator(_moment),
    Field(json_schema_extra={"format": "date-time"}),
]

MESSAGES = {
    "invalid_request": "Forespørgslen er ugyldig.",
    "not_found": "Adressen findes ikke.",
    "method_not_allowed": "Metoden er ikke tilladt her.",
    "too_large": "Forespørgslen er for stor.",
    "auth.missing_token": "Enheden er ikke logget på den centrale server.",
    "auth.invalid_token": "Enhedens adgangsnøgle kendes ikke af den centrale server.",
    "auth.device_revoked": "Enheden er spærret. Data på enheden skal slettes.",
    "auth.bad_credentials": "Forkert brugernavn eller adgangskode.",
    "auth.too_many_attempts": "For mange forkerte forsøg. Vent lidt, og prøv igen.",
    "protocol.unsupported": "Denne version af Feltmappe er nyere end den centrale server.",
    "protocol.upgrade_required": "Opdater Feltmappe: den centrale server kræver en nyere version.",
    "store": "Den centrale server kunne ikke udføre handlingen.",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.extra = extra


def _error(status: int, code: str, **extra: Any) -> JSONResponse:
    body = {"error": code, "message": MESSAGES.get(code, MESSAGES["store"]), **extra}
    return JSONResponse(body, status_code=status)


# -- bodies ----------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MutationIn(Strict):
    mutation_id: Id
    table: Name
    row_id: Id
    case_id: Id | None = None
    op: Literal["insert", "update", "delete"]
    base_rev: int = Field(ge=0, le=2**31)
    # Pydantic says the key pattern as patternProperties; without additionalProperties: false
    # the schema would allow any other key (one with NUL) that the store refuses.
    changes: dict[Name, tuple[Any, Any]] = Field(
        max_length=200, json_schema_extra={"additionalProperties": False}
    )


class AuditIn(Strict):
    id: Id
    case_id: Id | None = None
    at: Moment
    # The audit table's columns are 40 characters wide.
    action: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=_PRINTABLE)]
    entity: Annotated[str, StringConstraints(max_length=40, pattern=_PRINTABLE)] = ""
    entity_id: Id | None = None


class PushIn(Strict):
    mutations: list[MutationIn] = Field(default_factory=list, max_length=p.MAX_PUSH)
    audit: list[AuditIn] = Field(default_factory=list, max_length=5000)


class ResultOut(BaseModel):
    mutation_id: str
    status: Literal["applied", "noop", "conflict", "rejected"]
    rev: int | None
    reason: str | None
    fields: list[str]


class PushOut(BaseModel):
    results: list[ResultOut]


class PullIn(Strict):
    cursor: int = Field(ge=0, le=2**62)
    limit: int = Field(default=1000, ge=1, le=p.MAX_PAGE)
    cases: list[Id] | None = Field(default=None, max_length=p.MAX_CASES)


class RowOut(BaseModel):
    table: str
    id: str
    case_id: str | None
    rev: int
    seq: int
    data: dict[str, Any]


class PullOut(BaseModel):
    changes: list[RowOut]
    cursor: int
    more: bool


class RowsIn(Strict):
    ids: list[Id] = Field(max_length=1000)


class RowsOut(BaseModel):
    rows: list[RowOut]


class CasesOut(BaseModel):
    cases: list[str]


class NamesOut(BaseModel):
    names: dict[str, str]


class LoginIn(Strict):
    username: Name
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=_PRINTABLE)]
    device_name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_PRINTABLE)]


class LoginOut(BaseModel):
    device_id: str
    token: str
    username: str
    display_name: str
    role: str
    team: str | None


class MeOut(BaseModel):
    username: str
    role: str
    team: str | None
    device_id: str
    cases: int


class StatusOut(BaseModel):
    service: str
    protocol: int
    min_protocol: int


class ErrorOut(BaseModel):
    error: str
    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422, 426)
}


class WaitOut(ErrorOut):
    retry_after: int


LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    429: {
        "model": WaitOut,
        "description": "Too many refused logins for this user or address",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    },
}


# -- the body-size guard -----------------------------------------------------------------


class BodyLimit:
    """Refuses a body over ``limit`` bytes with 413, before a handler sees any of it (also
    when the client sends no Content-Length)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _error(413, "too_large")(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # FastAPI turns any other exception raised while it reads a body into
                    # "400 error parsing the body"; an HTTPException it passes on as it is.
                    raise HTTPException(413)
            return message

        try:
            await self.app(scope, limited, send)
        except StarletteHTTPException as exc:  # raised outside FastAPI's own handlers
            if exc.status_code != 413:
                raise
            await _error(413, "too_large")(scope, receive, send)


# -- dependencies ------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False)


def _protocol(
    feltmappe_protocol: Annotated[int, Header(ge=1, le=p.PROTOCOL_VERSION)] = p.PROTOCOL_VERSION,
) -> int:
    version = feltmappe_protocol
    if version > p.PROTOCOL_VERSION or version < 1:
        raise ApiError(400, "protocol.unsupported")
    return version


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "auth.missing_token")
    store: Store = request.app.state.store
    try:
        return store.authenticate(credentials.credentials[:200])
    except DeviceRevoked:
        raise ApiError(403, "auth.device_revoked", wipe=True) from None
    except Unauthorized:
        raise ApiError(401, "auth.invalid_token") from None


Caller = Annotated[Principal, Depends(_caller)]
Protocol = Annotated[int, Depends(_protocol)]


# -- the application ---------------------------------------------------------------------


def create_app(store: Store, *, min_protocol: int = 1, max_body: int = p.MAX_BODY_BYTES) -> FastAPI:
    app = FastAPI(
        title="Feltmappe central",
        version=str(p.PROTOCOL_VERSION),
        description="Den centrale server for Feltmappe: synkronisering af sager mellem enheder.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.store = store
    app.state.min_protocol = min_protocol

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(
            tuple(e.get("loc", ()))[:2] == ("header", "feltmappe-protocol")
            and e.get("type") in ("greater_than_equal", "less_than_equal")
            for e in exc.errors()
        ):
            # A newer (or broken) client is told so in words, not as a schema error.
            return _error(400, "protocol.unsupported")
        detail = [
            {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()[:20]
        ]
        return _error(422, "invalid_request", detail=detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "invalid_request"
        )
        answer = _error(exc.status_code, code)
        if exc.headers:  # 405 says which methods are allowed (``Allow``)
            answer.headers.update(exc.headers)
        return answer

    @app.get("/v1/status", response_model=StatusOut)
    def status() -> StatusOut:
        """Whether the store answers, and which protocol versions it speaks."""
        return StatusOut(
            service="feltmappe", protocol=p.PROTOCOL_VERSION, min_protocol=min_protocol
        )

    @app.post("/v1/login", response_model=LoginOut, responses=LOGIN_ERRORS)
    def login(body: LoginIn, request: Request) -> LoginOut | JSONResponse:
        """Sign a laptop in: a new device with its own token (shown once). Refused logins are
        counted per user and per address; too many give 429 with ``Retry-After``."""
        address = request.client.host if request.client else ""
        try:
            device_id, token, user = store.login(
                body.username, body.password, body.device_name, address=address
            )
        except TooManyAttempts as exc:
            wait = int(exc.params.get("retry_after", 1))
            answer = _error(429, "auth.too_many_attempts", retry_after=wait)
            answer.headers["Retry-After"] = str(wait)
            return answer
        except Unauthorized:
            raise ApiError(401, "auth.bad_credentials") from None
        return LoginOut(
            device_id=device_id,
            token=token,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            team=user.team,
        )

    @app.get("/v1/me", response_model=MeOut, responses=ERRORS)
    def me(who: Caller) -> MeOut:
        return MeOut(
            username=who.username,
            role=who.role,
            team=who.team,
            device_id=who.device_id,
            cases=len(who.cases),
        )

    @app.get("/v1/cases", response_model=CasesOut, responses=ERRORS)
    def cases(who: Caller) -> CasesOut:
        """The cases this device's user may have on their laptop now."""
        return CasesOut(cases=store.accessible(who))

    @app.get("/v1/names", response_model=NamesOut, responses=ERRORS)
    def names(who: Caller) -> NamesOut:
        """Colleagues' names by username, so a laptop shows "Bo Lund", not "bo", as the author of
        a note or the other side of a conflict. Staff names only, never case data."""
        return NamesOut(names={u.username: u.display_name for u in store.users()})

    @app.post("/v1/push", response_model=PushOut, responses=ERRORS)
    def push(body: PushIn, who: Caller, _version: Protocol) -> PushOut:
        """Apply the device's outbox in order, each mutation at most once. Accepted from every
        protocol version the store knows, so an old client can always deliver its work."""
        mutations = [
            Mutation(
                m.mutation_id,
                m.table,
                m.row_id,
                m.case_id,
                m.op,
                m.base_rev,
                {k: list(v) for k, v in m.changes.items()},
            )
            for m in body.mutations
        ]
        results = store.push(who, mutations, [a.model_dump() for a in body.audit])
        return PushOut.model_validate({"results": [r.as_json() for r in results]})

    @app.post("/v1/pull", response_model=PullOut, responses=ERRORS)
    def pull(body: PullIn, who: Caller, version: Protocol) -> Response:
        """Rows changed after ``cursor``, in sequence order, one page at a time."""
        if version < min_protocol:
            raise ApiError(426, "protocol.upgrade_required")
        page = store.pull(who, body.cursor, body.limit, body.cases)
        return Response(page.json_text(), media_type="application/json")

    @app.post("/v1/rows", response_model=RowsOut, responses=ERRORS)
    def rows(body: RowsIn, who: Caller) -> RowsOut:
        """The current version of some rows (to undo a change the user discarded)."""
        return RowsOut.model_validate({"rows": store.rows(who, body.ids)})

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        return _error(400, exc.code)

    wrapped: Any = BodyLimit(app, max_body)
    app.state.asgi = wrapped
    return app


def asgi(store: Store, **kwargs: Any) -> ASGIApp:
    """The application with its body-size guard, as uvicorn should serve it."""
    app = create_app(store, **kwargs)
    wrapped: ASGIApp = app.state.asgi
    return wrapped
