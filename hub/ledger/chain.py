"""The journal's hash chains and their audit: pure, streaming, no database (works on plain records).

Each account has its own chain: an entry carries the account's sequence number and the hash of the previous entry
of the same account, and the account row keeps its head (sequence and hash). Writers of different accounts never
wait for each other, yet editing, deleting or reordering any entry breaks its account's chain, and dropping an
account's last entries no longer matches the head kept on the account row.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """One journal entry as plain data; `account` is the pseudonymous account code, `seq` its place in that account."""

    id: int
    transfer_id: int
    account: str
    seq: int
    phase: str
    delta: int
    created_at: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AccountState:
    """A stored balance and chain head as plain data."""

    code: str
    is_source: bool
    balance: int
    reserved: int
    seq: int = 0
    head_hash: str = GENESIS_HASH


@dataclass(frozen=True, slots=True)
class TransferState:
    """A stored transfer as plain data."""

    id: int
    status: str
    amount: int
    debit: str
    credit: str


def entry_hash(
    *, account: str, seq: int, transfer_id: int, phase: str, delta: int, created_at: str, prev_hash: str
) -> str:
    """SHA-256 of the canonical serialisation of an entry chained to the previous hash of its account.

    The serialisation is the compact JSON array [account, seq, transfer, phase, delta, created_at, prev_hash]
    (json.dumps with separators (",", ":"), ASCII); it is assembled by hand because verify runs it a million times.
    """
    canonical = (
        f"[{_quoted(account)},{int(seq)},{int(transfer_id)},{_quoted(phase)},{int(delta)},"
        f"{_quoted(created_at)},{_quoted(prev_hash)}]"
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@functools.lru_cache(maxsize=65536)
def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)


@dataclass
class Auditor:
    """Feeds on entries in journal order (ascending id), then compares what they imply with the stored state.

    Within one account, ascending id is chain order: an entry of an account is only written while that account's
    row is locked, so a later writer of the account draws a later id.
    """

    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    phases: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    sums: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    sources: frozenset[str] = frozenset()
    problem: str | None = None

    def feed(self, entry: EntryRecord) -> str | None:
        """Check one entry (link, hash, no negative balance); returns the first problem found."""
        if self.problem is not None:
            return self.problem
        last_seq, last_hash = self.heads.get(entry.account, (0, GENESIS_HASH))
        if entry.seq != last_seq + 1:
            return self._fail(entry, f"numérotation rompue sur le compte {entry.account} (attendu {last_seq + 1})")
        if entry.prev_hash != last_hash:
            return self._fail(entry, "chaînage rompu : l’empreinte précédente ne correspond pas")
        expected = entry_hash(
            account=entry.account,
            seq=entry.seq,
            transfer_id=entry.transfer_id,
            phase=entry.phase,
            delta=entry.delta,
            created_at=entry.created_at,
            prev_hash=entry.prev_hash,
        )
        if entry.hash != expected:
            return self._fail(entry, "empreinte invalide : l’écriture a été modifiée")
        # Zero-sum groups (one phase of one transfer); a group is forgotten once it sums to zero, so memory holds
        # only the groups still open (legs of concurrent transfers interleave in id order).
        key = (entry.transfer_id, entry.phase)
        group = self.sums.get(key)
        if group is None:
            self.sums[key] = [entry.id, entry.delta]
        else:
            group[1] += entry.delta
            if group[1] == 0:
                del self.sums[key]
        self.phases[entry.transfer_id].add(entry.phase)
        if entry.phase == "post":
            self.balances[entry.account] += entry.delta
            if entry.account not in self.sources and self.balances[entry.account] < 0:
                return self._fail(entry, f"solde négatif sur le compte {entry.account}")
        self.heads[entry.account] = (entry.seq, entry.hash)
        return None

    def _fail(self, entry: EntryRecord, reason: str) -> str:
        self.problem = f"écriture n° {entry.id} : {reason}"
        return self.problem

    def finish(self, accounts: list[AccountState], transfers: list[TransferState]) -> str | None:
        """Check zero sums, then compare the recomputed heads, balances, reservations and statuses with the stored ones."""
        if self.problem is not None:
            return self.problem
        unbalanced = [(first, key[0]) for key, (first, total) in self.sums.items() if total != 0]
        if unbalanced:
            first, transfer_id = min(unbalanced)
            return f"écriture n° {first} : la somme du virement {transfer_id} n’est pas nulle"
        reserved: dict[str, int] = defaultdict(int)
        for transfer in transfers:
            seen = self.phases.get(transfer.id, set())
            status = "posted" if "post" in seen else "voided" if "void" in seen else "pending" if seen else "missing"
            if "post" in seen and "void" in seen:
                status = "both"
            if status != transfer.status:
                return f"virement {transfer.id} : statut {transfer.status} enregistré, {status} d’après le journal"
            if status == "pending":
                reserved[transfer.debit] += transfer.amount
        known = {transfer.id for transfer in transfers}
        for transfer_id in self.phases:
            if transfer_id not in known:
                return f"virement {transfer_id} : présent dans le journal mais absent des virements"
        stored = {account.code for account in accounts}
        for code in self.heads:
            if code not in stored:
                return f"compte {code} : présent dans le journal mais absent des comptes"
        for account in accounts:
            seq, head = self.heads.get(account.code, (0, GENESIS_HASH))
            if (account.seq, account.head_hash) != (seq, head):
                return (
                    f"compte {account.code} : tête de chaîne incohérente, n° {account.seq} enregistré, "
                    f"n° {seq} recalculé"
                )
            if account.balance != self.balances.get(account.code, 0):
                return (
                    f"compte {account.code} : solde {account.balance} enregistré, "
                    f"{self.balances.get(account.code, 0)} d’après le journal"
                )
            if account.reserved != reserved.get(account.code, 0):
                return f"compte {account.code} : réservé {account.reserved}, {reserved.get(account.code, 0)} attendu"
            if not account.is_source and account.balance - account.reserved < 0:
                return f"compte {account.code} : solde disponible négatif"
        return None
