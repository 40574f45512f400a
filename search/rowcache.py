"""A bounded least-recently-used cache of the documents holding a word, so frequent words are read once."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import numpy.typing as npt

RowIds = npt.NDArray[np.int32]


class RowidCache:
    """Rowid arrays keyed by (field, FTS expression), evicted oldest first past `max_rows` rowids in total."""

    def __init__(self, max_rows: int = 8_000_000, max_entries: int = 4_096) -> None:
        self.max_rows = max_rows
        self.max_entries = max_entries
        self._items: OrderedDict[tuple[str, str], RowIds] = OrderedDict()
        self._rows = 0

    def get(self, key: tuple[str, str]) -> RowIds | None:
        """The cached rowids, marked as recently used; None when absent."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: tuple[str, str], rows: RowIds) -> None:
        """Keep rowids (read-only) unless a single entry would take more than a quarter of the budget."""
        if rows.size > self.max_rows // 4:
            return
        rows.flags.writeable = False
        old = self._items.pop(key, None)
        if old is not None:
            self._rows -= old.size
        self._items[key] = rows
        self._rows += rows.size
        while self._rows > self.max_rows or len(self._items) > self.max_entries:
            _, gone = self._items.popitem(last=False)
            self._rows -= gone.size

    def clear(self) -> None:
        """Forget everything (the index changed)."""
        self._items.clear()
        self._rows = 0

    def __len__(self) -> int:
        return len(self._items)
