"""The desktop's side of sync: push the outbox, pull what changed, in the background.

- Push sends the outbox (``ChangeEntry``, written in the same transaction as each change) in
  batches. An entry leaves the outbox only on the server's answer: applied, no-op and conflict
  remove it; rejected keeps it (with the user's values) out of later pushes until the user
  retries or discards it, so one bad record never blocks the rest.
- Pull fetches pages of rows changed since the last sequence number. Each page and the new
  cursor are applied in one local transaction, so a pull killed half-way resumes where the last
  committed page ended. A row is only overwritten by a newer revision, and fields with a change
  still waiting in the outbox keep the local value.
- A case the server no longer gives this user is removed from the laptop (after its outbox was
  pushed); a device the server has revoked has its vault wiped (``wipe_profile``)."""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import ssl
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Column, delete, func, select, update

from models import exchange, settings, tracking, values
from models.changes import ChangeSet
from models.errors import FeltmappeError
from models.profile import BACKUP_DIR, DB_FILE, KEY_FILE
from models.schema import (
    CASE_TABLES,
    REMOVING_CASE_KEY,
    SYNC_APPLYING_KEY,
    AuditEvent,
    ChangeEntry,
    LocalSetting,
    SyncConflict,
    Synced,
)
from models.vault import Vault
from sync import answers
from sync import protocol as p

log = logging.getLogger("feltmappe.sync")

CURSOR_KEY = "sync.cursor"
CASES_KEY = "sync.cases"
#: Cases whose first pull began but has not ended (a sync killed half-way): if their assignment
#: ends before they were pulled whole, what arrived of them must still leave the laptop.
PARTIAL_KEY = "sync.partial_cases"
#: Rows received from the store with values this version cannot store (``quarantined``).
QUARANTINE_KEY = "sync.quarantine"
URL_KEY = "sync.url"
TOKEN_KEY = "sync.token"  # noqa: S105 - the setting's name, not a secret
DEVICE_KEY = "sync.device_id"
#: A CA bundle (PEM) to trust for the store's certificate, e.g. the municipality's own PKI;
#: without it the system's certificate store is used.
CA_FILE_KEY = "sync.ca_file"
LAST_SUCCESS_KEY = "sync.last_success"
LAST_ERROR_KEY = "sync.last_error"

Progress = Callable[[str, int, int], None]


# -- errors (shown in Danish by desktop/messages.py) -------------------------------------


class SyncError(FeltmappeError):
    code = "sync"


class NotConnected(SyncError):
    code = "sync.not_connected"


class ServerUnreachable(SyncError):
    """No answer (offline, server down, timeout): nothing was lost, try again later."""

    code = "sync.offline"


class AuthFailed(SyncError):
    code = "sync.auth_failed"


class InsecureUrl(SyncError):
    """Plain HTTP to anything but this computer, or an address that is no http(s) URL: case
    data never travels in clear."""

    code = "sync.insecure_url"


class CertificateError(SyncError):
    """The store's certificate could not be verified (an attacker in between, or a CA bundle
    missing): not "offline", since trying again will not help."""

    code = "sync.certificate"


class CaFileError(SyncError):
    """The configured CA bundle cannot be read as PEM certificates."""

    code = "sync.ca_file"


class BadCredentials(SyncError):
    code = "sync.bad_credentials"


class TooManyAttempts(SyncError):
    """Too many wrong passwords for this user or from this address: wait ``seconds``."""

    code = "sync.too_many_attempts"


class DeviceRevoked(SyncError):
    """The server has revoked this device: its vault must be wiped."""

    code = "sync.device_revoked"


class UpgradeRequired(SyncError):
    code = "sync.upgrade_required"


class ServerRefused(SyncError):
    code = "sync.refused"


