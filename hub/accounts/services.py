"""Accounts: sign-up, sign-in with throttling, server-side sessions, roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from hub.accounts.models import Account, AccountRole, LoginAttempt, Person, Role, UserSession
from hub.accounts.shapes import LoginInput, PasswordChangeInput, ProfileInput, SignUpInput
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.errors import InvalidInput, NotFound, TooManyRequests

# argon2id with the library's RFC 9106 "low memory" defaults (ASVS 2.4.4 asks for argon2id).
_hasher = PasswordHasher()
# Checked when an e-mail is unknown, so that the answer takes the same time (no account enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

SESSION_IDLE_TIMEOUT = timedelta(minutes=30)  # ASVS 3.3.2 level 2
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=5)
THROTTLE_MAX_FAILURES = 10
_BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    """Whether `password` matches the hash, as typed or, for older hashes, without its outer spaces.

    Until 29 November 2026 passwords were stripped before hashing; a person who typed spaces around theirs at
    sign-up still types them, and the stripped form is tried next. The stored hash is not replaced from the
    stripped form: it may equally belong to a password that never had spaces. Both forms are always tried
    when they differ, so that timing does not tell which one matched.
    """
    candidates = dict.fromkeys((password, password.strip()))
    matched = False
    for candidate in candidates:
        try:
            matched = _hasher.verify(password_hash, candidate) or matched
        except (VerificationError, InvalidHashError, UnicodeError):  # a corrupt stored hash refuses, not 500
            continue
    return matched


def sign_up(
    session: Session, data: SignUpInput, *, is_demo: bool = False, extra_roles: tuple[Role, ...] = ()
) -> Account:
    """Create an account with its profile; the e-mail must be new."""
    if session.exec(select(Account.id).where(col(Account.email) == data.email)).first() is not None:
        raise InvalidInput(
            {"email": "Un compte existe déjà avec cette adresse. Connectez-vous ou choisissez-en une autre."}
        )
    account = Account(email=data.email, password_hash=hash_password(data.password), is_demo=is_demo)
    session.add(account)
    session.flush()
    assert account.id is not None
    roles = dict.fromkeys((data.role, *extra_roles))
    session.add_all(AccountRole(account_id=account.id, role=role) for role in roles)
    session.add(
        Person(
            account_id=account.id, display_name=data.display_name, profession=data.profession, is_public=data.is_public
        )
    )
    session.flush()
    return account


def _throttle_keys(email: str, ip: str) -> tuple[str, str]:
    return f"email:{email.lower()}"[:300], f"ip:{ip}"[:300]


def _check_throttle(session: Session, keys: tuple[str, str]) -> None:
    since = utcnow() - THROTTLE_WINDOW
    # Attempts older than the window no longer count: purge them (they hold e-mail and IP addresses).
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.created_at) < since))
    for key in keys:
        failures = session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(col(LoginAttempt.key) == key, col(LoginAttempt.created_at) >= since)
        ).one()
        if failures >= THROTTLE_MAX_FAILURES:
            raise TooManyRequests("Trop de tentatives de connexion. Réessayez dans quelques minutes.")


def authenticate(session: Session, data: LoginInput, ip: str) -> Account:
    """The account whose credentials these are; throttled per account and per address.

    Failed attempts are committed by the caller even when the request fails, so that
    throttling counts them.
    """
    keys = _throttle_keys(data.email, ip)
    _check_throttle(session, keys)
    account = session.exec(select(Account).where(col(Account.email) == data.email.lower())).first()
    matched = _verify(account.password_hash if account else _DUMMY_HASH, data.password)
    ok = matched and account is not None and account.is_active
    if not ok or account is None:
        session.add_all(LoginAttempt(key=key) for key in keys)
        raise InvalidInput({"password": _BAD_CREDENTIALS}, message=_BAD_CREDENTIALS)
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(data.password)
    account.last_login_at = utcnow()
    session.add(account)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.key) == keys[0]))
    return account


def change_password(session: Session, viewer: Viewer, data: PasswordChangeInput, ip: str) -> str:
    """Replace the signed-in person's password; every session of the account ends, and the new token is returned.

    The current password is checked with the sign-in throttling (same counters), so that this page cannot be
    used to guess it. Failed attempts are committed by the caller even when the request fails.
    """
    account = session.get(Account, viewer.account_id)
    if account is None or not account.is_active:
        raise NotFound("Ce compte n’existe pas.")
    keys = _throttle_keys(account.email, ip)
    _check_throttle(session, keys)
    if not _verify(account.password_hash, data.current_password):
        session.add_all(LoginAttempt(key=key) for key in keys)
        raise InvalidInput({"current_password": "Le mot de passe actuel n’est pas le bon."})
    if data.new_password == data.current_password:
        raise InvalidInput({"new_password": "Choisissez un mot de passe différent de l’actuel."})
    account.password_hash = hash_password(data.new_password)
    session.add(account)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.key) == keys[0]))
    # ASVS 3.3.3: the other devices are signed out; this one gets a new session identifier.
    end_sessions(session, account.id)
    return open_session(session, account)


def list_sessions(session: Session, account_id: int) -> list[UserSession]:
    """The account's sessions still usable, most recently seen first."""
    now = utcnow()
    rows = session.exec(
        select(UserSession).where(
            col(UserSession.account_id) == account_id,
            col(UserSession.expires_at) > now,
            col(UserSession.last_seen_at) > now - SESSION_IDLE_TIMEOUT,
        )
    ).all()
    return sorted(rows, key=lambda row: (row.last_seen_at, row.created_at), reverse=True)


