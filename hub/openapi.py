"""What the OpenAPI schema documents: the JSON API under /api/ only, with its RFC 9457 error responses and the
links between its operations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from litestar._openapi.utils import default_operation_id_creator
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation


@dataclass
class ProblemField:
    """One field-level error of a refused request."""

    field: str
    message: str


@dataclass
class Problem:
    """RFC 9457 problem details, as every API error is returned (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemField] = field(default_factory=list)


_ERRORS = {
    400: "Requête invalide : paramètre ou corps mal formé, valeur refusée (le détail nomme la règle).",
    401: "Connexion requise.",
    403: "Accès refusé : droits insuffisants ou jeton CSRF absent.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée.",
    409: "Conflit avec l’état actuel (déjà traité, doublon, clé d’idempotence réutilisée…).",
    413: "Contenu trop volumineux.",
    415: "Format non pris en charge.",
    422: "Données invalides : les erreurs par champ sont dans `errors`.",
    429: "Trop de requêtes : réessayez plus tard.",
    503: "Service momentanément indisponible : réessayez plus tard.",
}

PROBLEM_RESPONSES = {
    status: ResponseSpec(data_container=Problem, description=text, media_type="application/problem+json")
    for status, text in _ERRORS.items()
}


# Links between operations (OpenAPI 3.1 `links`): a response that creates or returns a resource names the operations
# that read, change or act on it, and where their path parameters come from in its body. Clients (and Schemathesis'
# stateful tests) follow them. Each entry: the route name of the source operation, a JSON pointer into the body of
# its success response per path parameter, and the route names of the target operations. The documented property
# type follows the target's path parameter (`{actor_id:int}`: integer), and the source response schema documents
# every property a pointer names, so the response checks also prove that the value is really there.
@dataclass(frozen=True)
class LinkSpec:
    """The operations a source operation's success response leads to, and the body fields their parameters take."""

    source: str
    parameters: dict[str, str]
    targets: tuple[str, ...]


_ACTOR = (
    "api.actors.detail",
    "api.actors.update",
    "api.actors.suggestions",
    "api.actors.network",
    "api.actors.orientations",
    "api.actors.orientations_declare",
)
_PROJECT = (
    "api.projects.detail",
    "api.projects.update",
    "api.projects.suggestions",
    "api.projects.network",
    "api.projects.orientations",
    "api.projects.orientations_declare",
    "api.projects.available_people",
    "api.needs.project_answers",
    "api.needs.project_answer_add",
)
_NEED = (
    "api.needs.detail",
    "api.needs.support",
    "api.needs.withdraw_support",
    "api.needs.comment",
    "api.needs.qualify",
)
_EVENT = ("api.events.detail", "api.events.register", "api.events.submit", "api.events.appoint", "api.events.publish")
_FEEDBACK = ("api.feedback.detail", "api.feedback.support", "api.feedback.answer", "api.feedback.status")
_ORIENTATION = ("api.orientations.detail", "api.orientations.update")
_MEETING = ("api.meetings.detail", "api.meetings.register")
_RESULT = ("api.research.detail", "api.research.intent", "api.research.interest", "api.research.pair")
_CONVENTION = ("api.ledger.convention", "api.ledger.convention_approvers")

