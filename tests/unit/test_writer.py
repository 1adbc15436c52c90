"""The vault's one writer: jobs run one after another on one thread, in order; results and
errors come back to the caller; closing (locking) runs what was handed over first. Reading
sessions never wait for the writer and refuse to write."""

from __future__ import annotations

import threading

import pytest

from models.changes import ChangeSet
from models.schema import LocalSetting
from models.vault import Vault
from models.writer import SerialWriter, WriterClosed
from tests.conftest import PASSPHRASE


def test_jobs_run_in_order_on_one_thread() -> None:
    writer = SerialWriter()
    seen: list[tuple[int, str]] = []
    futures = [
        writer.submit(lambda i=i: seen.append((i, threading.current_thread().name)))
        for i in range(50)
    ]
    for f in futures:
        f.result(10)
    assert [i for i, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"feltmappe-writer"}
    writer.close()


def test_errors_reach_the_caller_and_the_writer_goes_on() -> None:
    writer = SerialWriter()

    def bad() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        writer.run(bad)
    assert writer.run(lambda: 42) == 42
    writer.close()


def test_run_on_the_writer_thread_is_inline() -> None:
    writer = SerialWriter()
    assert writer.run(lambda: writer.run(lambda: "inner")) == "inner"
    writer.close()


def test_close_runs_what_was_queued_then_refuses() -> None:
    writer = SerialWriter()
    gate = threading.Event()
    done: list[int] = []
    writer.submit(lambda: gate.wait(10))
    writer.submit(lambda: done.append(1))
    gate.set()
    writer.close()
    assert done == [1]
    with pytest.raises(WriterClosed):
        writer.submit(lambda: None)


def test_locking_the_vault_writes_what_was_handed_over(vault: Vault) -> None:
    profile = vault.profile
    vault.writer.submit(lambda: vault.set_setting("test.handed_over", "ja"))
    vault.close()
    again = Vault.open(profile, PASSPHRASE)
    try:
        assert again.setting("test.handed_over") == "ja"
    finally:
        again.close()


def test_reading_never_waits_for_the_writer_and_refuses_writes(vault: Vault) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with vault.session() as s:
            s.merge(LocalSetting(key="test.busy", value="1"))
            s.flush()
            holding.set()
            release.wait(30)

    future = vault.writer.submit(hold)
    assert holding.wait(10)
    try:
        with vault.reading() as s:
            assert s.get(LocalSetting, "test.busy") is None  # its own snapshot
            s.add(LocalSetting(key="test.sneaky", value="1"))
            with pytest.raises(RuntimeError):
                s.flush()
    finally:
        release.set()
    future.result(10)
    with vault.reading() as s:
        assert s.get(LocalSetting, "test.busy") is not None
        assert s.get(LocalSetting, "test.sneaky") is None


def test_the_sync_stores_pages_on_the_writer(vault: Vault) -> None:
    from sync.client.writer import apply_rows

    threads: list[str] = []
    heard: list[ChangeSet] = []

    def listener(changes: ChangeSet) -> None:
        threads.append(threading.current_thread().name)
        heard.append(changes)

    vault.changes.listen(listener)
    person = {
        "id": "0b7e8a9c-0000-4000-8000-000000000001",
        "case_id": None,
        "rev": 3,
        "updated_at": "2026-12-01T10:00:00+00:00",
        "updated_by": "kollega",
        "deleted_at": None,
        "first_name": "Test",
        "last_name": "Person",
        "cpr": None,
        "birth_date": None,
        "sex": None,
        "unborn": False,
        "expected_date": None,
        "address": "",
        "phone": "",
        "email": "",
        "note": "",
    }
    row = {"table": "person", "id": person["id"], "rev": 3, "case_id": None, "data": person}
    apply_rows(vault, [row], {"test.cursor": "7"})
    assert vault.setting("test.cursor") == "7"
    assert threads == ["feltmappe-writer"]
    assert heard[0].from_sync and heard[0].tables == frozenset({"person"})
