"""Domain errors raised by services; the web layer turns them into pages or problem details."""

from __future__ import annotations

from collections.abc import Mapping


class HubError(Exception):
    """Base of the errors a user can be told about (the message is French and safe to show)."""

    status_code = 400
    title = "Requête invalide"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HubError):
    """The object does not exist (or is not visible to this person)."""

    status_code = 404
    title = "Page introuvable"


class PermissionDenied(HubError):
    """The person is signed in but may not do this."""

    status_code = 403
    title = "Accès refusé"


class LoginRequired(HubError):
    """The action needs a signed-in person."""

    status_code = 401
    title = "Connexion requise"


class Conflict(HubError):
    """The action contradicts the current state (already decided, already exists)."""

    status_code = 409
    title = "Conflit"


class TooManyRequests(HubError):
    """Throttled; try again later."""

    status_code = 429
    title = "Trop de tentatives"


class InvalidInput(HubError):
    """Some fields are wrong; `errors` maps each field to a French message."""

    status_code = 422
    title = "Données invalides"

    def __init__(self, errors: Mapping[str, str], message: str = "Certains champs sont à corriger.") -> None:
        super().__init__(message)
        self.errors = dict(errors)
