"""What a journal row says in French: each action's label and sentence, each before/after
field's label, each coded value's label, and the French form of every value.

One registry, filled with the core's own actions here and by each app from its
``AppConfig.ready()`` (``dossiers.journal``, ``enveloppes.journal``, ``indicateurs.journal``):
the core never imports a domain app. ``tests/journal/test_libelles.py`` fails on an action
written anywhere in the code without its label here.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from hn import formats
from hn.comptes.enums import Perimetre, Role
from hn.dates import PARIS

VIDE = "—"
INSECABLE = "\u00a0"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_HEURE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class Action:
    """``phrase``: the sentence, ``{acteur}`` standing for who acted ("Le système" for the
    platform itself). ``resume(avant, apres)``: what follows the sentence after " — " ("" for
    nothing). ``cles``: the label of a key that is a code (a prérequis, a domaine), not a field;
    ``valeurs``: per field, the labels of its codes in this action (``"*"``: under such keys)."""

    libelle: str
    phrase: str
    resume: Callable[[dict, dict], str] | None = None
    cles: Callable[[str], str] | None = None
    valeurs: dict[str, dict[str, str]] = field(default_factory=dict)


ACTIONS: dict[str, Action] = {}
CHAMPS: dict[str, str] = {}
VALEURS: dict[str, dict[str, str]] = {}
MONTANTS: set[str] = set()
NOMBRES: set[str] = set()  # stored as text ("95.00"), shown as numbers ("95")
# field -> function giving its rows ``[(label, text)]`` (a list of ledger movements: one row each)
DETAILS: dict[str, Callable[[object], list[tuple[str, str]]]] = {}


def action(code: str, libelle: str, phrase: str, **options) -> None:
    ACTIONS[code] = Action(libelle, phrase, **options)


def champs(
    libelles: dict[str, str], *, montants=(), nombres=(), valeurs=None, details=None
) -> None:
    """Field labels (a field of a list of objects as ``"liste.champ"``), the fields in euros,
    the numbers stored as text, the labels of coded values (``{champ: choices}``), the fields
    rendered row by row."""
    CHAMPS.update(libelles)
    MONTANTS.update(montants)
    NOMBRES.update(nombres)
    for nom, choix in (valeurs or {}).items():
        VALEURS[nom] = {str(cle): str(libelle) for cle, libelle in dict(choix).items()}
    DETAILS.update(details or {})


# --- values in French -----------------------------------------------------------------------------


def euros(valeur) -> str:
    """ "68 571 €", "1 234,50 €" (:func:`hn.formats.euros`); a value that is not a number as it
    is."""
    return formats.euros(valeur) if formats.decimal(valeur) is not None else str(valeur)


def _date_ou_heure(valeur):
    """A date or datetime as the journal stores them (ISO text in JSON), or None."""
    if isinstance(valeur, datetime.datetime):
        return valeur
    if isinstance(valeur, datetime.date):
        return valeur
    if isinstance(valeur, str):
        try:
            if _DATE.fullmatch(valeur):
                return datetime.date.fromisoformat(valeur)
            if _DATE_HEURE.match(valeur):
                return datetime.datetime.fromisoformat(valeur)
        except ValueError:
            return None
    return None


def date_francaise(valeur) -> str | None:
    lu = _date_ou_heure(valeur)
    if isinstance(lu, datetime.datetime):
        if timezone.is_aware(lu):
            lu = timezone.localtime(lu, PARIS)
        return f"{lu:%d/%m/%Y %H:%M}"
    if isinstance(lu, datetime.date):
        return f"{lu:%d/%m/%Y}"
    return None


def texte_valeur(champ: str, valeur, action: Action | None = None) -> str:
    """A before/after value in French: "—" when empty, Oui/Non, a code's label, an amount in
    euros, a date dd/mm/yyyy, a list joined by commas, a dict as "label : value ; ..."."""
    if valeur is None or valeur == "" or valeur == [] or valeur == {}:
        return VIDE
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, list | tuple):
        return ", ".join(texte_valeur(champ, v, action) for v in valeur)
    if isinstance(valeur, dict):
        return " ; ".join(
            f"{libelle_champ(k, action, parent=champ)} : {texte_valeur(k, v, action)}"
            for k, v in valeur.items()
        )
    nom = champ.rsplit(".", 1)[-1]
    if champ in MONTANTS or nom in MONTANTS:
        return euros(valeur)
    if (champ in NOMBRES or nom in NOMBRES) and formats.decimal(valeur) is not None:
        return formats.nombre(valeur)
    codes = _codes(champ, action)
    if codes and str(valeur) in codes:
        return codes[str(valeur)]
    if isinstance(valeur, int | float | Decimal):
        return formats.nombre(valeur)
    texte = str(valeur)
    return date_francaise(texte) or texte


def _codes(champ: str, action: Action | None) -> dict[str, str] | None:
    if action is not None:
        if champ in action.valeurs:
            return action.valeurs[champ]
        if action.cles is not None and champ not in CHAMPS and "*" in action.valeurs:
            return action.valeurs["*"]
    return VALEURS.get(champ) or VALEURS.get(champ.rsplit(".", 1)[-1])


# --- labels ---------------------------------------------------------------------------------------


def libelle_action(code: str) -> str:
    connue = ACTIONS.get(code)
    return connue.libelle if connue else code.replace("_", " ").capitalize()


def _champ_du_modele(nom: str, objet_type: str) -> str | None:
    """The verbose name of a model's field, for a row tracing any model (the référentiel's
    administration records its objects' fields)."""
    if "." not in objet_type:
        return None
    try:
        modele = apps.get_model(objet_type)
    except LookupError:
        return None
    for f in modele._meta.concrete_fields:
        if nom in (f.name, f.attname):
            return str(f.verbose_name).capitalize()
    try:
        champ = modele._meta.get_field(nom)
    except FieldDoesNotExist:
        return None
    # A reverse relation (the GHT dossier's "membres") is named by its model.
    libelle = getattr(champ, "verbose_name", None) or champ.related_model._meta.verbose_name_plural
    return str(libelle).capitalize()


