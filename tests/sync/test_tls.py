"""Case data never travels in clear: the store serves TLS itself (``--tls-cert/--tls-key``), the
laptop verifies the certificate (the system's store, or the municipality's CA bundle) and refuses
plain HTTP to anything but this computer, before a single byte is sent."""

from __future__ import annotations

import io
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from desktop.cli import main as cli_main
from desktop.messages import error_text
from models import services
from models.keyfile import KdfParams
from models.schema import Case
from models.vault import Vault
from sync.client import enrolment
from sync.client import state as sync_state
from sync.client.keys import CA_FILE_KEY, LAST_ERROR_KEY, TOKEN_KEY, URL_KEY
from sync.client.replication import SyncClient
from sync.client.transport import check_url
from sync.errors import BadCredentials, CertificateError, InsecureUrl
from sync.server.run import ServerThread
from sync.server.store import Store
from tests.sync.harness import PASSPHRASE, PASSWORD, Laptop, running, store_at
from tests.sync.pki import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_server(pki: Pki, tmp_path: Path) -> Iterator[tuple[Store, ServerThread]]:
    with store_at("sqlite", tmp_path) as store:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        with running(store, tls=pki.tls) as server:
            yield store, server


def _vault(tmp_path: Path, name: str) -> Vault:
    return Vault.create(tmp_path / name, PASSPHRASE, user="anna", kdf=KdfParams.fast())


def test_a_laptop_that_trusts_the_municipal_ca_signs_in_and_syncs(
    tls_server: tuple[Store, ServerThread], pki: Pki, tmp_path: Path
) -> None:
    store, server = tls_server
    assert server.url.startswith("https://127.0.0.1:")
    vault = _vault(tmp_path, "anna")
    try:
        enrolment.connect(vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=str(pki.ca))
        assert vault.setting(CA_FILE_KEY) == str(pki.ca)
        with vault.session() as s:
            kid, _ = services.create_person(s, first_name="Mia")
            services.create_case(s, child=kid, opened_on=datetime(2026, 11, 2).date())
        conn = enrolment.connection_for(vault)  # the stored bundle is used for every later sync
        try:
            report = SyncClient(vault, conn).sync()
        finally:
            conn.close()
        assert report.applied >= 2 and report.rejected == 0
        assert len(store.accessible(store.authenticate(vault.setting(TOKEN_KEY)))) == 1
    finally:
        vault.close()


@pytest.mark.parametrize("bundle", ["system", "other"])
def test_a_laptop_that_does_not_trust_the_certificate_sends_nothing(
    tls_server: tuple[Store, ServerThread], pki: Pki, tmp_path: Path, bundle: str
) -> None:
    store, server = tls_server
    vault = _vault(tmp_path, "anna")
    ca = None if bundle == "system" else str(pki.other_ca)
    try:
        with pytest.raises(CertificateError) as caught:
            enrolment.connect(vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=ca)
        assert "certifikat kunne ikke bekræftes" in error_text(caught.value)
        assert not enrolment.is_connected(vault)
        assert vault.setting(URL_KEY) == ""
    finally:
        vault.close()
    # No device was made: the password never reached the store.
    assert store.devices() == []


