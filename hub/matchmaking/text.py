"""TF-IDF vectors of project texts, to find projects that talk about the same things."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

# Short French and English function words (accents folded, as the tokenizer sees them); texts mix both languages.
_STOPWORDS_TEXT = """
    about above after again against all also and any are because been before being below between both but can could
    did does doing down during each few for from further had has have having her here hers him his how however
    including into its itself just more most new not now off once only other our ours out over own same she should
    some such than that the their them then there these they this those through too under until use used using very
    was were what when where which while who whom why will with within would you your aim aims well help may one two
    three project projects
    les des une est dans pour par sur avec son ses aux ces cette qui que quoi dont mais donc car leur leurs nous vous
    ils elles elle sont ont ete etre fait faire plus moins comme tout tous toute toutes entre sans sous chez
    afin ainsi aussi cela celui celle ceux non pas peu deux trois projet projets
    """
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[a-z][a-z0-9]+")
_NON_WORD = re.compile(r"[\W_]+")


def tokenize(text: str) -> list[str]:
    """Words of a text, lower-cased and without accents, minus function words, plus adjacent word pairs."""
    # split on punctuation first: folding "l’hôpital" to ASCII would otherwise glue it into "lhopital"
    spaced = _NON_WORD.sub(" ", text.lower())
    folded = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _WORD.findall(folded) if len(w) > 2 and w not in _STOPWORDS]
    # word pairs catch multi-word terms ("rare diseases", "maladies chroniques") that single words blur
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


def tfidf_matrix(texts: Sequence[str], *, max_df: float = 0.5) -> sparse.csr_matrix:
    """TF-IDF matrix (one row per text, sublinear term frequency, smoothed idf) whose row products are cosines.

    Once there are at least ten texts, terms present in more than ``max_df`` of them are dropped: they say little
    about topic and make every similarity query touch every project. Terms found in one text only count in its
    norm but are not stored: they cannot make two projects alike, and on a large catalogue they are most of the
    vocabulary (so rows may have a norm below 1 while products stay exact cosines).
    """
    docs = [Counter(tokenize(t)) for t in texts]
    n_docs = len(docs)
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    high = max_df * n_docs if n_docs >= 10 else float(n_docs)
    vocabulary = {term: j for j, term in enumerate(sorted(t for t, n in df.items() if 2 <= n <= high))}
    idf = {t: math.log((1.0 + n_docs) / (1.0 + n)) + 1.0 for t, n in df.items() if n <= high}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for i, doc in enumerate(docs):
        weights = {term: (1.0 + math.log(count)) * idf[term] for term, count in doc.items() if term in idf}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        for term, weight in weights.items():
            j = vocabulary.get(term)
            if j is not None:
                rows.append(i)
                cols.append(j)
                values.append(weight / norm)
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), (rows, cols)), shape=(n_docs, len(vocabulary)), dtype=np.float64
    )
