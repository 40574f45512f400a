"""Where the embedded index lives: a small pointer file naming the current data file, swapped atomically.

A rebuild writes a complete new SQLite file under a fresh name, then replaces the pointer with os.replace.
Readers (threads or other processes) check the pointer before each call and reopen when it names another
file, so they see the old index or the new one, never a half-built one. Renaming SQLite files themselves is
unsafe under WAL (the -wal and -shm files would not follow together), which is why only the pointer moves.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

_SQLITE_MAGIC = b"SQLite format 3\x00"


def pointer_state(pointer: Path) -> tuple[int, int, int] | None:
    """A cheap fingerprint of the pointer file (inode, mtime, size) to notice a swap; None when absent."""
    try:
        st = pointer.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_pointer(pointer: Path) -> Path | None:
    """The data file the pointer names, or None (no pointer yet, or a pre-pointer index file to replace)."""
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        return None
    if raw.startswith(_SQLITE_MAGIC) or not raw.strip():
        return None
    name = raw.decode("utf-8").strip()
    if "/" in name or "\\" in name or name.startswith("."):
        return None  # the pointer names a sibling file only
    return pointer.with_name(name)


def new_data_file(pointer: Path) -> Path:
    """A fresh, unused data file name beside the pointer (unique across processes)."""
    return pointer.with_name(f"{pointer.name}.{uuid.uuid4().hex[:12]}.db")


def publish(pointer: Path, data_file: Path) -> None:
    """Point readers at a complete data file, atomically (write a temporary pointer, then rename it)."""
    tmp = pointer.with_name(f"{pointer.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(data_file.name + "\n", encoding="utf-8")
    os.replace(tmp, pointer)


def remove_data_file(data_file: Path) -> None:
    """Delete a data file that no pointer names any more, with its WAL companions (open handles keep working)."""
    for path in (data_file, Path(f"{data_file}-wal"), Path(f"{data_file}-shm")):
        path.unlink(missing_ok=True)
