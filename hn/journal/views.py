from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from hn.exports import format_demande, reponse_liste
from hn.journal.filtres import choix_actions, filtrer
from hn.journal.lecture import ENTETES_JOURNAL, ligne_fichier, lire
from hn.journal.models import Evenement


@login_required
def liste(request):
    """The journal of the reader's scope, filtered; its file has the same rows and columns."""
    qs, filtres = filtrer(Evenement.objects.visibles_par(request.user), request.GET, request.user)
    qs = qs.select_related("acteur")
    format_ = format_demande(request)
    if format_:
        lignes = [ligne_fichier(e, objet=True) for e in lire(qs, request.user)]
        return reponse_liste(format_, "journal", "Journal des actions", ENTETES_JOURNAL, lignes)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "journal/liste.html",
        {
            "title": "Journal des actions",
            "page_obj": page,
            "entrees": lire(page.object_list, request.user),
            "filtres": filtres,
            "actions": choix_actions(),
        },
    )
