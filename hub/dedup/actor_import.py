"""CSV import of actors into the directory: the same line-by-line report and all-or-nothing run as for projects.

Duplicates are looked for in the file and in the directory: an identifier already listed (SIRET, FINESS, RNA,
RNSR, ROR) is an error, since the directory holds each organisation once; a name that looks like another actor's
of the same département is reported as a probable duplicate for the administrator to judge. Imported actors are
unclaimed: their organisations ask to represent them as for any listed actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process
from sqlmodel import Session, col, delete, select

from hub.accounts.viewer import Viewer
from hub.dedup.importer import _NO, _YES, MAX_FILE_BYTES, ImportReport, LineReport, _split, parse_csv
from hub.dedup.normalise import fold
from hub.directory.models import ACTOR_KIND_LABELS, ACTOR_PHASE_LABELS, Actor, ActorMembership
from hub.directory.services import create_actor
from hub.directory.shapes import ActorInput
from hub.errors import InvalidInput
from hub.validation import validate

# CSV column (normalised: lower case, no accents, underscores) -> ActorInput field.
ACTOR_COLUMNS = {
    "nom": "name",
    "sigle": "acronym",
    "type": "kind",
    "siren": "siren",
    "siret": "siret",
    "finess": "finess",
    "rna": "rna",
    "rnsr": "rnsr",
    "ror": "ror",
    "adresse": "address",
    "code_postal": "postcode",
    "commune": "commune",
    "departement": "departement",
    "secteurs": "sectors",
    "phases": "phases",
    "volontaire_experimentation": "is_experimentation_volunteer",
    "offre_experimentation": "experimentation_offer",
    "description": "description",
    "site_web": "website",
}
ACTOR_REQUIRED = ("nom", "type")
IDENTIFIERS = ("siret", "finess", "rna", "rnsr", "ror")
# A name at least this similar (rapidfuzz token_set_ratio on folded names, 0-100) to another actor's of the same
# département is reported as a probable duplicate.
NAME_SIMILARITY = 90
_FIELD_TO_COLUMN = {v: k for k, v in ACTOR_COLUMNS.items()}
_KINDS = {fold(label): kind.value for kind, label in ACTOR_KIND_LABELS.items()} | {
    k.value: k.value for k in ACTOR_KIND_LABELS
}
_PHASES = {fold(label): p.value for p, label in ACTOR_PHASE_LABELS.items()} | {
    p.value: p.value for p in ACTOR_PHASE_LABELS
}


def _row_input(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column, value in row.items():
        name = ACTOR_COLUMNS[column]
        if name == "kind":
            kind = _KINDS.get(fold(value)) or _KINDS.get(value.strip().lower())
            if kind is None:
                errors[column] = "Type inconnu. Types possibles : " + ", ".join(ACTOR_KIND_LABELS.values()) + "."
            else:
                data[name] = kind
        elif name == "phases":
            phases = []
            for part in _split(value):
                phase = _PHASES.get(fold(part)) or _PHASES.get(part.lower())
                if phase is None:
                    errors[column] = f"Phase inconnue : « {part[:40]} »."
                else:
                    phases.append(phase)
            data[name] = phases
        elif name == "sectors":
            data[name] = _split(value)
        elif name == "is_experimentation_volunteer":
            if value.lower() not in _YES | _NO:
                errors[column] = "Répondez par oui ou non."
            data[name] = value.lower() in _YES
        elif value:
            data[name] = value
    return data, errors


def _columns(errors: dict[str, str]) -> dict[str, str]:
    return {_FIELD_TO_COLUMN.get(f.split(".")[0], f): m for f, m in errors.items()}


def _listed_identifiers(session: Session, parsed: ActorInput) -> dict[str, str]:
    errors = {}
    for field in IDENTIFIERS:
        value = getattr(parsed, field)
        if value:
            existing = session.exec(select(Actor.name).where(col(getattr(Actor, field)) == value)).first()
            if existing is not None:
                errors[_FIELD_TO_COLUMN[field]] = f"Déjà dans l’annuaire : « {existing[:80]} » porte cet identifiant."
    return errors


def _similar_names(names: Sequence[str], choices: dict[Any, str]) -> dict[str, list[tuple[Any, float]]]:
    """For each name, the choices (key -> folded name) at least NAME_SIMILARITY similar."""
    return {
        name: [
            (key, score)
            for _, score, key in process.extract(
                fold(name), choices, scorer=fuzz.token_set_ratio, score_cutoff=NAME_SIMILARITY, limit=3
            )
        ]
        for name in names
    }


def import_actors(
    session: Session, data: bytes, viewer: Viewer, *, dry_run: bool, max_bytes: int = MAX_FILE_BYTES
) -> ImportReport:
    """Check (dry run) or import a CSV of actors in one transaction: one wrong line and nothing is written."""
    report = ImportReport(dry_run=dry_run, noun="acteur")
    rows, report.file_errors = parse_csv(
        data, max_bytes=max_bytes, columns=ACTOR_COLUMNS, required=ACTOR_REQUIRED, noun="acteur"
    )
    if report.file_errors:
        return report
    inputs: list[tuple[LineReport, ActorInput | None]] = []
    for line, row in rows:
        entry = LineReport(line=line, title=row.get("nom", "")[:120])
        values, entry.errors = _row_input(row)
        parsed: ActorInput | None = None
        try:
            parsed = validate(ActorInput, values)
        except InvalidInput as exc:
            entry.errors = _columns(exc.errors) | entry.errors
        if parsed is not None and not entry.errors:
            entry.errors = _listed_identifiers(session, parsed)
        inputs.append((entry, parsed))
        report.lines.append(entry)
    _report_duplicates(session, inputs)
    if report.has_errors:
        return report
    savepoint = session.begin_nested()
    created = 0
    for entry, parsed in inputs:
        assert parsed is not None
        try:
            with session.begin_nested():
                actor = create_actor(session, parsed, viewer)
                # An import lists organisations; it does not make the importer their representative.
                session.exec(delete(ActorMembership).where(col(ActorMembership.actor_id) == actor.id))
                actor.is_claimed = False
                actor.source = "import"
                session.add(actor)
                session.flush()
                created += 1
        except InvalidInput as exc:
            entry.errors = _columns(exc.errors)
    if report.has_errors or dry_run:
        savepoint.rollback()
        return report
    savepoint.commit()
    report.created = created
    return report


def _report_duplicates(session: Session, inputs: list[tuple[LineReport, ActorInput | None]]) -> None:
    """Probable duplicates: the same identifier twice in the file, or a name like another in the same département."""
    seen: dict[tuple[str, str], int] = {}
    for entry, parsed in inputs:
        if parsed is None:
            continue
        for field in IDENTIFIERS:
            value = getattr(parsed, field)
            if not value:
                continue
            if (field, value) in seen:
                entry.errors[_FIELD_TO_COLUMN[field]] = (
                    f"Même identifiant qu’à la ligne {seen[(field, value)]} du fichier."
                )
            else:
                seen[(field, value)] = entry.line
    by_departement: dict[str, list[tuple[LineReport, ActorInput]]] = {}
    for entry, parsed in inputs:
        if parsed is not None:
            by_departement.setdefault(parsed.departement, []).append((entry, parsed))
    for departement, lines in by_departement.items():
        column = col(Actor.departement_id)
        where = column == f"dep-{departement}" if departement else column.is_(None)
        listed = session.exec(select(Actor.id, Actor.name).where(where)).all()
        in_directory = _similar_names([p.name for _, p in lines], {name: fold(name) for _, name in listed})
        in_file = {entry.line: fold(parsed.name) for entry, parsed in lines}
        for entry, parsed in lines:
            for name, score in in_directory[parsed.name]:
                entry.duplicates.append(f"ressemble à « {str(name)[:80]} » de l’annuaire ({round(score)} %)")
            others = {line: text for line, text in in_file.items() if line != entry.line}
            for line, score in _similar_names([parsed.name], others)[parsed.name]:
                entry.duplicates.append(f"ressemble à la ligne {line} du fichier ({round(score)} %)")
