"""The calls' part of the home page (hn.accueil), registered by CandidaturesConfig.ready()."""

from candidatures.enums import EtatPrecandidature
from candidatures.models import Campagne, Precandidature
from hn.accueil import contribution_accueil
from hn.dates import aujourd_hui


@contribution_accueil
def accueil(acces) -> dict:
    """Établissements, ARS and the national level: the campaigns open today and, for the ARS,
    how many transmitted pré-candidatures await its answer."""
    if not (acces.national or acces.regions or acces.etablissements):
        return {}
    jour = aujourd_hui()
    ouvertes = Campagne.objects.filter(ouverture__lte=jour, tardives_jusqu_au__gte=jour)
    a_repondre = 0
    if acces.regions_instruction:
        a_repondre = Precandidature.objects.filter(
            region_id__in=acces.regions_instruction, etat=EtatPrecandidature.TRANSMISE
        ).count()
    return {
        "candidatures_accueil": {
            "ouvertes": list(ouvertes.order_by("cloture")),
            "a_repondre": a_repondre,
            "etablissement": bool(acces.etablissements) and not acces.regions,
        }
    }
