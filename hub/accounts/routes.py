"""Sign-up, sign-in, sign-out and the person's own account page."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts import services
from hub.accounts.models import ROLE_LABELS, SELF_SERVICE_ROLES
from hub.accounts.shapes import LoginInput, PasswordChangeInput, ProfileInput, SignUpInput
from hub.directory.models import MembershipStatus
from hub.directory.services import memberships_of
from hub.errors import InvalidInput, TooManyRequests
from hub.exchanges.mail import deliver
from hub.exchanges.services import notify
from hub.validation import validate
from hub.web import (
    CurrentViewer,
    DbSession,
    expired_session_cookie,
    flash_cookie,
    form_dict,
    in_thread,
    page,
    require_viewer,
    security_log,
    session_cookie,
    session_token,
)

PARIS = ZoneInfo("Europe/Paris")
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
        token = services.open_session(db_session, account, session_token(request))
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
        token = services.open_session(db_session, account, session_token(request))
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
def logout(request: Request[Any, Any, Any], db_session: DbSession, state: State) -> Response[Any]:
    """Sign out: the server-side session ends."""
    token = session_token(request)
    if token:
        services.close_session(db_session, token)
        db_session.commit()
        security_log.info("sign-out")
    # nothing personal stays in the browser's cache after signing out (ASVS 8.2.3)
    response = Redirect(path="/", status_code=303, headers={"Clear-Site-Data": '"cache"'})
    response.set_cookie(expired_session_cookie(state.settings))
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


# Messages shown on the sessions page after an action, chosen by code (no user-controlled text in the URL).
SESSION_NOTICES = {
    "mot-de-passe": "Votre mot de passe est modifié. Vos autres sessions ont pris fin.",
    "session": "La session a pris fin sur cet appareil.",
    "autres": "Vos autres sessions ont pris fin.",
}


@get("/compte/mot-de-passe", name="accounts.password_form")
@in_thread
def password_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The password change form."""
    require_viewer(viewer)
    return page(request, "accounts/password_form.html", viewer, errors={})


@post("/compte/mot-de-passe", name="accounts.password")
@in_thread
def password_change(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, state: State, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Change the password (ASVS 2.1.5, 2.1.6): the other sessions end and this one is renewed (ASVS 3.3.3)."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    ip = request.client.host if request.client else "unknown"
    try:
        words = {"words": (signed_in.email, signed_in.display_name)}
        token = services.change_password(db_session, signed_in, validate(PasswordChangeInput, values, words), ip)
        mails = notify(
            db_session,
            [signed_in.account_id],
            "Votre mot de passe a été modifié. Si ce n’est pas vous, prévenez un administrateur.",
            "/compte/sessions",
            "Votre mot de passe a été modifié",
            "Le mot de passe de votre compte du lab e-santé vient d’être modifié, et vos autres sessions ont pris "
            "fin.\n\nSi vous n’êtes pas à l’origine de cette modification, prévenez sans attendre un administrateur "
            "du lab e-santé.",
        )
        db_session.commit()
    except (InvalidInput, TooManyRequests) as exc:
        db_session.commit()  # keep a failed attempt: throttling counts it
        errors = getattr(exc, "errors", {}) or {"current_password": exc.message}
        if isinstance(exc, TooManyRequests) or "current_password" in errors:
            reason = "throttled" if isinstance(exc, TooManyRequests) else "refused"
            security_log.warning("password change %s for account %s from %s", reason, signed_in.account_id, ip)
        status = 429 if isinstance(exc, TooManyRequests) else 422
        return page(request, "accounts/password_form.html", viewer, status_code=status, errors=errors)
    security_log.info("password change of account %s from %s; other sessions ended", signed_in.account_id, ip)
    deliver(state.settings, mails)
    response = Redirect(path="/compte/sessions?info=mot-de-passe", status_code=303)
    response.set_cookie(session_cookie(state.settings, token))
    return response


@get("/compte/sessions", name="accounts.sessions")
@in_thread
def sessions_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The person's active sessions, one per device or browser (ASVS 3.3.4)."""
    signed_in = require_viewer(viewer)
    rows = services.list_sessions(db_session, signed_in.account_id)
    return page(
        request,
        "accounts/sessions.html",
        viewer,
        sessions=[(row, services.session_ref_of(row), row.token_hash == signed_in.session_token_hash) for row in rows],
        notice=SESSION_NOTICES.get(request.query_params.get("info", "")),
        paris=PARIS,
    )


@post("/compte/sessions/fin", name="accounts.end_session")
@in_thread
def end_session(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any]:
    """End one of the person's other sessions."""
    signed_in = require_viewer(viewer)
    services.end_session_of(db_session, signed_in, str(form_dict(data).get("session", "")))
    db_session.commit()
    security_log.info("one other session of account %s ended", signed_in.account_id)
    return Redirect(path="/compte/sessions?info=session", status_code=303)


@post("/compte/sessions/fin-des-autres", name="accounts.end_other_sessions")
@in_thread
def end_other_sessions(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """End every session of the person but this one."""
    signed_in = require_viewer(viewer)
    ended = services.end_sessions(db_session, signed_in.account_id, keep_token_hash=signed_in.session_token_hash)
    db_session.commit()
    security_log.info("%s other sessions of account %s ended", ended, signed_in.account_id)
    return Redirect(path="/compte/sessions?info=autres", status_code=303)


ROUTES = [
    signup_form,
    signup,
    login_form,
    login,
    logout,
    my_account,
    profile_form,
    profile_save,
    password_form,
    password_change,
    sessions_list,
    end_session,
    end_other_sessions,
]
