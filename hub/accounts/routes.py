"""Sign-up, sign-in, sign-out and the person's own account page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts import services
from hub.accounts.models import ROLE_LABELS, SELF_SERVICE_ROLES
from hub.accounts.shapes import LoginInput, ProfileInput, SignUpInput
from hub.directory.models import MembershipStatus
from hub.directory.services import memberships_of
from hub.errors import InvalidInput, TooManyRequests
from hub.validation import validate
from hub.web import (
    SESSION_COOKIE,
    CurrentViewer,
    DbSession,
    flash_cookie,
    form_dict,
    in_thread,
    page,
    require_viewer,
    security_log,
    session_cookie,
)

ROLE_OPTIONS = [(role.value, ROLE_LABELS[role]) for role in SELF_SERVICE_ROLES]
FormData = URLEncodedBody[dict[str, Any]]


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return "/"


@get("/inscription", name="accounts.signup_form", sync_to_thread=False)
def signup_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The sign-up form."""
    return page(request, "accounts/signup.html", viewer, values={}, errors={}, roles_options=ROLE_OPTIONS)


@post("/inscription", name="accounts.signup")
@in_thread
def signup(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, state: State, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Create an account and sign in."""
    values = form_dict(data, flags=("is_public",))
    try:
        account = services.sign_up(db_session, validate(SignUpInput, values))
        token = services.open_session(db_session, account, request.cookies.get(SESSION_COOKIE))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        shown = {k: v for k, v in values.items() if not k.startswith("password")}
        return page(
            request,
            "accounts/signup.html",
            viewer,
            status_code=422,
            values=shown,
            errors=exc.errors,
            roles_options=ROLE_OPTIONS,
        )
    response = Redirect(path="/compte", status_code=303)
    response.set_cookie(session_cookie(state.settings, token))
    response.set_cookie(flash_cookie("welcome"))
    return response


@get("/connexion", name="accounts.login_form", sync_to_thread=False)
def login_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The sign-in form."""
    return page(
        request, "accounts/login.html", viewer, values={}, errors={}, suite=safe_next(request.query_params.get("suite"))
    )


@post("/connexion", name="accounts.login")
@in_thread
def login(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, state: State, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Sign in: throttled, and the session identifier is renewed."""
    values = form_dict(data)
    suite = safe_next(str(values.pop("suite", "")))
    ip = request.client.host if request.client else "unknown"
    try:
        account = services.authenticate(db_session, validate(LoginInput, values), ip)
        token = services.open_session(db_session, account, request.cookies.get(SESSION_COOKIE))
        db_session.commit()
    except (InvalidInput, TooManyRequests) as exc:
        db_session.commit()  # keep the failed attempt: throttling counts it
        reason = "throttled" if isinstance(exc, TooManyRequests) else "refused"
        security_log.warning("sign-in %s from %s", reason, ip)
        errors = getattr(exc, "errors", {}) or {"password": exc.message}
        status = 429 if isinstance(exc, TooManyRequests) else 422
        return page(
            request,
            "accounts/login.html",
            viewer,
            status_code=status,
            values={"email": values.get("email", "")},
            errors=errors,
            suite=suite,
        )
    security_log.info("sign-in of account %s from %s", account.id, ip)
    response = Redirect(path=suite, status_code=303)
    response.set_cookie(session_cookie(state.settings, token))
    response.set_cookie(flash_cookie("logged_in"))
    return response


@post("/deconnexion", name="accounts.logout")
@in_thread
def logout(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Sign out: the server-side session ends."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.close_session(db_session, token)
        db_session.commit()
        security_log.info("sign-out")
    # nothing personal stays in the browser's cache after signing out (ASVS 8.2.3)
    response = Redirect(path="/", status_code=303, headers={"Clear-Site-Data": '"cache"'})
    response.delete_cookie(SESSION_COOKIE)
    response.set_cookie(flash_cookie("logged_out"))
    return response


@get("/compte", name="accounts.me")
@in_thread
def my_account(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The person's account: roles and the actors they represent or asked to represent."""
    signed_in = require_viewer(viewer)
    return page(request, "accounts/me.html", viewer, memberships=memberships_of(db_session, signed_in.account_id))


def _organisation_options(db_session: DbSession, account_id: int) -> list[tuple[int, str]]:
    return [
        (actor.id, actor.name)
        for membership, actor in memberships_of(db_session, account_id)
        if membership.status == MembershipStatus.APPROVED and actor.id is not None
    ]


@get("/compte/profil", name="accounts.profile_form")
@in_thread
def profile_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The person's profile and what they make public."""
    signed_in = require_viewer(viewer)
    person = services.get_profile(db_session, signed_in.account_id)
    values = person.model_dump()
    return page(
        request,
        "accounts/profile_form.html",
        viewer,
        values=values,
        errors={},
        organisations=_organisation_options(db_session, signed_in.account_id),
    )


@post("/compte/profil", name="accounts.profile")
@in_thread
def profile_save(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save the profile."""
    signed_in = require_viewer(viewer)
    values = form_dict(data, flags=("is_public", "show_profession", "show_organisation"))
    if values.get("organisation_id") in ("", None):
        values["organisation_id"] = None
    organisations = _organisation_options(db_session, signed_in.account_id)
    try:
        services.update_profile(
            db_session, signed_in, validate(ProfileInput, values), {actor_id for actor_id, _ in organisations}
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return page(
            request,
            "accounts/profile_form.html",
            viewer,
            status_code=422,
            values=values,
            errors=exc.errors,
            organisations=organisations,
        )
    response = Redirect(path="/compte", status_code=303)
    response.set_cookie(flash_cookie("profile_updated"))
    return response


ROUTES = [signup_form, signup, login_form, login, logout, my_account, profile_form, profile_save]
