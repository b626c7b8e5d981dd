"""The dossiers' part of the core's pages (hn.accueil), registered by DossiersConfig.ready()."""

from dossiers.enums import Etat
from dossiers.models import DemandeInitialisation, Dossier
from hn import antivirus
from hn.accueil import contribution_accueil, contribution_operations


@contribution_accueil
def antivirus_desactive(acces) -> dict:
    """Administrators and the national level are told when attachments are not scanned."""
    if antivirus.actif() or not (acces.administrateur or acces.national):
        return {}
    return {"antivirus_desactive": True}


@contribution_accueil
def accueil(acces) -> dict:
    """An établissement's users: its latest dossiers and its pending initialisation demands."""
    if not acces.etablissements:
        return {}
    return {
        "mes_dossiers": (
            Dossier.objects.filter(etablissement_id__in=acces.etablissements_lecture)
            .select_related("programme", "etablissement")
            .order_by("-cree_le", "-pk")[:20]
        ),
        "mes_demandes": (
            DemandeInitialisation.objects.en_attente()
            .filter(etablissement_id__in=acces.etablissements_lecture)
            .select_related("programme", "etablissement")
        ),
    }


@contribution_operations
def operations(jour) -> dict:
    """Deposited dossiers past their decision date, demands past their deadline."""
    return {
        "refus_dus": Dossier.objects.filter(etat=Etat.DEPOSE, echeance_decision__lt=jour).count(),
        "demandes_en_retard": DemandeInitialisation.objects.en_attente()
        .filter(echeance__lt=jour)
        .count(),
    }
