"""The row writer: pulled rows stored in the vault in one raw transaction per page (a row only
over an older one, a field with a waiting local change keeping it, a row that cannot be stored
quarantined), and a case no longer assigned removed with the persons only it named.
Runs on the vault's writer thread."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Column, select

from models import tracking
from models.changes import ChangeSet
from models.schema import (
    CASE_TABLES,
    REMOVING_CASE_KEY,
    SYNC_APPLYING_KEY,
    ChangeEntry,
    LocalSetting,
    SyncConflict,
)
from models.vault import Vault
from sync import protocol as p
from sync.client.keys import CASE_LABELS_KEY, CASES_KEY, QUARANTINE_KEY
from sync.client.wire import converter, row_problems

log = logging.getLogger("feltmappe.sync")


@cache
def _writer(table: str) -> tuple[list[str], list[tuple[int, Callable[[Any], Any]]], str, str]:
    """The columns of ``table``, which of them need converting (by position), and the insert
    and upsert statements."""
    cols: dict[str, Column[Any]] = p.columns(table)
    keys = list(cols)
    special = [
        (i, conv) for i, key in enumerate(keys) if (conv := converter(cols[key])) is not None
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


def store_settings(vault: Vault, settings: dict[str, str]) -> None:
    """Local settings in one transaction (on the writer), e.g. a sync's success with no page."""
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
            problems = item["problems"] if "problems" in item else row_problems(table, item)
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


def delete_rows(vault: Vault, table: str, ids: Sequence[str]) -> None:
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
