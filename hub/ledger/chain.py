"""The journal's hash chain and its audit: pure, streaming, no database (works on plain records)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """One journal entry as plain data; `account` is the pseudonymous account code."""

    id: int
    transfer_id: int
    account: str
    phase: str
    delta: int
    created_at: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AccountState:
    """A stored balance as plain data."""

    code: str
    is_source: bool
    balance: int
    reserved: int


@dataclass(frozen=True, slots=True)
class TransferState:
    """A stored transfer as plain data."""

    id: int
    status: str
    amount: int
    debit: str
    credit: str


def entry_hash(
    *, entry_id: int, transfer_id: int, account: str, phase: str, delta: int, created_at: str, prev_hash: str
) -> str:
    """SHA-256 of the canonical serialisation of an entry chained to the previous hash.

    The serialisation is the compact JSON array [id, transfer, account, phase, delta, created_at, prev_hash]
    (json.dumps with separators (",", ":"), ASCII); it is assembled by hand because verify runs it a million times.
    """
    canonical = (
        f"[{int(entry_id)},{int(transfer_id)},{_quoted(account)},{_quoted(phase)},{int(delta)},"
        f"{_quoted(created_at)},{_quoted(prev_hash)}]"
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@functools.lru_cache(maxsize=65536)
def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)


@dataclass
class Auditor:
    """Feeds on entries in journal order, then compares what they imply with the stored state."""

    last_id: int = 0
    last_hash: str = GENESIS_HASH
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    phases: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    group: tuple[int, str] | None = None
    group_sum: int = 0
    group_first: int = 0
    sources: frozenset[str] = frozenset()
    problem: str | None = None

    def feed(self, entry: EntryRecord) -> str | None:
        """Check one entry (link, hash, zero-sum groups, no negative balance); returns the first problem found."""
        if self.problem is not None:
            return self.problem
        expected = entry_hash(
            entry_id=entry.id,
            transfer_id=entry.transfer_id,
            account=entry.account,
            phase=entry.phase,
            delta=entry.delta,
            created_at=entry.created_at,
            prev_hash=entry.prev_hash,
        )
        if entry.id != self.last_id + 1:
            return self._fail(entry, f"numérotation rompue (attendu {self.last_id + 1})")
        if entry.prev_hash != self.last_hash:
            return self._fail(entry, "chaînage rompu : l’empreinte précédente ne correspond pas")
        if entry.hash != expected:
            return self._fail(entry, "empreinte invalide : l’écriture a été modifiée")
        key = (entry.transfer_id, entry.phase)
        if key != self.group:
            if self._close_group() is not None:
                return self.problem
            self.group, self.group_first = key, entry.id
        self.group_sum += entry.delta
        self.phases[entry.transfer_id].add(entry.phase)
        if entry.phase == "post":
            self.balances[entry.account] += entry.delta
            if entry.account not in self.sources and self.balances[entry.account] < 0:
                return self._fail(entry, f"solde négatif sur le compte {entry.account}")
        self.last_id, self.last_hash = entry.id, entry.hash
        return None

    def _close_group(self) -> str | None:
        if self.group is not None and self.group_sum != 0:
            self.problem = f"écriture n° {self.group_first} : la somme du virement {self.group[0]} n’est pas nulle"
        self.group_sum = 0
        return self.problem

    def _fail(self, entry: EntryRecord, reason: str) -> str:
        self.problem = f"écriture n° {entry.id} : {reason}"
        return self.problem

    def finish(
        self, accounts: list[AccountState], transfers: list[TransferState], head_id: int, head_hash: str
    ) -> str | None:
        """Compare the recomputed balances, reservations and statuses with the stored ones."""
        if self.problem is not None or self._close_group() is not None:
            return self.problem
        if (head_id, head_hash) != (self.last_id, self.last_hash):
            return f"tête de chaîne incohérente : n° {head_id} enregistré, n° {self.last_id} recalculé"
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
        for account in accounts:
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
