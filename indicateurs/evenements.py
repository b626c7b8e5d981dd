"""The follow-up's part in the dossier's acceptance and total closure (``dossiers.evenements``),
and the last report's values for the apps that show declared values
(``dossiers.declarations``, read by the audits' control grid); registered in
``IndicateursConfig.ready``."""

from dossiers import declarations, evenements
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


@declarations.fournir_suivi
def dernier_suivi(dossier):
    rapport = dossier.rapports.order_by("-rang").prefetch_related("valeurs__indicateur").first()
    if rapport is None:
        return None
    return declarations.Suivi(
        rang=rapport.rang,
        arrete_le=rapport.arrete_le,
        valeurs={
            v.indicateur.code: declarations.Valeur(v.valeur, v.non_applicable)
            for v in rapport.valeurs.all()
            if v.etablissement_id is None  # a GHT member's value: not the dossier's own
        },
    )
