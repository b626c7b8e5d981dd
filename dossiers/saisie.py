"""The ES's saisie of a dossier, page by page or whole (API): every field checked, every
error collected, then all saved or nothing (``enregistrer_saisie``). Numbers are read by
:mod:`hn.saisie`, the one parser of typed numbers."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from dossiers.actions import (
    DossierError,
    TransitionRefusee,
    tracer_dossier,
    verrouiller,
)
from dossiers.contenu import contenu
from dossiers.enums import Avancement, TypeContact
from dossiers.ght import candidats
from dossiers.models import Contact, DomaineDossier, Dossier, ValeurIndicateur
from hn.champs import (
    booleen_ou_erreur,
    date_ou_erreur,
    decimal_ou_erreur,
    oui_non,
    texte_ou_erreur,
)
from hn.comptes.perms import peut_saisir

# ---------------------------------------------------------------------------------

TEXTE_MAX = 10_000
COUT_MAX = Decimal("9999999999.99")  # DomaineDossier.cout: 12 digits, 2 decimals
CONTACT_MAX = {"nom": 150, "fonction": 150, "email": 254, "telephone": 30}


def _liste_d_objets(data: dict, cle: str, errors: dict) -> list[dict]:
    valeur = data.get(cle, [])
    if not isinstance(valeur, list) or not all(isinstance(i, dict) for i in valeur):
        errors.setdefault(cle, []).append("Une liste d'objets est attendue.")
        return []
    return valeur


CHAMPS_TEXTE = (
    "commentaire_etablissement",
    "commentaire_contacts",
    "partenaires",
    "description_projet",
    "motivation",
)


COUT = {
    "minimum": 0,
    "max_digits": 12,
    "decimal_places": 2,
    "messages": {
        "minimum": "La valeur doit être ≥ {minimum}.",
        "maximum": "Montant trop élevé (9 999 999 999,99 € au plus).",
    },
}
VALEUR_INDICATEUR = {"minimum": 0, "maximum": 100, "max_digits": 6, "decimal_places": 2}


@transaction.atomic
def enregistrer_saisie(*, dossier, data: dict, acting_user) -> Dossier:
    """Apply the ES's edits (any subset of the content). All or nothing: a single invalid
    value refuses the whole save with French messages per field."""
    dossier = verrouiller(dossier)
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement peut saisir ce dossier.")
    if not dossier.editable:
        raise TransitionRefusee(
            f"Le dossier est « {dossier.get_etat_display()} » : il n'est plus modifiable.",
            dossier.etat,
        )
    avant = contenu(dossier)
    errors: dict = {}
    listes = {k: _liste_d_objets(data, k, errors) for k in ("contacts", "domaines", "indicateurs")}
    _saisir_engagements_et_textes(dossier, data, errors)
    contacts = _contacts_saisis(listes["contacts"], errors)
    domaines = _saisir_domaines(dossier, listes["domaines"], errors)
    valeurs = _valeurs_saisies(dossier, listes["indicateurs"], errors)
    _saisir_conditions_ght(dossier, data, contacts, errors)
    if errors:
        raise DossierError("Certaines valeurs sont invalides ; rien n'a été enregistré.", errors)

    dossier.save(update_fields=["engagements", "mutualise", *CHAMPS_TEXTE, *CHAMPS_GHT])
    for type_, valeurs_contact in contacts:
        Contact.objects.update_or_create(
            dossier=dossier,
            type=type_,
            defaults=valeurs_contact,
        )
    for dd in domaines:
        dd.save(update_fields=["demande", "avancement", "date_cible", "cout"])
    for ind, valeur, non_applicable, membre in valeurs:
        ValeurIndicateur.objects.update_or_create(
            dossier=dossier,
            indicateur=ind,
            etablissement=membre,
            defaults={"valeur": valeur, "non_applicable": non_applicable},
        )
    apres = contenu(dossier)
    changes = {k for k in apres if apres[k] != avant[k]}
    if changes:
        tracer_dossier(
            "dossier_saisi",
            dossier,
            acting_user,
            avant={k: avant[k] for k in changes},
            apres={k: apres[k] for k in changes},
            reserve_etablissement=True,
        )
    return dossier


def _saisir_engagements_et_textes(dossier, data: dict, errors: dict) -> None:
    """The ticked engagements, the free texts and the "mutualisé" box, set on ``dossier``
    (saved by the caller once everything is valid)."""
    codes_engagements = set(dossier.programme.engagements.values_list("code", flat=True))
    brut = data.get("engagements", dossier.engagements)
    if not isinstance(brut, list) or not all(isinstance(c, str) for c in brut):
        errors["engagements"] = ["Une liste de codes d'engagement est attendue."]
        brut = dossier.engagements
    engagements = set(brut)
    if engagements - codes_engagements:
        errors["engagements"] = ["Engagement inconnu pour ce programme."]
    autres = set(data) - {"engagements"}
    if autres and not codes_engagements <= engagements:
        errors["engagements"] = [
            "Cochez toutes les cases d'engagement avant de saisir le reste du dossier."
        ]
    dossier.engagements = sorted(engagements)
    for champ in CHAMPS_TEXTE:
        if champ in data:
            valeur = texte_ou_erreur(data[champ], champ, errors, longueur=TEXTE_MAX)
            if valeur is not None:
                setattr(dossier, champ, valeur)
    if "mutualise" in data:
        mutualise = booleen_ou_erreur(data["mutualise"], "mutualise", errors)
        if mutualise is not None:
            dossier.mutualise = mutualise
    if not dossier.mutualise:
        dossier.partenaires = ""  # the field only exists when the box is ticked [000 A9 §9]


REPONSES_CONVERGENCE = {
    True: True,
    "oui": True,
    "true": True,
    False: False,
    "non": False,
    "false": False,
}
CHAMPS_GHT = ("validation_directeur_support", "dsi_ght_valide", "convergence")


def _saisir_conditions_ght(dossier, data: dict, contacts, errors: dict) -> None:
    """The GHT conditions [SPEC §10], set on ``dossier`` (saved by the caller): the support
    director's validations and the convergence answers ``{code: true/false/"oui"/"non"}``
    merged into the saved ones (null forgets an answer). A single ES's dossier has none."""
    saisis = [c for c in CHAMPS_GHT if c in data]
    if not dossier.est_ght:
        for champ in saisis:
            errors.setdefault(champ, []).append("Réservé aux dossiers de GHT.")
        if any(type_ == TypeContact.DSI_GHT for type_, _ in contacts):
            errors.setdefault("contacts", []).append(
                "Le DSI du GHT est réservé aux dossiers de GHT."
            )
        return
    for champ in ("validation_directeur_support", "dsi_ght_valide"):
        if champ in data:
            valeur = booleen_ou_erreur(data[champ], champ, errors)
            if valeur is not None:
                setattr(dossier, champ, valeur)
    if "convergence" not in data:
        return
    brut = data["convergence"]
    if not isinstance(brut, dict):
        errors["convergence"] = ["Un objet {code de l'indicateur : oui ou non} est attendu."]
        return
    codes = set(
        dossier.programme.indicateurs.exclude(declinaison_ght="").values_list("code", flat=True)
    )
    convergence = dict(dossier.convergence)
    for code, reponse in brut.items():
        if code not in codes:
            errors.setdefault("convergence", []).append(
                f"Indicateur de convergence inconnu : {code}."
            )
            continue
        if reponse in (None, ""):
            convergence.pop(code, None)
            continue
        valeur = REPONSES_CONVERGENCE.get(
            reponse.strip().lower() if isinstance(reponse, str) else reponse
        )
        if valeur is None or not isinstance(reponse, (str, bool)):
            errors.setdefault(f"convergence.{code}", []).append("Répondez oui ou non.")
            continue
        convergence[code] = valeur
    dossier.convergence = dict(sorted(convergence.items()))


