"""ASVS 4.0.3 chapter V2 (authentication): password rules, password forms and the stored hashes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account
from hub.db import Database
from tests.factories import PASSWORD, csrf_from, make_account, sign_in

# 64 characters, with spaces, accents, an emoji and kanji: every printable character is allowed.
LONG_UNICODE_PASSWORD = "ma phrase de passe très longue 🔑 avec des kanji 日本語 et des espaces !!"
assert len(LONG_UNICODE_PASSWORD) >= 64


def _sign_up(client: TestClient[Litestar], email: str, password: str) -> int:
    form = client.get("/inscription").text
    response = client.post(
        "/inscription",
        data={
            "display_name": "Léa Dupont",
            "email": email,
            "password": password,
            "password_confirm": password,
            "role": "member",
            "_csrf_token": csrf_from(form),
        },
        follow_redirects=False,
    )
    return response.status_code


def _login_status(client: TestClient[Litestar], email: str, password: str) -> int:
    form = client.get("/connexion").text
    response = client.post(
        "/connexion",
        data={"email": email, "password": password, "_csrf_token": csrf_from(form)},
        follow_redirects=False,
    )
    return response.status_code


def test_long_unicode_passwords_are_accepted_and_never_truncated(client: TestClient[Litestar]) -> None:
    # ASVS 2.1.2 (64 characters permitted), 2.1.3 (no truncation), 2.1.4 (Unicode, emoji), 2.1.9 (no composition rule)
    assert _sign_up(client, "longue@example.fr", LONG_UNICODE_PASSWORD) == 303
    client.cookies.clear()
    # Only the last character differs: a truncating check would let this in.
    assert _login_status(client, "longue@example.fr", LONG_UNICODE_PASSWORD[:-1] + "?") == 422
    assert _login_status(client, "longue@example.fr", LONG_UNICODE_PASSWORD[:-1]) == 422
    assert _login_status(client, "longue@example.fr", LONG_UNICODE_PASSWORD) == 303
    client.cookies.clear()
    # Twelve lower-case letters and nothing else: no upper case, digit or symbol is required (they must only not be
    # easy to guess: tests/accounts/test_passwords.py).
    assert _sign_up(client, "simple@example.fr", "vrtqmzlpkeho") == 303


def test_password_fields_let_password_managers_and_paste_work(client: TestClient[Litestar]) -> None:  # ASVS 2.1.11
    login = client.get("/connexion").text
    signup = client.get("/inscription").text
    for html in (login, signup):
        assert "onpaste" not in html.lower()
        assert not re.search(r'type="password"[^>]*autocomplete="off"', html)
    assert re.search(r'type="password"[^>]*autocomplete="current-password"', login)
    assert len(re.findall(r'type="password"[^>]*autocomplete="new-password"', signup)) == 2


def test_each_password_hash_has_its_own_salt(database: Database) -> None:  # ASVS 2.4.2
    with database.session() as session:
        make_account(session, "sel1@example.fr")
        make_account(session, "sel2@example.fr")  # same password (the factories' PASSWORD)
        hashes = session.exec(
            select(Account.password_hash).where(col(Account.email).in_(["sel1@example.fr", "sel2@example.fr"]))
        ).all()
    salts = [h.split("$")[4] for h in hashes]
    assert len(set(hashes)) == 2
    assert len(set(salts)) == 2
    for salt in salts:
        # base64 without padding: 4 characters per 3 bytes; at least 32 bits (ASVS), argon2-cffi uses 128
        assert len(salt) * 6 // 8 >= 16


def test_argon2id_parameters_are_at_least_the_asvs_minimum(database: Database) -> None:  # ASVS 2.4.5
    with database.session() as session:
        make_account(session, "params@example.fr")
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "params@example.fr")).one()
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert match, stored
    memory_kib, iterations, parallelism = (int(g) for g in match.groups())
    assert memory_kib >= 15 * 1024
    assert iterations >= 2
    assert parallelism >= 1


def test_a_weaker_hash_is_upgraded_at_the_next_sign_in(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 6.2.4: the hash parameters can be raised at any time; old hashes follow at the next sign-in.
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with database.session() as session:
        account = make_account(session, "ancien@example.fr")
        account.password_hash = weak
        session.add(account)
        session.commit()
    sign_in(client, "ancien@example.fr")
    with database.session() as session:
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "ancien@example.fr")).one()
    assert stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)


def test_passwords_longer_than_128_characters_are_refused_next_to_the_field(client: TestClient[Litestar]) -> None:
    # ASVS 2.1.2: at least 64 characters permitted, and no more than 128
    assert _sign_up(client, "cent-vingt-huit@example.fr", ("la marée monte vite à Granville, " * 4)[:128]) == 303
    client.cookies.clear()
    form = client.get("/inscription").text
    response = client.post(
        "/inscription",
        data={
            "display_name": "Léa Dupont",
            "email": "trop-long@example.fr",
            "password": "a" * 129,
            "password_confirm": "a" * 129,
            "role": "member",
            "_csrf_token": csrf_from(form),
        },
    )
    assert response.status_code == 422
    assert "Le mot de passe doit comporter au plus 128 caractères." in response.text


def test_a_corrupt_password_hash_refuses_the_sign_in_without_an_error(
    client: TestClient[Litestar], database: Database
) -> None:  # ASVS 6.2.1: the hashing module fails closed, with the usual answer and no server error
    corrupt = {
        "abime@example.fr": "$argon2id$v=19$m=65536,t=3,p=4$tronque",
        "tiret@example.fr": "-",
        "accent@example.fr": "$argon2id$v=19$m=65536,t=3,p=4$sélé$hâché",  # not ASCII: was a 500
    }
    with database.session() as session:
        for email, stored in corrupt.items():
            account = make_account(session, email)
            account.password_hash = stored
            session.add(account)
        session.commit()
    for email in corrupt:
        form = client.get("/connexion").text
        response = client.post(
            "/connexion",
            data={"email": email, "password": PASSWORD, "_csrf_token": csrf_from(form)},
            follow_redirects=False,
        )
        assert response.status_code == 422
        assert "Adresse e-mail ou mot de passe incorrect." in response.text
        assert client.cookies.get("hub_session") is None


def test_passwords_keep_their_leading_and_trailing_spaces(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 2.1.3: the password is hashed exactly as typed, outer spaces included
    spaced = "  des espaces autour  "
    assert _sign_up(client, "espaces@example.fr", spaced) == 303
    client.cookies.clear()
    with database.session() as session:
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "espaces@example.fr")).one()
    assert PasswordHasher().verify(stored, spaced)
    assert _login_status(client, "espaces@example.fr", spaced.strip()) == 422
    assert _login_status(client, "espaces@example.fr", spaced.lstrip()) == 422
    assert _login_status(client, "espaces@example.fr", spaced) == 303


def test_an_account_hashed_from_the_stripped_password_still_signs_in(
    client: TestClient[Litestar], database: Database
) -> None:
    # ASVS 2.1.3: hashes made before spaces were kept came from the stripped password; they still work
    older = PasswordHasher().hash(PASSWORD)  # what sign-up stored for "  " + PASSWORD + " "
    with database.session() as session:
        account = make_account(session, "avant@example.fr")
        account.password_hash = older
        session.add(account)
        session.commit()
    assert _login_status(client, "avant@example.fr", "  " + PASSWORD + " ") == 303
    client.cookies.clear()
    assert _login_status(client, "avant@example.fr", PASSWORD) == 303
    client.cookies.clear()
    assert _login_status(client, "avant@example.fr", " " + PASSWORD + "x") == 422
    with database.session() as session:
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "avant@example.fr")).one()
    assert stored == older  # the fallback never rewrites the hash from the stripped form


VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "base", "col", "embed", "track"}


class _PasswordFields(HTMLParser):
    """Each password input with the `fr-password` block around it, its checkbox, labels and element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str]] = []
        self.blocks: list[dict[str, list[dict[str, str]]]] = []
        self.labels: dict[str, str] = {}
        self.ids: set[str] = set()
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        attributes["tag"] = tag
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "div" and "fr-password" in attributes.get("class", "").split():
            self.blocks.append({"inputs": []})
        inside = any("fr-password" in element.get("class", "").split() for element in self.stack)
        if tag == "input" and inside:
            self.blocks[-1]["inputs"].append(attributes)
        if tag == "label":
            self._label_for = attributes.get("for", "")
            self.labels[self._label_for] = ""
        if tag not in VOID:
            self.stack.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self.labels[self._label_for] += data


