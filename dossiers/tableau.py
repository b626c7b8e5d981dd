"""The 'tableau de bord SI' of the instruction [000 A10 §10; SPEC §5], computed once per state
of its perimeter and cached.

The figures of a perimeter (counts per état, the decisions closest to their deadline, the
initialisation requests waiting, the follow-up to act on) change only when one of its dossiers,
followed domaines, requests or établissements' names changes. Database triggers bump the
version of the région of any such row in the same transaction
(``dossiers.models.VersionPerimetre``), so the cache key (perimeter, day, versions of its
régions) changes at the commit of the change, seen by every process. A page then pays one small
query (the versions) instead of the dashboard's six; the day is in the key because "en retard"
depends on it.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q

from dossiers.enums import SUIVI_OUVERT, Etat, SuiviDomaine
from dossiers.models import DemandeInitialisation, DomaineDossier, Dossier, VersionPerimetre
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.referentiel.models import Region

DEMANDES_AFFICHEES = 10
# The key holds the day and the versions: an entry is never read once its perimeter changed.
# The timeout only frees the memory of superseded entries.
DUREE_S = 24 * 3600


def tableau_de_bord(user) -> dict | None:
    """The dashboard of the user's perimeter (national level, or ARS régions), ``None`` for a
    user without one (établissement staff). Its ``cle`` also keys the rendered fragments
    (``{% cache … tableau.cle %}`` in the templates)."""
    a = acces(user)
    if not (a.national or a.regions):
        return None
    cle = _cle(a)
    tableau = cache.get(cle)
    if tableau is None:
        tableau = {**calculer(user), "cle": cle}
        cache.set(cle, tableau, DUREE_S)
    # Whether its dossiers to decide link to their instruction (the CMSI's) or to the dossier
    # (any other reader: the instruction page would be a 403). Part of the fragments' key.
    instruire = a.superuser or (bool(a.regions) and a.regions_instruction == a.regions_lecture)
    return {**tableau, "instruire": instruire}


def _cle(a) -> str:
    versions = VersionPerimetre.objects.order_by("region_id")
    if a.national:
        perimetre = "national"
    elif a.etablissements:
        # An ARS role and établissement roles: their établissements may lie in any région.
        perimetre = f"r{sorted(a.regions)}e{sorted(a.etablissements)}"
    else:
        perimetre = f"r{sorted(a.regions)}"
        versions = versions.filter(region_id__in=a.regions_lecture)
    etat = f"{perimetre}|{aujourd_hui().isoformat()}|{list(versions.values_list())}"
    return "tableau-de-bord:" + hashlib.sha256(etat.encode()).hexdigest()


def calculer(user) -> dict:
    """The figures, straight from the database (the cache's miss path)."""
    visibles = Dossier.objects.visibles_par(user)
    # COUNT(*), not COUNT(id): the (région, état) index answers alone (index-only scan).
    par_region = visibles.values_list("region_id", "etat").annotate(n=Count("*")).order_by()
    compte, regions = {}, {}
    for region_id, etat, n in par_region:
        compte[etat] = compte.get(etat, 0) + n
        regions.setdefault(region_id, {})[etat] = n
    demandes = DemandeInitialisation.objects.visibles_par(user).en_attente()
    jour = aujourd_hui()
    en_suivi = visibles.filter(etat=Etat.ACCEPTE)

    def ayant(*suivis):  # EXISTS, not a join + DISTINCT over the wide dossier rows
        return Exists(DomaineDossier.objects.filter(dossier=OuterRef("pk"), suivi__in=suivis))

    # Plain values, not model instances: the entry is read (unpickled) on every page.
    return {
        "rapports_en_retard": list(
            en_suivi.filter(ayant(*SUIVI_OUVERT), prochain_rapport_le__lt=jour)
            .order_by("prochain_rapport_le", "pk")
            .values("numero", "nom", "prochain_rapport_le")[:10]
        ),
        "a_financer": list(
            en_suivi.filter(ayant(SuiviDomaine.CIBLES_ATTEINTES))
            .order_by("pk")
            .values("numero", "nom")[:10]
        ),
        "etats": [(value, label, compte.get(value, 0)) for value, label in Etat.choices],
        "regions": _par_region(regions) if len(regions) > 1 else [],
        "total": sum(compte.values()),
        "a_decider": list(
            visibles.filter(etat=Etat.DEPOSE)
            .order_by("echeance_decision", "pk")
            .values("numero", "nom", "echeance_decision")[:5]
        ),
        # The most urgent pending requests; their counts are in the section's heading.
        "demandes": demandes_urgentes(demandes),
        **compte_demandes(demandes),
    }


def _par_region(regions: dict) -> list:
    """Counts per état of each région, by région name: the national breakdown."""
    noms = {
        pk: (nom, code)
        for pk, nom, code in Region.objects.filter(pk__in=regions).values_list("pk", "nom", "code")
    }
    return [
        {
            "nom": noms[pk][0],
            "code": noms[pk][1],
            "etats": [compte.get(value, 0) for value, _ in Etat.choices],
            "total": sum(compte.values()),
        }
        for pk, compte in sorted(regions.items(), key=lambda r: noms[r[0]])
    ]


def demandes_urgentes(demandes) -> list[dict]:
    """The pending requests closest to their deadline, as the list shows them."""
    jour = aujourd_hui()
    lignes = demandes.order_by("echeance", "pk").values(
        "pk",
        "demandee_le",
        "echeance",
        programme_code=F("programme__code"),
        raison_sociale=F("etablissement__raison_sociale"),
        finess=F("etablissement__finess"),
        ght_nom=F("ght__nom"),
    )[:DEMANDES_AFFICHEES]
    lignes = list(lignes)
    # A GHT request's candidate members (SPEC §10), one query for the rows shown.
    membres: dict[int, list[str]] = {}
    if any(ligne["ght_nom"] for ligne in lignes):
        for demande_id, finess in (
            DemandeInitialisation.membres.through.objects.filter(
                demandeinitialisation_id__in=[ligne["pk"] for ligne in lignes if ligne["ght_nom"]]
            )
            .order_by("etablissement__finess")
            .values_list("demandeinitialisation_id", "etablissement__finess")
        ):
            membres.setdefault(demande_id, []).append(finess)
    return [
        {**ligne, "en_retard": ligne["echeance"] < jour, "membres": membres.get(ligne["pk"], [])}
        for ligne in lignes
    ]


def compte_demandes(demandes) -> dict:
    """Pending requests and overdue ones, in one scan."""
    return demandes.order_by().aggregate(
        demandes_total=Count("pk"),
        demandes_en_retard=Count("pk", filter=Q(echeance__lt=aujourd_hui())),
    )