def _contacts_saisis(items: list[dict], errors: dict) -> list[tuple[str, dict]]:
    """``(type, {field: value})`` of each valid contact typed."""
    contacts = []
    for item in items:
        type_ = item.get("type")
        if not isinstance(type_, str) or type_ not in TypeContact.values:
            errors.setdefault("contacts", []).append(f"Type de contact inconnu : {type_}.")
            continue
        valeurs_contact = {}
        for champ, maximum in CONTACT_MAX.items():
            cle = f"contacts.{type_}.{champ}"
            valeur = texte_ou_erreur(
                item.get(champ),
                cle,
                errors,
                longueur=maximum,
                multiligne=False,
                messages={"longueur": f"{maximum} caractères au plus."},
            )
            if valeur is None:
                continue
            if champ == "email" and valeur:
                try:
                    validate_email(valeur)
                except ValidationError:
                    errors.setdefault(cle, []).append("Adresse électronique invalide.")
            valeurs_contact[champ] = valeur
        contacts.append((type_, valeurs_contact))
    return contacts


def _saisir_domaines(dossier, items: list[dict], errors: dict) -> list[DomaineDossier]:
    """The domaines ``items`` name, with the typed fields set (saved by the caller)."""
    domaines = {dd.domaine.code: dd for dd in dossier.domaines.select_related("domaine")}
    saisis = {}
    for item in items:
        code = item.get("code")
        code = code.upper() if isinstance(code, str) else ""
        dd = domaines.get(code)
        if dd is None:
            errors.setdefault("domaines", []).append(f"Domaine inconnu : {item.get('code')}.")
            continue
        if "demande" in item:
            demande = booleen_ou_erreur(item["demande"], f"domaines.{code}.demande", errors)
            dd.demande = dd.demande if demande is None else demande
        if "avancement" in item:
            if not _code_permis(item["avancement"], Avancement.values):
                errors.setdefault(f"domaines.{code}.avancement", []).append(
                    "État d'avancement inconnu."
                )
            else:
                dd.avancement = item["avancement"] or ""
        if "date_cible" in item:
            dd.date_cible = date_ou_erreur(
                item["date_cible"], f"domaines.{code}.date_cible", errors
            )
        if "cout" in item:
            dd.cout = decimal_ou_erreur(item["cout"], f"domaines.{code}.cout", errors, **COUT)
        saisis[code] = dd
    return list(saisis.values())


