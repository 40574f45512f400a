"""Checkpoints of the journal: the published file, `hub ledger verify --checkpoint`, on both databases.

The attacker of these tests can write the database and knows the hashing function: they change an amount and
recompute every hash and chain head consistently, so the plain replay passes; only a checkpoint saved before catches it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, text
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from hub.accounts.models import Account
from hub.accounts.services import viewer_for
from hub.app import create_app
from hub.cli import main
from hub.db import Database, make_engine
from hub.ledger.chain import GENESIS_HASH, entry_hash
from hub.ledger.checkpoint import FORMAT, Checkpoint, CheckpointAudit, CheckpointError, Head, parse_checkpoint
from hub.ledger.erasure import erase_person
from hub.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerHolder, Unit
from hub.ledger.posting import Leg, open_account, post_transfers
from hub.ledger.services import decide_deposit, request_deposit
from hub.ledger.verification import take_checkpoint, verify_ledger
from hub.settings import Settings
from tests.ledger.conftest import Bank

URL = "/banque-d-heures/point-de-controle.json"
HASH_A, HASH_B, HASH_C = "a" * 64, "b" * 64, "c" * 64
TAKEN = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)


# -- the pure part: format, digest, comparison ------------------------------------------------------------------


def saved(heads: tuple[Head, ...] = (Head(1, 4, HASH_A), Head(2, 1, HASH_B)), **changes: Any) -> str:
    """A checkpoint file's text, with some fields changed or removed (None)."""
    data = Checkpoint(TAKEN, sum(h.seq for h in heads), heads).as_json()
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    return json.dumps(data)


def test_the_digest_is_the_sha256_of_the_sorted_canonical_heads() -> None:
    heads = (Head(2, 1, HASH_B), Head(1, 4, HASH_A))
    canonical = f'[{{"account":1,"hash":"{HASH_A}","seq":4}},{{"account":2,"hash":"{HASH_B}","seq":1}}]'
    assert Checkpoint(TAKEN, 5, heads).digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert Checkpoint(TAKEN, 5, heads[::-1]).digest == Checkpoint(TAKEN, 5, heads).digest
    assert Checkpoint(TAKEN, 0, ()).digest == hashlib.sha256(b"[]").hexdigest()


def test_a_saved_checkpoint_reads_back_as_it_was_written() -> None:
    checkpoint = parse_checkpoint(saved())
    assert checkpoint == Checkpoint(TAKEN, 5, (Head(1, 4, HASH_A), Head(2, 1, HASH_B)))
    assert checkpoint.as_json()["format"] == FORMAT


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "pas du JSON valide (ligne 1"),
        ("[]", "objet JSON attendu"),
        (saved(format="autre/1"), "format inconnu"),
        (saved(format=None), "format inconnu"),
        (saved(taken_at="hier"), "taken_at"),
        (saved(taken_at="2026-11-30T10:15:00"), "taken_at"),  # no time zone
        (saved(entry_count=-1), "entry_count"),
        (saved(entry_count="5"), "entry_count"),
        (saved(accounts={"1": 4}), "accounts absent ou invalide"),
        (saved(accounts=[[1, 4, HASH_A]]), "accounts, élément 1 : objet attendu"),
        (saved(accounts=[{"account": 0, "seq": 1, "hash": HASH_A}]), "élément 1 : account invalide"),
        (saved(accounts=[{"account": True, "seq": 1, "hash": HASH_A}]), "élément 1 : account invalide"),
        (saved(accounts=[{"account": 1, "seq": 0, "hash": HASH_A}]), "élément 1 : seq invalide"),
        (saved(accounts=[{"account": 1, "seq": 1.0, "hash": HASH_A}]), "élément 1 : seq invalide"),
        (saved(accounts=[{"account": 1, "seq": 1, "hash": HASH_A.upper()}]), "élément 1 : hash invalide"),
        (saved(accounts=[{"account": 1, "seq": 1, "hash": HASH_A}] * 2), "le compte 1 figure deux fois"),
        (saved(digest="123"), "digest absent ou invalide"),
        (saved(digest=HASH_C), "le fichier a été modifié"),
        (
            saved(accounts=[{"account": 1, "seq": 5, "hash": HASH_A}, {"account": 2, "seq": 1, "hash": HASH_B}]),
            "modifié",
        ),
    ],
)
def test_a_malformed_or_altered_file_is_refused_with_its_reason(content: str, reason: str) -> None:
    with pytest.raises(CheckpointError) as refused:
        parse_checkpoint(content)
    assert reason in str(refused.value)


