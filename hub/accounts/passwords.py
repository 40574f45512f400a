"""How hard a new password is to guess (ASVS 2.1.7 and 2.1.8), with advice in French.

The estimate is zxcvbn's (Dropbox's algorithm, Python port): it matches the password against 30,000 passwords most
often found in breaches, names, common words, keyboard rows, repeats, sequences and dates, plus the words of the
person (e-mail, name) and of this service, and counts the guesses an attacker would need. A new password must
reach `MIN_SCORE`; the sign-up and password pages show the same estimate while it is typed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zxcvbn import zxcvbn

# zxcvbn's scores: 0 and 1 are guessed online, 2 in hours offline, 3 ("safely unguessable": 10^8 guesses and more)
# resists an offline attack on a slow hash such as argon2, 4 is very strong. A new password needs 3.
MIN_SCORE = 3

# zxcvbn refuses passwords longer than this; a longer one is judged on its first characters (a lower bound: more
# characters never make a password easier to guess).
ESTIMATED_LENGTH = 72

# Words an attacker tries first against this service (NIST SP 800-63B 5.1.1.2: context-specific words).
SERVICE_WORDS = (
    "lab",
    "labesante",
    "lab-esante",
    "esante",
    "e-sante",
    "e-santé",
    "sante",
    "santé",
    "innovation",
    "numerique",
    "numérique",
    "motdepasse",
    "mot de passe",
    "password",
    "azerty",
)

LABELS = ("Très faible", "Faible", "Moyen", "Bon", "Très bon")

# zxcvbn's feedback, in French (every message of zxcvbn.feedback; tests/accounts/test_passwords.py checks that
# none is missing).
FRENCH = {
    "Use a few words, avoid common phrases.": "Assemblez quelques mots, en évitant les expressions courantes.",
    "No need for symbols, digits, or uppercase letters.": "Nul besoin de symboles, de chiffres ou de majuscules.",
    "Add another word or two. Uncommon words are better.": "Ajoutez un ou deux mots, de préférence peu courants.",
    "Straight rows of keys are easy to guess.": "Une rangée de touches du clavier se devine facilement.",
    "Short keyboard patterns are easy to guess.": "Un court motif du clavier se devine facilement.",
    "Use a longer keyboard pattern with more turns.": "Évitez les motifs du clavier.",
    'Repeats like "aaa" are easy to guess.': "Une répétition comme « aaa » se devine facilement.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        "Une répétition comme « abcabcabc » n’est guère plus difficile à deviner que « abc »."
    ),
    "Avoid repeated words and characters.": "Évitez de répéter des mots ou des caractères.",
    'Sequences like "abc" or "6543" are easy to guess.': "Une suite comme « abc » ou « 6543 » se devine facilement.",
    "Avoid sequences.": "Évitez les suites de lettres ou de chiffres.",
    "Recent years are easy to guess.": "Une année récente se devine facilement.",
    "Avoid recent years.": "Évitez les années récentes.",
    "Avoid years that are associated with you.": "Évitez les années qui vous concernent.",
    "Dates are often easy to guess.": "Une date se devine souvent facilement.",
    "Avoid dates and years that are associated with you.": "Évitez les dates et années qui vous concernent.",
    "This is a top-10 common password.": "Ce mot de passe fait partie des 10 plus utilisés.",
    "This is a top-100 common password.": "Ce mot de passe fait partie des 100 plus utilisés.",
    "This is a very common password.": "Ce mot de passe est très courant : il figure dans les listes de mots de passe dérobés.",
    "This is similar to a commonly used password.": "Ce mot de passe ressemble à un mot de passe très courant.",
    "A word by itself is easy to guess.": "Un mot seul se devine facilement.",
    "Names and surnames by themselves are easy to guess.": "Un prénom ou un nom seul se devine facilement.",
    "Common names and surnames are easy to guess.": "Les prénoms et noms courants se devinent facilement.",
    "Capitalization doesn't help very much.": "Une majuscule au début n’aide guère.",
    "All-uppercase is almost as easy to guess as all-lowercase.": (
        "Tout en majuscules se devine presque aussi facilement que tout en minuscules."
    ),
    "Reversed words aren't much harder to guess.": "Un mot écrit à l’envers n’est guère plus difficile à deviner.",
    "Predictable substitutions like '@' instead of 'a' don't help very much.": (
        "Remplacer « a » par « @ » (ou une autre substitution connue) n’aide guère."
    ),
}

# zxcvbn keeps the person's words in a module-level dictionary while it matches: one estimate at a time, or a
# concurrent request could be matched against another person's words.
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Strength:
    """An estimate: zxcvbn's score (0-4), its French label, a warning and advice (possibly empty)."""

    score: int
    warning: str
    advice: tuple[str, ...]

    @property
    def label(self) -> str:
        return LABELS[self.score]

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_SCORE

    def as_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "label": self.label,
            "warning": self.warning,
            "advice": list(self.advice),
        }


def _french(message: str) -> str:
    return FRENCH.get(message, "")


def person_words(*values: str) -> list[str]:
    """The words of a person an attacker would try: their e-mail, its local part, the words of both run together
    ("marie.dupont" gives "mariedupont") and one by one."""
    words: list[str] = []
    for value in values:
        value = value.strip().lower()
        if not value:
            continue
        local = value.split("@", 1)[0]
        parts = local.replace(".", " ").replace("-", " ").replace("_", " ").split()
        words.extend([value, local, "".join(parts), *parts])
    return list(dict.fromkeys(words))


def estimate(password: str, words: Iterable[str] = ()) -> Strength:
    """How hard `password` is to guess, given the person's `words` (see `person_words`)."""
    inputs = [*SERVICE_WORDS, *(word for word in words if word)]
    with _lock:
        result = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=inputs)
    feedback = result["feedback"]
    score = int(result["score"])
    warning = _french(feedback.get("warning") or "")
    advice = tuple(text for text in (_french(s) for s in feedback.get("suggestions") or []) if text)
    if score < MIN_SCORE and not warning and not advice:
        advice = (_french("Add another word or two. Uncommon words are better."),)
    return Strength(score=score, warning=warning, advice=advice)


def refusal(strength: Strength) -> str:
    """The form's message for a password too easy to guess: why, and what to do."""
    return " ".join(["Ce mot de passe est trop facile à deviner.", *filter(None, [strength.warning]), *strength.advice])