def _membre_saisi(item, ind, membres, errors) -> tuple[bool, object]:
    """(valid, the GHT member the value is for — None for a dossier-level value) of one
    typed value: a GHT dossier's domaine indicators take one value per candidate member
    (``"finess"``), its prérequis and a single ES's indicators one value [SPEC §10]."""
    finess = item.get("finess")
    par_membre = membres is not None and ind.domaine_id is not None
    if finess in (None, ""):
        if par_membre:
            errors.setdefault(f"indicateurs.{ind.code}", []).append(
                f"Dossier de GHT : la valeur de l'indicateur {ind.code} se saisit pour chaque "
                "établissement candidat (indiquez son numéro FINESS)."
            )
            return False, None
        return True, None
    if not par_membre:
        errors.setdefault(f"indicateurs.{ind.code}", []).append(
            f"L'indicateur {ind.code} a une seule valeur pour le dossier : pas de numéro FINESS."
            if membres is None
            else f"L'indicateur {ind.code} est un prérequis : une seule valeur pour le GHT, "
            "sans numéro FINESS."
        )
        return False, None
    membre = membres.get(finess.strip().upper()) if isinstance(finess, str) else None
    if membre is None:
        errors.setdefault(f"indicateurs.{ind.code}", []).append(
            f"{finess} n'est pas un établissement candidat de ce dossier de GHT."
        )
        return False, None
    return True, membre


def _valeurs_saisies(dossier, items: list[dict], errors: dict) -> list[tuple]:
    """``(indicateur, valeur, non_applicable, membre)`` of each valid indicator value typed
    (``membre``: the GHT member of a per-member value, None otherwise)."""
    indicateurs = {i.code: i for i in dossier.programme.indicateurs.all()}
    membres = {e.finess: e for e in candidats(dossier)} if dossier.ght_id else None
    valeurs = []
    for item in items:
        code = item.get("code")
        ind = indicateurs.get(code) if isinstance(code, str) else None
        if ind is None:
            errors.setdefault("indicateurs", []).append(f"Indicateur inconnu : {item.get('code')}.")
            continue
        valide, membre = _membre_saisi(item, ind, membres, errors)
        if not valide:
            continue
        champ = f"indicateurs.{ind.code}" + (f".{membre.finess}" if membre else "")
        valeur = item.get("valeur")
        if ind.type == "existence" and valeur not in (None, ""):
            valeur = oui_non(valeur)
            if valeur is None:
                errors.setdefault(champ, []).append("Répondez oui ou non.")
                continue
        else:
            valeur = decimal_ou_erreur(valeur, champ, errors, **VALEUR_INDICATEUR)
        non_applicable = booleen_ou_erreur(
            item.get("non_applicable", False), f"{champ}.non_applicable", errors
        )
        valeurs.append((ind, valeur, bool(non_applicable), membre))
    return valeurs


def _code_permis(valeur, codes) -> bool:
    """An optional choice: empty, or one of ``codes`` (a string: a list is no code)."""
    return valeur in ("", None) or (isinstance(valeur, str) and valeur in codes)