LINKS = (
    # Directory and catalogue: a created, changed or listed actor or project.
    LinkSpec("api.actors.create", {"actor_id": "/id"}, _ACTOR),
    LinkSpec("api.actors.update", {"actor_id": "/id"}, ("api.actors.detail",)),
    LinkSpec("api.actors.list", {"actor_id": "/items/0/id"}, _ACTOR),
    LinkSpec("api.projects.create", {"project_id": "/id"}, _PROJECT),
    LinkSpec("api.projects.update", {"project_id": "/id"}, ("api.projects.detail",)),
    LinkSpec("api.projects.list", {"project_id": "/items/0/id"}, _PROJECT),
    # Needs from the field.
    LinkSpec("api.needs.create", {"need_id": "/id"}, _NEED),
    LinkSpec("api.needs.list", {"need_id": "/items/0/id"}, _NEED),
    # Workshops and contests: the event, then a submission to it.
    LinkSpec("api.events.create", {"event_id": "/id"}, _EVENT),
    LinkSpec("api.events.list", {"event_id": "/items/0/id"}, _EVENT),
    LinkSpec("api.events.submit", {"submission_id": "/id"}, ("api.submissions.score", "api.submissions.follow_up")),
    LinkSpec("api.events.submit", {"event_id": "/event_id"}, ("api.events.detail",)),
    # Field feedback to public bodies.
    LinkSpec("api.feedback.create", {"feedback_id": "/id"}, _FEEDBACK),
    LinkSpec("api.feedback.create", {"actor_id": "/institution_id"}, ("api.feedback.digest",)),
    LinkSpec("api.feedback.list", {"feedback_id": "/items/0/id"}, _FEEDBACK),
    # Moderation reports.
    LinkSpec("api.reports.create", {"report_id": "/id"}, ("api.reports.detail", "api.reports.decide")),
    LinkSpec("api.reports.mine", {"report_id": "/items/0/id"}, ("api.reports.detail", "api.reports.decide")),
    # Introductions between people.
    LinkSpec(
        "api.introductions.create", {"request_id": "/id"}, ("api.introductions.detail", "api.introductions.decide")
    ),
    LinkSpec("api.introductions.detail", {"request_id": "/id"}, ("api.introductions.decide",)),
    # Strategic orientations.
    LinkSpec("api.orientations.create", {"orientation_id": "/id"}, _ORIENTATION),
    LinkSpec("api.orientations.list", {"orientation_id": "/items/0/id"}, _ORIENTATION),
    # Meetings in places and online, then a registration to one.
    LinkSpec("api.meetings.create", {"meeting_id": "/id"}, _MEETING),
    LinkSpec("api.meetings.list", {"meeting_id": "/items/0/id"}, _MEETING),
    LinkSpec(
        "api.meetings.register", {"meeting_id": "/meeting_id", "registration_id": "/id"}, ("api.meetings.cancel",)
    ),
    LinkSpec("api.meetings.register", {"meeting_id": "/meeting_id"}, ("api.meetings.detail",)),
    # Referents.
    LinkSpec("api.referents.create", {"assignment_id": "/id"}, ("api.referents.end",)),
    LinkSpec("api.referents.list", {"assignment_id": "/items/0/id"}, ("api.referents.end",)),
    # Research results, the companies' interest in them and their pairings.
    LinkSpec("api.research.create", {"result_id": "/id"}, _RESULT),
    LinkSpec("api.research.list", {"result_id": "/items/0/id"}, _RESULT),
    LinkSpec("api.research.pair", {"result_id": "/result_id", "pairing_id": "/id"}, ("api.research.unpair",)),
    LinkSpec("api.research.pair", {"result_id": "/result_id"}, ("api.research.detail",)),
    LinkSpec("api.research.interest", {"result_id": "/result_id"}, ("api.research.detail",)),
    # Advisers' dossiers and rejection rates.
    LinkSpec("api.advisers.list", {"actor_id": "/items/0/id"}, ("api.advisers.rate", "api.advisers.dossier_create")),
    LinkSpec(
        "api.advisers.dossier_create", {"actor_id": "/adviser_id", "dossier_id": "/id"}, ("api.advisers.outcome",)
    ),
    LinkSpec("api.advisers.dossier_create", {"actor_id": "/adviser_id"}, ("api.advisers.rate",)),
    # Innovation-hours bank: a deposit or a use, then its decision; conventions.
    LinkSpec("api.ledger.deposit", {"transfer_id": "/transfer_id"}, ("api.ledger.deposit_decision",)),
    LinkSpec("api.ledger.use", {"link_id": "/link_id"}, ("api.ledger.use_decision",)),
    LinkSpec("api.ledger.convention_create", {"convention_id": "/id"}, _CONVENTION),
    LinkSpec("api.ledger.conventions", {"convention_id": "/0/id"}, _CONVENTION),
    # Reference data.
    LinkSpec("api.territories.list", {"territory_id": "/items/0/id"}, ("api.territories.detail",)),
    LinkSpec("api.opendata.list", {"name": "/items/0/name"}, ("api.opendata.detail",)),
)

