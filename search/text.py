"""Text folding, tokenising and highlighted snippets shared by the engines (pure functions)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

# Letters and digits only: the same split as SQLite's unicode61 tokenizer, so query and index agree.
TOKEN = re.compile(r"[^\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "Œ": "oe", "Æ": "ae"})

# Function words that only slow matching down and that Meilisearch would rank away anyway.
_STOPWORDS_TEXT = """a au aux avec ce ces d dans de des du en et l la le les leur leurs ou par pour qu que qui sa se
ses son sur un une the of and to in for"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(text: str) -> str:
    """Lower-case and strip accents so that "Télé-Consultation" and "tele consultation" index alike."""
    text = text.lower()
    if text.isascii():
        return text
    if "œ" in text or "æ" in text or "ß" in text:
        text = text.translate(_LIGATURES)
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def tokens(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return TOKEN.findall(fold(text))


def index_text(text: str) -> str:
    """Text as given to SQLite's tokenizer (unicode61 remove_diacritics 2 folds case and accents itself).

    Only the ligatures it leaves alone are spelled out here, the same way fold() does, so query and index agree.
    """
    if text.isascii() or not _LIGATURE_CHARS.search(text):
        return text
    return text.translate(_LIGATURES)


_LIGATURE_CHARS = re.compile("[œæßŒÆ]")


def _accent_variants() -> dict[str, str]:
    """Base letter -> every accented Latin letter folding to it, for accent-insensitive highlighting."""
    variants: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        base = _COMBINING.sub("", unicodedata.normalize("NFKD", chr(code)))
        if len(base) == 1 and base != chr(code):
            variants[base.lower()] = variants.get(base.lower(), "") + chr(code)
    return variants


_VARIANTS = _accent_variants()


def _letter_pattern(char: str) -> str:
    extra = _VARIANTS.get(char)
    return f"[{re.escape(char)}{extra}]" if extra else re.escape(char)


class Highlighter:
    """Marks the words of one query in texts: one case- and accent-insensitive regex run on the original text."""

    def __init__(self, terms: Iterable[str], prefixes: Iterable[str] = ()) -> None:
        parts = ["".join(map(_letter_pattern, t)) for t in sorted(set(terms), key=len, reverse=True) if t]
        parts += ["".join(map(_letter_pattern, p)) + r"[^\W_]*" for p in prefixes if p]
        self._pattern = (
            re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + r")(?![^\W_])", re.IGNORECASE) if parts else None
        )

    def _matches(self, text: str) -> list[tuple[int, int]]:
        if self._pattern is None or not text:
            return []
        return [m.span() for m in self._pattern.finditer(text)]

    def matches(self, text: str) -> bool:
        """Whether any query word occurs in the text."""
        return self._pattern is not None and bool(text) and self._pattern.search(text) is not None

    def html(self, text: str, max_chars: int = 0) -> str:
        """Escaped HTML with <mark> around matches; with max_chars, a window around the first match."""
        spans = self._matches(text)
        start, end, lead, tail = 0, len(text), "", ""
        if max_chars and len(text) > max_chars:
            first = spans[0][0] if spans else 0
            start = max(0, min(first - max_chars // 4, len(text) - max_chars))
            if start:
                boundary = TOKEN.search(text, start)
                start = boundary.start() if boundary and boundary.start() <= first else start
            end = min(len(text), start + max_chars)
            if end < len(text):
                cut = text.rfind(" ", start, end)
                end = cut if cut > max(first, start) else end
            lead, tail = ("…" if start else ""), ("…" if end < len(text) else "")
        out, pos = [lead], start
        for s, e in spans:
            if s >= start and e <= end:
                out += [html.escape(text[pos:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
                pos = e
        out += [html.escape(text[pos:end]), tail]
        return "".join(out)


def highlight(text: str, terms: Iterable[str], prefixes: Iterable[str] = (), max_chars: int = 0) -> str:
    """HTML-escape a text and wrap the query's words in <mark> (see Highlighter)."""
    return Highlighter(terms, prefixes).html(text, max_chars)
