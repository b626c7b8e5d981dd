"""Opening a campaign (a call for applications) by the national level [SPEC §7: "the national
level may open further campaigns"; our choice, so the engine serves future programmes].

Semesters offered: unless given, from the opening's semester over the same spans as the
HOP'EN 2019 AMI [003 A5]: five semesters for the prérequis (2019 S1 … 2021 S1) and eight for
the targets (2019 S1 … 2022 S2).
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from candidatures import regles, semestres
from candidatures.models import Campagne
from dossiers.actions import DossierError
from hn.champs import date_ou_erreur, texte_ou_erreur
from hn.comptes.perms import peut_piloter
from hn.journal.services import tracer
from hn.referentiel.models import Programme

DATES = ("ouverture", "cloture", "programmation_avant", "reponse_avant", "tardives_jusqu_au")
SEMESTRES = ("premier_semestre", "dernier_semestre_prerequis", "dernier_semestre_cibles")
SPAN_PREREQUIS, SPAN_CIBLES = 4, 7  # semesters after the first [003 A5]


def _decaler(semestre: str, n: int) -> str:
    s = semestres.lire(semestre)
    for _ in range(n):
        s = semestres.suivant(s)
    return semestres.ecrire(s)


def _semestres(donnees, ouverture, errors) -> dict:
    lus = {}
    for champ in SEMESTRES:
        valeur = donnees.get(champ)
        if valeur in (None, ""):
            continue
        try:
            lus[champ] = semestres.ecrire(semestres.lire(str(valeur)))
        except semestres.SemestreInvalide as exc:
            errors.setdefault(champ, []).append(exc.message)
    if ouverture is None or errors:
        return lus
    premier = lus.setdefault("premier_semestre", semestres.de_la_date(ouverture))
    lus.setdefault("dernier_semestre_prerequis", _decaler(premier, SPAN_PREREQUIS))
    lus.setdefault("dernier_semestre_cibles", _decaler(premier, SPAN_CIBLES))
    for champ in SEMESTRES[1:]:
        if semestres.lire(lus[champ]) < semestres.lire(premier):
            errors.setdefault(champ, []).append("Ce semestre précède le premier semestre proposé.")
    return lus


def lire(donnees) -> tuple[Programme, dict]:
    if not isinstance(donnees, dict):
        raise DossierError("Un objet JSON est attendu.", {"non_field_errors": ["Objet attendu."]})
    errors: dict[str, list[str]] = {}
    programme = Programme.objects.filter(code=str(donnees.get("programme") or "").upper()).first()
    if programme is None:
        errors["programme"] = [f"Programme inconnu : {donnees.get('programme')}."]
    libelle = texte_ou_erreur(
        donnees.get("libelle"), "libelle", errors, longueur=200, obligatoire=True, multiligne=False
    )
    dates = {
        champ: date_ou_erreur(donnees.get(champ), champ, errors, obligatoire=True)
        for champ in DATES
    }
    if not errors:
        errors.update(regles.dates_desordonnees(regles.Calendrier(**dates)))
    valeurs = {"libelle": libelle, **dates, **_semestres(donnees, dates["ouverture"], errors)}
    if errors:
        raise DossierError("La campagne n'est pas ouverte : vérifiez les champs signalés.", errors)
    return programme, valeurs


@transaction.atomic
def ouvrir(*, donnees, acting_user) -> Campagne:
    """The national pilote opens a campaign (``POST campagnes/``)."""
    if not peut_piloter(acting_user):
        raise PermissionDenied("Seul le pilote national ouvre un appel à candidatures.")
    programme, valeurs = lire(donnees)
    code = slugify(f"{valeurs['ouverture']:%Y%m%d}-{valeurs['libelle']}")[:40]
    try:
        with transaction.atomic():
            campagne = Campagne.objects.create(
                programme=programme, code=code, cree_par=acting_user, **valeurs
            )
    except IntegrityError:
        raise DossierError(
            "Une campagne de ce programme porte déjà ce libellé et cette date d'ouverture.",
            {"libelle": ["Choisissez un autre libellé."]},
        ) from None
    tracer(
        "campagne_ouverte",
        acteur=acting_user,
        objet=campagne,
        apres={"programme": programme.code, **{k: valeurs[k] for k in ("libelle", *DATES)}},
    )
    return campagne