_PATH_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
_JSON_TYPES = {"int": "integer", "str": "string"}


def _path_parameters(handler: Any) -> dict[str, str]:
    """The JSON type of each path parameter of a handler's (only) path."""
    (path,) = handler.paths
    return {name: _JSON_TYPES[kind] for name, kind in _PATH_PARAMETER.findall(path)}


def _operation_id(handler: Any) -> str:
    """The operationId Litestar's default creator gives the handler (the app does not override it)."""
    (path,) = handler.paths
    (method,) = handler.http_methods
    components = [_PATH_PARAMETER.sub(r"\1", part) for part in path.strip("/").split("/")]
    return default_operation_id_creator(handler, method, components)  # type: ignore[arg-type]


def _document(schema: dict[str, Any], tokens: list[str], json_type: str) -> None:
    """Make `schema` document the value a JSON pointer (split in tokens) names: required properties, array items."""
    if not tokens:
        schema["type"] = json_type
        return
    head, rest = tokens[0], tokens[1:]
    if head.isdigit():
        schema["type"] = "array"
        _document(schema.setdefault("items", {}), rest, json_type)
        return
    schema["type"] = "object"
    _document(schema.setdefault("properties", {}).setdefault(head, {}), rest, json_type)
    if head not in schema.setdefault("required", []):
        schema["required"].append(head)


class LinkedOperation(Operation):
    """An operation whose success response carries `links` and documents the body fields they read."""

    success_status: ClassVar[str] = "200"
    response_links: ClassVar[dict[str, dict[str, Any]]] = {}
    documented_fields: ClassVar[dict[str, str]] = {}  # JSON pointer -> JSON type

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        response = schema["responses"][self.success_status]
        response["links"] = {name: dict(link) for name, link in self.response_links.items()}
        body = response["content"]["application/json"]["schema"]
        for pointer, json_type in self.documented_fields.items():
            _document(body, pointer.strip("/").split("/"), json_type)
        return schema


def _add_links(handlers: list[Any]) -> None:
    """Give each source handler of LINKS an operation class that writes its links (an unknown route or parameter
    in the table stops the application at start-up)."""
    by_name = {handler.name: handler for handler in handlers if getattr(handler, "name", None)}
    links: dict[str, dict[str, dict[str, Any]]] = {}
    fields: dict[str, dict[str, str]] = {}
    for spec in LINKS:
        source_links = links.setdefault(spec.source, {})
        source_fields = fields.setdefault(spec.source, {})
        for target_name in spec.targets:
            target = by_name[target_name]
            types = _path_parameters(target)
            if set(spec.parameters) - set(types):
                raise ValueError(f"{target_name} has no path parameter {set(spec.parameters) - set(types)}")
            link_name = target_name.removeprefix("api.")
            if link_name in source_links:
                raise ValueError(f"two links from {spec.source} to {target_name}")
            source_links[link_name] = {
                "operationId": _operation_id(target),
                "parameters": {name: f"$response.body#{pointer}" for name, pointer in spec.parameters.items()},
            }
            for name, pointer in spec.parameters.items():
                source_fields[pointer] = types[name]
    for source_name, source_links in links.items():
        source = by_name[source_name]
        source.operation_class = type(
            "LinkedOperation",
            (LinkedOperation,),
            {
                "success_status": str(source.status_code),
                "response_links": source_links,
                "documented_fields": fields[source_name],
            },
        )


def document_api_only(handlers: list[Any]) -> list[Any]:
    """Keep HTML pages out of the schema; give every API operation the error responses it may return, and the
    operations of LINKS their links."""
    for handler in handlers:
        paths = getattr(handler, "paths", None)
        if paths is None:
            continue
        if any(path.startswith("/api/") for path in paths):
            handler.responses = {**PROBLEM_RESPONSES, **(handler.responses or {})}
        else:
            handler.include_in_schema = False
    _add_links(handlers)
    return handlers
