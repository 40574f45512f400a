"""CSV import of projects: a line-by-line report (field errors, duplicates in the file and in the catalogue), all or nothing."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select

from hub.accounts.viewer import Viewer
from hub.dedup import find_duplicates
from hub.dedup.services import check_project, draft_record, find_candidates
from hub.directory.models import Actor
from hub.errors import InvalidInput
from hub.projects.services import create_project, resolve_partner_lines
from hub.projects.shapes import ProjectInput
from hub.validation import validate

MAX_PAGE_BYTES = 5 * 1024 * 1024  # upload page limit
MAX_FILE_BYTES = 20 * 1024 * 1024  # command-line limit
MAX_ROWS = 5000
# CSV column -> ProjectInput field; French headers first, the API's field names are accepted too.
COLUMNS = {
    "titre": "title",
    "resume": "summary",
    "description": "description",
    "porteur": "carrier",
    "partenaires": "partners",
    "secteurs": "sectors",
    "phase": "phase",
    "besoins": "needs",
    "statut_reglementaire": "regulatory_status",
    "remboursement": "reimbursement_status",
    "patients_associes": "has_patient_involvement",
    "professionnels_associes": "has_professional_involvement",
    "region": "region",
    "departement": "departement",
}
REQUIRED = ("titre",)
_FIELD_TO_COLUMN = {v: k for k, v in COLUMNS.items()} | {"carrier_id": "porteur"}
_LISTS = ("sectors", "needs")
_YES = {"oui", "o", "yes", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0", ""}


@dataclass
class LineReport:
    """One line of the file: its French field errors (by column) and the projects it looks like."""

    line: int
    title: str
    errors: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import found and did; nothing is written unless every line is valid and it is not a dry run."""

    dry_run: bool
    file_errors: list[str] = field(default_factory=list)
    lines: list[LineReport] = field(default_factory=list)
    created: int = 0
    noun: str = "projet"

    @property
    def has_errors(self) -> bool:
        """Whether the file or one of its lines is wrong (then nothing is imported)."""
        return bool(self.file_errors) or any(line.errors for line in self.lines)

    def as_text(self) -> str:
        """The report as plain lines, for the command line."""
        out = [f"Fichier : {message}" for message in self.file_errors]
        for line in self.lines:
            out += [f"Ligne {line.line}, colonne « {c} » : {m}" for c, m in line.errors.items()]
            out += [f"Ligne {line.line} : doublon probable — {d}" for d in line.duplicates]
        valid = sum(1 for line in self.lines if not line.errors)
        if self.has_errors:
            out.append(f"Rien n’a été importé : corrigez le fichier ({len(self.lines)} lignes lues, {valid} valides).")
        elif self.dry_run:
            out.append(f"Essai à blanc : {valid} {self.noun}s seraient importés. Rien n’a été enregistré.")
        else:
            out.append(
                f"{self.created} {self.noun} importé."
                if self.created == 1
                else f"{self.created} {self.noun}s importés."
            )
        return "\n".join(out)


def _normalise_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace(" ", "_").replace("-", "_").replace("’", "")


