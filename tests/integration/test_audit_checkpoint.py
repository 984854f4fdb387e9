"""Signed checkpoints: `endwatch audit checkpoint` signs the trail's head with a key kept outside the database,
and `endwatch audit verify --checkpoint` fails when the trail no longer extends it: rewritten consistently
(hashes recomputed, head moved), truncated (head moved back) or wiped. Both databases."""

import json
import stat

import pytest
import sqlalchemy as sa
from tests.principals import person

from endwatch.cli import app
from endwatch.domain.audit import GENESIS, entry_hash
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.audit.verify import verify
from endwatch.services.registry.parties import save_party


@pytest.fixture
def keys(tmp_path, cli):
    key = tmp_path / "keys" / "audit.key"
    key.parent.mkdir()
    result = cli.invoke(app, ["audit", "keygen", "--out", str(key)])
    assert result.exit_code == 0, result.output
    return key, key.with_name("audit.key.pub")


@pytest.fixture
def signed(case, cli, keys, tmp_path):
    """The reference case with a checkpoint of its head in checkpoint.json."""
    path = tmp_path / "checkpoint.json"
    result = cli.invoke(app, ["audit", "checkpoint", "--out", str(path), "--key-file", str(keys[0])])
    assert result.exit_code == 0, result.output
    return path