def test_the_audit_names_the_first_changed_head_then_the_first_missing_one() -> None:
    checkpoint = Checkpoint(TAKEN, 5, (Head(1, 2, HASH_A), Head(2, 1, HASH_B), Head(3, 1, HASH_C)))
    names = {1: "pool:1", 2: "pro:x", 3: "project:1"}
    sound = CheckpointAudit(checkpoint, names)
    for entry_id, account, seq, digest in [
        (1, 2, 1, HASH_B),
        (2, 1, 1, "d" * 64),
        (3, 1, 2, HASH_A),
        (4, 3, 1, HASH_C),
    ]:
        sound.feed(entry_id, account, seq, digest)
    sound.feed(5, 1, 3, "e" * 64)  # written after the checkpoint: not pinned
    assert sound.finish() is None

    changed = CheckpointAudit(checkpoint, names)
    for entry_id, account, seq, digest in [(1, 2, 1, HASH_B), (3, 1, 2, "f" * 64), (4, 3, 1, "0" * 64)]:
        changed.feed(entry_id, account, seq, digest)
    assert changed.finish() == (
        "écriture n° 3 : compte pool:1, n° 2 : empreinte différente de celle du point de contrôle du "
        "2026-11-30T10:15:00+00:00 : l’historique de ce compte a été réécrit"
    )

    missing = CheckpointAudit(checkpoint, {1: "pool:1", 2: "pro:x"})
    missing.feed(1, 2, 1, HASH_B)
    assert missing.finish() == (
        "compte pool:1 : écriture n° 2 de ce compte absente du journal, présente au point de contrôle du "
        "2026-11-30T10:15:00+00:00 : des écritures ont été supprimées"
    )


# -- the published checkpoint --------------------------------------------------------------------------------


def journal_heads(database: Database) -> tuple[list[dict[str, Any]], int]:
    """Each account's last journal entry (account id, seq, hash), read apart from the code under test; the count."""
    with database.session() as session:
        rows = session.exec(select(LedgerEntry.account_id, LedgerEntry.account_seq, LedgerEntry.hash)).all()
    last: dict[int, tuple[int, str]] = {}
    for account, seq, digest in rows:
        if seq > last.get(account, (0, ""))[0]:
            last[account] = (seq, digest)
    return [{"account": a, "seq": s, "hash": h} for a, (s, h) in sorted(last.items())], len(rows)


def accept_deposit(database: Database, bank: Bank, key: str, minutes: int, who: int) -> None:
    """A deposit requested and accepted (four journal entries)."""
    result = request_deposit(database, key, account_id=who, convention_id=bank.convention_id, minutes=minutes)
    decide_deposit(database, f"{key}-ok", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)


