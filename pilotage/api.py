"""Pilotage API (API.md "Pilotage"): ``GET pilotage/`` and one endpoint per dashboard block, in
the same style — one row per current région of the caller's scope (national: every région; ARS:
its own), ``?programme=`` required, ``&region=`` to narrow to one (404 outside the scope).

Amounts in whole euros, each rounded alone (``enveloppes.tableaux.euros_entiers``, as
``GET enveloppes/``); shares in percent with one decimal (``null`` when there is nothing to
divide by). The figures are those of the dashboards (``pilotage.chiffres``).
"""

from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from enveloppes.tableaux import euros_entiers
from hn.champs import parametre_texte
from hn.referentiel.models import Programme
from pilotage import chiffres

PARAMETRES = [
    OpenApiParameter("programme", str, required=True, description="HN ou HOPEN"),
    OpenApiParameter("region", str, description="Code INSEE d'une région actuelle."),
]
LISTE = {200: {"type": "array", "items": {"type": "object", "additionalProperties": {}}}}


def pourcent(part: Decimal | None) -> float | None:
    if part is None:
        return None
    return float((part * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def tableau_demande(request) -> chiffres.Tableau:
    code = parametre_texte(request, "programme")
    if not code:
        raise exceptions.ValidationError({"programme": ["Indiquez le programme (HN ou HOPEN)."]})
    if not Programme.objects.filter(code=code.upper()).exists():
        raise exceptions.ValidationError({"programme": [f"Programme inconnu : {code}."]})
    p = chiffres.perimetre(request.user, code, parametre_texte(request, "region"))
    return chiffres.tableau_en_cache(p)


def ligne_pilotage(lig: chiffres.Ligne) -> dict:
    """API.md ``GET pilotage/``: its keys, then the région's name."""
    f = lig.finances
    return {
        "region": lig.code,
        "dossiers": dict(lig.instruction.etats),
        "enveloppe": euros_entiers(f.enveloppe),
        "engage": euros_entiers(f.engage),
        "verse": euros_entiers(f.verse),
        "disponible": euros_entiers(f.disponible),
        "remboursements_dus": euros_entiers(f.remboursements_dus),
        "redeploiements": euros_entiers(f.redeploiements),
        "nom": lig.nom,
    }


def instruction(lig: chiffres.Ligne) -> dict:
    i = lig.instruction
    return {
        "dossiers": dict(i.etats),
        "total": i.dossiers,
        "decisions_sous_15_jours": i.decisions_sous_15_jours,
        "demandes_en_attente": i.demandes_en_attente,
        "initialisations_en_retard": i.initialisations_en_retard,
        "refus_implicites": i.refus_implicites,
    }


def finances(lig: chiffres.Ligne) -> dict:
    f = lig.finances
    return {
        **{
            champ.name: euros_entiers(getattr(f, champ.name)) for champ in fields(chiffres.Finances)
        },
        "taux_engagement": pourcent(f.taux_engagement),
        "taux_versement": pourcent(f.taux_versement),
    }


def _repartitions(liste) -> list[dict]:
    return [
        {
            "cle": r.cle,
            "libelle": r.libelle,
            "selectionnes": r.selectionnes,
            "region": r.region,
            "part_selection": pourcent(r.part_selection),
            "part_region": pourcent(r.part_region),
            "ecart": r.ecart,
        }
        for r in liste
    ]


def selection(lig: chiffres.Ligne) -> dict:
    s = lig.selection
    return {
        "etablissements": s.etablissements,
        "domaines": s.domaines,
        "etablissements_region": s.etablissements_region,
        "par_statut": _repartitions(s.par_statut),
        "par_activite": _repartitions(s.par_activite),
    }


def suivi(lig: chiffres.Ligne) -> dict:
    s = lig.suivi
    return {
        "domaines_selectionnes": s.domaines_selectionnes,
        "domaines_cibles_atteintes": s.domaines_cibles_atteintes,
        "part_cibles_atteintes": pourcent(s.part_cibles_atteintes),
        "domaines_finances": s.domaines_finances,
        "dossiers_suivis": s.dossiers_suivis,
        "prerequis_atteints": s.prerequis_atteints,
        "part_prerequis_atteints": pourcent(s.part_prerequis_atteints),
        "rapports_en_retard": s.rapports_en_retard,
    }


def candidatures(lig: chiffres.Ligne) -> dict:
    c = lig.candidatures
    return {
        "precandidatures": dict(c.etats),
        "total": c.precandidatures,
        "tardives": c.tardives,
        "domaines_demandes": c.domaines_demandes,
        "programmation_transmise": bool(c.programmations_transmises),
        "versions": c.versions,
        "derniere_version_le": c.derniere_version_le,
        "total_programme": c.total_programme,
    }


def audits(lig: chiffres.Ligne) -> dict:
    a = lig.audits
    return {"audits": dict(a.etats), "total": a.audits, "clotures": a.clotures}


BLOCS = {
    "instruction": instruction,
    "finances": finances,
    "selection": selection,
    "suivi": suivi,
    "candidatures": candidatures,
    "audits": audits,
}


class Pilotage(APIView):
    """One row per région: dossiers per état and the envelope's figures (API.md)."""

    @extend_schema(parameters=PARAMETRES, responses=LISTE, operation_id="pilotage_list")
    def get(self, request):
        return Response([ligne_pilotage(lig) for lig in tableau_demande(request).lignes])


class PilotageBloc(APIView):
    """One block of the dashboards, one row per région: ``instruction``, ``finances``,
    ``selection``, ``suivi``, ``candidatures`` or ``audits``."""

    @extend_schema(parameters=PARAMETRES, responses=LISTE, operation_id="pilotage_bloc")
    def get(self, request, bloc):
        if bloc not in BLOCS:
            raise exceptions.NotFound()
        ecrire = BLOCS[bloc]
        return Response(
            [
                {"region": lig.code, "nom": lig.nom, **ecrire(lig)}
                for lig in tableau_demande(request).lignes
            ]
        )
