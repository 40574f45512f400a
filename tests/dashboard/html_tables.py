"""Reading the tables of a page as lists of cell texts (what a screen reader or a copy-paste would get)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.captions: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "caption" and self._table:
            self._caption = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None and self._table:
            self.captions[self._table] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def tables_of(html: str) -> tuple[dict[str, list[list[str]]], dict[str, str]]:
    """Every table of the page by id (header row first), and their captions."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables, parser.captions


def plain_number(text: str) -> str:
    """A number as the page shows it ("1 362" with a narrow no-break space) written plainly ("1362")."""
    return text.replace("\u202f", "").replace("\xa0", "")
