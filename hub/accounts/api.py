"""JSON API of accounts: how guessable a password being typed is (the sign-up and password pages' meter)."""

from __future__ import annotations

from typing import Any

from litestar import Response, post
from litestar.params import JSONBody

from hub.accounts.passwords import estimate, person_words, refusal
from hub.accounts.shapes import StrengthInput, length_problem
from hub.validation import validate
from hub.web import CurrentViewer, in_thread


@post("/api/v1/password-strength", name="api.accounts.password_strength", status_code=200)
@in_thread
def password_strength(data: JSONBody[dict[str, Any]], viewer: CurrentViewer) -> Response[dict[str, Any]]:
    """How guessable a password is (ASVS 2.1.8), judged as sign-up and password change judge it (ASVS 2.1.7).

    Body: `password`, and for a sign-up the `email` and `display_name` typed so far (a signed-in person's own are
    added). Answer: zxcvbn's `score` (0-4) and its French `label`, whether the password would be `acceptable`, the
    `message` the form would show (empty when acceptable), a `warning` and `advice`. Nothing is stored or logged.
    """
    given = validate(StrengthInput, data)
    words = [given.email, given.display_name]
    if viewer is not None:
        words += [viewer.email, viewer.display_name]
    strength = estimate(given.password, person_words(*words))
    message = length_problem(given.password) or ("" if strength.acceptable else refusal(strength))
    body = {**strength.as_json(), "acceptable": not message, "message": message}
    return Response(body, headers={"Cache-Control": "no-store"})


ROUTES = [password_strength]
