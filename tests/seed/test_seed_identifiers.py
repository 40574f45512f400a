"""Check digits and codes of French identifiers found in open data."""

from __future__ import annotations

import pytest

from seed.identifiers import clean_siren, clean_siret, departement_from_postcode, luhn_ok, normalise_finess


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("423354448", "423354448"),  # VIGICELL, a 1999 laureate
        ("423 354 448", "423354448"),
        ("423354449", None),  # one digit off fails the Luhn check
        ("12345", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_siren(raw: str | None, expected: str | None) -> None:
    assert clean_siren(raw) == expected


def test_clean_siret_checks_luhn_and_pads_lost_zero() -> None:
    assert clean_siret("81126323500038") == "81126323500038"
    assert clean_siret("81126323500039") is None
    assert clean_siret("4233544480000") == "04233544480000"  # 13 digits: the leading zero was lost
    # La Poste establishments share SIREN 356000000; their SIRETs only need a digit sum multiple of 5.
    assert clean_siret("35600000000001") == "35600000000001"
    assert clean_siret("35600000000002") is None


def test_luhn_rejects_non_digits() -> None:
    assert luhn_ok("0")
    assert not luhn_ok("12a")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("60001450", "060001450"), ("970100442", "970100442"), ("2A0000154", "2A0000154"), ("123", None)],
)
def test_normalise_finess(raw: str, expected: str | None) -> None:
    assert normalise_finess(raw) == expected


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("06006", "06"),
        ("75013", "75"),
        ("20000", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97139", "971"),
        ("97410", "974"),
        ("9741", None),
        (None, None),
    ],
)
def test_departement_from_postcode(postcode: str | None, expected: str | None) -> None:
    assert departement_from_postcode(postcode) == expected