# -- HTTP ----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """``url`` if case data may travel to it: HTTPS anywhere, plain HTTP only to this computer
    (a test store, or a TLS proxy on the same machine); raises ``InsecureUrl`` otherwise."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise InsecureUrl(url=url) from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise InsecureUrl(url=url)


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1: this computer."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Certificates checked against the system's store, or against ``ca_file`` (PEM) when the
    municipality runs its own CA."""
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise CaFileError(path=ca_file or "", detail=type(exc).__name__) from exc


def _certificate_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


class Connection:
    """JSON over HTTP to the central store, with its errors mapped to typed ones."""

    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        protocol: int = p.PROTOCOL_VERSION,
        ca_file: str | None = None,
    ) -> None:
        check_url(url)
        headers = {p.PROTOCOL_HEADER: str(protocol)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if client is None:
            self.client = httpx.Client(
                base_url=url, timeout=timeout, headers=headers, verify=tls_context(ca_file)
            )
        else:
            self.client = client
            self.client.headers.update(headers)
        self.url = url

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self.client.request(method, path, json=body)
        except httpx.TransportError as exc:
            if _certificate_failure(exc):
                raise CertificateError(url=self.url) from exc
            raise ServerUnreachable(detail=type(exc).__name__) from exc
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError as exc:
                raise ServerUnreachable(detail="bad_json") from exc
        try:
            answer = response.json()
            error = str(answer.get("error", ""))
            detail = answer.get("detail")
        except (ValueError, AttributeError):
            error, detail = "", None
        if response.status_code >= 500:
            raise ServerUnreachable(detail=f"http_{response.status_code}")
        if error == "auth.device_revoked":
            raise DeviceRevoked()
        if error == "auth.bad_credentials":
            raise BadCredentials()
        if response.status_code == 429:
            try:
                seconds = int(response.headers.get("Retry-After", "60"))
            except ValueError:
                seconds = 60
            raise TooManyAttempts(seconds=seconds)
        if response.status_code == 401:
            raise AuthFailed()
        if response.status_code == 426:
            raise UpgradeRequired()
        raise ServerRefused(status=response.status_code, error=error, detail=detail)


# -- connecting a laptop -------------------------------------------------------------------


def connect(
    vault: Vault,
    url: str,
    username: str,
    password: str,
    device_name: str,
    *,
    client: httpx.Client | None = None,
    ca_file: str | None = None,
) -> str:
    """Sign this laptop in to the central store; keeps the device token inside the vault (and
    the CA bundle to trust, if one is given)."""
    conn = Connection(url, client=client, ca_file=ca_file)
    try:
        answer = conn.request(
            "POST",
            "/v1/login",
            {"username": username, "password": password, "device_name": device_name},
        )
    finally:
        if client is None:
            conn.close()
    with vault.session() as s:
        for key, value in (
            (URL_KEY, url),
            (TOKEN_KEY, str(answer["token"])),
            (DEVICE_KEY, str(answer["device_id"])),
            ("user", str(answer["username"])),
            (settings.DISPLAY_NAME.key, str(answer["display_name"])),
            (CA_FILE_KEY, ca_file or ""),
        ):
            s.merge(LocalSetting(key=key, value=value))
    vault.set_setting("user", str(answer["username"]))
    return str(answer["device_id"])


def connect_with_token(
    vault: Vault,
    url: str,
    token: str,
    *,
    client: httpx.Client | None = None,
    ca_file: str | None = None,
) -> str:
    """Connect with a device token an administrator issued (``feltmappe-admin enhed opret``)."""
    conn = Connection(url, token, client=client, ca_file=ca_file)
    try:
        me = conn.request("GET", "/v1/me")
    finally:
        if client is None:
            conn.close()
    with vault.session() as s:
        for key, value in (
            (URL_KEY, url),
            (TOKEN_KEY, token),
            (DEVICE_KEY, str(me["device_id"])),
            (CA_FILE_KEY, ca_file or ""),
        ):
            s.merge(LocalSetting(key=key, value=value))
    vault.set_setting("user", str(me["username"]))
    return str(me["device_id"])


def is_connected(vault: Vault) -> bool:
    return bool(vault.setting(TOKEN_KEY))


def connection_for(vault: Vault, *, client: httpx.Client | None = None) -> Connection:
    url, token = vault.setting(URL_KEY), vault.setting(TOKEN_KEY)
    if not url or not token:
        raise NotConnected()
    return Connection(url, token, client=client, ca_file=vault.setting(CA_FILE_KEY) or None)


# -- status ----------------------------------------------------------------------------------


@dataclass
class SyncStatus:
    connected: bool
    pending: int
    rejected: int
    conflicts: int
    last_success: datetime | None
    last_error: str


def status(vault: Vault) -> SyncStatus:
    with vault.reading() as s:
        counts = dict(
            s.execute(select(ChangeEntry.status, func.count()).group_by(ChangeEntry.status)).all()
        )
        conflicts = s.scalar(
            select(func.count())
            .select_from(SyncConflict)
            .where(SyncConflict.resolved_at.is_(None), SyncConflict.deleted_at.is_(None))
        )
    last = vault.setting(LAST_SUCCESS_KEY)
    return SyncStatus(
        connected=is_connected(vault),
        pending=int(counts.get("pending", 0)),
        rejected=int(counts.get("rejected", 0)),
        conflicts=int(conflicts or 0),
        last_success=datetime.fromisoformat(last) if last else None,
        last_error=vault.setting(LAST_ERROR_KEY),
    )


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    noop: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    pages: int = 0
    added_cases: list[str] = field(default_factory=list)
    removed_cases: list[str] = field(default_factory=list)


# -- the client ------------------------------------------------------------------------------


class SyncClient:
    """One sync of one vault: ``sync()`` pushes, then pulls. Safe to run on a worker thread."""

    def __init__(
        self,
        vault: Vault,
        conn: Connection,
        *,
        push_batch: int = p.MAX_PUSH,
        page_size: int = p.MAX_PAGE,
        progress: Progress | None = None,
    ) -> None:
        self.vault = vault
        self.conn = conn
        self.push_batch = push_batch
        self.page_size = page_size
        self.progress = progress or (lambda _phase, _done, _total: None)
        self._recorded = False

    def sync(self) -> SyncReport:
        report = SyncReport()
        self._recorded = False
        try:
            self.push(report)
            self.pull(report)
        except SyncError as exc:
            self.vault.set_setting(LAST_ERROR_KEY, exc.code)
            raise
        self._fetch_names()
        if not self._recorded:
            self.vault.write(lambda: _store_settings(self.vault, _success()))
        return report

    def _fetch_names(self) -> None:
        """Colleagues' names by username (a store without ``/v1/names`` is left alone)."""
        try:
            names = self.conn.request("GET", "/v1/names").get("names")
        except SyncError:
            return
        if isinstance(names, dict):
            clean = {str(k): str(v) for k, v in names.items() if isinstance(v, str) and v}
            value = json.dumps(clean, ensure_ascii=False, sort_keys=True)
            if value != self.vault.setting(NAMES_KEY):
                self.vault.write(lambda: self.vault.set_setting(NAMES_KEY, value))

    # -- push ----------------------------------------------------------------------------

    def push(self, report: SyncReport) -> None:
        total = self._pending_count()
        done = 0
        last_seq = 0
        while True:
            batch = partial(_take_batch, self.vault, last_seq, self.push_batch)
            entries, audit, read = self.vault.write(batch)
            if not read and not audit:
                return
            body = {
                "mutations": [_mutation(e) for e in entries],
                "audit": [_audit(a) for a in audit],
            }
            answer = self.conn.request("POST", "/v1/push", body)
            results = {r["mutation_id"]: r for r in answer["results"]}
            answered: list[int] = []
            # Rows whose answer did not take this laptop's values onto them (a conflict, a
            # no-op, a forked note): the laptop may show values the store never had.
            stale: dict[str, tuple[str, int | None]] = {}
            made: set[str] = set()
            refused: dict[str, list[int]] = {}
            for entry in entries:
                result = results.get(entry.mutation_id)
                if result is None:
                    continue  # not answered: it stays and goes again
                status = result["status"]
                report.pushed += 1
                if status == p.Status.REJECTED:
                    report.rejected += 1
                    refused.setdefault(str(result.get("reason") or ""), []).append(entry.seq)
                    continue
                answer_rev = result.get("rev")
                if status == p.Status.CONFLICT:
                    report.conflicts += 1
                    stale[entry.row_id] = (entry.table, answer_rev)
                elif status == p.Status.NOOP:
                    report.noop += 1
                    stale[entry.row_id] = (entry.table, answer_rev)
                else:
                    report.applied += 1
                    if result.get("reason") == "sync.note_forked":
                        stale[entry.row_id] = (entry.table, answer_rev)
                answered.append(entry.seq)
                if entry.table == "case" and entry.op == p.Op.INSERT.value:
                    made.add(entry.row_id)
            self.vault.write(
                partial(_record_answers, self.vault, entries, audit, answered, made, refused)
            )
            behind = _not_pulled_again(self.vault, stale)
            if behind:
                # The store kept its own version (and recorded any conflict or fork), and the
                # laptop already has that revision, so no pull brings it: fetch it, and lay
                # whatever still waits here over it.
                found = self.conn.request("POST", "/v1/rows", {"ids": behind})
                apply_rows(self.vault, found["rows"], {}, force=True)
            if read:
                last_seq = read[-1]
            done += len(read)
            self.progress("push", done, max(total, done))
            if len(read) < self.push_batch and len(audit) < 1000:
                return

    def _pending_count(self) -> int:
        with self.vault.reading() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(ChangeEntry)
                    .where(ChangeEntry.status == "pending")
                )
                or 0
            )

    # -- pull ----------------------------------------------------------------------------

    def pull(self, report: SyncReport) -> None:
        accessible = set(self.conn.request("GET", "/v1/cases")["cases"])
        held = set(json.loads(self.vault.setting(CASES_KEY) or "[]"))
        partial = set(json.loads(self.vault.setting(PARTIAL_KEY) or "[]"))
        cursor = int(self.vault.setting(CURSOR_KEY) or 0)
        gone = sorted((held | partial) - accessible)
        for case_id in gone:
            self._remove_case(case_id)
        if partial & set(gone):
            self.vault.set_setting(PARTIAL_KEY, json.dumps(sorted(partial - set(gone))))
        report.removed_cases = sorted(held & set(gone))
        held -= set(gone)
        new = sorted(accessible - held)
        report.added_cases = new
        if cursor == 0 or not held:
            # The first sync (or no case held): one pass over everything from the start.
            self._pull_pages(report, CURSOR_KEY, 0, sorted(accessible), mark=accessible)
            return
        for start in range(0, len(new), 1000):
            chunk = new[start : start + 1000]
            held |= set(chunk)
            self._pull_pages(report, None, 0, chunk, mark=held)
        self._pull_pages(report, CURSOR_KEY, cursor, sorted(held), mark=None)

    def _pull_pages(
        self,
        report: SyncReport,
        cursor_key: str | None,
        cursor: int,
        cases: Sequence[str],
        *,
        mark: set[str] | None,
    ) -> None:
        if not cases:
            if mark is not None:
                self._set_cases(mark)
            return
        case_list = list(cases)

        def fetch(after: int) -> dict[str, Any]:
            body = {"cursor": after, "limit": self.page_size, "cases": case_list}
            answer: dict[str, Any] = self.conn.request("POST", "/v1/pull", body)
            # Checked here, while the previous page is being written.
            for row in answer["changes"]:
                if row.get("table") in p.TABLES:
                    row["problems"] = _row_problems(row["table"], row)
            return answer

        # The next page is fetched while this one is written: the store's work and the
        # transfer overlap with the local transaction. Only applied pages move the cursor.
        first = True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feltmappe-pull") as pool:
            coming: Future[dict[str, Any]] = pool.submit(fetch, cursor)
            while True:
                answer = coming.result()
                rows: list[dict[str, Any]] = answer["changes"]
                cursor = int(answer["cursor"])
                more = bool(answer["more"])
                if more:
                    coming = pool.submit(fetch, cursor)
                settings: dict[str, str] = {}
                if cursor_key:
                    settings[cursor_key] = str(cursor)
                if mark is not None and first and more:
                    settings[PARTIAL_KEY] = json.dumps(case_list)
                if not more and mark is not None:
                    settings[CASES_KEY] = json.dumps(sorted(mark))
                    settings[PARTIAL_KEY] = "[]"
                final = not more and cursor_key == CURSOR_KEY
                if final:
                    # The incremental pass ends the sync: its success is stored with its last
                    # page (one commit less).
                    settings.update(_success())
                try:
                    apply_rows(self.vault, rows, settings)
                except BaseException:
                    if more:
                        coming.cancel()
                    raise
                self._recorded = final
                first = False
                report.pulled += len(rows)
                report.pages += 1
                self.progress(
                    "pull", report.pulled, report.pulled + (self.page_size if more else 0)
                )
                if not more:
                    return

    def _set_cases(self, cases: set[str]) -> None:
        self.vault.set_setting(CASES_KEY, json.dumps(sorted(cases)))

    def _remove_case(self, case_id: str) -> None:
        remove_case(self.vault, case_id)

    # -- the user's choices ----------------------------------------------------------------

    def discard(self, seqs: Iterable[int]) -> None:
        """Throw away rejected changes; the rows go back to the server's version."""

        def forget() -> list[ChangeEntry]:
            with self.vault.session(sync_apply=True) as s:
                found = list(s.scalars(select(ChangeEntry).where(ChangeEntry.seq.in_(list(seqs)))))
                for entry in found:
                    s.delete(entry)
            return found

        entries = self.vault.write(forget)
        ids = sorted({e.row_id for e in entries})
        if not ids:
            return
        answer = self.conn.request("POST", "/v1/rows", {"ids": ids})
        found = answer["rows"]
        apply_rows(self.vault, found, {}, force=True)
        known = {r["id"] for r in found}
        for entry in entries:
            if entry.row_id not in known and entry.op == p.Op.INSERT.value:
                _delete_rows(self.vault, entry.table, [entry.row_id])


