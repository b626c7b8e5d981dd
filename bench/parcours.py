"""Who the load test (``bench.charge``) simulates: the journeys of an ES gestionnaire, an ARS
valideur (CMSI) and a national pilote, and the data set's accounts that walk them, each given
one random password for the run (:func:`preparer`) and put back afterwards
(:func:`restaurer_mots_de_passe`)."""

import secrets
from collections import defaultdict
from dataclasses import dataclass

from bench.budgets import LISTE, TABLEAU

# Share of each kind of user: ES, ARS, national.
PARTS = {"ES": 0.6, "ARS": 0.3, "DGOS": 0.1}


@dataclass(frozen=True)
class Etape:
    """One request of a journey; ``nom`` is the report's row (same name, same row)."""

    nom: str
    url: str
    budget: float | None
    methode: str = "GET"
    corps: dict | None = None
    attendu: int = 200


@dataclass
class Compte:
    username: str
    profil: str  # "ES", "ARS" or "DGOS"
    parcours: list[Etape]


# --- journeys ----------------------------------------------------------------------------------


def parcours_es(numero: str | None, domaine: str | None = None) -> list[Etape]:
    """Home, list, the pages of a dossier being filled in (with one of its started domaines'
    when it has one) and a save through the API."""
    etapes = [
        Etape("Accueil (ES)", "/", LISTE),
        Etape("Liste des dossiers (ES)", "/dossiers/", LISTE),
    ]
    if numero:
        pages = f"/dossiers/{numero}/pages/"
        etapes += [
            Etape("Page « engagements » (ES, saisie)", pages + "engagements/", LISTE),
            Etape("Page « projet » (ES, saisie)", pages + "projet/", LISTE),
            *(
                [Etape("Page d'un domaine (ES, saisie)", f"{pages}domaine-{domaine}/", LISTE)]
                if domaine
                else []
            ),
            Etape("Page « couts » (ES, saisie)", pages + "couts/", LISTE),
            Etape(
                "API saisie PATCH dossier (ES)",
                f"/api/v1/dossiers/{numero}/",
                LISTE,
                "PATCH",
                {"motivation": "Saisie pendant l'essai de charge."},
            ),
        ]
    return etapes


def parcours_ars(numero: str | None, region: str, enveloppe: bool) -> list[Etape]:
    etapes = [
        Etape("Accueil (ARS)", "/", LISTE),
        Etape("Liste des dossiers (ARS, avec le tableau de bord)", "/dossiers/", LISTE),
        Etape("Liste des dossiers déposés (ARS)", "/dossiers/?etat=depose", LISTE),
    ]
    if numero:
        etapes += [
            Etape(
                "Instruction d'un dossier déposé (ARS)", f"/dossiers/{numero}/instruction/", LISTE
            ),
            Etape("Page « projet » (ARS, dépôt)", f"/dossiers/{numero}/pages/projet/", LISTE),
        ]
    if enveloppe:
        etapes.append(
            Etape("Enveloppe HOPEN de la région (ARS)", f"/enveloppes/HOPEN/{region}/", TABLEAU)
        )
    etapes.append(Etape("Tableau de bord (ARS)", "/dossiers/tableau-de-bord/", TABLEAU))
    return etapes


def parcours_national(annee: int) -> list[Etape]:
    return [
        Etape("Accueil (national)", "/", LISTE),
        Etape("Tableau de bord national", "/dossiers/tableau-de-bord/", TABLEAU),
        Etape("Liste nationale (avec le tableau de bord)", "/dossiers/", LISTE),
        Etape("Enveloppes (national)", "/enveloppes/", TABLEAU),
        Etape(
            f"Synthèses annuelles {annee} (national)",
            f"/enveloppes/syntheses/?annee={annee}",
            TABLEAU,
        ),
    ]


# --- accounts (Django) -------------------------------------------------------------------------


def repartir(utilisateurs: int) -> dict[str, int]:
    """``utilisateurs`` split by ``PARTS`` (at least one national user from 3 users)."""
    nationaux = max(1 if utilisateurs >= 3 else 0, round(utilisateurs * PARTS["DGOS"]))
    ars = max(1 if utilisateurs >= 2 else 0, round(utilisateurs * PARTS["ARS"]))
    return {"ES": utilisateurs - ars - nationaux, "ARS": ars, "DGOS": nationaux}


def _cycle(elements: list, n: int) -> list:
    """``n`` elements, going round ``elements`` again when there are fewer (several sessions
    of one account)."""
    return [elements[i % len(elements)] for i in range(n)] if elements else []


