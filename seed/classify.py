"""Transparent keyword rules: which health or technology sectors a French text names, and is it about health."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Each sector code (see seed/data/sectors.csv) maps to word-boundary patterns written on
# lowercased, accent-free text. Patterns are deliberately narrow: a missed sector is better
# than a wrong one shown to a user, and every match can be explained by pointing at a word.
# fmt: off
SECTOR_PATTERNS: dict[str, tuple[str, ...]] = {
    # health domains
    "cardio": (r"cardi(?:o\w*|aques?|ologi\w*)", r"coeur", r"hypertension\w*", r"infarctus", r"arythmi\w*",
               r"fibrillation\w*", r"thrombo\w*", r"anevrism\w*", r"vasculaires?", r"cardiovasculaires?"),
    "diabete": (r"diabet\w*", r"\w*glycemi\w*", r"insulin\w*", r"obesit\w*", r"maladies? metaboliques?",
                r"syndrome metabolique"),
    "oncologie": (r"cancer\w*", r"anticancer\w*", r"oncolog\w*", r"oncologique\w*", r"tumeurs?", r"tumora\w*",
                  r"chimiotherapi\w*", r"radiotherapi\w*", r"metasta\w*", r"leucemi\w*", r"lymphomes?", r"melanomes?",
                  r"carcinomes?", r"glioblastomes?", r"myelomes?", r"sarcomes?"),
    "sante_mentale": (r"sante mentale", r"psychiatr\w*", r"schizophren\w*", r"bipolaires?", r"autis\w*", r"addicti\w*",
                      r"anxi(?:ete|eux|euse)s?", r"antidepress\w*", r"depressi(?:on|f|ve|fs|ves)",
                      r"stress post-?traumatique", r"psychotherap\w*", r"troubles? psychiques?", r"burn-?out",
                      r"suicid\w*"),
    "neurologie": (r"neurolog\w*", r"alzheimer", r"parkinson\w*", r"epilep\w*", r"sclerose en plaques", r"avc",
                   r"accidents? vasculaires? cerebra\w*", r"neurodegenerat\w*", r"cerveau", r"cerebra\w*",
                   r"neurostimulation", r"neuromodulation", r"demences?", r"migraines?", r"moelle epiniere"),
    "vieillissement": (r"personnes? agees?", r"seniors?", r"ehpad", r"perte d'autonomie", r"maintien a domicile",
                       r"gerontolog\w*", r"geriatr\w*", r"bien vieillir", r"vieillissement de la population",
                       r"(?:detection|prevention|risques?) (?:de|des) chutes?"),
    "maladies_rares": (r"maladies? rares?", r"maladies? orphelines?", r"medicaments? orphelins?", r"mucoviscidose",
                       r"myopathi\w*", r"drepanocytose", r"hemophili\w*", r"dystrophies? musculaires?", r"duchenne"),
    "infectiologie": (r"infecti\w*", r"anti-?infecti\w*", r"antibio\w*", r"antibacterien\w*", r"virus",
                      r"vira(?:l|le|les|ux)", r"antivira\w*", r"vaccin\w*", r"sepsis", r"septicemi\w*", r"tuberculose",
                      r"paludisme", r"vih", r"sida", r"covid\w*", r"sars-cov-2", r"nosocomia\w*", r"pathogenes?",
                      r"antimicrobien\w*", r"bacteries? (?:pathogenes|resistantes|multiresistantes)"),
    "respiratoire": (r"respiratoires?", r"pulmonaires?", r"poumons?", r"asthm\w*", r"bpco", r"apnees?",
                     r"insuffisance respiratoire", r"bronch\w*", r"oxygenotherapi\w*",
                     r"ventilation (?:mecanique|non invasive|artificielle)"),
    "perinatalite": (r"perinata\w*", r"neonat\w*", r"nouveaux?-nes?", r"nourrissons?", r"prematur\w*", r"grossesses?",
                     r"femmes? enceintes?", r"accouchements?", r"maternites?", r"obstetri\w*", r"pediatri\w*",
                     r"infertilit\w*", r"fertilite", r"procreation", r"fecondation in vitro", r"allaitement",
                     r"post-?partum"),
    "sante_femmes": (r"endometriose", r"gynecolog\w*", r"menopause", r"sante (?:de la femme|des femmes)", r"perinee\w*",
                     r"cancers? du sein", r"col de l'uterus"),
    "dermatologie": (r"dermato\w*", r"peau", r"cutane\w*", r"plaies?", r"cicatris\w*", r"brulures?", r"psoriasis",
                     r"eczema\w*", r"escarres?"),
    "ophtalmologie": (r"ophtalm\w*", r"retine\w*", r"retinien\w*", r"cornee\w*", r"glaucome\w*", r"cataracte\w*",
                      r"dmla", r"malvoyan\w*", r"oculaires?", r"basse vision", r"troubles? visuels?"),
    "locomoteur": (r"rhumato\w*", r"arthros\w*", r"arthrite\w*", r"osteo\w*", r"orthoped\w*", r"articulaires?",
                   r"musculo-?squelettiques?", r"tendin\w*", r"rachis", r"colonne vertebrale", r"lombalgi\w*",
                   r"fractures? osseuses?", r"reeducation\w*", r"readaptation"),
    "soins_primaires": (r"soins primaires", r"medecins? generalistes?", r"medecine (?:generale|de ville)",
                        r"officines?", r"pharmaciens?", r"infirmi\w* liberaux?", r"cabinets? medicaux",
                        r"maisons? de sante", r"premier recours"),
    "urgences": (r"urgences?", r"samu", r"smur", r"reanimation", r"soins intensifs", r"soins critiques",
                 r"arret cardiaque", r"premiers secours", r"defibrillat\w*", r"traumatolog\w*"),
    "handicap": (r"handicap\w*", r"fauteuils? roulants?", r"non-?voyants?", r"aveugles?", r"sourds?", r"paraplegi\w*",
                 r"tetraplegi\w*", r"mobilite reduite", r"aidants?", r"accessibilite"),
    "chirurgie": (r"chirurg\w*", r"blocs? operatoires?", r"per-?operatoires?", r"post-?operatoires?",
                  r"pre-?operatoires?", r"anesthesi\w*", r"mini-?invasi\w*", r"laparoscop\w*", r"coelioscop\w*"),
    "nephro_uro": (r"rena(?:l|le|les|ux)", r"reins?", r"nephro\w*", r"dialyse\w*", r"urolog\w*", r"prostat\w*",
                   r"vessie", r"incontinence\w*", r"urinaires?"),
    "digestif": (r"digesti\w*", r"gastr\w*", r"intestin\w*", r"microbiote\w*", r"colorecta\w*", r"hepati\w*", r"foie",
                 r"nash", r"steatose\w*", r"crohn", r"pancrea\w*"),
    "immunologie": (r"immun\w*", r"auto-?immun\w*", r"inflammat\w*", r"allergi\w*", r"polyarthrite\w*", r"lupus"),
    "bucco_dentaire": (r"dentaires?", r"dents?", r"bucco-?dentaires?", r"orthodont\w*", r"odontolog\w*", r"parodont\w*",
                       r"caries?"),
    "audition": (r"audition", r"auditi(?:f|fs|ve|ves)", r"surdit\w*", r"malentendant\w*", r"cochle\w*", r"acouphenes?",
                 r"orl", r"audioprothe\w*"),
    "douleur": (r"douleurs?", r"antalgi\w*", r"analgesi\w*"),
    "prevention": (r"prevention", r"depistage\w*", r"sante publique", r"activite physique", r"sport-?sante",
                   r"education therapeutique", r"epidemiolog\w*", r"nutrition\w*"),
    # technology domains
    "telemedecine": (r"telemedecine",
                     r"tele-?(?:consultation|expertise|surveillance|suivi|assistance|soin|soins|monitoring|readaptation|reeducation|sante)s?",
                     r"(?:suivi|surveillance|monitoring) a distance", r"hospitalisation a domicile",
                     r"monitorage\w* a domicile"),
    "ia": (r"intelligence artificielle", r"ia", r"apprentissage (?:automatique|profond)", r"machine learning",
           r"deep learning", r"reseaux? de neurones", r"vision par ordinateur", r"traitement automatique du langage",
           r"modeles? de fondation", r"algorithmes? predictifs?", r"gpt", r"llm"),
    "objets_connectes": (r"objets? connectes?", r"connecte(?:e|es|s)?", r"capteurs?", r"iot", r"internet des objets",
                         r"wearables?", r"textiles? intelligents?", r"montres? connectees?", r"bluetooth", r"sans fil"),
    "dispositifs_medicaux": (r"dispositifs? medica\w*", r"medtech", r"implants?", r"implantables?", r"protheses?",
                             r"catheters?", r"stents?", r"instruments? chirurgica\w*", r"pansements?", r"ortheses?",
                             r"pompes? a insuline", r"sondes?"),
    "therapies_numeriques": (r"therap(?:ies?|eutiques?) numeriques?", r"serious games?", r"jeux? serieux",
                             r"applications? (?:mobiles? )?(?:therapeutiques?|de sante)", r"e-?medicaments?",
                             r"digital therapeutics?", r"dtx"),
    "donnees_sante": (r"donnees (?:de sante|medicales|patients?|cliniques|de vie reelle)", r"big data",
                      r"entrepots? de donnees", r"interoperabilit\w*", r"dossiers? (?:medica\w*|patients?|de sante)",
                      r"bases? de donnees", r"cohortes?", r"hebergement de donnees", r"snds", r"fhir",
                      r"donnees massives", r"bases? de connaissances?"),
    "robotique": (r"robot\w*", r"cobot\w*", r"exosquelette\w*", r"mecatroni\w*"),
    "imagerie": (r"imager\w*", r"images? medicales?", r"radiolog\w*", r"irm", r"scanners?", r"echograph\w*",
                 r"ultrasons?", r"tomograph\w*", r"radiograph\w*", r"mammograph\w*", r"microscop\w*", r"endoscop\w*",
                 r"rayons x", r"medecine nucleaire"),
    "biotech": (r"biotech\w*", r"anticorps", r"proteines? (?:recombinantes?|therapeutiques?)", r"bioproduction",
                r"biomedicaments?", r"peptid\w*", r"enzym\w*", r"biomateriau\w*", r"biocapteurs?"),
    "genomique": (r"genom\w*", r"genetiques?", r"adn", r"arn\w*", r"sequencage\w*",
                  r"medecine (?:personnalisee|de precision)", r"bioinformati\w*", r"transcriptom\w*", r"epigenet\w*",
                  r"crispr", r"genes?", r"proteomi\w*", r"metabolomi\w*"),
    "formation": (r"e-?learning",
                  r"formations? (?:medicales?|continues?|en sante)",
                  r"formations? des (?:professionnels|soignants|medecins|chirurgiens|infirmiers)",
                  r"simulat(?:ion|eur)s? (?:medica\w*|chirurgica\w*|en sante)", r"pedagogi\w*", r"enseignement"),
    "coordination": (r"coordination", r"parcours (?:de soins?|patients?|de sante)",
                     r"logiciels? (?:de gestion|hospitaliers?|medica\w*|metiers?)", r"dossiers? (?:patients?|de soins)",
                     r"planification des (?:soins|rendez-vous|interventions|equipes)", r"rendez-vous",
                     r"messageries? securisees?", r"gestion (?:hospitaliere|des soins|des lits)"),
    "medicament": (r"medicaments?", r"candidats?-medicaments?", r"pharmaceuti\w*", r"pharmacolog\w*",
                   r"principes? actifs?", r"essais? (?:cliniques?|therapeutiques?)", r"galenique\w*", r"preclinique\w*",
                   r"petites? molecules?", r"molecules? therapeutiques?"),
    "diagnostic_in_vitro": (r"diagnostics? in vitro", r"biomarqueurs?",
                            r"tests? (?:diagnostiques?|rapides?|sanguins?|biologiques?|de diagnostic|de depistage)",
                            r"kits? de diagnostic", r"biopuces?", r"puces? a adn", r"lab-?on-?(?:a-)?chip",
                            r"biologie medicale", r"biopsies? liquides?", r"diagnostic moleculaire", r"pcr",
                            r"immuno-?essais?", r"prelevements? sanguins?"),
    "realite_virtuelle": (r"realite (?:virtuelle|augmentee|mixte)", r"casques? de realite", r"metavers\w*",
                          r"immersi(?:f|ve|fs|ves|on)"),
    "therapie_cellulaire": (r"therapies? (?:cellulaires?|geniques?)", r"cellules? souches?", r"car-?t",
                            r"medecine regenerative", r"ingenierie tissulaire", r"vecteurs? viraux", r"organoides?",
                            r"bio-?impression", r"greffes?"),
}
# fmt: on

# i-Lab "Domaine technologique" → technology code used only when the text names no technology.
DOMAIN_FALLBACK: dict[str, str] = {
    "Biotechnologies et pharmacie": "biotech",
    "Pharmacie, Sciences du vivant & Biotechnologies": "biotech",
    "Pharmacie & biotechnologies": "biotech",
    "Technologies médicales": "dispositifs_medicaux",
}

TECHNOLOGY_CODES = frozenset(
    {
        "telemedecine",
        "ia",
        "objets_connectes",
        "dispositifs_medicaux",
        "therapies_numeriques",
        "donnees_sante",
        "robotique",
        "imagerie",
        "biotech",
        "genomique",
        "formation",
        "coordination",
        "medicament",
        "diagnostic_in_vitro",
        "realite_virtuelle",
        "therapie_cellulaire",
    }
)

_COMPILED: dict[str, re.Pattern[str]] = {
    code: re.compile(r"\b(?:" + "|".join(patterns) + r")\b") for code, patterns in SECTOR_PATTERNS.items()
}

# Evidence families for "is this text about human health?". One family is not enough on its
# own (a "diagnostic" of a battery, a mould "for the medical market"): see is_health_related.
HEALTH_FAMILIES: dict[str, str] = {
    "sante": r"sante",
    "sante_ctx": r"(?:professions?|professionnels?|domaine|secteur|systeme|acteurs?|etablissements?|donnees|parcours|"
    r"structures?|services?|produits?|applications?|objets?) de (?:la )?sante|e-sante|"
    r"sante (?:connectee|numerique|mentale|publique)",
    "medical": r"medica(?:l|le|les|ux)|medecins?|medecine|biomedica\w*",
    "patient": r"patients?|patientes?",
    "hopital": r"hopita(?:l|ux)|hospitali\w*|clinique|cliniques|cliniciens?",
    "soin": r"soins?|soignants?|infirmi\w*",
    "therapie": r"therapeutiques?|therapies?|traitements? medica\w*|medicaments?",
    "chirurgie": r"chirurg\w*",
    "handicap": r"handicap\w*|fauteuils? roulants?|malvoyants?|non-?voyants?|sourds?",
    "age": r"personnes? agees?|ehpad|perte d'autonomie|maintien a domicile|dependance",
    "maladie": r"maladies?|pathologies?|malades?|diabet\w*|cancers?|tumeurs?|alzheimer|parkinson\w*|avc",
    "telesante": r"telemedecine|tele-?(?:consultation|expertise|surveillance|sante)s?",
    "diagnostic": r"diagnostics?",
    "specialite": r"cardiaques?|cardiolog\w*|neurolog\w*|neurophysiolog\w*|orthoped\w*|ophtalmolog\w*|dentaires?|"
    r"radiologie|radiologues?|oncolog\w*|psychiatr\w*|reeducation|geriatr\w*|pediatr\w*",
}
_FAMILY_RE = {name: re.compile(r"\b(?:" + pattern + r")\b") for name, pattern in HEALTH_FAMILIES.items()}
# Families strong enough to decide alone when they appear in the one-line pitch (Moto).
_WEAK = frozenset({"sante", "diagnostic"})
# Phrases that use health words about plants, animals, machines or materials.
_NON_HUMAN = re.compile(
    r"\b(?:maladies? (?:des |de la )?(?:cultures?|plantes?|vegeta\w*|vigne|arbres?|animaux|poissons?)"
    r"|sante (?:des |de la |du )?(?:plantes?|sols?|cultures?|batteries?|materiaux|ouvrages?|structures?|machines?|"
    r"animaux|abeilles?|ruches?|foret\w*|reseaux?)"
    r"|sante animale|veterinaire\w*|diagnostics? (?:de |des )?(?:batteries?|pannes?|reseaux?|moteurs?|machines?)"
    r"|dependances? (?:energetique|aux energies))\b"
)

_ANIMAL = re.compile(r"\b(?:bovins?|cheptels?|elevages?|eleveurs?|veterinaires?|animaux d'elevage)\b")


def normalise(text: str) -> str:
    """Lowercase, strip accents and ligatures so that patterns can be written in plain ASCII."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def classify(texts: Iterable[str | None]) -> tuple[str, ...]:
    """Sector codes whose keywords appear in the texts, sorted."""
    joined = normalise(" ".join(t for t in texts if t))
    return tuple(sorted(code for code, pattern in _COMPILED.items() if pattern.search(joined)))


def domain_fallback(domain: str) -> str | None:
    """Technology code implied by an i-Lab "Domaine technologique", used when the text names none."""
    return DOMAIN_FALLBACK.get(domain.strip())


def health_evidence(text: str) -> tuple[str, ...]:
    """Health evidence families found in a French text, ignoring plant/animal/machine uses."""
    cleaned = _NON_HUMAN.sub(" ", normalise(text))
    return tuple(name for name, pattern in _FAMILY_RE.items() if pattern.search(cleaned))


def is_health_related(title: str, summary: str) -> bool:
    """True when a pitch is clearly about human health: a strong family in the title, or enough evidence overall."""
    if _ANIMAL.search(normalise(f"{title} {summary}")):
        return False  # livestock and veterinary projects use the same words but are outside a human-health hub
    # "santé" and "diagnostic" are ambiguous ("respectueux de la santé", diagnosing a network): they weigh
    # half a family, and a bare "santé" is dropped when a more specific "… de santé" phrase already counts.
    if set(health_evidence(title)) - _WEAK:
        return True
    families = set(health_evidence(f"{title} {summary}"))
    if "sante_ctx" in families:
        families.discard("sante")
    score = sum(0.5 if name in _WEAK else 1.0 for name in families)
    return score >= 1.5
