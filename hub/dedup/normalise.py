"""Text normalisation for duplicate detection: folding, acronyms, stop words, light stemming, strong tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from hub.dedup.vocabulary import ACRONYMS, ORGANISATION_NOISE, STOP_WORDS

# Characters that NFKD does not turn into ASCII: everything non-ASCII left after NFKD is dropped, which
# removes accents in one fast pass, so letters are spelled out and separators made ASCII first
# (else "l’industrie" would become one word, "lindustrie").
_REPLACEMENTS = (
    *(("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("ø", "o"), ("Ø", "O")),
    *(("’", "'"), ("‘", "'"), ("ʼ", "'"), ("«", " "), ("»", " "), ("“", " "), ("”", " ")),
    *(("–", "-"), ("—", " "), ("‑", "-"), ("‐", "-"), ("•", " "), ("·", " "), ("×", " x ")),
)
# A word, possibly glued to others by hyphens or dots ("kdl-52w4100", "intra-corneenne", "4.0"); slashes
# separate lists ("cd/mp3/aac") more often than they glue codes, so they split.
_COMPOUND = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_PARTS = re.compile(r"[a-z0-9]+")
_DIGIT = re.compile(r"[0-9]")
# Excel export debris seen in open data ("MAGELIA_x000D_").
_DEBRIS = "_x000d_"


_REPLACEMENT_OF = dict(_REPLACEMENTS)
_SPECIAL = re.compile("[" + "".join(_REPLACEMENT_OF) + "]")


def _latin1_table() -> tuple[bytes, bytes]:
    """Byte table folding each Latin-1 character to its lower-case ASCII base letter, and bytes to drop."""
    table, drop = bytearray(range(256)), bytearray()
    for code in range(256):
        base = unicodedata.normalize("NFKD", chr(code)).encode("ascii", "ignore").decode("ascii").lower()
        if len(base) == 1:
            table[code] = ord(base)
        elif not base:
            drop.append(code)  # "°", "µ": dropped, as NFKD + ASCII would
        else:
            table[code] = ord(" ")  # "¼"
    return bytes(table), bytes(drop)


_LATIN1_TABLE, _LATIN1_DROP = _latin1_table()
_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]+")


def _ascii_base(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKD", match.group()).encode("ascii", "ignore").decode("ascii")


def fold(text: str) -> str:
    """Lower-case `text` and strip accents and ligatures, keeping punctuation ("Cœur-IA" -> "coeur-ia")."""
    for character in set(_SPECIAL.findall(text)):  # one scan finds which ones occur
        text = text.replace(character, _REPLACEMENT_OF[character])
    # French text is Latin-1: one byte-table pass folds it, several times faster than NFKD. The rare
    # other characters ("ő", "ﬁ") go through NFKD first.
    text = _BEYOND_LATIN1.sub(_ascii_base, text)
    return text.encode("latin-1").translate(_LATIN1_TABLE, _LATIN1_DROP).decode("ascii")


def stem(word: str) -> str:
    """Reduce a folded word to a crude singular ("dispositifs" -> "dispositif", "medicaux" -> "medical").

    A full stemmer would merge too much (organisation/organique); plurals are the variation that
    rewritten project texts show most often.
    """
    if len(word) <= 4 or _DIGIT.search(word):
        return word
    if word.endswith("aux"):
        return word[:-3] + "al"
    if word.endswith(("s", "x")) and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_strong(token: str) -> bool:
    """Tell whether `token` is a number or a model code ("5g", "kdl52w4100", "2024"): rare and exact."""
    return _DIGIT.search(token) is not None


# Ordinals ("3eme", "21st", "100th") hold letters and digits but name no product.
_ORDINAL = re.compile(r"[0-9]+(?:e|er|ere|eme|nd|rd|st|th)")


def is_code(token: str) -> bool:
    """Tell whether `token` looks like a model or product code: letters and digits, 4+ characters ("kdl52w4100")."""
    return (
        len(token) >= 4
        and _DIGIT.search(token) is not None
        and not token.isdigit()
        and _ORDINAL.fullmatch(token) is None
    )


# A model code followed by a short letter suffix, after its last digit: a colour or variant ("bk", "ss", "w").
_VARIANT = re.compile(r"([a-z0-9]*[a-z][a-z0-9]*[0-9])[a-z]{1,3}")


def code_core(token: str) -> str | None:
    """The model code without its variant suffix ("kdl40v4100b" -> "kdl40v4100", "pm1327bk" -> "pm1327"), or None.

    Sellers append colour or packaging letters to one model's code; the core (still a code: 4+
    characters, letters and digits) is what two listings of the same model share.
    """
    match = _VARIANT.fullmatch(token)
    if match is None or len(match.group(1)) < 4:
        return None
    return match.group(1)


def codes_compatible(a: str, b: str) -> bool:
    """Tell whether two model codes may name the same model: equal cores, or one inside the other
    ("tsc14w" in "kxtsc14w", "r1214" in "r1214ss"); "dehp400ub" and "dehp500ub" are two models."""
    a, b = code_core(a) or a, code_core(b) or b
    return a in b or b in a


class _ChunkCache(dict[str, str]):
    """A whitespace-free chunk of folded text ("(bio-informatique,") -> its tokens joined by spaces.

    Texts repeat their chunks a lot, so each distinct chunk is analysed once; looking chunks up and
    joining the answers runs in C, which makes tokenising millions of texts affordable.
    """

    def __missing__(self, chunk: str) -> str:
        out: list[str] = []
        for word in _COMPOUND.findall(chunk):
            parts = _PARTS.findall(word)
            out += [stem(p) for p in parts if p not in STOP_WORDS]
            whole = "".join(parts)
            if len(parts) > 1:
                # The glued form is kept besides its parts, so "KDL52W4100" and "KDL-52W4100" share a token.
                out.append(whole)
            # A code's core is kept besides it, so "KDL40V4100B" (black) and "KDL-40V4100" share a token.
            if _DIGIT.search(whole) is not None and (core := code_core(whole)) is not None:
                out.append(core)
        value = " ".join(_SINGLE_WORD_ACRONYMS.get(t, t) for t in out)
        if len(self) < _CACHE_LIMIT:  # bounded: typos in millions of texts would grow it forever
            self[chunk] = value
        return value


_CACHE_LIMIT = 500_000
_SINGLE_WORD_ACRONYMS: dict[str, str] = {}
_CHUNKS = _ChunkCache()


def _raw_tokens(text: str) -> list[str]:
    return " ".join(map(_CHUNKS.__getitem__, text.split())).split()


def _build_phrases() -> tuple[dict[str, str], dict[str, list[tuple[tuple[str, ...], str]]]]:
    singles: dict[str, str] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for acronym, spellings in ACRONYMS.items():
        for spelling in spellings:
            # Hyphens split here: a phrase is matched on its separate words, never on a glued form.
            words = _raw_tokens(fold(spelling).replace("-", " "))
            if len(words) == 1:
                singles[words[0]] = acronym
            elif len(words) > 1:
                phrases.setdefault(words[0], []).append((tuple(words), acronym))
    for options in phrases.values():
        options.sort(key=lambda option: len(option[0]), reverse=True)  # longest phrase wins
    return singles, phrases


_SINGLES, _PHRASES = _build_phrases()
_SINGLE_WORD_ACRONYMS.update(_SINGLES)
_CHUNKS.clear()  # entries cached before the acronym table was complete
# Separates texts in the joined string; a chunk of its own that maps to itself.
_SEPARATOR = "\x00"
_CHUNKS[_SEPARATOR] = _SEPARATOR
_PHRASE_STARTS = frozenset(_PHRASES)


def _replace_phrases(words: list[str]) -> list[str]:
    # Only the positions of phrase starts are visited (list.index runs in C): most words start nothing.
    hits: list[tuple[int, int, str]] = []
    for first in sorted(_PHRASE_STARTS.intersection(words)):
        at = -1
        while True:
            try:
                at = words.index(first, at + 1)
            except ValueError:
                break
            for phrase, acronym in _PHRASES[first]:
                if tuple(words[at : at + len(phrase)]) == phrase:
                    hits.append((at, len(phrase), acronym))
                    break
    if not hits:
        return words
    out: list[str] = []
    done = 0
    for at, length, acronym in sorted(hits):
        if at >= done:  # overlapping phrases: the first one wins
            out.extend(words[done:at])
            out.append(acronym)
            done = at + length
    out.extend(words[done:])
    return out


def tokens(text: str) -> list[str]:
    """Turn a free text into the content words used for comparison, in reading order."""
    return tokens_many([text])[0]


def tokens_many(texts: Sequence[str]) -> list[list[str]]:
    """Tokenise many texts at once; the regular expressions run over one joined string, which is much faster."""
    if not texts:
        return []
    # The texts are joined around a separator chunk (removed from the texts themselves if present),
    # folded and tokenised at once, then cut back at the separators.
    joined = f" {_SEPARATOR} ".join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        joined = f" {_SEPARATOR} ".join(t.replace(_SEPARATOR, " ") for t in texts)
    folded = fold(joined).replace(_DEBRIS, " ")
    flat = " ".join(map(_CHUNKS.__getitem__, folded.split())).split()
    out: list[list[str]] = []
    start = 0
    index = flat.index
    for _ in range(len(texts) - 1):
        end = index(_SEPARATOR, start)
        out.append(flat[start:end])
        start = end + 1
    out.append(flat[start:])
    for k, words in enumerate(out):
        if not _PHRASE_STARTS.isdisjoint(words):
            out[k] = _replace_phrases(words)
    return out


def normalise_organisation(name: str) -> str:
    """Reduce an organisation name to comparable words ("SAS Valvopulse" -> "valvopulse")."""
    # Dots are dropped, not split on, so "S.A.S." is the legal form "sas".
    return " ".join(w for w in _PARTS.findall(fold(name).replace(".", "")) if w not in ORGANISATION_NOISE)


def normalise_identifiers(values: Iterable[object]) -> frozenset[str]:
    """Reduce identifiers (SIRET, RNSR, grant numbers) to comparable forms, whatever the spacing or label.

    Each value gives its upper-case alphanumerics ("fr-12" -> "FR12") and, when it holds at least nine
    digits (SIREN, SIRET), its digits alone, so "SIRET 123 456 789 00012" meets "12345678900012".
    """
    out = set()
    for value in values:
        compact = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
        if len(compact) >= 3:
            out.add(compact)
        digits = re.sub(r"[^0-9]", "", compact)
        if len(digits) >= 9:
            out.add(digits)
    return frozenset(out)
