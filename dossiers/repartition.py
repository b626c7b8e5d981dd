"""What the pages and the PDF show of a GHT dossier's money [SPEC §10; 003 A3 §2]: the
candidate members (header), and the forfait's breakdown, one line per member and the GHT total.

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
