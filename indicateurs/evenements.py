"""The follow-up's part in the dossier's acceptance and total closure (``dossiers.evenements``),
registered in ``IndicateursConfig.ready``."""

from dossiers import evenements
from indicateurs import clotures, suivi


@evenements.abonner(evenements.ACCEPTE, ordre=10)
def entrer_en_suivi(*, dossier, le, **_):
    """First, before the ledger engages the forfaits: the selected domaines enter the
    follow-up."""
    suivi.entrer_en_suivi(dossier, le=le)


@evenements.abonner(evenements.CLOTURE, ordre=10)
def clore_tous_les_domaines(*, dossier, motif, commentaire, acting_user, le, **_):
    clotures.clore_tous_les_domaines(
        dossier, motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
    )
