"""The dashboard's figures as plain tables: the one source of each chart, its HTML table and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["text", "count", "minutes"]
Cell = str | int


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a figure: `count` and `minutes` hold integers, `text` holds labels."""

    key: str
    label: str
    kind: ColumnKind = "count"


@dataclass(frozen=True, slots=True)
class Figure:
    """One chart of the dashboard and exactly the figures it draws.

    `label_column` names each row in the chart; `series` are the columns drawn (as bars side by
    side or as lines); the HTML table and the CSV export hold every column of `rows`.
    """

    slug: str
    title: str
    description: str
    chart: Literal["bars", "lines"]
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    series: tuple[int, ...]
    label_column: int
    unit: tuple[str, str] = ("", "")  # singular, plural: "projet", "projets"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def total(self, column: int) -> int:
        """The sum of an integer column."""
        return sum(int(row[column]) for row in self.rows)


def hours_text(minutes: int) -> str:
    """Minutes as hours and minutes ("12 h 05"), exact: time is never a float here."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} h {rest:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months: list[str] = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def csv_lines(figure: Figure) -> Iterator[str]:
    """The figure's table as CSV (RFC 4180, comma, UTF-8): the header row of column labels, then the rows."""
    yield from _csv([tuple(c.label for c in figure.columns), *figure.rows])


def _csv(rows: Iterable[tuple[Cell, ...]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