class _Reader(HTMLParser):
    """The texts of <code> elements and the targets of download links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []
        self.downloads: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self._in_code = tag == "code"
        if tag == "a" and "download" in values:
            self.downloads.append(values.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.codes.append(data)
            self._in_code = False


def test_the_published_checkpoint_matches_the_journal_and_names_nobody(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    accept_deposit(database, bank, "p1", 90, bank.depositors[0])
    accept_deposit(database, bank, "p2", 30, bank.depositors[1])
    with database.transaction() as session:
        holder = session.exec(select(LedgerHolder).where(col(LedgerHolder.account_id) == bank.depositors[0])).one()
        holder.shows_name = True  # appears by name in the registers: her pseudonym is not public
        session.add(holder)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith('attachment; filename="lab-esante-banque-d-heures-')
    assert response.headers["cache-control"] == "no-cache"
    published = response.json()
    heads, count = journal_heads(database)
    assert len(heads) == 3 and count == 8  # two depositors' accounts (2 entries each) and the pool (4)
    assert published["accounts"] == heads
    assert published["entry_count"] == count
    assert published["account_count"] == len(heads)
    assert published["format"] == FORMAT
    canonical = json.dumps(heads, sort_keys=True, separators=(",", ":"))
    assert published["digest"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert response.headers["etag"] == f'W/"{published["digest"]}"'
    assert datetime.fromisoformat(published["taken_at"]).tzinfo is not None
    with database.session() as session:
        pseudonyms = session.exec(select(LedgerHolder.pseudonym)).all()
        codes = session.exec(select(LedgerAccount.code)).all()
    assert pseudonyms and all(p not in response.text for p in pseudonyms)
    assert all(c not in response.text for c in codes)
    assert "Soignant" not in response.text

    again = client.get(URL, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    accept_deposit(database, bank, "p3", 15, bank.depositors[1])
    changed = client.get(URL, headers={"If-None-Match": response.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["digest"] != published["digest"]

    reader = _Reader()
    reader.feed(client.get("/banque-d-heures").text)
    assert changed.json()["digest"] in reader.codes
    assert URL in reader.downloads


def _shown_digest(client: TestClient[Litestar]) -> str:
    reader = _Reader()
    reader.feed(client.get("/banque-d-heures").text)
    assert len(reader.codes) == 1
    return reader.codes[0]


def test_the_banks_page_takes_its_checkpoint_again_only_when_the_journal_changed(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    accept_deposit(database, bank, "c1", 45, bank.depositors[0])
    first = _shown_digest(client)
    assert first == client.get(URL).json()["digest"]
    state = client.app.state
    cached = state.ledger_checkpoint
    assert _shown_digest(client) == first
    assert state.ledger_checkpoint is cached  # nothing written: the same checkpoint, not taken again
    accept_deposit(database, bank, "c2", 20, bank.depositors[1])
    second = _shown_digest(client)
    assert second != first
    assert second == client.get(URL).json()["digest"]
    assert state.ledger_checkpoint is not cached


def test_an_old_checkpoint_verifies_after_new_entries_and_an_erasure(database: Database, bank: Bank) -> None:
    accept_deposit(database, bank, "o1", 60, bank.depositors[0])
    with database.session() as session:
        old = take_checkpoint(session)
    assert verify_ledger(database, old) is None
    accept_deposit(database, bank, "o2", 45, bank.depositors[0])
    accept_deposit(database, bank, "o3", 20, bank.depositors[1])
    assert verify_ledger(database, old) is None
    with database.session() as session:
        before_erasure = take_checkpoint(session)
    with database.transaction() as session:
        admin = viewer_for(session, session.get(Account, bank.admin))  # type: ignore[arg-type]
        assert erase_person(session, bank.depositors[0], by=admin)
    # The tombstone touches neither the accounts' codes nor the journal: the same checkpoint, and both still verify.
    with database.session() as session:
        assert take_checkpoint(session).digest == before_erasure.digest
    assert verify_ledger(database, old) is None
    assert verify_ledger(database, before_erasure) is None


def test_entries_removed_since_the_checkpoint_are_named(database: Database, bank: Bank) -> None:
    accept_deposit(database, bank, "m1", 60, bank.depositors[0])
    accept_deposit(database, bank, "m2", 30, bank.depositors[0])
    with database.session() as session:
        checkpoint = take_checkpoint(session)
        pro = session.exec(select(LedgerAccount).where(col(LedgerAccount.code).startswith("pro:"))).one()
        last = session.exec(select(LedgerEntry.transfer_id).order_by(col(LedgerEntry.id).desc())).first()
    # The attacker removes the last deposit whole (its transfer and four entries) and rewinds both chain heads; the
    # pool's pinned n° 4 is gone too, but the depositor's account comes first in the file (lower id).
    with database.transaction() as session:
        connection = session.connection()
        connection.execute(text("DELETE FROM ledger_entry WHERE transfer_id = :t"), {"t": last})
        connection.execute(text("DELETE FROM ledger_transfer WHERE id = :t"), {"t": last})
        rehead(connection)
    assert verify_ledger(database) is None
    assert verify_ledger(database, checkpoint) == (
        f"compte {pro.code} : écriture n° 4 de ce compte absente du journal, présente au point de contrôle du "
        f"{checkpoint.taken_at.isoformat()} : des écritures ont été supprimées"
    )


# -- the attacker, and `hub ledger verify --checkpoint` on a database of its own ---------------------------------


def rehead(connection: Connection) -> None:
    """Recompute every chain from the journal as it now stands, with the hub's own hash, and every balance and head:
    what someone who can write the database and read the code does to hide a change."""
    codes = {int(i or 0): c for i, c in connection.execute(core_select(col(LedgerAccount.id), col(LedgerAccount.code)))}
    rows = connection.execute(
        core_select(
            col(LedgerEntry.id),
            col(LedgerEntry.transfer_id),
            col(LedgerEntry.account_id),
            col(LedgerEntry.phase),
            col(LedgerEntry.delta),
            col(LedgerEntry.created_at),
        ).order_by(col(LedgerEntry.id))
    ).all()
    heads: dict[int, tuple[int, str]] = {}
    balances: dict[int, int] = {}
    for entry_id, transfer_id, account_id, phase, delta, created_at in rows:
        seq, previous = heads.get(account_id, (0, GENESIS_HASH))
        digest = entry_hash(
            account=codes[account_id],
            seq=seq + 1,
            transfer_id=transfer_id,
            phase=str(phase),
            delta=delta,
            created_at=created_at.isoformat(),
            prev_hash=previous,
        )
        connection.execute(
            text("UPDATE ledger_entry SET account_seq = :s, prev_hash = :p, hash = :h WHERE id = :i"),
            {"s": seq + 1, "p": previous, "h": digest, "i": entry_id},
        )
        heads[account_id] = (seq + 1, digest)
        if str(phase) == "post":
            balances[account_id] = balances.get(account_id, 0) + delta
    for code_id in codes:
        last, head = heads.get(code_id, (0, GENESIS_HASH))
        connection.execute(
            text("UPDATE ledger_account SET balance = :b, seq = :s, head_hash = :h WHERE id = :i"),
            {"b": balances.get(code_id, 0), "s": last, "h": head, "i": code_id},
        )


def rewrite_amount(engine: Engine, transfer_id: int, amount: int) -> None:
    """The attacker changes a posted transfer's amount (both legs, so it still sums to zero) and rehashes everything."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_transfer SET amount = :a WHERE id = :t"), {"a": amount, "t": transfer_id}
        )
        connection.execute(
            text("UPDATE ledger_entry SET delta = CASE WHEN delta < 0 THEN -:a ELSE :a END WHERE transfer_id = :t"),
            {"a": amount, "t": transfer_id},
        )
        rehead(connection)


