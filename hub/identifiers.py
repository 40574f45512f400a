"""Legal identifiers of French organisations (SIREN, SIRET, FINESS, RNA, RNSR, ROR), checked when typed in a form.

Each `normalise_<kind>` strips the spaces, dots and dashes people type, checks the format and the
check key, and returns the canonical form, or raises `IdentifierError` with a French message that
can be shown next to the form field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = [
    "NORMALISERS",
    "IdentifierError",
    "check_identifiers",
    "luhn_is_valid",
    "normalise_finess",
    "normalise_rna",
    "normalise_rnsr",
    "normalise_ror",
    "normalise_siren",
    "normalise_siret",
]


class IdentifierError(ValueError):
    """An identifier is malformed or its check key is wrong; the message is French and safe to show."""


# Spaces (including the no-break ones spreadsheets and word processors insert), dots and dashes
# are only presentation: "732 829 320", "732.829.320" and "732-829-320" are the same SIREN.
_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f\u2010-\u2015]+")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) check used by SIREN, SIRET and FINESS."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalise_siren(value: str) -> str:
    """The 9-digit SIREN of a legal unit (INSEE), Luhn-checked."""
    siren = _compact(value)
    if not (len(siren) == 9 and siren.isascii() and siren.isdigit()):
        raise IdentifierError("Le SIREN doit comporter 9 chiffres.")
    if not luhn_is_valid(siren):
        raise IdentifierError("Le SIREN est invalide : la clé de contrôle (Luhn) ne correspond pas.")
    return siren


# La Poste put all its offices under one SIREN in 2010; there are more of them than the Luhn key
# can number, so INSEE checks those SIRETs by "sum of the 14 digits is a multiple of 5" instead.
# Its head office (35600000000048) was numbered before that and passes Luhn, so both rules are accepted.
_LA_POSTE_SIREN = "356000000"


def normalise_siret(value: str) -> str:
    """The 14-digit SIRET of an establishment (SIREN + NIC), Luhn-checked, with La Poste's own rule."""
    siret = _compact(value)
    if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
        raise IdentifierError("Le SIRET doit comporter 14 chiffres.")
    if luhn_is_valid(siret):
        return siret
    if siret.startswith(_LA_POSTE_SIREN) and sum(int(char) for char in siret) % 5 == 0:
        return siret
    raise IdentifierError("Le SIRET est invalide : la clé de contrôle (Luhn) ne correspond pas.")


# FINESS numbers start with the département (01-95, 2A/2B for Corsica) or 97/98 for overseas
# (e.g. 9701… Guadeloupe, 9704… La Réunion, 9805… Mayotte), then 6 digits and a check digit.
_FINESS = re.compile(r"(?:0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|9[78])\d{7}")

# No official description of the FINESS key was found; the rule below was inferred from, and
# holds on, every real number we have: Luhn over the 9 characters, with Corsica's "2A" read as
# "21" and "2B" as "22" (5,368/5,368 FINESS ET of the Eurostat 2020 extract, 33 of them Corsican,
# and 367/367 CHR/CHU sites). Any other replacement of A/B fails on the Corsican numbers.
_FINESS_CORSICA = str.maketrans({"A": "1", "B": "2"})


def normalise_finess(value: str) -> str:
    """The 9-character FINESS number of a health or social-care body (juridical or establishment)."""
    finess = _compact(value)
    if not (len(finess) == 9 and finess.isascii() and finess.isalnum()):
        raise IdentifierError(
            "Le numéro FINESS doit comporter 9 caractères : le code du département "
            "(2A ou 2B pour la Corse) puis des chiffres."
        )
    if not _FINESS.fullmatch(finess):
        raise IdentifierError(
            "Le numéro FINESS est invalide : il doit commencer par un code de département "
            "(01 à 95, 2A, 2B, 97 ou 98) suivi de 7 chiffres."
        )
    if not luhn_is_valid(finess.translate(_FINESS_CORSICA)):
        raise IdentifierError("Le numéro FINESS est invalide : la clé de contrôle ne correspond pas.")
    return finess


# RNA numbers are "W" + the 3-character code of the registering prefecture + 6 digits. The code
# is usually 3 digits (W751234567, Paris) but carries a letter for Corsica and some overseas
# prefectures (W2A…, W9R…), so the second character of the code may be a letter. There is no
# check key. Pre-2009 numbers (prefecture file numbers) are not accepted: they are not unique.
_RNA = re.compile(r"W\d[\dA-Z]\d{7}")


