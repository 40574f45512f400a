"""Duplicate probability of a pair of projects from its features, and the reasons shown to people."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hub.dedup.features import FEATURE_NAMES

FloatArray = npt.NDArray[np.float64]

# Logistic model: P(duplicate) = 1 / (1 + exp(-(INTERCEPT + sum(WEIGHTS[f] * feature f)))).
#
# The text, region and margin weights were FITTED OFFLINE on the i-Lab laureates (open data of the
# French innovation contest, 3,923 records): the candidate pairs from blocking whose label is known,
# i.e. both records have a SIREN; same SIREN = duplicate (403 pairs), different SIREN = not (7,809).
# Pairs with a record lacking a SIREN were left out, as many of them are unlabelled duplicates.
# L2-regularised (lambda = 1) logistic regression by Newton's method, numpy only; refit and print
# with `python -m bench.dedup --fit`, which also reports a 5-fold cross-validated F1.
# Abt-Buy (English products) was never used for fitting: its figures are a held-out check. Its
# errors were looked at when designing the product-code features, whose weights stay round priors
# (larger code weights score better on Abt-Buy; they were deliberately not tuned on it).
#
# The i-Lab data has no carrier, identifier, partner or sector, and almost no model codes, so those
# weights could not be fitted: they are PRIORS set by hand (a shared SIRET or grant number is
# near-proof; the same carrier or the same uncommon product code is strong evidence; two different
# codes suggest two versions of a product; partners and sectors are weak hints). Revisit them once
# the hub has real confirmed duplicates.
INTERCEPT = -8.618
WEIGHTS: dict[str, float] = {
    "title_cosine": 1.837,
    "text_cosine": 4.457,
    "summary_cosine": 2.967,
    "title_fuzz": 0.909,
    "rare_shared": 4.686,
    "region": 2.032,
    "one_summary_missing": -0.893,
    "one_title_missing": -0.002,
    "margin": 5.722,
    # priors, not fitted (see above)
    "code_shared": 3.0,
    "code_conflict": -3.0,
    "organisation": 2.5,
    "identifier": 6.0,
    "partners": 1.5,
    "sectors": 0.5,
}

_WEIGHT_VECTOR = np.array([WEIGHTS[name] for name in FEATURE_NAMES], dtype=np.float64)
_COLUMN = {name: k for k, name in enumerate(FEATURE_NAMES)}


def probabilities(features: FloatArray) -> FloatArray:
    """Calibrated probability that each pair (one row of FEATURE_NAMES) is a duplicate."""
    logits = INTERCEPT + features @ _WEIGHT_VECTOR
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))


def reasons(row: FloatArray, shared_codes: list[str], shared_rare: str | None) -> tuple[str, ...]:
    """Plain-French reasons for one pair, strongest first, from its features and shared words."""
    f = {name: float(row[k]) for name, k in _COLUMN.items()}
    out: list[str] = []
    if f["identifier"] > 0:
        out.append("même identifiant")
    if f["organisation"] > 0:
        out.append("même porteur")
    if f["title_cosine"] >= 0.8 or f["title_fuzz"] >= 0.95:
        out.append("titre très proche")
    elif f["title_cosine"] >= 0.4 or f["title_fuzz"] >= 0.75:
        out.append("titre proche")
    if f["summary_cosine"] >= 0.6:
        out.append("résumés très proches")
    elif f["summary_cosine"] >= 0.3:
        out.append("résumés proches")
    elif f["text_cosine"] >= 0.4:
        out.append("descriptions proches")
    if shared_codes:
        out.append("même référence ou numéro : " + ", ".join(shared_codes[:3]))
    if shared_rare:
        out.append(f"mot peu courant en commun : « {shared_rare} »")
    if f["partners"] > 0:
        out.append("partenaires en commun")
    if f["sectors"] >= 0.5:
        out.append("mêmes secteurs")
    if f["region"] > 0:
        out.append("même région")
    return tuple(out)