def _verify(cli, checkpoint, pub):
    return cli.invoke(app, ["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(pub)])


def _head(ew):
    with ew.engine.connect() as conn:
        return conn.execute(sa.text("select seq, hash from audit_head")).one()


def test_keygen_makes_a_private_key_for_its_owner_alone_and_never_overwrites(keys, cli):
    key, pub = keys
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes() and b"PUBLIC KEY" in pub.read_bytes()
    again = cli.invoke(app, ["audit", "keygen", "--out", str(key)])
    assert again.exit_code == 1 and "exists already" in again.output


def test_a_checkpoint_names_the_head_and_a_growing_trail_extends_it(case, cli, keys, signed):
    document = json.loads(signed.read_text())
    seq, hash_ = _head(case)
    assert document["checkpoint"]["seq"] == seq and document["checkpoint"]["hash"] == hash_
    assert document["checkpoint"]["made_at"] and document["checkpoint"]["database"]
    save_party(case.uow(), person("officer"), Party("p-new", "New Party", PartyKind.COMPANY, "CA"))
    result = _verify(cli, signed, keys[1])
    assert result.exit_code == 0, result.output
    assert f"checkpoint extended: entry {seq} is as signed, the head is entry {seq + 1}" in result.output


def test_the_key_file_may_come_from_the_environment(case, cli, keys, tmp_path, monkeypatch):
    import endwatch.cli.common as common

    monkeypatch.setattr(common._app.settings, "audit_key_file", keys[0])
    path = tmp_path / "cp.json"
    assert cli.invoke(app, ["audit", "checkpoint", "--out", str(path)]).exit_code == 0
    result = cli.invoke(app, ["audit", "verify", "--checkpoint", str(path)])  # the .pub beside the key
    assert result.exit_code == 0, result.output


def test_rewritten_consistently_is_caught(case, cli, keys, signed):
    # Edit entry 3 and recompute every hash after it, moving the head: the chain alone verifies.
    with case.engine.begin() as conn:
        from endwatch.db.audit.repository import SqlAuditRepository

        entries = list(SqlAuditRepository(conn).entries())
        prev = GENESIS
        for e in entries:
            reason = "nothing happened" if e.seq == 3 else e.reason
            payload = {**e.payload(), "reason": reason, "prev_hash": prev}
            new = entry_hash(payload)
            conn.execute(sa.text("update audit_log set reason = :r, prev_hash = :p, hash = :h where seq = :s"),
                         {"r": reason, "p": prev, "h": new, "s": e.seq})
            prev = new
        conn.execute(sa.text("update audit_head set hash = :h"), {"h": prev})
    assert verify(case.reader).ok, "a consistent rewrite fools the chain on its own"
    result = _verify(cli, signed, keys[1])
    assert result.exit_code == 1
    assert "no longer extends the checkpoint" in result.output and "rewritten" in result.output


def test_truncated_is_caught(case, cli, keys, signed):
    seq, _ = _head(case)
    with case.engine.begin() as conn:
        conn.execute(sa.text("delete from audit_rows where seq >= :s"), {"s": seq - 1})
        conn.execute(sa.text("delete from audit_log where seq >= :s"), {"s": seq - 1})
        prev = conn.execute(sa.text("select seq, hash from audit_log where seq = :s"), {"s": seq - 2}).one()
        conn.execute(sa.text("update audit_head set seq = :s, hash = :h"), {"s": prev.seq, "h": prev.hash})
    assert verify(case.reader).ok, "the head moved back with the entries: the chain alone verifies"
    result = _verify(cli, signed, keys[1])
    assert result.exit_code == 1
    assert f"truncated: the trail's head is entry {seq - 2}, before the checkpoint's entry {seq}" in result.output


def test_wiped_is_caught(case, cli, keys, signed):
    with case.engine.begin() as conn:
        for table in ("audit_rows", "audit_log", "audit_head"):
            conn.execute(sa.text(f"delete from {table}"))
    assert verify(case.reader).ok, "an empty trail with no head verifies on its own"
    result = _verify(cli, signed, keys[1])
    assert result.exit_code == 1
    assert "wiped: the trail holds no entries" in result.output


def test_a_bad_signature_is_refused(case, cli, keys, signed, tmp_path):
    document = json.loads(signed.read_text())
    document["checkpoint"]["seq"] -= 1  # an earlier head, as if to excuse a truncation
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    result = _verify(cli, forged, keys[1])
    assert result.exit_code == 1
    assert "signature does not verify" in result.output and "Traceback" not in result.output
    # Signed with another key: refused the same way.
    other = tmp_path / "other.key"
    assert cli.invoke(app, ["audit", "keygen", "--out", str(other)]).exit_code == 0
    result = _verify(cli, signed, tmp_path / "other.key.pub")
    assert result.exit_code == 1 and "signature does not verify" in result.output


def test_send_to_queues_the_checkpoint_in_the_outbox_audited(case, cli, keys, tmp_path):
    path = tmp_path / "cp.json"
    result = cli.invoke(app, ["audit", "checkpoint", "--out", str(path), "--key-file", str(keys[0]),
                              "--send-to", "oversight@example.org"])
    assert result.exit_code == 0, result.output
    with case.engine.connect() as conn:
        to, kind, body = conn.execute(sa.text("select to_address, kind, body from outbox")).one()
        action = conn.execute(sa.text("select action from audit_log order by seq desc limit 1")).scalar_one()
    assert (to, kind, action) == ("oversight@example.org", "audit.checkpoint", "audit.checkpoint.send")
    assert json.loads(path.read_text())["signature"] in body
    assert _verify(cli, path, keys[1]).exit_code == 0


def test_checkpoint_without_sending_needs_no_principal_but_sending_does(case, anonymous_cli, tmp_path):
    from endwatch.services.audit.checkpoint import generate_key

    keys = generate_key(tmp_path / "audit.key")
    path = tmp_path / "cp.json"
    result = anonymous_cli.invoke(app, ["audit", "checkpoint", "--out", str(path), "--key-file", str(keys[0])])
    assert result.exit_code == 0, result.output
    result = anonymous_cli.invoke(app, ["audit", "checkpoint", "--out", str(path), "--key-file", str(keys[0]),
                                        "--send-to", "oversight@example.org"])
    assert result.exit_code == 1 and "sign in" in result.output
    with case.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from outbox")).scalar_one() == 0


def test_who_may_send_a_checkpoint(case, keys, tmp_path):
    from tests.principals import service

    from endwatch.errors import Forbidden
    from endwatch.services.audit import checkpoint as checkpoints
    from endwatch.services.authz import Action, Role
    from endwatch.services.enforcement.checkpoints import send_checkpoint

    document = checkpoints.sign(checkpoints.take(case.reader, "test"), checkpoints.load_private_key(keys[0]))
    with pytest.raises(Forbidden):
        send_checkpoint(case.uow(), person("analyst", Role.INVESTIGATOR), "o@example.org", document)
    with pytest.raises(Forbidden):
        send_checkpoint(case.uow(), service("endwatch-notify", Action.NOTIFY_SEND), "o@example.org", document)
    with case.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from outbox")).scalar_one() == 0
    # The scheduled job's service account, and an auditor, may.
    send_checkpoint(case.uow(), service("checkpointer", Action.AUDIT_CHECKPOINT), "o@example.org", document)
    send_checkpoint(case.uow(), person("auditor-1", Role.AUDITOR), "o@example.org", document)
    with case.engine.connect() as conn:
        actors = conn.execute(sa.text("select actor from audit_log where action = 'audit.checkpoint.send'"
                                      " order by seq")).scalars().all()
    assert actors == ["checkpointer", "auditor-1"]


def test_bad_input_is_named_and_writes_nothing(case, cli, keys, tmp_path):
    result = cli.invoke(app, ["audit", "checkpoint", "--out", str(tmp_path / "no" / "such" / "cp.json"),
                              "--key-file", str(keys[0])])
    assert result.exit_code == 1 and "cannot write the checkpoint" in result.output, result.output
    result = cli.invoke(app, ["audit", "checkpoint", "--out", str(tmp_path / "cp.json"), "--key-file", str(keys[0]),
                              "--send-to", "not an address"])
    assert result.exit_code == 1 and "is not an e-mail address" in result.output
    assert not (tmp_path / "cp.json").exists()
    result = cli.invoke(app, ["audit", "checkpoint", "--out", str(tmp_path / "cp.json"), "--key-file",
                              str(keys[1])])  # the public key is no signing key
    assert result.exit_code == 1 and "is not a PEM private key" in result.output
    (tmp_path / "junk.json").write_text("{not json")
    result = _verify(cli, tmp_path / "junk.json", keys[1])
    assert result.exit_code == 1 and "is not a checkpoint" in result.output
    assert "Traceback" not in result.output
