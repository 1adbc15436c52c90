"""Case data never travels in clear: the store serves TLS itself (``--tls-cert/--tls-key``), the
laptop verifies the certificate (the system's store, or the municipality's CA bundle) and refuses
plain HTTP to anything but this computer, before a single byte is sent."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop.cli import main as cli_main
from desktop.messages import error_text
from models import services
from models.keyfile import KdfParams
from models.schema import Case
from models.vault import Vault
from sync import client as sc
from sync.server.run import ServerThread, Tls
from sync.server.store import Store
from tests.sync.harness import PASSPHRASE, PASSWORD, store_at


@dataclass
class Pki:
    ca: Path
    cert: Path
    key: Path
    other_ca: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _ca(common: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A municipal CA, the store's certificate for 127.0.0.1 and localhost, and an unrelated CA."""
    tmp = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key = _ca("Kommunens test-CA")
    other_cert, _ = _ca("En anden CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_path = tmp / "server.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Pki(
        ca=_write(tmp / "ca.pem", ca_cert),
        cert=_write(tmp / "server.pem", cert),
        key=key_path,
        other_ca=_write(tmp / "other-ca.pem", other_cert),
    )


@pytest.fixture
def tls_server(pki: Pki, tmp_path: Path) -> Iterator[tuple[Store, ServerThread]]:
    with store_at("sqlite", tmp_path) as store:
        store.add_user("anna", PASSWORD, display_name="Anna Holm")
        with ServerThread(store, tls=Tls(str(pki.cert), str(pki.key))) as server:
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
        sc.connect(vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=str(pki.ca))
        assert vault.setting(sc.CA_FILE_KEY) == str(pki.ca)
        with vault.session() as s:
            kid, _ = services.create_person(s, first_name="Mia")
            services.create_case(s, child=kid, opened_on=datetime(2026, 11, 2).date())
        conn = sc.connection_for(vault)  # the stored bundle is used for every later sync
        try:
            report = sc.SyncClient(vault, conn).sync()
        finally:
            conn.close()
        assert report.applied >= 2 and report.rejected == 0
        assert len(store.accessible(store.authenticate(vault.setting(sc.TOKEN_KEY)))) == 1
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
        with pytest.raises(sc.CertificateError) as caught:
            sc.connect(vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=ca)
        assert "certifikat kunne ikke bekræftes" in error_text(caught.value)
        assert not sc.is_connected(vault)
        assert vault.setting(sc.URL_KEY) == ""
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
        sc.connect(vault, server.url, "anna", PASSWORD, "Annas bærbare", ca_file=str(pki.ca))
        vault.set_setting(sc.CA_FILE_KEY, str(pki.other_ca))  # IT swapped the wrong bundle in
        with vault.session() as s:
            _kid, _ = services.create_person(s, first_name="Mia")
        waiting = sc.status(vault).pending
        assert waiting >= 1
        conn = sc.connection_for(vault)
        try:
            with pytest.raises(sc.CertificateError):
                sc.SyncClient(vault, conn).sync()
        finally:
            conn.close()
        assert sc.status(vault).pending == waiting  # nothing lost, nothing sent
        assert vault.setting(sc.LAST_ERROR_KEY) == "sync.certificate"
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
        with pytest.raises(sc.InsecureUrl) as caught:
            sc.connect(vault, url, "anna", PASSWORD, "Annas bærbare")
        assert error_text(caught.value).startswith("Serverens adresse skal begynde med https://")
        with pytest.raises(sc.InsecureUrl):
            sc.connect_with_token(vault, url, "token")
        # A stored address (from an older version) is refused too.
        vault.set_setting(sc.URL_KEY, url)
        vault.set_setting(sc.TOKEN_KEY, "token")
        with pytest.raises(sc.InsecureUrl):
            sc.connection_for(vault)
    finally:
        vault.close()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost", "http://[::1]:80"])
def test_plain_http_to_this_computer_is_allowed(url: str) -> None:
    assert sc.check_url(url) == url


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
                "--bruger",
                "anna",
                "--adgangskode-stdin",
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
                "--bruger",
                "anna",
                "--ca-fil",
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
    first, second = _vault(tmp_path, "anna1"), _vault(tmp_path, "anna2")
    try:
        for vault in (first, second):
            sc.connect(vault, server.url, "anna", PASSWORD, "bærbar", ca_file=str(pki.ca))
        with first.session() as s:
            kid, _ = services.create_person(s, first_name="Noah")
            services.create_case(s, child=kid, opened_on=datetime(2026, 11, 2).date())
        for vault in (first, second):
            conn = sc.connection_for(vault)
            try:
                sc.SyncClient(vault, conn).sync()
            finally:
                conn.close()
        with second.session() as s:
            assert s.query(Case).count() == 1
    finally:
        first.close()
        second.close()