def journal_snapshot(engine: Engine) -> list[Any]:
    """Every journal entry and account row, to show that a command wrote nothing."""
    with engine.connect() as connection:
        entries = connection.execute(text("SELECT id, account_seq, delta, hash FROM ledger_entry ORDER BY id")).all()
        accounts = connection.execute(text("SELECT id, balance, seq, head_hash FROM ledger_account ORDER BY id")).all()
        return [*entries, *accounts]


@pytest.fixture
def small_ledger(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh database (SQLite or PostgreSQL) with three accounts and two transfers, that `hub` commands use."""
    engine = make_engine(url)
    database = Database(engine)
    open_account(database, "pro:src", AccountKind.PROFESSIONAL, Unit.MINUTE, is_source=True)
    open_account(database, "pool:a", AccountKind.POOL, Unit.MINUTE)
    open_account(database, "pool:b", AccountKind.POOL, Unit.MINUTE)
    post_transfers(database, "fund", [Leg("pro:src", "pool:a", 100)])
    post_transfers(database, "move", [Leg("pool:a", "pool:b", 30)])
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    yield engine, database
    engine.dispose()


def download_checkpoint(database: Database, tmp_path: Path, name: str) -> Path:
    """The checkpoint as the hub publishes it, saved to a file."""
    settings = Settings(var_dir=tmp_path / "var", secret_key="test-secret-key-" + "x" * 32)
    with TestClient(app=create_app(settings, database=database, background_indexing=False)) as client:
        response = client.get(URL)
    assert response.status_code == 200
    path = tmp_path / name
    path.write_bytes(response.content)
    return path


def test_a_rewritten_and_rehashed_history_passes_verify_but_not_the_old_checkpoint(
    small_ledger: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, database = small_ledger
    old = download_checkpoint(database, tmp_path, "old.json")
    post_transfers(database, "later", [Leg("pro:src", "pool:b", 10)])  # a legitimate new entry on pinned accounts
    assert main(["ledger", "verify", "--checkpoint", str(old)]) == 0
    out = capsys.readouterr().out
    assert "Ledger verified" in out and "every entry it pins is unchanged" in out

    with engine.connect() as connection:
        fund = connection.execute(text("SELECT transfer_id FROM ledger_entry ORDER BY id LIMIT 1")).scalar_one()
        first = connection.execute(
            text(
                "SELECT e.id FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id "
                "WHERE a.code = 'pro:src' AND e.account_seq = 1"
            )
        ).scalar_one()
    rewrite_amount(engine, fund, 90)  # 100 minutes funded become 90, every hash recomputed
    assert main(["ledger", "verify"]) == 0  # the replay alone cannot tell
    assert "Ledger verified" in capsys.readouterr().out
    assert main(["ledger", "verify", "--checkpoint", str(old)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"Ledger verification failed: écriture n° {first} : compte pro:src, n° 1 : ")
    assert "empreinte différente de celle du point de contrôle" in out
    # A checkpoint taken after the rewrite verifies (it pins the rewritten history): keep the old ones.
    assert main(["ledger", "verify", "--checkpoint", str(download_checkpoint(database, tmp_path, "new.json"))]) == 0


def test_an_unusable_checkpoint_file_is_refused_and_nothing_is_written(
    small_ledger: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, database = small_ledger
    good = json.loads(download_checkpoint(database, tmp_path, "good.json").read_text())
    before = journal_snapshot(engine)
    files = {
        "broken.json": b'{"format": ',
        "latin1.json": "é".encode("latin-1"),
        "altered.json": json.dumps(good | {"accounts": good["accounts"][:-1]}).encode(),
    }
    expected = {
        "broken.json": "le fichier n’est pas du JSON valide (ligne 1, colonne 12)",
        "latin1.json": "le fichier n’est pas du texte UTF-8",
        "altered.json": "l’empreinte globale (digest) ne correspond pas aux comptes : le fichier a été modifié",
    }
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert main(["ledger", "verify", "--checkpoint", str(path)]) == 2, name
        assert capsys.readouterr().out == f"Checkpoint refused: {path}: {expected[name]}\n"
    missing = tmp_path / "absent.json"
    assert main(["ledger", "verify", "--checkpoint", str(missing)]) == 2
    assert capsys.readouterr().out.startswith(f"Checkpoint not read: {missing}: ")
    assert journal_snapshot(engine) == before
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "altered.json",
        "broken.json",
        "good.json",
        "latin1.json",
    ]