def _take_batch(
    vault: Vault, after: int, limit: int
) -> tuple[list[ChangeEntry], list[AuditEvent], list[int]]:
    """The next batch to push (entries after sequence number ``after``, audit events not yet
    sent) and the sequence numbers read; on the writer. Entries sent for the first time get
    their new values and are marked attempted in the same transaction, before any of them
    leaves: from then on a change makes a new entry, so a retry sends what was sent."""
    with vault.session(sync_apply=True) as s:
        found = list(
            s.scalars(
                select(ChangeEntry)
                .where(ChangeEntry.status == "pending", ChangeEntry.seq > after)
                .order_by(ChangeEntry.seq)
                .limit(limit)
            )
        )
        entries = tracking.mark_attempted(s, found)
        if len(entries) < len(found):
            log.warning(
                "%d waiting changes of rows no longer on this laptop were dropped",
                len(found) - len(entries),
            )
        audit = list(s.scalars(select(AuditEvent).where(AuditEvent.rev == 0).limit(1000)))
    return entries, audit, [e.seq for e in found]


def _record_answers(
    vault: Vault,
    entries: Sequence[ChangeEntry],
    audit: Sequence[AuditEvent],
    answered: list[int],
    made: set[str],
    refused: dict[str, list[int]],
) -> None:
    """The store's answers to one pushed batch, in one local transaction (on the writer)."""
    with vault.session(sync_apply=True) as s:
        if answered:
            s.execute(delete(ChangeEntry).where(ChangeEntry.seq.in_(answered)))
        if made:
            # A case made here is held from the moment the store has it: if its
            # assignment ends before a pull saw it, it must still leave the laptop.
            held = s.get(LocalSetting, CASES_KEY)
            cases = set(json.loads(held.value or "[]")) if held else set()
            s.merge(LocalSetting(key=CASES_KEY, value=json.dumps(sorted(cases | made))))
        for reason, seqs in refused.items():
            s.execute(
                update(ChangeEntry)
                .where(ChangeEntry.seq.in_(seqs))
                .values(status="rejected", reason=reason)
            )
        if answered:
            # (After the refusals of this batch: one may be superseded in it too.)
            _supersede_refused(s, [e for e in entries if e.seq in set(answered)])
        if audit:
            s.execute(
                update(AuditEvent).where(AuditEvent.id.in_([a.id for a in audit])).values(rev=1)
            )


