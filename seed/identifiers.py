"""French identifiers in open data: SIREN/SIRET check digits, FINESS numbers, postcode → département."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")
# La Poste's establishments share one SIREN whose SIRETs follow a different check rule.
_LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    """True when a digit string passes the Luhn check used by SIREN and SIRET."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _only_digits(raw: str | None) -> str:
    return "".join(_DIGITS.findall(raw or ""))


def clean_siren(raw: str | None) -> str | None:
    """A valid 9-digit SIREN, or None; spreadsheets drop leading zeros, so 8 digits are padded first."""
    digits = _only_digits(raw)
    if len(digits) == 8:
        digits = "0" + digits
    return digits if len(digits) == 9 and luhn_ok(digits) else None


def clean_siret(raw: str | None) -> str | None:
    """A valid 14-digit SIRET, or None (13 digits are padded, as for SIREN)."""
    digits = _only_digits(raw)
    if len(digits) == 13:
        digits = "0" + digits
    if len(digits) != 14:
        return None
    if digits.startswith(_LA_POSTE_SIREN):
        return digits if sum(int(c) for c in digits) % 5 == 0 else None
    return digits if luhn_ok(digits) else None


def normalise_finess(raw: str) -> str | None:
    """A 9-character FINESS number; numeric exports lose the leading zero of départements 01-09."""
    value = raw.strip().upper()
    if value.isdigit() and len(value) == 8:
        value = "0" + value
    if len(value) == 9 and (value.isdigit() or value[:2] in {"2A", "2B"}):
        return value
    return None


def departement_from_postcode(postcode: str | None) -> str | None:
    """INSEE département code of a French postcode (Corsica split into 2A/2B, overseas on 3 digits)."""
    code = (postcode or "").strip()
    if len(code) != 5 or not code.isdigit():
        return None
    if code.startswith(("97", "98")):
        return code[:3]
    if code.startswith("20"):
        # 200xx-201xx are Corse-du-Sud (Ajaccio), 202xx and 206xx Haute-Corse (Bastia).
        return "2A" if code < "20200" else "2B"
    return code[:2]
