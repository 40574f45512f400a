"""Checkpoints of the journal: every account's chain head at one moment, sealed by one digest; pure, no database.

The chains have no key and their heads live in the same database: whoever can write it can rewrite an entry and
recompute every hash after it, and the replay still passes. A checkpoint kept outside the database (published as a
download, saved by anyone) pins each account's head at the time it was taken: as long as each pinned entry still has
the same hash, and the chain leading to it still holds, nothing up to it was rewritten.

Accounts are named by their ledger id (`ledger_entry.account_id`), never by their code: a code carries the holder's
pseudonym, which the public registers do not show for a holder who chose to appear by name.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

FORMAT = "lab-esante-ledger-checkpoint/1"
DESCRIPTION = (
    "Point de contrôle du registre de la banque d’heures d’innovation : pour chaque compte du registre, le numéro "
    "et l’empreinte de sa dernière écriture. Conservez ce fichier : il permettra à quiconque de vérifier que le "
    "registre n’a pas été réécrit (commande `hub ledger verify --checkpoint FICHIER`)."
)
_HASH = re.compile(r"[0-9a-f]{64}")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used (not JSON, wrong shape, or altered); the message is in French."""


@dataclass(frozen=True, slots=True)
class Head:
    """The last entry of one account at the checkpoint: the account's ledger id, its place in the chain, its hash."""

    account: int
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Every account's chain head at `taken_at`, sorted by account, and the journal's number of entries."""

    taken_at: datetime
    entry_count: int
    heads: tuple[Head, ...]

    @property
    def digest(self) -> str:
        """One SHA-256 over all the heads: what to note down or publish elsewhere to pin the whole file."""
        return heads_digest(self.heads)

    def as_json(self) -> dict[str, Any]:
        """The published form (the digest covers `accounts` only; the other fields describe it)."""
        return {
            "format": FORMAT,
            "description": DESCRIPTION,
            "taken_at": self.taken_at.isoformat(),
            "entry_count": self.entry_count,
            "account_count": len(self.heads),
            "digest": self.digest,
            "accounts": [{"account": h.account, "seq": h.seq, "hash": h.hash} for h in self.heads],
        }


def heads_digest(heads: tuple[Head, ...] | list[Head]) -> str:
    """SHA-256 of the canonical JSON of the heads sorted by account: compact ASCII JSON with sorted keys, e.g.
    `[{"account":1,"hash":"…","seq":4},…]` (json.dumps with sort_keys=True, separators=(",", ":"))."""
    items = [{"account": h.account, "seq": h.seq, "hash": h.hash} for h in sorted(heads, key=lambda h: h.account)]
    canonical = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def parse_checkpoint(text: str) -> Checkpoint:
    """A saved checkpoint, checked whole (shape, types, one head per account, digest); CheckpointError otherwise."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"le fichier n’est pas du JSON valide (ligne {exc.lineno}, colonne {exc.colno})") from exc
    if not isinstance(data, dict):
        raise CheckpointError("le fichier ne contient pas un point de contrôle (objet JSON attendu)")
    if data.get("format") != FORMAT:
        raise CheckpointError(f"format inconnu {str(data.get('format'))[:60]!r} ({FORMAT!r} attendu)")
    taken_at = data.get("taken_at")
    try:
        moment = datetime.fromisoformat(taken_at) if isinstance(taken_at, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise CheckpointError("champ taken_at absent ou invalide (date ISO 8601 avec fuseau attendue)")
    entry_count = data.get("entry_count")
    if not _whole(entry_count, minimum=0):
        raise CheckpointError("champ entry_count absent ou invalide (entier positif ou nul attendu)")
    accounts = data.get("accounts")
    if not isinstance(accounts, list):
        raise CheckpointError("champ accounts absent ou invalide (liste attendue)")
    heads: dict[int, Head] = {}
    for position, item in enumerate(accounts, start=1):
        head = _head(item, position)
        if head.account in heads:
            raise CheckpointError(f"accounts, élément {position} : le compte {head.account} figure deux fois")
        heads[head.account] = head
    digest = data.get("digest")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise CheckpointError("champ digest absent ou invalide (64 chiffres hexadécimaux attendus)")
    ordered = tuple(sorted(heads.values(), key=lambda h: h.account))
    if heads_digest(ordered) != digest:
        raise CheckpointError("l’empreinte globale (digest) ne correspond pas aux comptes : le fichier a été modifié")
    return Checkpoint(taken_at=moment, entry_count=entry_count, heads=ordered)


def _whole(value: object, *, minimum: int) -> TypeGuard[int]:
    return type(value) is int and value >= minimum


def _head(item: object, position: int) -> Head:
    where = f"accounts, élément {position}"
    if not isinstance(item, dict):
        raise CheckpointError(f"{where} : objet attendu")
    account, seq, digest = item.get("account"), item.get("seq"), item.get("hash")
    if not _whole(account, minimum=1):
        raise CheckpointError(f"{where} : account invalide (identifiant entier attendu)")
    if not _whole(seq, minimum=1):
        raise CheckpointError(f"{where} : seq invalide (numéro entier à partir de 1 attendu)")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise CheckpointError(f"{where} : hash invalide (64 chiffres hexadécimaux attendus)")
    return Head(account=account, seq=seq, hash=digest)


@dataclass
class CheckpointAudit:
    """Compares the journal, fed in id order, with a saved checkpoint: the first pinned entry whose hash changed,
    then the pinned entries that are gone. `names` gives each account's code for the messages."""

    checkpoint: Checkpoint
    names: dict[int, str] = field(default_factory=dict)
    _pinned: dict[tuple[int, int], str] = field(init=False)
    _seen: set[tuple[int, int]] = field(init=False, default_factory=set)
    problem: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._pinned = {(h.account, h.seq): h.hash for h in self.checkpoint.heads}

    def feed(self, entry_id: int, account: int, seq: int, digest: str) -> None:
        """Look at one journal entry (only those the checkpoint pins matter)."""
        pinned = self._pinned.get((account, seq))
        if pinned is None:
            return
        self._seen.add((account, seq))
        if pinned != digest and self.problem is None:
            self.problem = (
                f"écriture n° {entry_id} : compte {self._name(account)}, n° {seq} : empreinte différente de celle du "
                f"point de contrôle du {self._when()} : l’historique de ce compte a été réécrit"
            )

    def finish(self) -> str | None:
        """The first difference found, else the first pinned entry missing from the journal, else None."""
        if self.problem is not None:
            return self.problem
        for head in self.checkpoint.heads:
            if (head.account, head.seq) not in self._seen:
                return (
                    f"compte {self._name(head.account)} : écriture n° {head.seq} de ce compte absente du journal, "
                    f"présente au point de contrôle du {self._when()} : des écritures ont été supprimées"
                )
        return None

    def _name(self, account: int) -> str:
        return self.names.get(account, f"#{account} (absent des comptes)")

    def _when(self) -> str:
        return self.checkpoint.taken_at.isoformat()
