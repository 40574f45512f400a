"""Legal identifiers: table tests on real numbers, property tests on the check keys, and real-data pass rates."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.identifiers import (
    IdentifierError,
    check_identifiers,
    luhn_is_valid,
    normalise_finess,
    normalise_rna,
    normalise_rnsr,
    normalise_ror,
    normalise_siren,
    normalise_siret,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FINESS_CHR = SHARED_DATA / "fr-hospitals-finess-eurostat" / "FR_CHR_CHU_sites_2020.csv"
FINESS_ALL = SHARED_DATA / "fr-hospitals-finess-eurostat" / "FR_healthcare_services_2020.csv"
ILAB = SHARED_DATA / "ilab-laureats" / "ilab_laureats_sans_donnees_personnelles.csv"

Normaliser = Callable[[str], str]


@pytest.mark.parametrize(
    ("normalise", "typed", "canonical"),
    [
        (normalise_siren, "732829320", "732829320"),
        (normalise_siren, "732 829 320", "732829320"),
        (normalise_siren, "552.100.554", "552100554"),
        (normalise_siren, "810-592-998", "810592998"),
        (normalise_siren, "\u00a0810\u202f592\u202f998 ", "810592998"),
        (normalise_siret, "73282932000074", "73282932000074"),
        (normalise_siret, "732 829 320 00074", "73282932000074"),
        (normalise_siret, "81059299800019", "81059299800019"),
        (normalise_siret, "35600000000048", "35600000000048"),  # La Poste head office: plain Luhn
        (normalise_siret, "356 000 000 00010", "35600000000010"),  # La Poste office: digit sum 15, not Luhn
        (normalise_finess, "060001450", "060001450"),  # CHU de Nice, Hôpital Saint-Roch
        (normalise_finess, "06 000 145 0", "060001450"),
        (normalise_finess, "2a0000022", "2A0000022"),  # Corse-du-Sud
        (normalise_finess, "2B0000012", "2B0000012"),  # CH de Bastia
        (normalise_finess, "970400024", "970400024"),  # CHU de La Réunion, site Félix Guyon
        (normalise_finess, "980500011", "980500011"),  # CH de Mayotte
        (normalise_rna, "W751234567", "W751234567"),
        (normalise_rna, "w 751 234 567", "W751234567"),
        (normalise_rna, "W2A1000123", "W2A1000123"),
        (normalise_rnsr, "199015671G", "199015671G"),
        (normalise_rnsr, "199117504v", "199117504V"),
        (normalise_rnsr, "200012165 C", "200012165C"),
        (normalise_ror, "02feahw73", "02feahw73"),  # CNRS
        (normalise_ror, "https://ror.org/02vjkv261", "02vjkv261"),  # Inserm
        (normalise_ror, "http://ror.org/05F82E368/", "05f82e368"),
        (normalise_ror, " ror.org/03xjwb503 ", "03xjwb503"),
    ],
)
def test_valid_identifiers_come_back_canonical(normalise: Normaliser, typed: str, canonical: str) -> None:
    assert normalise(typed) == canonical


@pytest.mark.parametrize(
    ("normalise", "typed", "message"),
    [
        (normalise_siren, "732829321", "Le SIREN est invalide : la clé de contrôle (Luhn) ne correspond pas."),
        (normalise_siren, "73282932", "Le SIREN doit comporter 9 chiffres."),
        (normalise_siren, "73282932A", "Le SIREN doit comporter 9 chiffres."),
        (normalise_siren, "", "Le SIREN doit comporter 9 chiffres."),
        (normalise_siren, "７３２８２９３２０", "Le SIREN doit comporter 9 chiffres."),  # full-width digits
        (normalise_siret, "73282932000075", "Le SIRET est invalide : la clé de contrôle (Luhn) ne correspond pas."),
        (normalise_siret, "7328293200007", "Le SIRET doit comporter 14 chiffres."),
        (normalise_siret, "35600000000011", "Le SIRET est invalide : la clé de contrôle (Luhn) ne correspond pas."),
        (normalise_finess, "060001451", "la clé de contrôle ne correspond pas"),
        (normalise_finess, "2A0000023", "la clé de contrôle ne correspond pas"),
        (normalise_finess, "60001450", "doit comporter 9 caractères"),
        (normalise_finess, "200000022", "code de département"),  # Corsica has been 2A/2B since 1976
        (normalise_finess, "2C0000022", "code de département"),
        (normalise_finess, "990000013", "code de département"),
        (normalise_finess, "2A00000A2", "code de département"),
        (normalise_rna, "751234567", "commencer par W"),
        (normalise_rna, "W75123456", "commencer par W"),
        (normalise_rna, "WA51234567", "commencer par W"),
        (normalise_rnsr, "199015671H", "la lettre de contrôle ne correspond pas"),
        (normalise_rnsr, "199015672G", "la lettre de contrôle ne correspond pas"),
        (normalise_rnsr, "19901567G", "9 chiffres suivis d’une lettre"),
        (normalise_rnsr, "1990156712", "9 chiffres suivis d’une lettre"),
        (normalise_ror, "02feahw74", "les deux chiffres de contrôle ne correspondent pas"),
        (normalise_ror, "02feawh73", "les deux chiffres de contrôle ne correspondent pas"),  # transposition
        (normalise_ror, "12feahw73", "9 caractères"),
        (normalise_ror, "02feahu73", "9 caractères"),  # u is not Crockford base 32
        (normalise_ror, "https://example.org/02feahw73", "9 caractères"),
    ],
)
def test_invalid_identifiers_raise_a_french_message(normalise: Normaliser, typed: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=re.escape(message)):
        normalise(typed)


def test_identifier_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="SIREN"):
        normalise_siren("123")


def _luhn_key(body: str) -> str:
    return next(str(key) for key in range(10) if luhn_is_valid(body + str(key)))


@given(body=st.text(alphabet="0123456789", min_size=8, max_size=8), data=st.data())
def test_luhn_valid_siren_passes_and_any_single_digit_change_fails(body: str, data: st.DataObject) -> None:
    siren = body + _luhn_key(body)
    assert normalise_siren(siren) == siren
    position = data.draw(st.integers(min_value=0, max_value=8))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != siren[position]]))
    altered = siren[:position] + replacement + siren[position + 1 :]
    with pytest.raises(IdentifierError, match="clé de contrôle"):
        normalise_siren(altered)


@given(number=st.integers(min_value=0, max_value=999_999_999), data=st.data())
def test_rnsr_key_catches_any_single_digit_change(number: int, data: st.DataObject) -> None:
    digits = f"{number:09d}"
    letter = next(c for c in "ABCDEFGHJKLMNPRSTUVWXYZ" if _rnsr_ok(digits + c))
    position = data.draw(st.integers(min_value=0, max_value=8))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[position]]))
    assert not _rnsr_ok(digits[:position] + replacement + digits[position + 1 :] + letter)


def _rnsr_ok(value: str) -> bool:
    try:
        normalise_rnsr(value)
    except IdentifierError:
        return False
    return True


def test_check_identifiers_reports_each_bad_field_and_skips_empty_ones() -> None:
    errors = check_identifiers(
        {"siren": "732 829 321", "finess": "", "rnsr": None, "ror": "https://ror.org/02feahw73", "name": "x"}
    )
    assert errors == {"siren": "Le SIREN est invalide : la clé de contrôle (Luhn) ne correspond pas."}


def test_check_identifiers_maps_form_field_names_to_kinds() -> None:
    errors = check_identifiers({"finess_et": "060001451", "siret": "73282932000074"}, kinds={"finess_et": "finess"})
    assert set(errors) == {"finess_et"}
    assert "clé de contrôle" in errors["finess_et"]
    with pytest.raises(ValueError, match="unknown identifier kinds"):
        check_identifiers({}, kinds={"x": "iban"})


def test_check_identifiers_flags_a_siret_of_another_siren() -> None:
    assert check_identifiers({"siren": "732829320", "siret": "73282932000074"}) == {}
    errors = check_identifiers({"siren": "552100554", "siret": "73282932000074"})
    assert errors == {"siret": "Le SIRET ne correspond pas au SIREN indiqué : ses 9 premiers chiffres diffèrent."}


def _pass_share(values: list[str], normalise: Normaliser) -> float:
    passed = 0
    for value in values:
        try:
            normalise(value)
        except IdentifierError:
            continue
        passed += 1
    return passed / len(values)


@pytest.mark.skipif(not FINESS_ALL.exists(), reason="FINESS extract absent from shared data")
def test_every_real_finess_number_passes() -> None:
    for path in (FINESS_CHR, FINESS_ALL):
        with path.open(encoding="utf-8", newline="") as handle:
            # The CSV lost the leading zero of départements 01-09.
            ids = [row["id"].zfill(9) for row in csv.DictReader(handle)]
        assert len(ids) > 300
        assert any(i.startswith(("2A", "2B")) for i in ids) or path == FINESS_CHR
        assert _pass_share(ids, normalise_finess) == 1.0


@pytest.mark.skipif(not ILAB.exists(), reason="i-Lab dataset absent from shared data")
def test_real_rnsr_siren_and_siret_of_ilab_pass() -> None:
    with ILAB.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    rnsr = sorted(
        {v for row in rows for v in re.split(r"[,;\s]+", row["Id de l'unité de recherche liée au projet"]) if v}
    )
    sirets = [row["N° SIRET"] for row in rows if row["N° SIRET"].strip()]
    sirens = [row["N° SIREN"] for row in rows if row["N° SIREN"].strip()]
    assert len(rnsr) > 700
    assert _pass_share(rnsr, normalise_rnsr) == 1.0
    assert _pass_share(sirets, normalise_siret) == 1.0
    # A handful of SIRENs in the dataset are typos (8 digits, wrong key): the check must catch them.
    assert 0.995 < _pass_share(sirens, normalise_siren) < 1.0
