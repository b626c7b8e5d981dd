"""The dossier's history page: its journal rows in French (``hn.journal.lecture``), and the
same rows as a CSV or XLSX file."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dossiers.contextes import contexte_dossier
from dossiers.services import get_dossier_for_user
from hn.exports import format_demande, reponse_liste
from hn.journal.lecture import ENTETES_HISTORIQUE, ligne_fichier, lire
from hn.journal.models import Evenement


@login_required
def historique(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    evenements = (
        Evenement.objects.visibles_par(request.user)
        .filter(objet_type="dossiers.dossier", objet_id=str(dossier.pk))
        .select_related("acteur")
        .order_by("horodatage", "pk")
    )
    entrees = lire(evenements, request.user)
    format_ = format_demande(request)
    if format_:
        return reponse_liste(
            format_,
            f"historique-{dossier.numero}",
            f"Historique {dossier.numero}",
            ENTETES_HISTORIQUE,
            [ligne_fichier(e, objet=False) for e in entrees],
        )
    return render(
        request,
        "dossiers/historique.html",
        contexte_dossier(
            request, dossier, title=f"Historique du dossier {dossier.numero}", entrees=entrees
        ),
    )