def _dossiers_en_saisie(n) -> dict[int, tuple[str, str | None]]:
    """Établissement id -> (numero, code of a started domaine) of dossiers being filled in:
    those with a started domaine (its page exists) first, then any."""
    from dossiers.enums import Avancement, Etat
    from dossiers.models import DomaineDossier, Dossier

    limite = max(n, 1) * 20
    result = {}
    avec_domaine = (
        DomaineDossier.objects.filter(dossier__etat=Etat.EN_SAISIE, demande=True)
        .exclude(avancement__in=["", Avancement.NON_DEMARRE])
        .order_by("dossier__etablissement_id", "dossier_id", "domaine__code")
        .values_list("dossier__etablissement_id", "dossier__numero", "domaine__code")[:limite]
    )
    for etablissement_id, numero, code in avec_domaine:
        result.setdefault(etablissement_id, (numero, code))
    if len(result) < n:
        for etablissement_id, numero in (
            Dossier.objects.filter(etat=Etat.EN_SAISIE)
            .order_by("etablissement_id", "pk")
            .values_list("etablissement_id", "numero")[:limite]
        ):
            result.setdefault(etablissement_id, (numero, None))
    return result


def _comptes_es(n) -> list[tuple[int, Compte]]:
    """Gestionnaires of établissements with a dossier being filled in (one per établissement)."""
    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution

    dossiers = _dossiers_en_saisie(n)
    choisis, vus = [], set()
    attributions = (
        Attribution.objects.filter(role=Role.ES_GESTIONNAIRE, etablissement_id__in=dossiers)
        .order_by("etablissement_id", "pk")
        .values_list("user_id", "user__username", "etablissement_id")
    )
    for user_id, username, etablissement_id in attributions:
        if user_id not in vus and len(choisis) < n:
            vus.add(user_id)
            parcours = parcours_es(*dossiers[etablissement_id])
            choisis.append((user_id, Compte(username, "ES", parcours)))
    return _cycle(choisis, n)


def _comptes_ars(n) -> list[tuple[int, Compte]]:
    """The CMSI of each région, with a deposited dossier of the région and its envelope."""
    from dossiers.enums import Etat
    from dossiers.models import Dossier
    from enveloppes.models import Enveloppe
    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution

    choisis = []
    attributions = (
        Attribution.objects.filter(role=Role.ARS_VALIDEUR, region__isnull=False)
        .order_by("region__code", "pk")
        .values_list("user_id", "user__username", "region_id", "region__code")
    )
    for user_id, username, region_id, code in attributions[:n]:
        numero = (
            Dossier.objects.filter(etat=Etat.DEPOSE, region_id=region_id)
            .order_by("pk")
            .values_list("numero", flat=True)
            .first()
        )
        enveloppe = Enveloppe.objects.filter(programme__code="HOPEN", region_id=region_id).exists()
        choisis.append((user_id, Compte(username, "ARS", parcours_ars(numero, code, enveloppe))))
    return _cycle(choisis, n)


def _comptes_nationaux(n) -> list[tuple[int, Compte]]:
    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution
    from hn.dates import aujourd_hui

    annee = aujourd_hui().year - 1  # the last full year of the ledger (as bench.mesurer)
    choisis = [
        (user_id, Compte(username, "DGOS", parcours_national(annee)))
        for user_id, username in Attribution.objects.filter(role=Role.NATIONAL_PILOTE)
        .order_by("pk")
        .values_list("user_id", "user__username")[:n]
    ]
    return _cycle(choisis, n)


def preparer(repartition: dict[str, int]) -> tuple[list[Compte], str, dict[int, str]]:
    """The simulated accounts, given one random password for the run (hashed once). Returns
    the accounts, the password and the accounts' former password hashes
    (:func:`restaurer_mots_de_passe`)."""
    from django.contrib.auth.hashers import make_password

    from hn.comptes.models import User

    choisis = [
        *_comptes_es(repartition.get("ES", 0)),
        *_comptes_ars(repartition.get("ARS", 0)),
        *_comptes_nationaux(repartition.get("DGOS", 0)),
    ]
    manquants = {
        p: n for p, n in repartition.items() if n and not any(c.profil == p for _, c in choisis)
    }
    if manquants:
        raise SystemExit(f"Aucun compte pour : {', '.join(manquants)} (jeu du banc incomplet).")
    ids = {user_id for user_id, _ in choisis}
    originaux = dict(User.objects.filter(pk__in=ids).values_list("pk", "password"))
    mot_de_passe = secrets.token_urlsafe(18)
    User.objects.filter(pk__in=ids).update(password=make_password(mot_de_passe))
    return [compte for _, compte in choisis], mot_de_passe, originaux


def restaurer_mots_de_passe(originaux: dict[int, str]):
    """The accounts' password hashes as they were before :func:`preparer`."""
    from hn.comptes.models import User

    par_hash = defaultdict(list)
    for pk, mot in originaux.items():
        par_hash[mot].append(pk)
    for mot, pks in par_hash.items():
        User.objects.filter(pk__in=pks).update(password=mot)