def test_a_synced_laptop_whose_certificate_check_fails_is_told_so_not_offline(
    tls_server: tuple[Store, ServerThread], pki: Pki, tmp_path: Path
) -> None:
    _store, server = tls_server
    vault = _vault(tmp_path, "anna")
    try:
        enrolment.connect(vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=str(pki.ca))
        vault.set_setting(CA_FILE_KEY, str(pki.other_ca))  # IT swapped the wrong bundle in
        with vault.session() as s:
            _kid, _ = services.create_person(s, first_name="Mia")
        waiting = sync_state.status(vault).pending
        assert waiting >= 1
        conn = enrolment.connection_for(vault)
        try:
            with pytest.raises(CertificateError):
                SyncClient(vault, conn).sync()
        finally:
            conn.close()
        assert sync_state.status(vault).pending == waiting  # nothing lost, nothing sent
        assert vault.setting(LAST_ERROR_KEY) == "sync.certificate"
    finally:
        vault.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://feltmappe.kommune.dk",
        "http://10.0.0.5:8765",
        "http://127.0.0.1.nip.io",
        "ftp://feltmappe.kommune.dk",
        "feltmappe.kommune.dk",
        "https://",
    ],
)
def test_plain_http_to_another_host_is_refused_before_anything_is_sent(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("no connection may be opened")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", no_network)
    vault = _vault(tmp_path, "anna")
    try:
        with pytest.raises(InsecureUrl) as caught:
            enrolment.connect(vault, url, "anna", PASSWORD, "Annas bærbare")
        assert error_text(caught.value).startswith("Serverens adresse skal begynde med https://")
        with pytest.raises(InsecureUrl):
            enrolment.connect_with_token(vault, url, "token")
        # A stored address (from an older version) is refused too.
        vault.set_setting(URL_KEY, url)
        vault.set_setting(TOKEN_KEY, "token")
        with pytest.raises(InsecureUrl):
            enrolment.connection_for(vault)
    finally:
        vault.close()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost", "http://[::1]:80"])
def test_plain_http_to_this_computer_is_allowed(url: str) -> None:
    assert check_url(url) == url


def test_the_command_line_refuses_plain_http_in_danish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _vault(tmp_path, "anna").close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    with pytest.raises(SystemExit) as stopped:
        cli_main(
            [
                "sync",
                "forbind",
                "http://feltmappe.kommune.dk",
                "--profile",
                str(tmp_path / "anna"),
                "--user",
                "anna",
                "--password-stdin",
            ]
        )
    assert stopped.value.code != 0
    err = capsys.readouterr().err
    assert "Serverens adresse skal begynde med https://" in err


def test_the_command_line_refuses_a_bad_ca_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _vault(tmp_path, "anna").close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    bad = tmp_path / "ca.pem"
    bad.write_text("ikke et certifikat")
    with pytest.raises(SystemExit):
        cli_main(
            [
                "sync",
                "forbind",
                "https://feltmappe.kommune.dk",
                "--profile",
                str(tmp_path / "anna"),
                "--user",
                "anna",
                "--ca-file",
                str(bad),
            ]
        )
    assert "CA-certifikatet kan ikke læses" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--tls-cert", "x.pem"], "Angiv både --tls-cert og --tls-key"),
        (["--tls-key", "x.key"], "Angiv både --tls-cert og --tls-key"),
        (["--tls-cert", "findes-ikke.pem", "--tls-key", "findes-ikke.key"], "findes ikke"),
        (["--tls-cert", "KEY", "--tls-key", "KEY"], "kan ikke bruges"),
        (["--tls-cert", ".", "--tls-key", "KEY"], "ikke en mappe"),
    ],
)
def test_the_server_command_checks_its_certificate_flags(
    flags: list[str], message: str, pki: Pki, tmp_path: Path
) -> None:
    flags = [str(pki.key) if f == "KEY" else f for f in flags]
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "server", "--db", str(tmp_path / "c.db"), *flags],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_the_case_arrives_over_tls_on_a_second_laptop(
    tls_server: tuple[Store, ServerThread], pki: Pki, tmp_path: Path
) -> None:
    _store, server = tls_server
    first = Laptop(tmp_path, "anna1", server.url, "anna", ca_file=str(pki.ca))
    second = Laptop(tmp_path, "anna2", server.url, "anna", ca_file=str(pki.ca))
    try:
        with first.vault.session() as s:
            kid, _ = services.create_person(s, first_name="Noah")
            services.create_case(s, child=kid, opened_on=datetime(2026, 11, 2).date())
        first.sync()
        second.sync()
        with second.vault.session() as s:
            assert s.query(Case).count() == 1
    finally:
        first.close()
        second.close()


def test_the_command_line_connects_with_the_municipal_ca_and_keeps_it(
    tls_server: tuple[Store, ServerThread],
    pki: Pki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _store, server = tls_server
    profile = tmp_path / "anna"
    _vault(tmp_path, "anna").close()
    monkeypatch.setenv("FELTMAPPE_PASSPHRASE", PASSPHRASE)
    connect = ["sync", "forbind", server.url, "--profile", str(profile), "--user", "anna"]
    connect.append("--password-stdin")

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit):
        cli_main(connect)
    assert "Serverens certifikat kunne ikke bekræftes" in capsys.readouterr().err

    monkeypatch.chdir(pki.ca.parent)  # a relative path is kept as an absolute one
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli_main([*connect, "--ca-file", pki.ca.name]) == 0
    assert "Computeren er forbundet til https://127.0.0.1:" in capsys.readouterr().out
    vault = Vault.open(profile, PASSPHRASE)
    try:
        assert vault.setting(CA_FILE_KEY) == str(pki.ca.resolve())
        conn = enrolment.connection_for(vault)
        try:
            SyncClient(vault, conn).sync()
        finally:
            conn.close()
    finally:
        vault.close()