def end_sessions(session: Session, account_id: int | None, *, keep_token_hash: str = "") -> int:
    """End every session of the account but the one kept; how many ended."""
    rows = session.exec(
        select(UserSession).where(
            col(UserSession.account_id) == account_id, col(UserSession.token_hash) != keep_token_hash
        )
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)


def end_session_of(session: Session, viewer: Viewer, session_ref: str) -> None:
    """End one of the person's own sessions, named by the first characters of its hash as the list shows them."""
    matches = [row for row in list_sessions(session, viewer.account_id) if session_ref == session_ref_of(row)]
    if len(matches) != 1:
        raise NotFound("Cette session n’existe pas ou a déjà pris fin.")
    session.delete(matches[0])


def session_ref_of(user_session: UserSession) -> str:
    """A short public reference to a session: a prefix of the token's hash, never the token itself."""
    return user_session.token_hash[:16]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account: Account, previous_token: str | None = None) -> str:
    """A fresh session token for `account`; the previous session, if any, ends (rotation at login)."""
    if previous_token:
        close_session(session, previous_token)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    assert account.id is not None
    # Sessions that can no longer be used (expired, or idle too long) are deleted at each sign-in.
    session.exec(
        delete(UserSession).where(
            or_(col(UserSession.expires_at) <= now, col(UserSession.last_seen_at) <= now - SESSION_IDLE_TIMEOUT)
        )
    )
    session.add(
        UserSession(
            token_hash=_token_hash(token),
            account_id=account.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_ABSOLUTE_TIMEOUT,
        )
    )
    return token


def close_session(session: Session, token: str) -> None:
    """End a session (logout)."""
    session.exec(delete(UserSession).where(col(UserSession.token_hash) == _token_hash(token)))


def resolve_session(session: Session, token: str) -> Viewer | None:
    """The viewer behind a session token, or None if unknown, expired or idle too long."""
    if not token or len(token) > 100:
        return None
    user_session = session.get(UserSession, _token_hash(token))
    if user_session is None:
        return None
    now = utcnow()
    if user_session.expires_at <= now or user_session.last_seen_at + SESSION_IDLE_TIMEOUT <= now:
        session.delete(user_session)
        return None
    account = session.get(Account, user_session.account_id)
    if account is None or not account.is_active:
        return None
    if now - user_session.last_seen_at > timedelta(minutes=1):
        user_session.last_seen_at = now
        session.add(user_session)
    return viewer_for(session, account, user_session.token_hash)


def viewer_for(session: Session, account: Account, token_hash: str = "") -> Viewer:
    """The Viewer of an account."""
    roles = frozenset(session.exec(select(AccountRole.role).where(col(AccountRole.account_id) == account.id)).all())
    person = session.exec(select(Person).where(col(Person.account_id) == account.id)).first()
    assert account.id is not None
    return Viewer(
        account_id=account.id,
        email=account.email,
        display_name=person.display_name if person else account.email,
        roles=frozenset(Role(r) for r in roles),
        session_token_hash=token_hash,
    )


def grant_role(session: Session, account_id: int, role: Role) -> None:
    """Give an account a role (idempotent)."""
    if session.get(AccountRole, (account_id, role)) is None:
        session.add(AccountRole(account_id=account_id, role=role))


def get_profile(session: Session, account_id: int) -> Person:
    """The profile of an account (every account has one)."""
    person = session.exec(select(Person).where(col(Person.account_id) == account_id)).first()
    if person is None:
        raise NotFound("Ce profil n’existe pas.")
    return person


def update_profile(session: Session, viewer: Viewer, data: ProfileInput, allowed_organisations: set[int]) -> Person:
    """A person edits their own profile; the organisation must be one they represent."""
    if data.organisation_id is not None and data.organisation_id not in allowed_organisations:
        raise InvalidInput({"organisation_id": "Choisissez une structure que vous représentez."})
    person = get_profile(session, viewer.account_id)
    for field in (
        "display_name",
        "profession",
        "organisation_id",
        "bio",
        "is_public",
        "show_profession",
        "show_organisation",
    ):
        setattr(person, field, getattr(data, field))
    session.add(person)
    return person
