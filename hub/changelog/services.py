"""Recording and reading changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from hub.changelog.models import ChangeLogEntry


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [before, after]}."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record_change(
    session: Session,
    *,
    object_type: str,
    object_id: int,
    action: str,
    account_id: int | None,
    changes: Mapping[str, Any],
    note: str = "",
) -> ChangeLogEntry:
    """Add one change-log entry to the current transaction."""
    entry = ChangeLogEntry(
        object_type=object_type,
        object_id=object_id,
        action=action,
        account_id=account_id,
        changes=dict(changes),
        note=note,
    )
    session.add(entry)
    return entry


def list_changes(session: Session, object_type: str, object_id: int) -> Sequence[ChangeLogEntry]:
    """The change history of one object, newest first."""
    statement = (
        select(ChangeLogEntry)
        .where(col(ChangeLogEntry.object_type) == object_type, col(ChangeLogEntry.object_id) == object_id)
        .order_by(col(ChangeLogEntry.created_at).desc(), col(ChangeLogEntry.id).desc())
    )
    return session.exec(statement).all()
