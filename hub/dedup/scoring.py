"""Duplicate probability of a pair of projects from its features, and the reasons shown to people."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hub.dedup.features import FEATURE_NAMES

FloatArray = npt.NDArray[np.float64]

# First stage, logistic: log-odds of a duplicate = INTERCEPT + sum(WEIGHTS[f] * feature f).
#
# The text, region, margin and unique-word weights were FITTED OFFLINE on the i-Lab laureates (open
# data of the French innovation contest, 3,923 records): the candidate pairs from blocking whose label is known,
# i.e. both records have a SIREN; same SIREN = duplicate (402 pairs), different SIREN = not (7,744).
# Pairs with a record lacking a SIREN were left out, as many of them are unlabelled duplicates.
# L2-regularised (lambda = 1) logistic regression by Newton's method, numpy only, the priors below
# entering as a fixed offset; refit and print
# with `python -m bench.dedup --fit`, which also reports a 5-fold cross-validated F1.
# Abt-Buy (English products) was never used for fitting: its figures are a held-out check. Its
# errors were looked at when designing the product-code features (and the code variants of
# normalise.py: colour suffixes, hyphens), whose weights stay round priors
# (larger code weights score better on Abt-Buy; they were deliberately not tuned on it).
#
# The i-Lab data has no carrier, identifier, partner or sector, and almost no model codes, so those
# weights could not be fitted: they are PRIORS set by hand (a shared SIRET or grant number is
# near-proof; the same carrier or the same uncommon product code is strong evidence; two different
# codes suggest two versions of a product; partners and sectors are weak hints). Revisit them once
# the hub has real confirmed duplicates.
INTERCEPT = -7.162
WEIGHTS: dict[str, float] = {
    "title_cosine": 1.943,
    "text_cosine": 3.975,
    "summary_cosine": 2.459,
    "title_fuzz": 0.980,
    "rare_shared": 2.269,
    "region": 2.077,
    "one_summary_missing": -0.934,
    "one_title_missing": -0.001,
    "margin": 5.139,
    "unique_shared": 1.671,
    # priors, not fitted (see above)
    "code_shared": 3.0,
    "code_conflict": -3.0,
    "organisation": 2.5,
    "identifier": 6.0,
    "partners": 1.5,
    "sectors": 0.5,
}

# Second stage: a record rarely has two duplicates, so a pair scores lower when either record has a
# better-scored pair elsewhere. P = 1 / (1 + exp(-(intercept + logit * first-stage logit + margin *
# score margin))), where the score margin is the pair's first-stage probability minus the best one
# either record has with any other candidate. FITTED on i-Lab like the first stage (same pairs, same
# command); its 5-fold cross-validated figures refit both stages on each fold.
SECOND_STAGE: dict[str, float] = {
    "intercept": -0.796,
    "logit": 0.722,
    "score_margin": 3.133,
}

_WEIGHT_VECTOR = np.array([WEIGHTS[name] for name in FEATURE_NAMES], dtype=np.float64)
_COLUMN = {name: k for k, name in enumerate(FEATURE_NAMES)}
LOGIT_LIMIT = 30.0  # logits are clipped: beyond, the probability is 0 or 1 to 13 decimals


def first_logits(features: FloatArray) -> FloatArray:
    """First-stage log-odds that each pair (one row of FEATURE_NAMES) is a duplicate, from its features alone."""
    return np.clip(INTERCEPT + features @ _WEIGHT_VECTOR, -LOGIT_LIMIT, LOGIT_LIMIT)


def sigmoid(logits: FloatArray) -> FloatArray:
    """Probabilities from log-odds."""
    return 1.0 / (1.0 + np.exp(-logits))


def probabilities(logits: FloatArray, score_margins: FloatArray) -> FloatArray:
    """Calibrated probability that each pair is a duplicate, from its first-stage logit and score margin."""
    second = SECOND_STAGE["intercept"] + SECOND_STAGE["logit"] * logits + SECOND_STAGE["score_margin"] * score_margins
    return sigmoid(np.clip(second, -LOGIT_LIMIT, LOGIT_LIMIT))


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