def normalise_rna(value: str) -> str:
    """The RNA number of an association (Répertoire national des associations), e.g. W751234567."""
    rna = _compact(value)
    if not _RNA.fullmatch(rna):
        raise IdentifierError("Le numéro RNA doit commencer par W suivi de 9 caractères, par exemple W751234567.")
    return rna


# The RNSR letter is the same key as the school UAI code: the 9-digit number modulo 23, read in
# the alphabet without I, O and Q. It holds on all 717 distinct RNSR ids of the i-Lab dataset.
_RNSR_KEY_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_RNSR = re.compile(r"\d{9}[A-Z]")


def normalise_rnsr(value: str) -> str:
    """The RNSR id of a French research structure (9 digits and a check letter), e.g. 199015671G."""
    rnsr = _compact(value)
    if not _RNSR.fullmatch(rnsr):
        raise IdentifierError("Le numéro RNSR doit comporter 9 chiffres suivis d’une lettre, par exemple 199015671G.")
    if _RNSR_KEY_LETTERS[int(rnsr[:9]) % 23] != rnsr[9]:
        raise IdentifierError("Le numéro RNSR est invalide : la lettre de contrôle ne correspond pas.")
    return rnsr


_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/", re.IGNORECASE)
_ROR = re.compile(r"0[0-9a-hjkmnp-tv-z]{6}\d{2}")


def normalise_ror(value: str) -> str:
    """The 9-character ROR id of a research organisation (Research Organization Registry), URL accepted."""
    # A URL carries dots and slashes that are not separators, so it is cut before compacting.
    ror = _ROR_URL_PREFIX.sub("", value.strip()).rstrip("/")
    ror = _SEPARATORS.sub("", ror).lower()
    if not _ROR.fullmatch(ror):
        raise IdentifierError(
            "L’identifiant ROR doit comporter 9 caractères (un 0, 6 lettres ou chiffres, puis 2 chiffres), "
            "par exemple 02feahw73 ou https://ror.org/02feahw73."
        )
    # ISO/IEC 7064 MOD 97-10 over the Crockford base-32 value of the first 7 characters.
    number = 0
    for char in ror[:7]:
        number = number * 32 + _CROCKFORD.index(char)
    if 98 - (number * 100) % 97 != int(ror[7:]):
        raise IdentifierError("L’identifiant ROR est invalide : les deux chiffres de contrôle ne correspondent pas.")
    return ror


NORMALISERS: Mapping[str, Callable[[str], str]] = {
    "siren": normalise_siren,
    "siret": normalise_siret,
    "finess": normalise_finess,
    "rna": normalise_rna,
    "rnsr": normalise_rnsr,
    "ror": normalise_ror,
}


def check_identifiers(mapping: Mapping[str, str | None], *, kinds: Mapping[str, str] | None = None) -> dict[str, str]:
    """The French error of each filled-in identifier field that is invalid (empty fields are skipped).

    A field is checked as the identifier kind of the same name ("siren", "siret", "finess", "rna",
    "rnsr", "ror"), or as `kinds[field]` when a form names its fields otherwise; other fields are
    ignored. A valid SIRET that does not start with the valid SIREN given alongside is an error too.
    """
    unknown = set((kinds or {}).values()) - set(NORMALISERS)
    if unknown:
        raise ValueError(f"unknown identifier kinds: {sorted(unknown)}")
    kind_of = {kind: kind for kind in NORMALISERS} | dict(kinds or {})
    errors: dict[str, str] = {}
    canonical: dict[str, tuple[str, str]] = {}
    for field, value in mapping.items():
        kind = kind_of.get(field)
        if kind is None or value is None or not value.strip():
            continue
        try:
            canonical[kind] = (field, NORMALISERS[kind](value))
        except IdentifierError as error:
            errors[field] = str(error)
    if "siren" in canonical and "siret" in canonical:
        (_, siren), (siret_field, siret) = canonical["siren"], canonical["siret"]
        if not siret.startswith(siren):
            errors[siret_field] = "Le SIRET ne correspond pas au SIREN indiqué : ses 9 premiers chiffres diffèrent."
    return errors
