"""The gate of a dossier request for a programme that has a campaign [SPEC §7]: registered
with ``dossiers.preselection`` from ``CandidaturesConfig.ready()``."""

from candidatures import semestres
from candidatures.enums import EtatPrecandidature
from candidatures.models import Campagne, Precandidature
from dossiers import preselection as porte


def preselection_de(programme, etablissement) -> porte.Preselection | None:
    if not Campagne.objects.filter(programme=programme).exists():
        return None  # a programme without a call (HN): nothing required
    candidatures = list(
        Precandidature.objects.filter(campagne__programme=programme, etablissement=etablissement)
        .select_related("campagne")
        .prefetch_related("domaines__domaine")
        .order_by("-campagne__ouverture", "-pk")
    )
    retenue = next((c for c in candidatures if c.etat == EtatPrecandidature.PRESELECTIONNEE), None)
    if retenue is not None:
        return porte.Preselection(
            domaines={
                d.domaine.code: semestres.dernier_jour(d.semestre_cibles)
                for d in retenue.domaines.all()
                if d.semestre_cibles
            }
        )
    regle = (
        f"Pour le programme {programme.nom}, un dossier ne peut être demandé qu'après la "
        "pré-sélection de la pré-candidature de l'établissement par l'ARS (appel à "
        "manifestation d'intérêt)."
    )
    if not candidatures:
        return porte.Preselection(
            refus=f"{regle} L'établissement n'a déposé aucune pré-candidature : déposez-la "
            "depuis la page « Appels à candidatures »."
        )
    derniere = candidatures[0]
    return porte.Preselection(
        refus=f"{regle} La pré-candidature à l'appel « {derniere.campagne.libelle} » est "
        f"« {derniere.get_etat_display()} »."
    )


def enregistrer():
    porte.fournir(preselection_de)