def libelle_connu(nom: str, action: Action | None = None, *, parent="", objet_type="") -> str:
    """The label of a before/after key, or "" when nothing names it."""
    return (
        (CHAMPS.get(f"{parent}.{nom}") if parent else None)
        or CHAMPS.get(nom)
        or (action.cles(nom) if action is not None and action.cles is not None else None)
        or _champ_du_modele(nom, objet_type)
        or ""
    )


def libelle_champ(nom: str, action: Action | None = None, *, parent="", objet_type="") -> str:
    return (
        libelle_connu(nom, action, parent=parent, objet_type=objet_type)
        or nom.replace("_", " ").capitalize()
    )


# --- the core's own actions -----------------------------------------------------------------------

action("connexion", "Connexion", "{acteur} s’est connecté")
action("deconnexion", "Déconnexion", "{acteur} s’est déconnecté")
action("connexion_echouee", "Connexion échouée", "Échec d’une connexion")
action("connexion_bloquee", "Connexions bloquées", "Les connexions d’un compte ont été bloquées")
action("connexion_debloquee", "Connexions débloquées", "{acteur} a débloqué les connexions")
action("mot_de_passe_demande", "Mot de passe oublié", "Réinitialisation du mot de passe demandée")
action("mot_de_passe_modifie", "Mot de passe modifié", "{acteur} a modifié son mot de passe")
action(
    "mot_de_passe_reinitialise",
    "Mot de passe réinitialisé",
    "{acteur} a réinitialisé son mot de passe",
)
action(
    "mfa_activee", "Double authentification activée", "{acteur} a activé la double authentification"
)
action(
    "mfa_codes_regeneres",
    "Codes de secours régénérés",
    "{acteur} a régénéré ses codes de secours",
)
action(
    "mfa_reinitialisee",
    "Double authentification réinitialisée",
    "{acteur} a réinitialisé la double authentification du compte",
)
action("mfa_echec", "Code de double authentification refusé", "{acteur} a saisi un code refusé")
action("jeton_api", "Jeton d’API délivré", "{acteur} a obtenu un jeton d’API")
action("jeton_revoque", "Jeton d’API révoqué", "{acteur} a révoqué un jeton d’API")
action("compte_cree", "Compte créé", "{acteur} a créé le compte")
action("role_attribue", "Rôle attribué", "{acteur} a attribué un rôle")
action("role_retire", "Rôle retiré", "{acteur} a retiré un rôle")
action("referentiel_cree", "Référentiel : ajout", "{acteur} a ajouté un élément du référentiel")
action(
    "referentiel_modifie",
    "Référentiel : modification",
    "{acteur} a modifié un élément du référentiel",
)

champs(
    {
        "code": "Code",
        "type": "Type",
        "id": "Identifiant",
        "role": "Rôle",
        "perimetre": "Périmètre",
        "portee": "Portée",
        "username": "Identifiant",
        "email": "Adresse électronique",
        "commentaire": "Commentaire",
        "motif": "Motif",
        "domaine": "Domaine",
        "domaines": "Domaines",
        "programme": "Programme",
        "echeance": "Échéance",
        "nom": "Nom",
        "numero": "Numéro",
        "texte": "Texte",
        "annee": "Année",
    },
    valeurs={"role": Role.choices, "perimetre": Perimetre.choices},
)