def parse_csv(
    data: bytes,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    columns: Mapping[str, str] = COLUMNS,
    required: tuple[str, ...] = REQUIRED,
    noun: str = "projet",
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows of a CSV file as (line number, {column: value}), or French messages saying what is wrong and where.

    `columns` are the accepted (normalised) headers, `required` those that must be present, `noun` what a line holds.
    """
    if len(data) > max_bytes:
        size = len(data) / 1024 / 1024
        return [], [f"Le fichier pèse {size:.1f} Mo : la limite est de {max_bytes // 1024 // 1024} Mo. Découpez-le."]
    if not data.strip():
        return [], ["Le fichier est vide."]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [
            f"Le fichier n’est pas encodé en UTF-8 (premier caractère illisible à la ligne {line}). "
            "Dans votre tableur, enregistrez-le au format « CSV UTF-8 »."
        ]
    if "\x00" in text:
        return [], ["Le fichier contient des caractères invalides : ce n’est pas un fichier CSV texte."]
    header_line = text.splitlines()[0]
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    separator = max(counts, key=lambda s: counts[s])
    if counts[separator] == 0 and _normalise_header(header_line) not in columns:
        return [], [
            "Séparateur non reconnu à la ligne 1 : séparez les colonnes par des points-virgules (;) ou des virgules (,)."
        ]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = [_normalise_header(h) for h in next(reader)]
        errors: list[str] = []
        unknown = [h for h in header if h and h not in columns]
        if unknown:
            errors.append("Colonnes inconnues à la ligne 1 : " + ", ".join(unknown[:5]) + ".")
        missing = [c for c in required if c not in header]
        if missing:
            errors.append(
                "Colonne obligatoire absente à la ligne 1 : "
                + ", ".join(missing)
                + ". Colonnes possibles : "
                + ", ".join(columns)
                + "."
            )
        if errors:
            return [], errors
        rows: list[tuple[int, dict[str, str]]] = []
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                errors.append(
                    f"Ligne {line} : {len(values)} valeurs pour {len(header)} colonnes "
                    "(un séparateur ou des guillemets en trop ?)."
                )
                continue
            rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
            if len(rows) > MAX_ROWS:
                return [], [f"Le fichier a plus de {MAX_ROWS} lignes : découpez-le."]
    except csv.Error as exc:
        return [], [f"Ligne {reader.line_num} : le fichier CSV est mal formé ({exc})."]
    if not rows and not errors:
        errors.append(f"Le fichier ne contient aucune ligne de {noun} après l’en-tête.")
    return rows, errors


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("|", ",").split(",") if part.strip()] if value else []


def _row_input(session: Session, row: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A CSV row as ProjectInput data, with errors keyed by column for what cannot be resolved."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column, value in row.items():
        name = COLUMNS[column]
        if name in _LISTS:
            data[name] = _split(value)
        elif name.startswith("has_"):
            if value.lower() not in _YES | _NO:
                errors[column] = "Répondez par oui ou non."
            data[name] = value.lower() in _YES
        elif name == "carrier":
            if value:
                actor = (
                    session.exec(select(Actor).where(col(Actor.slug) == value[:120])).first()
                    or session.exec(
                        select(Actor).where(func.lower(Actor.name) == value.lower()[:200]).order_by(col(Actor.id))
                    ).first()
                )
                if actor is None:
                    errors[column] = f"Aucun acteur de l’annuaire ne s’appelle « {value[:80]} »."
                else:
                    data["carrier_id"] = actor.id
        elif name == "partners":
            try:
                data["partners"] = resolve_partner_lines(session, "\n".join(value.split("|")))
            except InvalidInput as exc:
                errors[column] = next(iter(exc.errors.values()))
        elif value:
            data[name] = value
    return data, errors


def _columns(errors: dict[str, str]) -> dict[str, str]:
    return {_FIELD_TO_COLUMN.get(f.split(".")[0], f): m for f, m in errors.items()}


def import_projects(
    session: Session, data: bytes, viewer: Viewer, *, dry_run: bool, max_bytes: int = MAX_FILE_BYTES
) -> ImportReport:
    """Check (dry run) or import a CSV of projects in one transaction: one wrong line and nothing is written."""
    report = ImportReport(dry_run=dry_run)
    rows, report.file_errors = parse_csv(data, max_bytes=max_bytes)
    if report.file_errors:
        return report
    inputs: list[tuple[LineReport, ProjectInput | None]] = []
    for line, row in rows:
        entry = LineReport(line=line, title=row.get("titre", "")[:120])
        values, entry.errors = _row_input(session, row)
        parsed: ProjectInput | None = None
        try:
            parsed = validate(ProjectInput, values)
        except InvalidInput as exc:
            entry.errors = _columns(exc.errors) | entry.errors
        if parsed is not None and not entry.errors:
            record = draft_record(
                session,
                title=parsed.title,
                summary=parsed.summary,
                carrier_id=parsed.carrier_id,
                region=parsed.region,
                departement=parsed.departement,
                sectors=parsed.sectors,
            )
            for candidate in find_candidates(session, record):
                entry.duplicates.append(
                    f"ressemble au projet « {candidate.title[:80]} » du catalogue ({round(candidate.score * 100)} %"
                    f" : {', '.join(candidate.reasons[:3])})"
                )
        inputs.append((entry, parsed))
        report.lines.append(entry)
    records = [
        {"id": str(e.line), "title": e.title, "summary": row.get("resume", "")}
        for e, (_, row) in zip(report.lines, rows, strict=True)
    ]
    for match in find_duplicates(records):
        for own, other in ((match.a, match.b), (match.b, match.a)):
            entry = next(e for e in report.lines if str(e.line) == own)
            entry.duplicates.append(f"ressemble à la ligne {other} du fichier ({round(match.score * 100)} %)")
    if report.has_errors:
        return report
    savepoint = session.begin_nested()
    created = []
    for entry, parsed in inputs:
        assert parsed is not None
        try:
            with session.begin_nested():
                project = create_project(session, parsed, viewer)
                project.source = "import"
                created.append(project)
        except InvalidInput as exc:
            entry.errors = _columns(exc.errors)
    if report.has_errors or dry_run:
        savepoint.rollback()
        return report
    savepoint.commit()
    for project in created:
        check_project(session, project)
    report.created = len(created)
    return report
