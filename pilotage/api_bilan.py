"""``GET pilotage/bilan/?programme=HN[&region=84]``: the figures of the published bilan
(``pilotage.bilan``) as JSON, amounts in whole euros (``enveloppes.tableaux.euros_entiers``),
shares in percent (two places). Without ``region``: the national bilan, with one row per région
(the national level only, 403 otherwise); with it: that région's, for the national level and
its ARS (404 otherwise)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from enveloppes.tableaux import euros_entiers
from hn.champs import parametre_texte
from pilotage.bilan import MONTANTS, Bilan, Ligne, bilan, perimetre_visible


def _montants(compteurs) -> dict:
    return {attr: euros_entiers(getattr(compteurs, attr)) for attr, _ in MONTANTS}


def _part(valeur) -> float | None:
    return None if valeur is None else float(valeur)


def _ligne(lig: Ligne, cle: str) -> dict:
    data = {
        cle: lig.cle,
        "libelle": lig.libelle,
        **lig.effectifs.__dict__,
        **_montants(lig.compteurs),
        "part": _part(lig.part),
    }
    if lig.enveloppe is not None:
        data["enveloppe"] = euros_entiers(lig.enveloppe)
        data["part_enveloppe"] = _part(lig.part_enveloppe)
    return data


def donnees(b: Bilan) -> dict:
    per = b.perimetre
    return {
        "programme": per.programme.code,
        "region": None if per.national else per.region.code,
        "region_nom": "National" if per.national else per.region.nom,
        "extrait_le": b.extrait_le.isoformat(),
        "publie": euros_entiers(b.publie),
        "enveloppe": euros_entiers(b.enveloppe),
        **b.effectifs.__dict__,
        **_montants(b.compteurs),
        "part_enveloppe": _part(b.part_enveloppe),
        "par_statut": [_ligne(lig, "statut") for lig in b.par_statut],
        "par_activite": [_ligne(lig, "activite") for lig in b.par_activite],
        "par_annee": [
            {
                "annee": a.annee,
                "etablissements": a.etablissements,
                "nouveaux": a.nouveaux,
                "etablissements_cumules": a.etablissements_cumules,
                "domaines": a.domaines,
                "engage": euros_entiers(a.engage),
                "verse": euros_entiers(a.verse),
                "engage_cumule": euros_entiers(a.engage_cumule),
                "verse_cumule": euros_entiers(a.verse_cumule),
            }
            for a in b.par_annee
        ],
        "par_domaine": [_ligne(lig, "domaine") for lig in b.par_domaine],
        "prerequis": {
            "instruits": b.prerequis.instruits,
            "tous_acceptes": b.prerequis.tous_acceptes,
            "etablissements_tous_acceptes": b.prerequis.etablissements_tous_acceptes,
            "derogation": b.prerequis.derogation,
            "lignes": [p.__dict__ for p in b.prerequis.lignes],
        },
        "par_region": [_ligne(lig, "region") for lig in b.par_region],
    }


class BilanApi(APIView):
    """The bilan's figures (the same as its PDF)."""

    @extend_schema(
        operation_id="pilotage_bilan",
        parameters=[
            OpenApiParameter("programme", str, required=True, description="HN ou HOPEN"),
            OpenApiParameter(
                "region",
                str,
                description="Code INSEE d'une région actuelle (HN : les anciennes régions "
                "qu'elle couvre) ou d'une ancienne région (HN) ; absent : bilan national.",
            ),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        programme = parametre_texte(request, "programme")
        if not programme:
            raise exceptions.ValidationError({"programme": ["Le programme est obligatoire."]})
        region = parametre_texte(request, "region") or None
        return Response(donnees(bilan(perimetre_visible(request.user, programme, region))))
