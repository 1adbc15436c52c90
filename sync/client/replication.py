"""One sync run of a laptop (``SyncClient``): push the outbox in batches and record the store's
answers, then pull the pages of what changed and hand them to the row writer; a case no longer
assigned is removed first. Safe to run on a worker thread; progress goes to a callback."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import delete, func, select, update

from models import tracking
from models.schema import AuditEvent, ChangeEntry, LocalSetting
from models.vault import Vault
from sync import protocol as p
from sync.client import wire, writer
from sync.client.keys import (
    CASES_KEY,
    CURSOR_KEY,
    LAST_ERROR_KEY,
    LAST_SUCCESS_KEY,
    NAMES_KEY,
    PARTIAL_KEY,
)
from sync.client.transport import Connection
from sync.errors import SyncError

log = logging.getLogger("feltmappe.sync")


Progress = Callable[[str, int, int], None]


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
            self.vault.write(lambda: writer.store_settings(self.vault, _success()))
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
                "mutations": [wire.mutation(e) for e in entries],
                "audit": [wire.audit(a) for a in audit],
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
                writer.apply_rows(self.vault, found["rows"], {}, force=True)
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
                    row["problems"] = wire.row_problems(row["table"], row)
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
                    writer.apply_rows(self.vault, rows, settings)
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
        writer.remove_case(self.vault, case_id)

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
        writer.apply_rows(self.vault, found, {}, force=True)
        known = {r["id"] for r in found}
        for entry in entries:
            if entry.row_id not in known and entry.op == p.Op.INSERT.value:
                writer.delete_rows(self.vault, entry.table, [entry.row_id])


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
