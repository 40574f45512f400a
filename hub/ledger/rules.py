"""The rules of the bank a request can break: a stable code and a French reason for each."""

from __future__ import annotations

from enum import StrEnum

from hub.errors import HubError


class Rule(StrEnum):
    """Why a request was refused (the code is stable; clients may match on it)."""

    AMOUNT_NOT_WHOLE = "amount_not_whole"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    CAP_EXCEEDED = "cap_exceeded"
    POOL_INSUFFICIENT = "pool_insufficient"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    NOT_ELIGIBLE = "not_eligible"
    NOT_LISTED = "not_listed"
    NO_DECLARATION = "no_declaration"
    NOT_APPROVER = "not_approver"
    SELF_APPROVAL = "self_approval"
    ALREADY_DECIDED = "already_decided"
    EXPIRED = "expired"
    CONFLICT_STAKE = "conflict_stake"
    CONFLICT_LEAD = "conflict_lead"
    CONFLICT_EMPLOYER = "conflict_employer"
    NO_STAKE_RULE = "no_stake_rule"
    KEY_MISSING = "key_missing"
    KEY_REUSED = "key_reused"
    NOT_FOUND = "not_found"
    ALREADY_REVERSED = "already_reversed"
    ACCOUNTS_MISMATCH = "accounts_mismatch"


REASONS = {
    Rule.AMOUNT_NOT_WHOLE: "La durée doit être un nombre entier de minutes.",
    Rule.AMOUNT_NOT_POSITIVE: "La durée doit être supérieure à zéro.",
    Rule.CAP_EXCEEDED: "Ce versement dépasse le plafond prévu par la convention pour la période.",
    Rule.POOL_INSUFFICIENT: "La réserve de la convention ne contient pas assez d’heures disponibles.",
    Rule.INSUFFICIENT_BALANCE: "Le solde du compte ne permet pas cette opération.",
    Rule.NOT_ELIGIBLE: "Seuls les salariés de l’employeur signataire de la convention peuvent verser des heures.",
    Rule.NOT_LISTED: "La convention réserve les versements aux personnes désignées par l’employeur ; vous n’en faites pas partie.",
    Rule.NO_DECLARATION: "Une déclaration publique d’intérêts à jour est nécessaire pour cette opération.",
    Rule.NOT_APPROVER: "Vous n’êtes pas désigné pour valider cette demande.",
    Rule.SELF_APPROVAL: "On ne peut pas valider sa propre demande.",
    Rule.ALREADY_DECIDED: "Cette demande a déjà été acceptée ou refusée.",
    Rule.EXPIRED: "Cette demande a expiré.",
    Rule.CONFLICT_STAKE: "Conflit d’intérêts : vous détenez un intéressement dans le projet concerné.",
    Rule.CONFLICT_LEAD: "Conflit d’intérêts : vous pilotez le projet concerné.",
    Rule.CONFLICT_EMPLOYER: "Conflit d’intérêts : vous êtes salarié du porteur du projet concerné.",
    Rule.NO_STAKE_RULE: "Le projet n’a pas encore publié sa règle de conversion des heures en intéressement.",
    Rule.KEY_MISSING: "Chaque demande doit porter une clé d’idempotence.",
    Rule.KEY_REUSED: "Cette clé d’idempotence a déjà servi pour une autre demande.",
    Rule.NOT_FOUND: "Cette demande est introuvable.",
    Rule.ALREADY_REVERSED: "Cette opération a déjà été annulée par une contre-passation.",
    Rule.ACCOUNTS_MISMATCH: "Un virement relie deux comptes différents qui comptent la même unité.",
}

STATUS = {Rule.NOT_APPROVER: 403, Rule.NOT_FOUND: 404, Rule.ALREADY_DECIDED: 409, Rule.KEY_REUSED: 409}


class Refusal(HubError):
    """A request the bank refuses; `rule` names the rule, the message says it in French."""

    title = "Demande refusée"

    def __init__(self, rule: Rule) -> None:
        super().__init__(REASONS[rule])
        self.rule = rule
        self.status_code = STATUS.get(rule, 422)


# Short names of the rules, shown with each refusal so that a person knows which rule applied.
NAMES = {
    Rule.AMOUNT_NOT_WHOLE: "Minutes entières",
    Rule.AMOUNT_NOT_POSITIVE: "Durée positive",
    Rule.CAP_EXCEEDED: "Plafond de la convention",
    Rule.POOL_INSUFFICIENT: "Réserve suffisante",
    Rule.INSUFFICIENT_BALANCE: "Solde suffisant",
    Rule.NOT_ELIGIBLE: "Salariés de l’employeur signataire",
    Rule.NOT_LISTED: "Personnes désignées par la convention",
    Rule.NO_DECLARATION: "Déclaration d’intérêts à jour",
    Rule.NOT_APPROVER: "Valideur désigné",
    Rule.SELF_APPROVAL: "Pas de validation de sa propre demande",
    Rule.ALREADY_DECIDED: "Une seule décision par demande",
    Rule.EXPIRED: "Délai de validation",
    Rule.CONFLICT_STAKE: "Conflit d’intérêts : intéressement détenu",
    Rule.CONFLICT_LEAD: "Conflit d’intérêts : pilotage du projet",
    Rule.CONFLICT_EMPLOYER: "Conflit d’intérêts : salarié du porteur",
    Rule.NO_STAKE_RULE: "Règle d’intéressement publiée",
    Rule.KEY_MISSING: "Clé d’idempotence",
    Rule.KEY_REUSED: "Clé d’idempotence à usage unique",
    Rule.NOT_FOUND: "Demande existante",
    Rule.ALREADY_REVERSED: "Une seule contre-passation",
    Rule.ACCOUNTS_MISMATCH: "Deux comptes distincts de même unité",
}