def _not_pulled_again(vault: Vault, answered: dict[str, tuple[str, int | None]]) -> list[str]:
    """The rows whose answered revision the laptop has already: a pull will not send them
    again, though the laptop may show values the store never took (a refused change laid
    over a pulled row, then sent again into a conflict)."""
    by_table: dict[str, list[str]] = {}
    for row_id, (table, _rev) in answered.items():
        if table in p.TABLES:
            by_table.setdefault(table, []).append(row_id)
    behind = []
    with vault.session() as s:
        for table, ids in by_table.items():
            cls = p.TABLES[table]
            local = dict(s.execute(select(cls.id, cls.rev).where(cls.id.in_(ids))).all())
            for row_id in ids:
                rev = answered[row_id][1]
                if row_id in local and (rev is None or local[row_id] >= rev):
                    behind.append(row_id)
    return sorted(behind)


def _supersede_refused(s: Any, delivered: Sequence[ChangeEntry]) -> None:
    """A refused change of a field is superseded by a later change of the same field that the
    store has taken: the refused value must no longer cover what is pulled (nor be sent again
    over the newer one). A refused entry left with no field is dropped."""
    by_row: dict[str, list[ChangeEntry]] = {}
    for entry in delivered:
        by_row.setdefault(entry.row_id, []).append(entry)
    refused = s.scalars(
        select(ChangeEntry).where(
            ChangeEntry.status == "rejected", ChangeEntry.row_id.in_(list(by_row))
        )
    )
    for old in refused:
        later = {k for e in by_row[old.row_id] if e.seq > old.seq for k in e.changes}
        if not later & set(old.changes) or old.op == p.Op.INSERT.value:
            continue
        kept = {k: v for k, v in old.changes.items() if k not in later}
        if kept:
            old.changes = kept
        else:
            s.delete(old)


