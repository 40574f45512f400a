"""`hub ledger verify`: replay the whole journal against the stored balances, transfers and per-account chain heads,
and against a saved checkpoint; and the checkpoint of the journal as it stands."""

from __future__ import annotations

from sqlalchemy import Engine, and_, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from hub.db import Database, utcnow
from hub.ledger.book import ENTRIES
from hub.ledger.chain import AccountState, Auditor, EntryRecord, TransferState
from hub.ledger.checkpoint import Checkpoint, CheckpointAudit, Head
from hub.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer

BATCH = 20_000


def take_checkpoint(session: Session) -> Checkpoint:
    """Every account's last entry in the journal (its `account_seq` and `hash`) and the number of entries, read in
    one statement (one snapshot, even while writers go on); each last entry is found through the unique index on
    (account_id, account_seq), so the cost grows with the number of accounts, plus one count of the journal."""
    chained, every = ENTRIES.alias("chained"), ENTRIES.alias("every_entry")
    last_seq = (
        core_select(func.max(chained.c.account_seq))
        .where(chained.c.account_id == col(LedgerAccount.id))
        .scalar_subquery()
    )
    total = core_select(func.count()).select_from(every).scalar_subquery()
    statement = (
        core_select(col(LedgerAccount.id), col(LedgerEntry.account_seq), col(LedgerEntry.hash), total)
        .join(
            LedgerEntry,
            and_(col(LedgerEntry.account_id) == col(LedgerAccount.id), col(LedgerEntry.account_seq) == last_seq),
        )
        .order_by(col(LedgerAccount.id))
    )
    rows = session.connection().execute(statement).all()
    return Checkpoint(
        taken_at=utcnow().replace(microsecond=0),
        entry_count=int(rows[0][3]) if rows else 0,
        heads=tuple(Head(int(account), int(seq), digest) for account, seq, digest, _ in rows),
    )


def verify_ledger(database: Database, checkpoint: Checkpoint | None = None) -> str | None:
    """The first broken entry or invariant, in French, or None when the whole ledger checks out; with a saved
    `checkpoint`, also the first entry it pins that changed or is gone (history rewritten up to it)."""
    with database.session() as session:
        if database.dialect_name == "postgresql" and isinstance(database.bind, Engine):
            # One snapshot for accounts, entries and transfers, even while writers go on (SQLite's read is one already).
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        accounts = session.exec(select(LedgerAccount)).all()
        codes = {account.id: account.code for account in accounts}
        auditor = Auditor(sources=frozenset(account.code for account in accounts if account.is_source))
        pinned = None if checkpoint is None else CheckpointAudit(checkpoint, {a.id: a.code for a in accounts if a.id})
        statement = core_select(
            col(LedgerEntry.id),
            col(LedgerEntry.transfer_id),
            col(LedgerEntry.account_id),
            col(LedgerEntry.account_seq),
            col(LedgerEntry.phase),
            col(LedgerEntry.delta),
            col(LedgerEntry.created_at),
            col(LedgerEntry.prev_hash),
            col(LedgerEntry.hash),
        ).order_by(col(LedgerEntry.id))
        with session.connection().execute(statement, execution_options={"yield_per": BATCH}) as rows:
            for row in rows:
                entry_id, transfer_id, account_id, seq, phase, delta, created_at, prev_hash, digest = row
                record = EntryRecord(
                    entry_id or 0,
                    transfer_id,
                    codes.get(account_id, f"#{account_id}"),
                    seq,
                    str(phase),
                    delta,
                    created_at.isoformat(),
                    prev_hash,
                    digest,
                )
                if auditor.feed(record) is not None:
                    return auditor.problem
                if pinned is not None:
                    pinned.feed(record.id, account_id, seq, digest)
        columns = core_select(
            col(LedgerTransfer.id),
            col(LedgerTransfer.status),
            col(LedgerTransfer.amount),
            col(LedgerTransfer.debit_account_id),
            col(LedgerTransfer.credit_account_id),
        )
        transfers = [
            TransferState(transfer_id or 0, str(status), amount, codes[debit], codes[credit])
            for transfer_id, status, amount, debit, credit in session.connection().execute(columns)
        ]
        states = [AccountState(a.code, a.is_source, a.balance, a.reserved, a.seq, a.head_hash) for a in accounts]
        problem = auditor.finish(states, transfers)
        if problem is None and pinned is not None:
            return pinned.finish()
        return problem
