"""`hub ledger verify`: replay the whole journal against the stored balances, transfers and per-account chain heads."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy import select as core_select
from sqlmodel import col, select

from hub.db import Database
from hub.ledger.chain import AccountState, Auditor, EntryRecord, TransferState
from hub.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer

BATCH = 20_000


def verify_ledger(database: Database) -> str | None:
    """The first broken entry or invariant, in French, or None when the whole ledger checks out."""
    with database.session() as session:
        if database.dialect_name == "postgresql" and isinstance(database.bind, Engine):
            # One snapshot for accounts, entries and transfers, even while writers go on (SQLite's read is one already).
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        accounts = session.exec(select(LedgerAccount)).all()
        codes = {account.id: account.code for account in accounts}
        auditor = Auditor(sources=frozenset(account.code for account in accounts if account.is_source))
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
        return auditor.finish(states, transfers)
