"""A dossier's forfaits by domaine and their breakdown by candidate établissement, as a caller
may read them (``GET dossiers/{numero}/forfaits/``) [SPEC §3, §10].

Every dossier has the breakdown: one line for a single établissement's, one per candidate
member for a GHT's. A domaine's ``montant`` is the sum of its lines' standard forfaits (whole
euros, each forfait already rounded by the rule), equal to ``services.activite_et_forfaits``.
A member's users see the GHT totals and their own lines only; the support's users, the ARS and
the national level see every line (SPEC §10: "members' users see their own lines and the GHT
totals").
"""

from dossiers.services import activite_inconnue, forfaits_par_etablissement
from hn.comptes.scopes import acces
from hn.referentiel.serializers import nombre


def voit_toutes_les_lignes(user, dossier) -> bool:
    a = acces(user)
    return bool(
        a.superuser
        or a.role_national
        or dossier.region_id in a.regions
        or dossier.etablissement_id in a.etablissements
    )


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
    lignes = forfaits_par_etablissement(dossier)
    if lignes is None:
        return None
    if voit_toutes_les_lignes(user, dossier):
        lisibles = lignes
    else:
        siens = acces(user).etablissements
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
