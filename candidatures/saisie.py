"""Reading what an établissement writes in its pré-candidature (API ``PATCH`` body, or the
tabs' forms turned into the same shape): every refusal is collected per field, in French, and
nothing is written while one remains [SPEC §7; 003 A5].

Shape (API.md): ``position``, ``prerequis_hn_atteints``, ``semestre_prerequis_hn``,
``semestre_prerequis_hopen``, ``domaines`` ``[{"code", "semestre_cibles"}]`` (an empty semester
withdraws the domaine), ``referent`` and ``representant_legal`` ``{"nom", "fonction",
"email", "telephone"}``, ``commentaire``. Absent keys are left unchanged.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from candidatures import semestres
from candidatures.enums import Position
from hn.champs import SaisieRefusee, booleen_ou_erreur, texte_ou_erreur

CONTACTS = {"referent": "referent", "representant_legal": "representant"}
CHAMPS_CONTACT = {"nom": 200, "fonction": 200, "email": 254, "telephone": 30}


def _semestre(valeur, campagne, dernier: str, quoi: str, champ: str, errors: dict) -> str | None:
    if valeur in (None, ""):
        return ""
    try:
        return semestres.verifier(str(valeur), campagne.premier_semestre, dernier, quoi)
    except semestres.SemestreInvalide as exc:
        errors.setdefault(champ, []).append(exc.message)
        return None


def _contact(nom: str, valeur, errors: dict) -> dict:
    if not isinstance(valeur, dict):
        errors.setdefault(nom, []).append("Un objet est attendu : nom, fonction, email, telephone.")
        return {}
    prefixe = CONTACTS[nom]
    result = {}
    for cle, longueur in CHAMPS_CONTACT.items():
        if cle not in valeur:
            continue
        lu = texte_ou_erreur(
            valeur[cle], f"{nom}.{cle}", errors, longueur=longueur, multiligne=False
        )
        if lu and cle == "email":
            try:
                validate_email(lu)
            except ValidationError:
                errors.setdefault(f"{nom}.{cle}", []).append("Adresse électronique invalide.")
                continue
        if lu is not None:
            result[f"{prefixe}_{cle}"] = lu
    return result


def _domaines(valeur, campagne, codes: set[str], errors: dict) -> dict[str, str] | None:
    if not isinstance(valeur, list):
        errors.setdefault("domaines", []).append(
            'Une liste est attendue : [{"code": "D2", "semestre_cibles": "2020S2"}].'
        )
        return None
    result: dict[str, str] = {}
    for element in valeur:
        code = element.get("code") if isinstance(element, dict) else None
        code = str(code or "").strip().upper()
        if code not in codes:
            errors.setdefault("domaines", []).append(
                f"Domaine inconnu : « {code or element} » (domaines du programme : "
                f"{', '.join(sorted(codes))})."
            )
            continue
        if code in result:
            errors.setdefault("domaines", []).append(f"Le domaine {code} est donné deux fois.")
            continue
        lu = _semestre(
            element.get("semestre_cibles"),
            campagne,
            campagne.dernier_semestre_cibles,
            f"Cibles du domaine {code}",
            "domaines",
            errors,
        )
        if lu is not None:
            result[code] = lu
    return result


def _position(valeur, errors) -> str | None:
    if valeur in (None, ""):
        return ""
    if valeur not in Position.values:
        errors.setdefault("position", []).append(
            "Position inconnue : aucune, en_projet ou definitive."
        )
        return None
    return valeur


def lire(donnees, campagne, codes: set[str]) -> tuple[dict, dict[str, str] | None]:
    """(model fields to set, domaines code → semester or None when not given), or
    :class:`SaisieRefusee` listing every refused field."""
    if not isinstance(donnees, dict):
        raise SaisieRefusee("Un objet JSON est attendu.", {"non_field_errors": ["Objet attendu."]})
    errors: dict[str, list[str]] = {}
    champs: dict = {}
    if "position" in donnees:
        champs["position"] = _position(donnees["position"], errors)
    if "prerequis_hn_atteints" in donnees:
        valeur = donnees["prerequis_hn_atteints"]
        champs["prerequis_hn_atteints"] = (
            None if valeur is None else booleen_ou_erreur(valeur, "prerequis_hn_atteints", errors)
        )
    prerequis = (
        ("semestre_prerequis_hn", "Prérequis HN"),
        ("semestre_prerequis_hopen", "Prérequis HOP'EN"),
    )
    for champ, quoi in prerequis:
        if champ in donnees:
            champs[champ] = _semestre(
                donnees[champ], campagne, campagne.dernier_semestre_prerequis, quoi, champ, errors
            )
    for nom in CONTACTS:
        if nom in donnees:
            champs.update(_contact(nom, donnees[nom], errors))
    if "commentaire" in donnees:
        champs["commentaire"] = texte_ou_erreur(
            donnees["commentaire"], "commentaire", errors, longueur=10_000
        )
    domaines = None
    if "domaines" in donnees:
        domaines = _domaines(donnees["domaines"], campagne, codes, errors)
    if errors:
        n = sum(len(v) for v in errors.values())
        raise SaisieRefusee(
            f"La pré-candidature n'est pas enregistrée : {n} erreur{'s' if n > 1 else ''} à "
            "corriger.",
            errors,
        )
    return champs, domaines
