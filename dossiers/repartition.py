"""A dossier's forfaits by domaine and their breakdown by candidate établissement, as a caller
may read them [SPEC §3, §10; 003 A3 §2]: the API's ``GET dossiers/{numero}/forfaits/``
(:func:`forfaits_lisibles`, every dossier: one line for a single établissement's, one per
candidate member for a GHT's), the pages' and the PDF's GHT header and breakdown
(:func:`membres_ght`, :func:`repartition_ght`).

A domaine's amount is the sum of its lines' standard forfaits (whole euros, each forfait already
rounded by the rule), equal to ``services.activite_et_forfaits``.

Visibility: the support's users, the ARS and the national level read every line; a member's
users read their own lines and the GHT totals; with no user (the deposited snapshot's PDF,
rendered once for every reader) only the totals are printed.

Queries: the members with their établissement in one query (:func:`prefetch_membres`), then a
constant number for the breakdown (``dossiers.services.forfaits_par_etablissement``), whatever
the number of members.
"""

from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects

from dossiers import ght
from dossiers.models import MembreDossier
from dossiers.services import activite_inconnue, forfaits_par_etablissement
from hn.comptes.scopes import acces
from hn.referentiel.serializers import nombre


def prefetch_membres(dossier) -> None:
    """A GHT dossier's members and their établissement in one query (kept on ``dossier``:
    ``dossiers.ght.candidats`` and ``lit_la_saisie`` read them from there)."""
    if dossier.ght_id and "membres" not in getattr(dossier, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [dossier],
            Prefetch("membres", queryset=MembreDossier.objects.select_related("etablissement")),
        )


def membres_ght(dossier) -> list:
    """The candidate members of a GHT dossier (by FINESS), [] for a single ES's dossier."""
    if not dossier.ght_id:
        return []
    prefetch_membres(dossier)
    return ght.candidats(dossier)


def voit_toutes_les_lignes(user, dossier) -> bool:
    """The support's users, the ARS of the dossier's région and the national level."""
    if user is None:
        return False
    a = acces(user)
    return (
        a.national
        or dossier.region_id in a.regions_lecture
        or dossier.etablissement_id in a.etablissements_lecture
    )


def repartition_ght(user, dossier, codes: list[str]) -> dict | None:
    """The breakdown of a GHT dossier's forfait over ``codes`` (the domaines shown, in order):
    ``{"lignes": [{etablissement, activite_combinee, categorie, forfaits: [{standard, avance}]}],
    "total": {activite_combinee, forfaits: [...]}, "masquees": int, "inconnus": [établissements
    of unknown activity]}``; None for a single ES's dossier."""
    if not dossier.ght_id:
        return None
    prefetch_membres(dossier)
    calcul = forfaits_par_etablissement(dossier)
    if calcul is None:
        return {"lignes": [], "total": None, "masquees": 0, "inconnus": activite_inconnue(dossier)}
    tout = voit_toutes_les_lignes(user, dossier)
    siens = frozenset() if user is None or tout else acces(user).etablissements_lecture
    lignes, masquees = [], 0
    for ligne in calcul:
        if not (tout or ligne["etablissement"].pk in siens):
            masquees += 1
            continue
        lignes.append({**ligne, "forfaits": _colonnes(ligne["forfaits"], codes)})
    total = {
        "activite_combinee": sum((ligne["activite_combinee"] for ligne in calcul), Decimal(0)),
        "forfaits": [_somme([ligne["forfaits"].get(c) for ligne in calcul]) for c in codes],
    }
    return {"lignes": lignes, "total": total, "masquees": masquees, "inconnus": []}


def _colonnes(forfaits: dict, codes: list[str]) -> list[dict | None]:
    return [
        {"standard": forfaits[c][0], "avance": forfaits[c][1]} if c in forfaits else None
        for c in codes
    ]


def _somme(valeurs: list) -> dict | None:
    """The GHT total of one domaine: the sum of the members' forfaits (standard; avancé when
    the domaine has one), as ``hn.referentiel.regles.forfaits_sommes``."""
    if any(v is None for v in valeurs):
        return None
    standard = sum(v[0] for v in valeurs)
    avance = None if any(v[1] is None for v in valeurs) else sum(v[1] for v in valeurs)
    return {"standard": standard, "avance": avance}


def message_activite_inconnue(dossier) -> str:
    inconnus = ", ".join(f"{e.raison_sociale} ({e.finess})" for e in activite_inconnue(dossier))
    return (
        "Forfaits incalculables : l'activité de l'année de référence "
        f"({dossier.programme.annee_reference_activite}) est inconnue du référentiel pour "
        f"{inconnus}."
    )


def forfaits_lisibles(user, dossier) -> dict | None:
    """``{"domaines": [{"code", "montant", "par_etablissement": [...]}]}``; None when one
    candidate's reference-year activity is unknown (no forfait can be computed)."""
    prefetch_membres(dossier)
    lignes = forfaits_par_etablissement(dossier)
    if lignes is None:
        return None
    if voit_toutes_les_lignes(user, dossier):
        lisibles = lignes
    else:
        siens = acces(user).etablissements_lecture
        lisibles = [ligne for ligne in lignes if ligne["etablissement"].pk in siens]
    codes = list(lignes[0]["forfaits"]) if lignes else []
    return {
        "domaines": [
            {
                "code": code,
                "montant": sum(ligne["forfaits"][code][0] for ligne in lignes),
                "par_etablissement": [
                    {
                        "finess": ligne["etablissement"].finess,
                        "activite_combinee": nombre(ligne["activite_combinee"]),
                        "categorie": ligne["categorie"],
                        "montant": ligne["forfaits"][code][0],
                    }
                    for ligne in lisibles
                ],
            }
            for code in codes
        ]
    }
