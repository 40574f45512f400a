"""ledger: one hash chain per account instead of one global chain (no global lock for writers)

Each journal entry gets `account_seq` (its place in its account's chain, from 1) and its `prev_hash`/`hash` are
recomputed as a chain per account; each account row keeps its head (`seq`, `head_hash`). The former single chain
head row (`ledger_chain_head`) stays but is no longer written.

Revision ID: b6d41f0e9c27
Revises: 7f8467e6ba67
Create Date: 2026-11-28 16:30:00
"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = "b6d41f0e9c27"
down_revision: str | None = "7f8467e6ba67"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)


def _account_hash(account: str, seq: int, transfer_id: int, phase: str, delta: int, created_at: str, prev: str) -> str:
    # Frozen copy of hub.ledger.chain.entry_hash at this revision (a migration must not follow later code changes).
    canonical = (
        f"[{_quoted(account)},{int(seq)},{int(transfer_id)},{_quoted(phase)},{int(delta)},"
        f"{_quoted(created_at)},{_quoted(prev)}]"
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _global_hash(
    entry_id: int, transfer_id: int, account: str, phase: str, delta: int, created_at: str, prev: str
) -> str:
    # The former single-chain hash (revision ed18a48ca850), for the downgrade.
    canonical = (
        f"[{int(entry_id)},{int(transfer_id)},{_quoted(account)},{_quoted(phase)},{int(delta)},"
        f"{_quoted(created_at)},{_quoted(prev)}]"
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


ACCOUNT = sa.table(
    "ledger_account",
    sa.column("id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("seq", sa.BigInteger()),
    sa.column("head_hash", sa.String()),
)
ENTRY = sa.table(
    "ledger_entry",
    sa.column("id", sa.Integer()),
    sa.column("transfer_id", sa.Integer()),
    sa.column("account_id", sa.Integer()),
    sa.column("account_seq", sa.BigInteger()),
    sa.column("phase", sa.String()),
    sa.column("delta", sa.BigInteger()),
    sa.column("created_at", hub.db.UTCDateTime(timezone=True)),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _entries(connection: sa.Connection) -> list[sa.Row[tuple[int, int, int, str, int, object]]]:
    statement = sa.select(
        ENTRY.c.id, ENTRY.c.transfer_id, ENTRY.c.account_id, ENTRY.c.phase, ENTRY.c.delta, ENTRY.c.created_at
    ).order_by(ENTRY.c.id)
    return list(connection.execute(statement))  # type: ignore[arg-type]


def upgrade() -> None:
    # Plain ADD COLUMN with a default (SQLite does it in place): rebuilding ledger_account would trip the foreign
    # keys of existing entries and transfers.
    op.add_column("ledger_account", sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column(
        "ledger_account", sa.Column("head_hash", sa.String(length=64), nullable=False, server_default=GENESIS)
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_seq", sa.BigInteger(), nullable=True))

    # Existing entries, in journal order, become the chains of their accounts.
    connection = op.get_bind()
    codes = dict(connection.execute(sa.select(ACCOUNT.c.id, ACCOUNT.c.code)).all())
    heads: dict[int, tuple[int, str]] = {}
    for entry_id, transfer_id, account_id, phase, delta, created_at in _entries(connection):
        seq, previous = heads.get(account_id, (0, GENESIS))
        seq += 1
        stamp = created_at.isoformat()  # type: ignore[attr-defined]
        digest = _account_hash(codes[account_id], seq, transfer_id, phase, delta, stamp, previous)
        connection.execute(
            ENTRY.update().where(ENTRY.c.id == entry_id).values(account_seq=seq, prev_hash=previous, hash=digest)
        )
        heads[account_id] = (seq, digest)
    for account_id, (seq, digest) in heads.items():
        connection.execute(ACCOUNT.update().where(ACCOUNT.c.id == account_id).values(seq=seq, head_hash=digest))

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.alter_column("account_seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_ledger_entry_account_id"), ["account_id", "account_seq"])
    if connection.dialect.name == "postgresql":
        # Entries used to get explicit ids from the chain head; from now on the sequence numbers them.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), COALESCE(MAX(id), 0) + 1, false) "
            "FROM ledger_entry"
        )


def downgrade() -> None:
    # Back to one chain over all entries in id order (ids left as they are), its head in ledger_chain_head.
    connection = op.get_bind()
    codes = dict(connection.execute(sa.select(ACCOUNT.c.id, ACCOUNT.c.code)).all())
    previous, last_id = GENESIS, 0
    for entry_id, transfer_id, account_id, phase, delta, created_at in _entries(connection):
        stamp = created_at.isoformat()  # type: ignore[attr-defined]
        digest = _global_hash(entry_id, transfer_id, codes[account_id], phase, delta, stamp, previous)
        connection.execute(ENTRY.update().where(ENTRY.c.id == entry_id).values(prev_hash=previous, hash=digest))
        previous, last_id = digest, entry_id
    connection.execute(
        sa.text("UPDATE ledger_chain_head SET last_entry_id = :n, last_hash = :h WHERE id = 1"),
        {"n": last_id, "h": previous},
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ledger_entry_account_id"), type_="unique")
        batch_op.drop_column("account_seq")
    op.drop_column("ledger_account", "head_hash")  # SQLite 3.35+ drops a plain column in place
    op.drop_column("ledger_account", "seq")