def _password_fields(html: str) -> _PasswordFields:
    parser = _PasswordFields()
    parser.feed(html)
    return parser


def test_every_password_field_can_be_shown_and_keeps_its_label_and_autocomplete(
    client: TestClient[Litestar], database: Database
) -> None:
    # ASVS 2.1.12: the DSFR password component ("Afficher" box) around every password input, which keeps its
    # label, its autocomplete value and, on error, a message linked by aria-describedby
    form = client.get("/inscription").text
    refused = client.post(
        "/inscription",
        data={"email": "x", "password": "douze lettres", "password_confirm": "autre", "_csrf_token": csrf_from(form)},
    ).text
    with database.session() as session:
        make_account(session, "afficher@example.fr")
        session.commit()
    login = client.get("/connexion").text
    wrong = client.post(
        "/connexion", data={"email": "afficher@example.fr", "password": "faux", "_csrf_token": csrf_from(login)}
    ).text
    sign_in(client, "afficher@example.fr")
    pages = {
        "/connexion (error)": (wrong, 1),
        "/connexion": (client.get("/connexion").text, 1),
        "/inscription": (form, 2),
        "/inscription (errors)": (refused, 2),
        "/compte/mot-de-passe": (client.get("/compte/mot-de-passe").text, 3),
    }
    for name, (html, expected) in pages.items():
        parsed = _password_fields(html)
        assert html.count('type="password"') == expected, name
        assert len(parsed.blocks) == expected, name
        show_names = set()
        for block in parsed.blocks:
            passwords = [i for i in block["inputs"] if i.get("type") == "password"]
            boxes = [i for i in block["inputs"] if i.get("type") == "checkbox"]
            assert len(passwords) == 1 and len(boxes) == 1, name
            field, box = passwords[0], boxes[0]
            assert "fr-password__input" in field["class"].split(), name
            assert parsed.labels.get(field["id"], "").strip(), (name, field["id"])
            assert field.get("autocomplete") in ("current-password", "new-password"), (name, field["id"])
            assert field["value"] == "", name  # what was typed never comes back
            if "aria-describedby" in field:
                assert field.get("aria-invalid") == "true"
                assert field["aria-describedby"] in parsed.ids, (name, field["id"])
            assert parsed.labels.get(box["id"], "").strip() == "Afficher", (name, box["id"])
            assert box.get("aria-label", "").startswith("Afficher"), name
            show_names.add(box["aria-label"])
        assert len(show_names) == expected, name  # each box says which field it shows
    for html, field in ((wrong, "password"), (refused, "password_confirm")):
        errors = _password_fields(html)
        described = [i for b in errors.blocks for i in b["inputs"] if "aria-describedby" in i]
        assert [i["id"] for i in described] == [field]