def _success() -> dict[str, str]:
    return {LAST_SUCCESS_KEY: datetime.now(UTC).isoformat(), LAST_ERROR_KEY: ""}


def retry(vault: Vault, seqs: Iterable[int]) -> None:
    """Send rejected changes again (with new mutation ids: the server remembers the old)."""
    with vault.session(sync_apply=True) as s:
        for entry in s.scalars(select(ChangeEntry).where(ChangeEntry.seq.in_(list(seqs)))):
            entry.status = "pending"
            entry.reason = ""
            entry.mutation_id = str(uuid.uuid4())


def rejected(vault: Vault) -> list[ChangeEntry]:
    with vault.reading() as s:
        return list(
            s.scalars(
                select(ChangeEntry)
                .where(ChangeEntry.status == "rejected")
                .order_by(ChangeEntry.seq)
            )
        )


def conflicts(vault: Vault, case_id: str | None = None) -> list[SyncConflict]:
    with vault.reading() as s:
        query = select(SyncConflict).where(
            SyncConflict.resolved_at.is_(None), SyncConflict.deleted_at.is_(None)
        )
        if case_id:
            query = query.where(SyncConflict.case_id == case_id)
        return list(s.scalars(query.order_by(SyncConflict.detected_at)))


def resolve(vault: Vault, conflict_id: str, choice: str) -> None:
    """Settle a conflict: ``choice`` "server" keeps the value the store has, "client" writes the
    other value. Both the choice and (for "client") the value go out with the next push."""
    if choice not in ("server", "client"):
        raise ValueError(choice)
    with vault.session() as s:
        conflict = s.get(SyncConflict, conflict_id)
        if conflict is None:
            raise SyncError("sync.conflict_unknown")
        if conflict.resolved_at is not None:
            return
        cls = p.TABLES.get(conflict.table_name)
        if choice == "client" and cls is not None:
            row = s.get(cls, conflict.row_id)
            question = answers.question_of(conflict.field)
            col = p.columns(conflict.table_name).get(conflict.field)
            if row is not None and question is not None:
                # One question of a form: only that answer changes.
                chosen = answers.with_answer(
                    getattr(row, answers.ANSWERS, None), question, conflict.client_value
                )
                setattr(row, answers.ANSWERS, chosen)
            elif row is not None and col is not None:
                setattr(row, conflict.field, exchange.to_python(col, conflict.client_value))
        conflict.resolved_at = datetime.now(UTC)
        conflict.resolution = choice
        conflict.resolved_by = vault.user


# -- applying rows from the server -----------------------------------------------------------


