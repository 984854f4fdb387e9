"""SMTP with STARTTLS and a login, against a local aiosmtpd server with a throw-away certificate."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from datetime import timedelta

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from tests.conftest import FIXED_NOW
from tests.integration.enforcement_world import SUSPENDED_ON, before_suspension
from tests.integration.smtp_server import LocalSmtp
from tests.principals import NOTIFIER, person
from tests.two_signatures import apply_decision

from endwatch.services.enforcement import notify
from endwatch.services.enforcement.scope import Action, Scope

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a certificate")


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"endwatch", b"s3cret")
    return AuthResult(success=ok)


@pytest.fixture
def tls_smtp(certificate):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = LocalSmtp(tls_context=context, require_starttls=True, authenticator=_authenticate, auth_required=True)
    server.start()
    yield server
    server.stop()


def test_starttls_and_login(ew, tmp_path, tls_smtp, certificate):
    before_suspension(ew, tmp_path)
    notify.set_contact(ew.uow(), person("officer"), "wescam", "c@wescam.example")
    apply_decision(ew.uow(), person("m"), Scope(consignees=("baykar",)), Action.suspend, SUSPENDED_ON, "r", "ref")
    cert, _ = certificate

    def mailer(**kw):
        return notify.SmtpMailer("127.0.0.1", tls_smtp.port, 2, **kw)

    plain = notify.send_due(ew.uow, NOTIFIER, mailer(), "e@authority.example")
    assert "STARTTLS" in plain.failed[0][1] and not tls_smtp.inbox  # the server insists on STARTTLS
    ew.clock = lambda: FIXED_NOW + timedelta(minutes=2)
    wrong = notify.send_due(ew.uow, NOTIFIER, mailer(starttls=True, ca_file=cert, username="endwatch", password="nope"),
                            "e@authority.example")
    assert wrong.failed and not tls_smtp.inbox  # refused login (aiosmtpd may also just stop answering)
    ew.clock = lambda: FIXED_NOW + timedelta(minutes=10)
    right = notify.send_due(ew.uow, NOTIFIER,
                            mailer(starttls=True, ca_file=cert, username="endwatch", password="s3cret"),
                            "e@authority.example")
    assert len(right.sent) == 1 and len(tls_smtp.inbox) == 1
    [row] = notify.list_messages(ew.reader())
    assert row.status == "sent" and row.attempts == 3