@pytest.mark.parametrize(
    ("host", "tls", "warned"),
    [
        ("0.0.0.0", False, True),  # noqa: S104 - nothing binds; serve is replaced
        ("10.1.2.3", False, True),
        ("feltmappe.kommune.local", False, True),
        ("0.0.0.0", True, False),  # noqa: S104
        ("127.0.0.1", False, False),
        ("::1", False, False),
        ("localhost", False, False),
    ],
)
def test_the_server_command_warns_in_clear_off_loopback_and_passes_tls_and_proxies_on(
    host: str,
    tls: bool,
    warned: bool,
    pki: Pki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[tuple[str, int, dict[str, object]]] = []

    def serve(_url: str, host: str, port: int, **kwargs: object) -> None:
        served.append((host, port, kwargs))

    monkeypatch.setattr("sync.server.run.serve", serve)
    # The command sets up console logging; leave the logger as the other tests expect it.
    feltmappe_log = logging.getLogger("feltmappe")
    monkeypatch.setattr(feltmappe_log, "handlers", list(feltmappe_log.handlers))
    monkeypatch.setattr(feltmappe_log, "level", feltmappe_log.level)
    flags = ["--tls-cert", str(pki.cert), "--tls-key", str(pki.key)] if tls else []
    args = ["server", "--db", str(tmp_path / "c.db"), "--host", host, "--port", "8443"]
    assert cli_main([*args, "--proxy-ips", "10.1.2.3,10.1.2.4", *flags]) == 0
    out, err = capsys.readouterr()
    assert ("uden TLS" in err and "bag en TLS-proxy" in err) == warned, err
    assert out.startswith(f"Den centrale server kører på {'https' if tls else 'http'}://{host}")
    [(served_host, port, kwargs)] = served
    assert (served_host, port) == (host, 8443)
    assert kwargs["tls"] == (pki.tls if tls else None)
    assert kwargs["proxy_ips"] == "10.1.2.3,10.1.2.4"


@pytest.mark.parametrize(
    ("proxy_ips", "counted"),
    [
        # The proxy (here: this computer) is trusted: the laptop's address is counted.
        ("127.0.0.1", "203.0.113.7"),
        # Another proxy is trusted, not this caller: its X-Forwarded-For is ignored.
        ("10.9.9.9", "127.0.0.1"),
    ],
)
def test_behind_a_reverse_proxy_the_login_back_off_counts_the_laptops_address(
    proxy_ips: str, counted: str, tmp_path: Path
) -> None:
    with store_at("sqlite", tmp_path) as store:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        vault = _vault(tmp_path, "anna")
        try:
            # What nginx passes on for a laptop at 203.0.113.7.
            forwarded = {"X-Forwarded-For": "203.0.113.7"}
            with (
                running(store, proxy_ips=proxy_ips) as server,
                httpx.Client(base_url=server.url, headers=forwarded) as proxy,
                pytest.raises(BadCredentials),
            ):
                enrolment.connect(vault, server.url, "anna", "forkert-kode-1", "x", client=proxy)
        finally:
            vault.close()
        addresses = [who for who, _n, _until in store.lockouts() if who.startswith("adresse")]
        assert addresses == [f"adresse {counted}"]


@pytest.mark.parametrize(
    ("proxy_ips", "passed_on", "message"),
    [
        ("10.1.2.3, 10.1.3.0/24 ,::1", "10.1.2.3,10.1.3.0/24,::1", ""),
        ("*", "*", "Advarsel: --proxy-ips '*' stoler på X-Forwarded-For fra alle"),
        ("10.1.2.300", None, "»10.1.2.300« er ikke en IP-adresse"),
        ("proxy.kommune.local", None, "»proxy.kommune.local« er ikke en IP-adresse"),
        (" , ", None, "skal være en eller flere IP-adresser"),
    ],
)
def test_the_server_command_checks_its_proxy_addresses(
    proxy_ips: str,
    passed_on: str | None,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[object] = []
    monkeypatch.setattr("sync.server.run.serve", lambda *_a, **kw: served.append(kw["proxy_ips"]))
    feltmappe_log = logging.getLogger("feltmappe")
    monkeypatch.setattr(feltmappe_log, "handlers", list(feltmappe_log.handlers))
    monkeypatch.setattr(feltmappe_log, "level", feltmappe_log.level)
    args = ["server", "--db", str(tmp_path / "c.db"), "--proxy-ips", proxy_ips]
    if passed_on is not None:
        assert cli_main(args) == 0
        assert served == [passed_on]
    else:
        assert cli_main(args) == 1
        assert served == []  # the server never started
    assert message in capsys.readouterr().err