def _slow(col: Column[Any], bind: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        python = exchange.to_python(col, value)
        return bind(python) if bind else python

    return convert


def _utc_text(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``2026-11-26T03:20:27.123456+00:00`` as SQLAlchemy stores it in SQLite (naive UTC,
    ``2026-11-26 03:20:27.123456``), by slicing; any other form takes the general path."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and value.endswith("+00:00") and value[10:11] == "T":
            if len(value) == 32:
                return f"{value[:10]} {value[11:26]}"
            if len(value) == 25:
                return f"{value[:10]} {value[11:19]}.000000"
        return slow(value)

    return convert


def _converter(col: Column[Any]) -> Callable[[Any], Any] | None:
    """How one column's JSON value becomes what SQLite stores — exactly what SQLAlchemy would
    store (a test compares both), but fast: 40,000 rows of an initial sync pass through here.
    None: the JSON value is stored as it is (text, dates, enums and integers, whose types the
    store checked when the row was pushed)."""
    from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Text
    from sqlalchemy import Enum as SAEnum
    from sqlalchemy.dialects import sqlite

    from models.schema import UTCDateTime

    dialect = sqlite.dialect()
    kind = col.type
    if isinstance(kind, UTCDateTime):
        return _utc_text(_slow(col, kind.dialect_impl(dialect).bind_processor(dialect)))
    if isinstance(kind, SAEnum | String | Text | Date | Integer) and not isinstance(kind, Boolean):
        return None
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(bool(value))
    if isinstance(kind, Float):
        return lambda value: None if value is None else float(value)
    if isinstance(kind, JSON):
        return lambda value: None if value is None else json.dumps(value)
    return _slow(col, kind.dialect_impl(dialect).bind_processor(dialect))


@cache
def _writer(table: str) -> tuple[list[str], list[tuple[int, Callable[[Any], Any]]], str, str]:
    """The columns of ``table``, which of them need converting (by position), and the insert
    and upsert statements."""
    cols: dict[str, Column[Any]] = p.columns(table)
    keys = list(cols)
    special = [
        (i, conv) for i, key in enumerate(keys) if (conv := _converter(cols[key])) is not None
    ]
    names = ", ".join(f'"{k}"' for k in keys)
    marks = ", ".join("?" for _ in keys)
    sets = ", ".join(f'"{k}" = excluded."{k}"' for k in keys if k != "id")
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    upsert = f'{insert} ON CONFLICT("id") DO UPDATE SET {sets}'
    return keys, special, insert, upsert


@contextmanager
def _raw_transaction(vault: Vault, *, durable: bool = True) -> Iterator[Any]:
    """A write transaction on the vault's driver connection, with foreign keys off for it (rows
    of a page or of a removed case come in any order). ``durable=False`` skips the fsync of
    the commit, for rows the store still has."""
    raw = vault.engine.raw_connection()
    dbapi: Any = raw.driver_connection
    try:
        dbapi.execute("PRAGMA foreign_keys = OFF")
        if not durable:
            dbapi.execute("PRAGMA synchronous = NORMAL")
        dbapi.execute("BEGIN IMMEDIATE")
        try:
            yield dbapi
            dbapi.execute("COMMIT")
        except BaseException:
            dbapi.execute("ROLLBACK")
            raise
    finally:
        try:
            dbapi.execute("PRAGMA foreign_keys = ON")
            dbapi.execute("PRAGMA synchronous = FULL")
        finally:
            raw.close()


def apply_rows(
    vault: Vault, rows: Sequence[dict[str, Any]], settings: dict[str, str], *, force: bool = False
) -> None:
    """Store rows from the server (on the vault's writer thread; see ``_apply_rows``)."""
    vault.write(lambda: _apply_rows(vault, rows, settings, force=force))


def _store_settings(vault: Vault, settings: dict[str, str]) -> None:
    with vault.session() as s:
        for key, value in settings.items():
            s.merge(LocalSetting(key=key, value=value))


def _apply_rows(
    vault: Vault, rows: Sequence[dict[str, Any]], settings: dict[str, str], *, force: bool
) -> None:
    """Store rows from the server and ``settings`` in one local transaction. A row older than
    the local one is skipped (unless ``force``); fields with a waiting local change keep it.

    Foreign keys are off for this one transaction: a page is in sequence order, so a row may
    name a person that comes on the next page."""
    # The store keeps these rows: a page lost to a power cut is pulled again, since its cursor
    # is in the same transaction. So no fsync per page (WAL keeps the file sound).
    with _raw_transaction(vault, durable=False) as dbapi:
        # A finalised note takes the store's version (the store decides which of two laptops
        # finalised it first); the trigger allows it while this setting is present.
        dbapi.execute(
            "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?, '1')",
            (SYNC_APPLYING_KEY,),
        )
        applied, bad = _apply(dbapi, rows, force=force)
        if bad or applied:
            _quarantine(dbapi, applied, bad)
        dbapi.execute("DELETE FROM local_setting WHERE key = ?", (SYNC_APPLYING_KEY,))
        for key, value in settings.items():
            dbapi.execute(
                "INSERT INTO local_setting (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    if applied:
        vault.changes.announce(
            ChangeSet.of(
                ((r["table"], r.get("case_id")) for r in rows if r.get("id") in applied),
                from_sync=True,
            )
        )


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _row_problems(table: str, item: dict[str, Any]) -> list[str]:
    """The fields of a received row that this version cannot store (see ``models.values``)."""
    data = item.get("data")
    if not isinstance(data, dict) or not isinstance(item.get("rev"), int):
        return ["data"]
    bad = [k for k, check in _row_checks(table) if check(data.get(k))]
    if data.get("id") != item["id"]:
        bad.append("id")
    return bad


@cache
def _row_checks(table: str) -> tuple[tuple[str, values.Check], ...]:
    return tuple((k, values.checker(col)) for k, col in p.columns(table).items() if k != "rev")


def _quarantine(dbapi: Any, applied: set[str], bad: dict[str, dict[str, Any]]) -> None:
    found = dbapi.execute(
        "SELECT value FROM local_setting WHERE key = ?", (QUARANTINE_KEY,)
    ).fetchone()
    held: dict[str, Any] = json.loads(found[0]) if found else {}
    if not held and not bad:
        return
    for row_id in applied:
        held.pop(row_id, None)
    held.update(bad)
    dbapi.execute(
        "INSERT INTO local_setting (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (QUARANTINE_KEY, json.dumps(held)),
    )


def quarantined(vault: Vault) -> list[dict[str, Any]]:
    """Rows received with values this version cannot store: ``{"id", "table", "case_id",
    "rev", "fields"}`` each. They stay out of the vault (the rest of their page was applied)
    until the store sends a version that can be stored."""
    held: dict[str, dict[str, Any]] = json.loads(vault.setting(QUARANTINE_KEY) or "{}")
    return [{"id": row_id, **info} for row_id, info in sorted(held.items())]


def _apply(
    dbapi: Any, rows: Sequence[dict[str, Any]], *, force: bool
) -> tuple[set[str], dict[str, dict[str, Any]]]:
    """Write ``rows``; returns the ids written and the rows refused (by id), which must not
    break the laptop: one bad value from a buggy or malicious client must not stop every
    laptop that holds the case."""
    applied: set[str] = set()
    bad: dict[str, dict[str, Any]] = {}
    by_table: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["table"] in p.TABLES:
            by_table.setdefault(row["table"], []).append(row)
    for table, items in by_table.items():
        ids = [r["id"] for r in items]
        local: dict[str, int] = {}
        pending: dict[str, dict[str, Any]] = {}
        #: Fields whose waiting change holds no new value (not sent yet): the row's is kept.
        own: dict[str, set[str]] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for row_id, rev in dbapi.execute(
                f'SELECT id, rev FROM "{table}" WHERE id IN ({marks})', list(chunk)
            ):
                local[row_id] = rev
            for row_id, changes in dbapi.execute(
                f"SELECT row_id, changes FROM change_entry WHERE row_id IN ({marks}) ORDER BY seq",
                list(chunk),
            ):
                for key, change in json.loads(changes).items():
                    if len(change) > 1:
                        pending.setdefault(row_id, {})[key] = change[1]
                        own.get(row_id, set()).discard(key)
                    else:
                        pending.get(row_id, {}).pop(key, None)
                        own.setdefault(row_id, set()).add(key)
        keys, special, insert, upsert = _writer(table)
        stored = _stored_values(dbapi, table, keys, [i for i in own if own[i] and i in local])
        fresh: list[list[Any]] = []
        known_rows: list[list[Any]] = []
        for item in items:
            known = local.get(item["id"])
            problems = item["problems"] if "problems" in item else _row_problems(table, item)
            if problems:
                bad[item["id"]] = {
                    "table": table,
                    "case_id": item.get("case_id"),
                    "rev": item.get("rev"),
                    "fields": problems,
                }
                log.warning("a row received from the store was quarantined (%s)", table)
                continue
            if known is not None and known >= item["rev"] and not force:
                continue
            applied.add(item["id"])
            data = item["data"]
            data["rev"] = item["rev"]
            waiting = pending.get(item["id"])
            if waiting:
                data.update(waiting)
            if table == "case":
                _free_case_number(dbapi, item["id"], data.get("case_number"))
            values = [data.get(k) for k in keys]
            for i, conv in special:
                values[i] = conv(values[i])
            kept = stored.get(item["id"])
            if kept is not None:
                for key in own[item["id"]]:
                    if key in keys:
                        i = keys.index(key)
                        values[i] = kept[i]
            (fresh if known is None else known_rows).append(values)
        if fresh:
            dbapi.executemany(insert, fresh)
        if known_rows:
            dbapi.executemany(upsert, known_rows)
    return applied, bad


def _stored_values(
    dbapi: Any, table: str, keys: list[str], ids: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """The rows ``ids`` of ``table`` as stored (the columns ``keys``, in order)."""
    found: dict[str, tuple[Any, ...]] = {}
    names = ", ".join(f'"{k}"' for k in keys)
    for chunk in _chunks(list(ids)):
        marks = ",".join("?" * len(chunk))
        for row in dbapi.execute(
            f'SELECT {names} FROM "{table}" WHERE id IN ({marks})', list(chunk)
        ):
            found[row[keys.index("id")]] = tuple(row)
    return found


def _free_case_number(dbapi: Any, case_id: str, number: Any) -> None:
    """Two laptops may have numbered new cases alike offline; the store renumbered one. Until
    that case's own new number arrives, a local case holding the number steps aside."""
    if number is None:
        return
    dbapi.execute(
        "UPDATE \"case\" SET case_number = case_number || '~' || substr(id, 1, 8) "
        "WHERE case_number = ? AND id != ?",
        (number, case_id),
    )


def _delete_rows(vault: Vault, table: str, ids: Sequence[str]) -> None:
    vault.write(lambda: _delete_rows_now(vault, table, ids))


def _delete_rows_now(vault: Vault, table: str, ids: Sequence[str]) -> None:
    with _raw_transaction(vault) as dbapi:
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            dbapi.execute(f'DELETE FROM "{table}" WHERE id IN ({marks})', list(chunk))
    if ids:
        vault.changes.announce(ChangeSet(frozenset({table}), from_sync=True, everything=True))


def remove_case(vault: Vault, case_id: str) -> None:
    """Remove a case and the persons only it names from the laptop (its assignment ended).
    Changes still waiting for it stay in the outbox; the server rejects them, and the user
    sees them and decides. Runs on the vault's writer thread."""
    vault.write(lambda: _remove_case_now(vault, case_id))


#: Colleagues' display names by username, from the store (``/v1/names``).
NAMES_KEY = "sync.names"


def display_names(vault: Vault) -> dict[str, str]:
    """Usernames → names: the colleagues the store named, and this laptop's own user."""
    try:
        names = json.loads(vault.setting(NAMES_KEY) or "{}")
    except ValueError:
        names = {}
    if not isinstance(names, dict):
        names = {}
    own = settings.get(vault, settings.DISPLAY_NAME)
    if vault.user and own:
        names[vault.user] = own
    return {str(k): str(v) for k, v in names.items()}


#: Labels ("2026-00012 · Mia Jensen") of cases removed from the laptop while changes of theirs
#: still waited in the outbox; the sync panel names the case of a refused change by it.
CASE_LABELS_KEY = "sync.case_labels"


def _keep_case_label(dbapi: Any, case_id: str) -> None:
    found = dbapi.execute(
        'SELECT c.case_number, p.first_name, p.last_name FROM "case" c '
        "JOIN person p ON p.id = c.child_id WHERE c.id = ?",
        (case_id,),
    ).fetchone()
    if found is None:
        return
    number, first, last = found
    held = dbapi.execute(
        "SELECT value FROM local_setting WHERE key = ?", (CASE_LABELS_KEY,)
    ).fetchone()
    labels = json.loads(held[0] or "{}") if held else {}
    labels[case_id] = f"{number} · {first} {last}".strip()
    dbapi.execute(
        "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?, ?)",
        (CASE_LABELS_KEY, json.dumps(labels)),
    )


def case_labels(vault: Vault) -> dict[str, str]:
    """Labels of removed cases whose refused changes are still listed."""
    try:
        labels = json.loads(vault.setting(CASE_LABELS_KEY) or "{}")
    except ValueError:
        return {}
    return labels if isinstance(labels, dict) else {}


def _remove_case_now(vault: Vault, case_id: str) -> None:
    tables = [cls.__tablename__ for cls in (*CASE_TABLES, SyncConflict)]  # type: ignore[attr-defined]
    with vault.session(sync_apply=True) as s:
        # Waiting changes not sent yet hold no new values (the rows do): they stay, whole.
        tracking.freeze(
            s,
            s.scalars(
                select(ChangeEntry).where(
                    ChangeEntry.case_id == case_id, ChangeEntry.attempted.is_(False)
                )
            ),
        )
    with _raw_transaction(vault) as dbapi:
        persons: set[str] = set()
        for table in tables:
            person_keys = p.person_columns(table) if table != p.CONFLICT_TABLE else ()
            for key in person_keys:
                persons.update(
                    pid
                    for (pid,) in dbapi.execute(
                        f'SELECT "{key}" FROM "{table}" WHERE case_id = ?', (case_id,)
                    )
                    if pid
                )
        waiting = dbapi.execute(
            "SELECT 1 FROM change_entry WHERE case_id = ? LIMIT 1", (case_id,)
        ).fetchone()
        if waiting is not None:
            # Changes of the case stay in the outbox (the store will refuse them): keep how the
            # caseworker knows the case, so the refusal still names it.
            _keep_case_label(dbapi, case_id)
        dbapi.execute(
            "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?, ?)",
            (REMOVING_CASE_KEY, case_id),
        )
        for table in tables:
            dbapi.execute(f'DELETE FROM "{table}" WHERE case_id = ?', (case_id,))
        dbapi.execute("DELETE FROM local_setting WHERE key = ?", (REMOVING_CASE_KEY,))
        # No longer held: if the case is assigned again, it is fetched whole again.
        held = dbapi.execute(
            "SELECT value FROM local_setting WHERE key = ?", (CASES_KEY,)
        ).fetchone()
        if held is not None:
            kept = sorted(set(json.loads(held[0] or "[]")) - {case_id})
            dbapi.execute(
                "UPDATE local_setting SET value = ? WHERE key = ?",
                (json.dumps(kept), CASES_KEY),
            )
        still: set[str] = set()
        for table in tables:
            for key in p.person_columns(table) if table != p.CONFLICT_TABLE else ():
                still.update(
                    pid for (pid,) in dbapi.execute(f'SELECT DISTINCT "{key}" FROM "{table}"')
                )
        waiting = {
            rid
            for (rid,) in dbapi.execute(
                "SELECT row_id FROM change_entry WHERE \"table\" = 'person'"
            )
        }
        # Persons no row names any more: those the case named, and any that arrived ahead of
        # the row naming them in a pull that was cut short (that case may be the one removed).
        everyone = {pid for (pid,) in dbapi.execute("SELECT id FROM person")}
        orphans = sorted((persons | everyone) - still - waiting)
        for chunk in _chunks(orphans):
            marks = ",".join("?" * len(chunk))
            dbapi.execute(f"DELETE FROM person WHERE id IN ({marks})", list(chunk))
    log.info("removed a case no longer assigned to this user")
    vault.changes.announce(
        ChangeSet(frozenset([*tables, "person"]), frozenset({case_id}), from_sync=True)
    )


# -- wiping a revoked device -----------------------------------------------------------------


def wipe_profile(profile: Path) -> None:
    """Destroy the vault of a revoked device: the key file is overwritten before it is removed
    (without it the database is unreadable), then the database and its backups go."""
    key = profile / KEY_FILE
    if key.exists():
        size = key.stat().st_size
        with key.open("r+b") as fh:
            fh.write(secrets.token_bytes(max(size, 1)))
            fh.flush()
        key.unlink()
    for suffix in ("", "-wal", "-shm", "-journal"):
        (profile / (DB_FILE + suffix)).unlink(missing_ok=True)
    backups = profile / BACKUP_DIR
    if backups.is_dir():
        for item in backups.iterdir():
            if item.is_file():
                item.unlink()
        backups.rmdir()
    log.warning("the vault was wiped: the central store has revoked this device")


# -- wire format of local rows ------------------------------------------------------------------


def _mutation(entry: ChangeEntry) -> dict[str, Any]:
    return {
        "mutation_id": entry.mutation_id,
        "table": entry.table,
        "row_id": entry.row_id,
        "case_id": entry.case_id,
        "op": entry.op,
        "base_rev": entry.base_rev,
        "changes": entry.changes,
    }


def _audit(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "case_id": event.case_id,
        "at": event.at.isoformat(),
        "action": str(event.action.value if hasattr(event.action, "value") else event.action),
        "entity": event.entity,
        "entity_id": event.entity_id,
    }


def local_rows(vault: Vault) -> dict[str, dict[str, Any]]:
    """Every synced row of the vault as the server would send it (for tests and checks)."""
    out: dict[str, dict[str, Any]] = {}
    with vault.session() as s:
        for cls in p.SYNC_CLASSES:
            for obj in s.scalars(select(cls)):
                out[obj.id] = _row(obj)
    return out


def _row(obj: Synced) -> dict[str, Any]:
    from models.tracking import row_values

    return row_values(obj)
